"""API serializers of the value chain: buyers, contracts, shipments, traceability, fulfilment.

Same conventions as `coop.serializers`: strict bodies (an unknown or read-only field is a
400 naming it), references scoped to the user's co-operatives, kg as strings with 3
places, prices with 4, money with 2, and no saving here: the viewsets hand
`validated_data` to `chain.services`, which own every business rule.
"""

from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from chain.models import PRICE_DIGITS, PRICE_PLACES, Allocation, Buyer, Contract, ContractMinimum, Shipment
from coop.models import Association, Family, Lot, LotInput, Product
from coop.serializers import (
    MAX_ID,
    ActionSerializer,
    CoopModelSerializer,
    MovesNowhereMixin,
    RejectUnknownFieldsMixin,
    ScopedCooperativeField,
    ScopedPrimaryKeyField,
    kg_field,
)
from coop.tenancy import scope
from coop.units import CURRENCY_CHOICES, MONEY_PLACES, RATE_DIGITS, RATE_PLACES

MAX_ALLOCATIONS = 2000  # an export container holds ~1,000 barrels
MAX_NOTES_LENGTH = 2000
SHARE_PLACES = 4  # shares of a whole (0.9512), as strings


def price_field(**kwargs) -> serializers.DecimalField:
    """A price per kg: 4 places, never negative."""
    return serializers.DecimalField(
        max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES, min_value=Decimal("0"), **kwargs
    )


def money_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=None, decimal_places=MONEY_PLACES, **kwargs)


def total_kg_field(**kwargs) -> serializers.DecimalField:
    """Sums of kilograms: 3 places, any size."""
    return serializers.DecimalField(max_digits=None, decimal_places=3, **kwargs)


# --- Buyers -------------------------------------------------------------------------------


class BuyerSerializer(MovesNowhereMixin, CoopModelSerializer):
    """Who the co-op sells to: a fair-trade buyer, an importer, a local soap maker, ..."""

    cooperative = ScopedCooperativeField()
    notes = serializers.CharField(required=False, allow_blank=True, max_length=MAX_NOTES_LENGTH)

    class Meta(CoopModelSerializer.Meta):
        model = Buyer
        fields = ["id", "cooperative", "name", "country", "kind", "contact_name", "email", "phone", "notes"]

    def validate_country(self, country):
        if len(country) != 2 or not country.isascii() or not country.isalpha():
            raise serializers.ValidationError(_("Use the two-letter ISO 3166 code, e.g. BR, GB, IT."))
        return country.upper()


# --- Contracts ----------------------------------------------------------------------------


class ContractMinimumSerializer(serializers.ModelSerializer):
    """The minimum kg per contract year from `effective_from` until the next amendment."""

    minimum_kg = kg_field(read_only=True)

    class Meta:
        model = ContractMinimum
        fields = ["effective_from", "minimum_kg"]
        read_only_fields = fields


class ContractSerializer(MovesNowhereMixin, CoopModelSerializer):
    """A supply contract. The minimum volume lives in `minimums`, one row per period, so
    an amendment (10.8 t a year, then 17.8 t from 2025) shows both."""

    cooperative = ScopedCooperativeField()
    buyer = ScopedPrimaryKeyField(model=Buyer, help_text=_("Id of a buyer of the same co-operative."))
    buyer_name = serializers.CharField(source="buyer.name", read_only=True)
    product = ScopedPrimaryKeyField(model=Product, help_text=_("Id of a product of the same co-operative."))
    product_code = serializers.CharField(source="product.code", read_only=True)
    price_per_kg = price_field()
    premium_per_kg = price_field(
        required=False,
        help_text=_("Fair-trade premium per kg, paid into the premium fund; in the contract's currency."),
    )
    minimum_kg = kg_field(
        min_value=Decimal("0"),
        write_only=True,
        required=False,
        help_text=_(
            "Creating only: the minimum kg per contract year from the start date. Amend it later "
            "with POST /api/v1/contracts/{id}/minimums/."
        ),
    )
    minimums = ContractMinimumSerializer(
        many=True, read_only=True, help_text=_("Every minimum-volume period, oldest first.")
    )

    class Meta(CoopModelSerializer.Meta):
        model = Contract
        fields = [
            "id",
            "cooperative",
            "buyer",
            "buyer_name",
            "product",
            "product_code",
            "reference",
            "starts_on",
            "ends_on",
            "price_per_kg",
            "currency",
            "premium_per_kg",
            "fair_trade",
            "organic",
            "max_moisture_pct",
            "advance_rate",
            "status",
            "minimum_kg",
            "minimums",
        ]

    def validate_minimum_kg(self, minimum_kg):
        if self.instance is not None:
            raise serializers.ValidationError(
                _("Amend the minimum with POST /api/v1/contracts/%(id)s/minimums/ from a date on.")
                % {"id": self.instance.pk}
            )
        return minimum_kg


