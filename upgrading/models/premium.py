"""The fair-trade premium fund: receipts from paid shipments, allocations to projects of
the premium plan (each approved by an assembly decision) and spending against them.

`PremiumFund` keeps the running totals of each co-op. Its check constraints are the
database's guarantee that the fund never allocates more than it received and that no
allocation is spent beyond its amount; services update them under row locks.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from chain.models import Shipment, price_field
from coop.models import Cooperative, CoopScopedQuerySet
from coop.models.production import money_field, weight_field
from coop.units import CURRENCY_CHOICES, RATE_DIGITS, RATE_PLACES
from upgrading.models.assembly import Decision

ZERO = Decimal("0.00")


class PremiumFund(models.Model):
    cooperative = models.OneToOneField(Cooperative, on_delete=models.PROTECT, related_name="premium_fund")
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    received = money_field(_("received"), default=ZERO)
    allocated = money_field(_("allocated"), default=ZERO)
    spent = money_field(_("spent"), default=ZERO)

    objects = CoopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("premium fund")
        verbose_name_plural = _("premium funds")
        constraints = [
            models.CheckConstraint(
                condition=Q(allocated__gte=0, allocated__lte=F("received")),
                name="premium_fund_not_overallocated",
            ),
            models.CheckConstraint(
                condition=Q(spent__gte=0, spent__lte=F("allocated")), name="premium_fund_not_overspent"
            ),
        ]

    def __str__(self):
        return f"{self.cooperative} · {self.balance} {self.currency}"

    @property
    def balance(self) -> Decimal:
        """Received and not yet allocated to a project."""
        return self.received - self.allocated


class PremiumReceipt(models.Model):
    """The premium of one paid shipment: kg × premium per kg, converted at the shipment's rate."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    shipment = models.OneToOneField(
        Shipment, on_delete=models.PROTECT, related_name="premium_receipt", verbose_name=_("shipment")
    )
    received_on = models.DateField(_("received on"))
    kg = weight_field(_("kg"))
    premium_per_kg = price_field(_("premium per kg"))
    currency = models.CharField(_("contract currency"), max_length=3, choices=CURRENCY_CHOICES)
    exchange_rate = models.DecimalField(
        _("exchange rate"), max_digits=RATE_DIGITS, decimal_places=RATE_PLACES
    )
    amount_foreign = money_field(_("amount in contract currency"))
    amount = money_field(_("amount in base currency"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = CoopScopedQuerySet.as_manager()

    class Meta:
        ordering = ["cooperative", "-received_on", "-id"]
        verbose_name = _("premium receipt")
        verbose_name_plural = _("premium receipts")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0, amount_foreign__gte=0), name="premium_receipt_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.shipment} · {self.amount}"


class PremiumAllocation(models.Model):
    """Money of the fund set aside for one project of the premium plan."""

    class Category(models.TextChoices):
        SCHOOLING = "schooling", _("Schooling and literacy")
        CANTINA = "cantina", _("Communal shop (cantina)")
        PROCESSING = "processing", _("Processing (e.g. soap factory, honey house)")
        SAFETY = "safety", _("Safety equipment")
        HEALTH = "health", _("Health")
        PRODUCTION = "production", _("Production support")
        CERTIFICATION = "certification", _("Certification costs")
        COMMUNITY = "community", _("Community infrastructure")
        OTHER = "other", _("Other")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    project = models.CharField(_("project"), max_length=200)
    category = models.CharField(_("category"), max_length=15, choices=Category.choices)
    decision = models.ForeignKey(
        Decision,
        on_delete=models.PROTECT,
        related_name="premium_allocations",
        verbose_name=_("approving decision"),
    )
    allocated_on = models.DateField(_("allocated on"))
    amount = money_field(_("amount"))
    spent = money_field(_("spent"), default=ZERO)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    history = HistoricalRecords()

    objects = CoopScopedQuerySet.as_manager()

    class Meta:
        ordering = ["cooperative", "-allocated_on", "-id"]
        verbose_name = _("premium allocation")
        verbose_name_plural = _("premium allocations")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="premium_allocation_positive"),
            models.CheckConstraint(
                condition=Q(spent__gte=0, spent__lte=F("amount")), name="premium_allocation_not_overspent"
            ),
        ]

    def __str__(self):
        return self.project

    @property
    def remainder(self) -> Decimal:
        return self.amount - self.spent


def spending_evidence_path(instance, filename):
    return f"premium/{instance.cooperative_id}/{filename}"


class PremiumSpending(models.Model):
    """Money spent from an allocation, with its evidence (invoice, receipt, photo)."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    allocation = models.ForeignKey(
        PremiumAllocation, on_delete=models.PROTECT, related_name="spendings", verbose_name=_("allocation")
    )
    spent_on = models.DateField(_("spent on"))
    amount = money_field(_("amount"))
    description = models.CharField(_("description"), max_length=300)
    evidence = models.FileField(_("evidence"), upload_to=spending_evidence_path, blank=True)
    evidence_sha256 = models.CharField(
        _("SHA-256 of the evidence"), max_length=64, blank=True, editable=False
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = CoopScopedQuerySet.as_manager()

    class Meta:
        ordering = ["cooperative", "-spent_on", "-id"]
        verbose_name = _("premium spending")
        verbose_name_plural = _("premium spending")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="premium_spending_positive")]

    def __str__(self):
        return f"{self.allocation} · {self.amount}"
