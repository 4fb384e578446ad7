"""What the co-operative produces: products, lots and their lineage."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from coop.models.people import Cooperative, CoopScopedQuerySet, code_validator


class Product(models.Model):
    """A product the co-operative handles (nuts, oil, honey, ...)."""

    class Unit(models.TextChoices):
        KG = "kg", _("kilogram")
        LITRE = "l", _("litre")
        PIECE = "piece", _("piece")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="products")
    code = models.CharField(_("code"), max_length=30, validators=[code_validator])
    name = models.CharField(_("name"), max_length=120)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.KG)
    history = HistoricalRecords()

    objects = CoopScopedQuerySet.as_manager()

    class Meta:
        ordering = ["cooperative", "name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "code"], name="product_code_unique_in_coop"),
        ]

    def __str__(self):
        return self.name
