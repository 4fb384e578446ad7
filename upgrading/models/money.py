"""Seasons (a product's harvest or purchase period) and the advances paid on delivery."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from chain.models import Contract, price_field
from coop.models import Cooperative, CoopScopedQuerySet, Family, Lot, Product, code_validator
from coop.models.production import money_field, weight_field
from coop.units import CURRENCY_CHOICES, RATE_DIGITS, RATE_PLACES


class SeasonQuerySet(CoopScopedQuerySet):
    def covering(self, product_id, day):
        return self.filter(product_id=product_id, starts_on__lte=day, ends_on__gte=day)


class Season(models.Model):
    """A product's season (the honey harvest, a year of nut purchases).

    Deliveries in the season are advanced `advance_rate × reference price × net kg`; the
    reference price is the season's own when a manager set one, otherwise the price of
    the active contract for the product on the delivery date (converted with
    `reference_exchange_rate` when the contract is in a foreign currency).
    """

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="seasons")
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    code = models.CharField(_("code"), max_length=30, validators=[code_validator])
    name = models.CharField(_("name"), max_length=120)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    advance_rate = models.DecimalField(
        _("advance rate"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Share of the expected value advanced on delivery, e.g. 0.5; empty: the contract's."),
    )
    reference_price_per_kg = price_field(
        _("reference price per kg"),
        null=True,
        blank=True,
        help_text=_("In the co-op's base currency; empty: the active contract's price."),
    )
    reference_exchange_rate = models.DecimalField(
        _("reference exchange rate"),
        max_digits=RATE_DIGITS,
        decimal_places=RATE_PLACES,
        null=True,
        blank=True,
        help_text=_("Base currency per unit of the contract's currency, for advances on a foreign contract."),
    )
    history = HistoricalRecords()

    objects = SeasonQuerySet.as_manager()

    class Meta:
        ordering = ["cooperative", "-starts_on"]
        verbose_name = _("season")
        verbose_name_plural = _("seasons")
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "code"], name="season_code_unique_in_coop"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="season_period_ordered"),
            models.CheckConstraint(
                condition=Q(reference_exchange_rate__isnull=True) | Q(reference_exchange_rate__gt=0),
                name="season_exchange_rate_positive",
            ),
        ]

    def __str__(self):
        return f"{self.code} · {self.name}"


class AdvanceQuerySet(CoopScopedQuerySet):
    def due(self):
        return self.filter(status=Advance.Status.DUE)

    def paid(self):
        return self.filter(status=Advance.Status.PAID)


class Advance(models.Model):
    """Money advanced to a family for one accepted delivery, in the co-op's base currency."""

    class Status(models.TextChoices):
        DUE = "due", _("Due")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        PIX = "pix", _("Pix")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CHEQUE = "cheque", _("Cheque")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="advances")
    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, related_name="advance", verbose_name=_("lot"))
    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="advances", verbose_name=_("family")
    )
    season = models.ForeignKey(
        Season,
        on_delete=models.PROTECT,
        related_name="advances",
        null=True,
        blank=True,
        verbose_name=_("season"),
    )
    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("contract"),
    )
    kg = weight_field(_("kg"))
    rate = models.DecimalField(_("advance rate"), max_digits=5, decimal_places=4)
    reference_price_per_kg = price_field(_("reference price per kg"))
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DUE)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    method = models.CharField(_("payment method"), max_length=15, choices=Method.choices, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=120, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("paid by"),
    )
    cancelled_reason = models.CharField(_("why cancelled"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = AdvanceQuerySet.as_manager()

    class Meta:
        ordering = ["cooperative", "-due_on", "-id"]
        verbose_name = _("advance")
        verbose_name_plural = _("advances")
        indexes = [
            models.Index(fields=["cooperative", "status", "due_on"]),
            models.Index(fields=["season", "family", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0, kg__gt=0), name="advance_amount_not_negative"),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_on__isnull=False), name="advance_paid_has_date"
            ),
        ]

    def __str__(self):
        return f"{self.lot} · {self.amount} {self.currency}"
