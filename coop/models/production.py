"""What the co-operative produces: products, lots and their lineage."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from coop.models.people import Association, Cooperative, CoopScopedQuerySet, Family, code_validator
from coop.units import CURRENCY_CHOICES, MONEY_DIGITS, MONEY_PLACES, WEIGHT_DIGITS, WEIGHT_PLACES

ZERO_KG = Decimal("0.000")


def weight_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=WEIGHT_DIGITS, decimal_places=WEIGHT_PLACES, **kwargs)


def money_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **kwargs)


class Product(models.Model):
    """A product the co-operative handles (nuts, oil, honey, ...).

    A product made by transformation names its input product and the expected yield
    (kg out per kg in); batches are checked against it and mass balance converts with it.
    """

    class Unit(models.TextChoices):
        KG = "kg", _("kilogram")
        LITRE = "l", _("litre")
        PIECE = "piece", _("piece")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="products")
    code = models.CharField(_("code"), max_length=30, validators=[code_validator])
    name = models.CharField(_("name"), max_length=120)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.KG)
    made_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="derived_products",
        verbose_name=_("made from"),
    )
    expected_yield = models.DecimalField(
        _("expected yield"),
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal("100"))],
        help_text=_("Kilograms of this product per kilogram of its input (e.g. 0.30 kg oil per kg nuts)."),
    )
    yield_tolerance_pct = models.DecimalField(
        _("yield tolerance (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # What the co-op handles follows from its products: a honey co-op has no product
    # bought as nuts, so it records no nut purchase (coop.services.production.kind_errors).
    delivered_as = models.CharField(
        _("delivered as"),
        max_length=15,
        blank=True,
        choices=[
            ("barrel", _("Honey barrel")),
            ("nut_purchase", _("Nut purchase")),
            ("delivery", _("Other delivery")),
        ],
        help_text=_("How families' deliveries of this product are recorded. Blank: any way."),
    )
    mass_balance_allowed = models.BooleanField(
        _("mass balance allowed"),
        default=False,
        help_text=_("Off: certified and uncertified inputs may never be mixed (physical traceability)."),
    )
    # What a delivery of this product usually is (coop.plausibility): a value outside is
    # recorded only once someone confirms it. Blank: the default of the kind of lot.
    usual_net_kg_min = weight_field(_("usual net kg, from"), null=True, blank=True)
    usual_net_kg_max = weight_field(_("usual net kg, to"), null=True, blank=True)
    usual_moisture_min_pct = models.DecimalField(
        _("usual moisture (%), from"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    usual_moisture_max_pct = models.DecimalField(
        _("usual moisture (%), to"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    reference_price_per_kg = models.DecimalField(
        _("reference price per kg"),
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Used when a collection point has no recent purchases to take the current price from."),
    )
    price_tolerance_pct = models.DecimalField(
        _("price tolerance (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("40.00"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("How far a price per kg may be from the current price before it must be confirmed."),
    )
    history = HistoricalRecords()

    objects = CoopScopedQuerySet.as_manager()

    class Meta:
        ordering = ["cooperative", "name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "code"], name="product_code_unique_in_coop"),
            models.CheckConstraint(
                condition=Q(expected_yield__isnull=True) | Q(expected_yield__gt=0),
                name="product_yield_positive",
            ),
            models.CheckConstraint(
                condition=Q(usual_net_kg_min__isnull=True)
                | Q(usual_net_kg_max__isnull=True)
                | Q(usual_net_kg_min__lte=F("usual_net_kg_max")),
                name="product_usual_kg_in_order",
            ),
            models.CheckConstraint(
                condition=Q(usual_moisture_min_pct__isnull=True)
                | Q(usual_moisture_max_pct__isnull=True)
                | Q(usual_moisture_min_pct__lte=F("usual_moisture_max_pct")),
                name="product_usual_moisture_in_order",
            ),
            models.CheckConstraint(
                condition=Q(price_tolerance_pct__gte=0, price_tolerance_pct__lte=100),
                name="product_price_tolerance_range",
            ),
        ]

    def __str__(self):
        return self.name


class LotQuerySet(CoopScopedQuerySet):
    def with_remaining(self):
        return self.annotate(remaining=F("net_kg") - F("consumed_kg") - F("allocated_kg"))

    def available(self):
        """Accepted lots with kilograms left to consume or allocate."""
        return self.filter(
            status__in=[Lot.Status.ACCEPTED, Lot.Status.ALLOCATED],
            net_kg__gt=F("consumed_kg") + F("allocated_kg"),
        )


class Lot(models.Model):
    """One traceable quantity: a honey barrel, a nut purchase, a batch made from other lots."""

    class Kind(models.TextChoices):
        BARREL = "barrel", _("Honey barrel")
        NUT_PURCHASE = "nut_purchase", _("Nut purchase")
        BATCH = "batch", _("Batch")
        DELIVERY = "delivery", _("Other delivery")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        ALLOCATED = "allocated", _("Allocated")
        SHIPPED = "shipped", _("Shipped")
        CONSUMED = "consumed", _("Consumed")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="lots")
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="lots", verbose_name=_("product")
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    family = models.ForeignKey(
        Family,
        on_delete=models.PROTECT,
        related_name="lots",
        null=True,
        blank=True,
        verbose_name=_("family"),
    )
    association = models.ForeignKey(
        Association,
        on_delete=models.PROTECT,
        related_name="lots",
        null=True,
        blank=True,
        verbose_name=_("collection point"),
    )
    harvested_on = models.DateField(_("harvested on"), null=True, blank=True)
    collected_on = models.DateField(_("collected on"), help_text=_("Delivery, purchase or production date."))
    gross_kg = weight_field(_("gross kg"), null=True, blank=True)
    net_kg = weight_field(_("net kg"))
    moisture_pct = models.DecimalField(
        _("moisture (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    organic = models.BooleanField(_("organic at delivery"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    rejection_reason = models.CharField(_("rejection reason"), max_length=300, blank=True)
    price_per_kg = models.DecimalField(
        _("price per kg"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, blank=True)
    amount_paid = money_field(_("amount paid"), null=True, blank=True)
    # Kilograms taken by batches and by shipments; the check constraint below is the
    # database's guarantee that a lot is never used beyond its net weight.
    consumed_kg = weight_field(_("consumed kg"), default=ZERO_KG)
    allocated_kg = weight_field(_("allocated kg"), default=ZERO_KG)
    yield_warning = models.CharField(_("yield warning"), max_length=300, blank=True)
    # A value outside the product's usual range (coop.plausibility), kept as it was shown
    # to the person who confirmed it was correct.
    unusual_values = models.CharField(_("unusual values"), max_length=500, blank=True)
    unusual_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("unusual values confirmed by"),
    )
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = LotQuerySet.as_manager()

    class Meta:
        ordering = ["-collected_on", "-id"]
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        indexes = [
            models.Index(fields=["cooperative", "kind", "collected_on"]),
            models.Index(fields=["cooperative", "status"]),
            models.Index(fields=["cooperative", "collected_on", "id"]),  # the lot list's keyset pages
        ]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "code"], name="lot_code_unique_in_coop"),
            models.CheckConstraint(condition=Q(net_kg__gt=0), name="lot_net_kg_positive"),
            models.CheckConstraint(
                condition=Q(gross_kg__isnull=True) | Q(gross_kg__gte=F("net_kg")),
                name="lot_gross_at_least_net",
            ),
            models.CheckConstraint(
                condition=Q(moisture_pct__isnull=True) | Q(moisture_pct__gte=0, moisture_pct__lte=100),
                name="lot_moisture_range",
            ),
            models.CheckConstraint(
                condition=Q(consumed_kg__gte=0, allocated_kg__gte=0)
                & Q(net_kg__gte=F("consumed_kg") + F("allocated_kg")),
                name="lot_used_at_most_net_kg",
            ),
            models.CheckConstraint(
                condition=Q(harvested_on__isnull=True) | Q(harvested_on__lte=F("collected_on")),
                name="lot_harvest_before_collection",
            ),
            models.CheckConstraint(
                condition=Q(price_per_kg__isnull=True) | Q(price_per_kg__gte=0),
                name="lot_price_not_negative",
            ),
        ]

    def __str__(self):
        return self.code

    @property
    def remaining_kg(self) -> Decimal:
        return self.net_kg - self.consumed_kg - self.allocated_kg


class LotInput(models.Model):
    """Lineage: `kg` of `source` went into the batch `output`."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    output = models.ForeignKey(
        Lot, on_delete=models.PROTECT, related_name="inputs", verbose_name=_("output lot")
    )
    source = models.ForeignKey(
        Lot, on_delete=models.PROTECT, related_name="uses", verbose_name=_("input lot")
    )
    kg = weight_field(_("kg"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lot input")
        verbose_name_plural = _("lot inputs")
        constraints = [
            models.UniqueConstraint(fields=["output", "source"], name="lot_input_once_per_batch"),
            models.CheckConstraint(condition=Q(kg__gt=0), name="lot_input_kg_positive"),
            models.CheckConstraint(condition=~Q(output=F("source")), name="lot_input_not_itself"),
        ]

    def __str__(self):
        return f"{self.source_id} → {self.output_id}: {self.kg} kg"


class LotCodeSequence(models.Model):
    """The last number handed out per co-op, prefix and year (read and bumped under a lock)."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+")
    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "prefix", "year"], name="lot_code_sequence_unique"
            ),
        ]