class ContractMinimumRequestSerializer(ActionSerializer):
    effective_from = serializers.DateField(
        help_text=_("From this date on (within the contract), the new minimum applies.")
    )
    minimum_kg = kg_field(min_value=Decimal("0"), help_text=_("Minimum kg per contract year."))


class FulfilmentYearSerializer(serializers.Serializer):
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    minimum_kg = total_kg_field(help_text=_("The minimum in force at the start of the contract year."))
    delivered_kg = total_kg_field(
        help_text=_(
            "Kg of confirmed, shipped or paid sales under the contract shipped by the day asked about."
        )
    )
    scheduled_kg = total_kg_field(
        help_text=_("Kg of confirmed sales of the contract year dated after the day asked about.")
    )
    expected_kg = total_kg_field(
        help_text=_("The minimum pro rata to the day asked about: the pace to keep.")
    )
    projected_kg = total_kg_field(help_text=_("Delivered kg extrapolated to the whole contract year."))
    shortfall_kg = total_kg_field(
        help_text=_("Minimum minus projected kg: a shortfall, or a surplus if negative.")
    )
    fulfilled_pct = serializers.DecimalField(
        max_digits=None, decimal_places=1, help_text=_("Delivered kg as a percentage of the minimum.")
    )
    on_pace = serializers.BooleanField(help_text=_("Delivered at least the expected kg."))
    revenue = money_field(help_text=_("Sales in the contract's currency."))
    revenue_base = money_field(help_text=_("Sales in the co-op's base currency, at each shipment's rate."))
    premium_due = money_field(
        help_text=_("Fair-trade premium on the delivered kg, in the contract's currency.")
    )


class ContractFulfilmentSerializer(serializers.Serializer):
    contract = serializers.IntegerField()
    reference = serializers.CharField()
    currency = serializers.CharField(help_text=_("Currency of `revenue` and `premium_due`."))
    base_currency = serializers.CharField(help_text=_("The co-op's currency, of `revenue_base`."))
    on = serializers.DateField(help_text=_("The day the pace is measured on."))
    years = FulfilmentYearSerializer(many=True, help_text=_("One row per contract year."))


class FulfilmentQuerySerializer(serializers.Serializer):
    on = serializers.DateField(
        required=False, help_text=_("Measure the pace on this day instead of today (YYYY-MM-DD).")
    )

    def validate_on(self, on):
        contract = self.context["contract"]
        if on < contract.starts_on:
            raise serializers.ValidationError(
                _("The contract starts on %(day)s: nothing was due before then.")
                % {"day": formats.date_format(contract.starts_on, "SHORT_DATE_FORMAT")}
            )
        return on


# --- Shipments ----------------------------------------------------------------------------


class AllocationLineSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """`kg` of `lot` in the shipment."""

    lot = serializers.IntegerField(
        source="lot_id", min_value=1, max_value=MAX_ID, help_text=_("Id of a lot of the product sold.")
    )
    lot_code = serializers.CharField(source="lot.code", read_only=True)
    kg = kg_field(min_value=Decimal("0.001"), help_text=_("Kilograms of the lot sold here."))


def allocation_lines(rows, *, user, product: Product | None) -> list[tuple[Lot, Decimal]]:
    """(lot, kg) for each line, the lots found in one query among the user's co-operatives.

    A lot that cannot be seen is named by its line, as if it did not exist. A lot of
    another product is refused here, before anything is written; the rest of the lot
    rules (kg left, same co-op, quality, claims) belong to `chain.services`.
    """
    found = scope(Lot.objects.select_related("product"), user).in_bulk([row["lot_id"] for row in rows])
    missing = serializers.PrimaryKeyRelatedField.default_error_messages["does_not_exist"]
    errors = [
        {} if row["lot_id"] in found else {"lot": [missing.format(pk_value=row["lot_id"])]} for row in rows
    ]
    if any(errors):
        raise serializers.ValidationError(errors)
    lines = [(found[row["lot_id"]], row["kg"]) for row in rows]
    if product is not None:
        wrong = [
            _("Lot %(code)s is %(product)s, not the product sold.")
            % {"code": lot.code, "product": lot.product}
            for lot, _kg in lines
            if lot.cooperative_id == product.cooperative_id and lot.product_id != product.pk
        ]
        if wrong:
            raise serializers.ValidationError(wrong)
    return lines


