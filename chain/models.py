"""The value chain downstream of the co-op: buyers, contracts and shipments (sales)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from coop.models import Cooperative, CoopScopedQuerySet, Lot, Product, code_validator
from coop.units import CURRENCY_CHOICES, RATE_DIGITS, RATE_PLACES, WEIGHT_DIGITS, WEIGHT_PLACES

PRICE_DIGITS, PRICE_PLACES = 12, 4  # per-kg prices keep sub-cent precision


def price_field(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name,
        max_digits=PRICE_DIGITS,
        decimal_places=PRICE_PLACES,
        validators=[MinValueValidator(Decimal("0"))],
        **kwargs,
    )


class Buyer(models.Model):
    class Kind(models.TextChoices):
        FAIR_TRADE = "fair_trade", _("Fair-trade buyer")
        ORGANIC_IMPORTER = "organic_importer", _("Organic importer")
        EXPORTER = "exporter", _("Conventional exporter")
        LOCAL = "local", _("Local buyer / intermediary")
        SOAP_MAKER = "soap_maker", _("Soap maker")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="buyers")
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, e.g. BR, GB, IT"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    objects = CoopScopedQuerySet.as_manager()

    class Meta:
        ordering = ["cooperative", "name"]
        verbose_name = _("buyer")
        verbose_name_plural = _("buyers")
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "name"], name="buyer_name_unique_in_coop"),
        ]

    def __str__(self):
        return self.name


class Contract(models.Model):
    """A supply contract: price, premium, claims and quality limits; the minimum volume per
    contract year lives in `ContractMinimum`, so an amendment keeps both periods."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="contracts")
    buyer = models.ForeignKey(
        Buyer, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("buyer")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    reference = models.CharField(_("reference"), max_length=60, validators=[code_validator])
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    price_per_kg = price_field(_("price per kg"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    premium_per_kg = price_field(
        _("fair-trade premium per kg"),
        default=Decimal("0"),
        help_text=_("Paid on top of the price, into the premium fund; in the contract's currency."),
    )
    fair_trade = models.BooleanField(_("fair-trade claim required"), default=False)
    organic = models.BooleanField(_("organic claim required"), default=False)
    max_moisture_pct = models.DecimalField(
        _("maximum moisture (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    advance_rate = models.DecimalField(
        _("advance rate"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Share of the expected value advanced to families on delivery, e.g. 0.5."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    history = HistoricalRecords()

    objects = CoopScopedQuerySet.as_manager()

    class Meta:
        ordering = ["cooperative", "-starts_on"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "reference"], name="contract_reference_unique_in_coop"
            ),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="contract_period_ordered"),
            models.CheckConstraint(
                condition=Q(price_per_kg__gte=0, premium_per_kg__gte=0), name="contract_prices_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.reference} · {self.buyer}"


class ContractMinimum(models.Model):
    """The guaranteed minimum kg per contract year, from `effective_from` until the next one."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="minimums", verbose_name=_("contract")
    )
    effective_from = models.DateField(_("effective from"))
    minimum_kg = models.DecimalField(
        _("minimum kg per year"), max_digits=WEIGHT_DIGITS, decimal_places=WEIGHT_PLACES
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "effective_from"]
        verbose_name = _("contract minimum")
        verbose_name_plural = _("contract minimums")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "effective_from"], name="contract_minimum_once_per_date"
            ),
            models.CheckConstraint(condition=Q(minimum_kg__gte=0), name="contract_minimum_not_negative"),
        ]

    def __str__(self):
        return f"{self.contract_id}: {self.minimum_kg} kg from {self.effective_from}"


class ShipmentQuerySet(CoopScopedQuerySet):
    def confirmed(self):
        """Sales that count: confirmed, shipped or paid."""
        return self.exclude(status=Shipment.Status.DRAFT)


class Shipment(models.Model):
    """A sale: lots allocated to a buyer, optionally under a contract."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONFIRMED = "confirmed", _("Confirmed")
        SHIPPED = "shipped", _("Shipped")
        PAID = "paid", _("Paid")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="shipments")
    buyer = models.ForeignKey(
        Buyer, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("buyer")
    )
    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        related_name="shipments",
        null=True,
        blank=True,
        verbose_name=_("contract"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    reference = models.CharField(_("reference"), max_length=60, validators=[code_validator])
    invoice_reference = models.CharField(_("invoice reference"), max_length=60, blank=True)
    shipped_on = models.DateField(_("shipping date"))
    price_per_kg = price_field(_("price per kg"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    exchange_rate = models.DecimalField(
        _("exchange rate to base currency"),
        max_digits=RATE_DIGITS,
        decimal_places=RATE_PLACES,
        help_text=_("Units of the co-op's base currency per unit of this currency, on the shipping date."),
    )
    price_override_reason = models.CharField(
        _("why the price differs from the contract"), max_length=300, blank=True
    )
    price_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("price overridden by"),
    )
    fair_trade = models.BooleanField(_("sold as fair trade"), default=False)
    organic = models.BooleanField(_("sold as organic"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    history = HistoricalRecords()

    objects = ShipmentQuerySet.as_manager()

    class Meta:
        ordering = ["cooperative", "-shipped_on", "-id"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        indexes = [models.Index(fields=["cooperative", "status", "shipped_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "reference"], name="shipment_reference_unique_in_coop"
            ),
            models.CheckConstraint(condition=Q(exchange_rate__gt=0), name="shipment_exchange_rate_positive"),
            models.CheckConstraint(condition=Q(price_per_kg__gte=0), name="shipment_price_not_negative"),
        ]

    def __str__(self):
        return self.reference


class Allocation(models.Model):
    """`kg` of `lot` sold in `shipment`. Counted against the lot when the shipment is confirmed."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="allocations", verbose_name=_("shipment")
    )
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("lot"))
    kg = models.DecimalField(_("kg"), max_digits=WEIGHT_DIGITS, decimal_places=WEIGHT_PLACES)
    history = HistoricalRecords()

    class Meta:
        ordering = ["shipment", "lot"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.UniqueConstraint(fields=["shipment", "lot"], name="allocation_lot_once_per_shipment"),
            models.CheckConstraint(condition=Q(kg__gt=0), name="allocation_kg_positive"),
        ]

    def __str__(self):
        return f"{self.lot_id} → {self.shipment_id}: {self.kg} kg"
