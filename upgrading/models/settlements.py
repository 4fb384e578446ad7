"""Season settlements: a pool shared pro rata to accepted kg, in one or two levels.

Lines are computed when the settlement is opened (or recomputed while it is a draft);
approval freezes them: an approved settlement is never edited, a correction is a new
settlement that references it (`corrects`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from coop.models import Association, Cooperative, CoopScopedQuerySet, Family, code_validator
from coop.models.production import money_field, weight_field
from coop.units import CURRENCY_CHOICES
from upgrading.models.assembly import Decision
from upgrading.models.money import Season


class Settlement(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        PAID = "paid", _("Paid")

    class PoolSource(models.TextChoices):
        ENTERED = "entered", _("Entered by a manager")
        COMPUTED = "computed", _("Season revenue minus recorded costs")

    class Levels(models.IntegerChoices):
        FAMILIES = 1, _("Pool → families")
        ASSOCIATIONS = 2, _("Pool → associations → families")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="settlements")
    season = models.ForeignKey(
        Season, on_delete=models.PROTECT, related_name="settlements", verbose_name=_("season")
    )
    reference = models.CharField(_("reference"), max_length=60, validators=[code_validator])
    levels = models.PositiveSmallIntegerField(_("levels"), choices=Levels.choices, default=Levels.FAMILIES)
    pool_source = models.CharField(_("pool"), max_length=10, choices=PoolSource.choices)
    revenue = money_field(_("season revenue"), null=True, blank=True)
    costs = money_field(_("recorded costs"), null=True, blank=True)
    pool = money_field(_("pool to distribute"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    total_kg = weight_field(_("accepted kg in the season"), default=0)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="corrections",
        null=True,
        blank=True,
        verbose_name=_("corrects"),
    )
    decision = models.ForeignKey(
        Decision,
        on_delete=models.PROTECT,
        related_name="settlements",
        null=True,
        blank=True,
        verbose_name=_("authorising decision"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # When the lines were last computed (opened, changed or recomputed): deliveries and
    # advances recorded after it are not in them.
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    history = HistoricalRecords()

    objects = CoopScopedQuerySet.as_manager()

    class Meta:
        ordering = ["cooperative", "-created_at", "-id"]
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "reference"], name="settlement_reference_unique_in_coop"
            ),
            models.CheckConstraint(condition=Q(pool__gte=0), name="settlement_pool_not_negative"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="settlement_approval_recorded",
            ),
        ]

    def __str__(self):
        return self.reference


class SettlementCost(models.Model):
    """A cost recorded against the season's revenue when the pool is computed."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="cost_items")
    description = models.CharField(_("description"), max_length=200)
    amount = money_field(_("amount"))

    class Meta:
        ordering = ["settlement", "id"]
        verbose_name = _("settlement cost")
        verbose_name_plural = _("settlement costs")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="settlement_cost_not_negative")
        ]

    def __str__(self):
        return f"{self.description}: {self.amount}"


class SettlementLine(models.Model):
    """One share: an association's (level 1 of two) or a family's.

    `net = gross_share − advances − carried_in`; a negative net is kept as it is and
    carried into the next settlement of the same product (`carried_in` there).
    """

    class Level(models.TextChoices):
        ASSOCIATION = "association", _("Association")
        FAMILY = "family", _("Family")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="lines")
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    association = models.ForeignKey(
        Association,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("association"),
    )
    family = models.ForeignKey(
        Family,
        on_delete=models.PROTECT,
        related_name="settlement_lines",
        null=True,
        blank=True,
        verbose_name=_("family"),
    )
    kg = weight_field(_("accepted kg"))
    gross_share = money_field(_("gross share"))
    advances = money_field(_("advances paid"), default=0)
    carried_in = money_field(_("carried from earlier settlements"), default=0)
    net = money_field(_("net payable"))

    class Meta:
        ordering = ["settlement", "level", "association", "family"]
        verbose_name = _("settlement line")
        verbose_name_plural = _("settlement lines")
        indexes = [models.Index(fields=["settlement", "level"])]
        constraints = [
            models.UniqueConstraint(
                fields=["settlement", "family"], condition=Q(level="family"), name="settlement_family_once"
            ),
            models.UniqueConstraint(
                fields=["settlement", "association"],
                condition=Q(level="association"),
                name="settlement_association_once",
            ),
            models.CheckConstraint(
                condition=(Q(level="family") & Q(family__isnull=False))
                | (Q(level="association") & Q(association__isnull=False, family__isnull=True)),
                name="settlement_line_subject",
            ),
        ]

    def __str__(self):
        return f"{self.settlement_id}: {self.family_id or self.association_id} {self.gross_share}"