class ShipmentSerializer(MovesNowhereMixin, CoopModelSerializer):
    """A sale, as listed: its terms, status and totals (the lots: GET the shipment)."""

    cooperative = ScopedCooperativeField()
    buyer = ScopedPrimaryKeyField(model=Buyer, help_text=_("Id of a buyer of the same co-operative."))
    buyer_name = serializers.CharField(source="buyer.name", read_only=True)
    contract = ScopedPrimaryKeyField(
        model=Contract,
        allow_null=True,
        required=False,
        help_text=_("Id of the contract sold under, with the same buyer and product; none for a local sale."),
    )
    contract_reference = serializers.CharField(source="contract.reference", read_only=True, allow_null=True)
    product = ScopedPrimaryKeyField(model=Product, help_text=_("Id of the product sold."))
    product_code = serializers.CharField(source="product.code", read_only=True)
    price_per_kg = price_field(
        required=False,
        allow_null=True,
        help_text=_(
            "Leave out to take the contract's price. A different price needs `price_override_reason`."
        ),
    )
    currency = serializers.ChoiceField(
        choices=CURRENCY_CHOICES,
        required=False,
        allow_blank=True,
        help_text=_("ISO 4217 code. Leave out to take the contract's currency, or the co-op's."),
    )
    exchange_rate = serializers.DecimalField(
        max_digits=RATE_DIGITS,
        decimal_places=RATE_PLACES,
        required=False,
        allow_null=True,
        help_text=_(
            "Units of the co-op's base currency per unit of `currency` on the shipping date; "
            "1 for the base currency itself."
        ),
    )
    price_override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text=_("Why the price differs from the contract's."),
    )
    # Null until someone overrides the price or confirms the shipment.
    price_overridden_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    confirmed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    allocated_kg = total_kg_field(read_only=True, help_text=_("Kilograms of all the lots allocated."))
    allocation_count = serializers.IntegerField(read_only=True, help_text=_("How many lots are allocated."))

    class Meta(CoopModelSerializer.Meta):
        model = Shipment
        fields = [
            "id",
            "cooperative",
            "buyer",
            "buyer_name",
            "contract",
            "contract_reference",
            "product",
            "product_code",
            "reference",
            "invoice_reference",
            "shipped_on",
            "price_per_kg",
            "currency",
            "exchange_rate",
            "price_override_reason",
            "price_overridden_by",
            "fair_trade",
            "organic",
            "status",
            "confirmed_by",
            "confirmed_at",
            "paid_on",
            "allocated_kg",
            "allocation_count",
        ]
        read_only_fields = ["status", "confirmed_at", "paid_on"]

    def validate_exchange_rate(self, rate):
        if rate is not None and rate <= 0:
            raise serializers.ValidationError(_("The exchange rate must be more than zero."))
        return rate


class ShipmentDetailSerializer(ShipmentSerializer):
    """A sale with its lots. On creation `allocations` may list them; afterwards they
    change with PUT /api/v1/shipments/{id}/allocations/ while the shipment is a draft."""

    allocations = AllocationLineSerializer(
        many=True,
        required=False,
        max_length=MAX_ALLOCATIONS,
        help_text=_('The lots sold and kg of each, e.g. [{"lot": 12, "kg": "12.5"}].'),
    )

    class Meta(ShipmentSerializer.Meta):
        fields = [*ShipmentSerializer.Meta.fields, "allocations"]

    def validate_allocations(self, rows):
        if self.instance is not None:
            raise serializers.ValidationError(
                _("Change the lots with PUT /api/v1/shipments/%(id)s/allocations/.")
                % {"id": self.instance.pk}
            )
        return rows

    def validate(self, attrs):
        rows = attrs.get("allocations")
        if rows:
            try:
                attrs["allocations"] = allocation_lines(
                    rows, user=self.context["request"].user, product=attrs.get("product")
                )
            except serializers.ValidationError as error:
                raise serializers.ValidationError({"allocations": error.detail}) from error
        return attrs


class ShipmentAllocationsSerializer(ActionSerializer):
    """The body of PUT /shipments/{id}/allocations/: the complete new list of lots."""

    allocations = AllocationLineSerializer(
        many=True, max_length=MAX_ALLOCATIONS, help_text=_("Every lot of the shipment, and kg of each.")
    )

    def validate_allocations(self, rows):
        shipment = self.context["shipment"]
        return allocation_lines(rows, user=self.context["request"].user, product=shipment.product)


class PaySerializer(ActionSerializer):
    paid_on = serializers.DateField(help_text=_("The day the buyer's payment arrived."))


class AllocationSerializer(serializers.ModelSerializer):
    """`kg` of `lot` in `shipment`: counted against the lot once the shipment is confirmed."""

    cooperative = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    shipment_reference = serializers.CharField(source="shipment.reference", read_only=True)
    shipment_status = serializers.CharField(source="shipment.status", read_only=True)
    lot_code = serializers.CharField(source="lot.code", read_only=True)
    kg = kg_field(read_only=True)

    class Meta:
        model = Allocation
        fields = [
            "id",
            "cooperative",
            "shipment",
            "shipment_reference",
            "shipment_status",
            "lot",
            "lot_code",
            "kg",
        ]
        read_only_fields = fields


# --- Traceability -------------------------------------------------------------------------


class TraceLotSerializer(serializers.ModelSerializer):
    product_code = serializers.CharField(source="product.code", read_only=True)
    family_code = serializers.CharField(source="family.code", read_only=True, allow_null=True)
    association_code = serializers.CharField(source="association.code", read_only=True, allow_null=True)
    net_kg = kg_field(read_only=True)

    class Meta:
        model = Lot
        fields = [
            "id",
            "code",
            "kind",
            "product",
            "product_code",
            "family",
            "family_code",
            "association",
            "association_code",
            "collected_on",
            "net_kg",
            "moisture_pct",
            "organic",
            "status",
        ]
        read_only_fields = fields


class TraceFamilySerializer(serializers.ModelSerializer):
    class Meta:
        model = Family
        fields = ["id", "code", "household_name", "association", "municipality", "status"]
        read_only_fields = fields


class TraceAssociationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Association
        fields = ["id", "code", "name", "kind", "municipality"]
        read_only_fields = fields


class TraceLinkSerializer(serializers.ModelSerializer):
    """`kg` of lot `source` went into batch `output`."""

    source = serializers.IntegerField(source="source_id", read_only=True)
    output = serializers.IntegerField(source="output_id", read_only=True)
    kg = kg_field(read_only=True)

    class Meta:
        model = LotInput
        fields = ["source", "output", "kg"]


class ShipmentTraceSerializer(serializers.Serializer):
    shipment = serializers.IntegerField()
    reference = serializers.CharField()
    allocations = AllocationLineSerializer(many=True, help_text=_("The lots sold, as allocated."))
    lots = TraceLotSerializer(
        many=True, help_text=_("Every delivery behind the shipment (barrels, purchases).")
    )
    batches = TraceLotSerializer(many=True, help_text=_("Every batch in between, at any depth."))
    links = TraceLinkSerializer(many=True, help_text=_("The batch inputs joining them, with kg."))
    families = TraceFamilySerializer(many=True, help_text=_("Every family whose deliveries are in it."))
    associations = TraceAssociationSerializer(
        many=True, help_text=_("Every association and collection point on the way.")
    )


# --- Market position ----------------------------------------------------------------------


class MarketPositionQuerySerializer(serializers.Serializer):
    cooperative = serializers.CharField(max_length=60, help_text=_("Slug of a co-operative you belong to."))
    year = serializers.IntegerField(
        min_value=1900,
        max_value=2999,
        required=False,
        help_text=_("Calendar year of shipping; this year if left out."),
    )


class PriceMultipleSerializer(serializers.Serializer):
    product = serializers.IntegerField(source="product.pk")
    product_code = serializers.CharField(source="product.code")
    multiple = serializers.DecimalField(
        max_digits=None,
        decimal_places=2,
        help_text=_(
            "Average fair-trade price per kg over the average price of other sales, in base currency."
        ),
    )


class BuyerShareSerializer(serializers.Serializer):
    buyer = serializers.IntegerField(source="buyer.pk")
    name = serializers.CharField(source="buyer.name")
    kind = serializers.CharField(source="buyer.kind")
    kg = total_kg_field()
    revenue_base = money_field(help_text=_("Sales to this buyer in the co-op's base currency."))
    share = serializers.DecimalField(
        max_digits=None, decimal_places=SHARE_PLACES, help_text=_("Share of the year's revenue, 0 to 1.")
    )


class MarketPositionSerializer(serializers.Serializer):
    cooperative = serializers.CharField(help_text=_("The co-op's slug."))
    base_currency = serializers.CharField()
    year = serializers.IntegerField()
    fair_trade_kg = total_kg_field(help_text=_("Kg sold under fair-trade contracts (confirmed sales)."))
    other_kg = total_kg_field(help_text=_("Kg sold otherwise: local sales, conventional contracts."))
    fair_trade_share = serializers.DecimalField(
        max_digits=None, decimal_places=SHARE_PLACES, help_text=_("Fair-trade kg over all kg sold, 0 to 1.")
    )
    price_multiples = PriceMultipleSerializer(many=True, help_text=_("Per product sold both ways."))
    buyers = BuyerShareSerializer(many=True, help_text=_("Largest buyer first: the lock-in risk to watch."))
    largest_buyer_share = serializers.DecimalField(
        max_digits=None,
        decimal_places=SHARE_PLACES,
        allow_null=True,
        help_text=_("Revenue share of the largest buyer, 0 to 1; null without sales."),
    )
