"""API serializers for production: products, lots, batches and lineage.

Weights are strings with 3 decimal places ("20.000"), money with 2 ("39.50"); a value
with more places is refused rather than rounded, so nothing is silently changed.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from coop.models import Association, Family, Lot, LotInput, Product, code_validator
from coop.serializers.base import (
    MAX_ID,
    ActionSerializer,
    CoopModelSerializer,
    MovesNowhereMixin,
    RejectUnknownFieldsMixin,
    ScopedCooperativeField,
    ScopedPrimaryKeyField,
    WriteThroughServicesMixin,
    kg_field,
)
from coop.tenancy import scope

MAX_BATCH_INPUTS = 2000  # an export container holds ~1,000 barrels
MAX_NOTES_LENGTH = 2000


class ProductSerializer(MovesNowhereMixin, CoopModelSerializer):
    """A product of the co-op's catalogue; a transformed one names its input and yield."""

    cooperative = ScopedCooperativeField()
    made_from = ScopedPrimaryKeyField(
        model=Product,
        allow_null=True,
        required=False,
        help_text=_("Id of the product this one is made from (same co-operative), e.g. nuts for oil."),
    )

    class Meta(CoopModelSerializer.Meta):
        model = Product
        fields = [
            "id",
            "cooperative",
            "code",
            "name",
            "unit",
            "made_from",
            "expected_yield",
            "yield_tolerance_pct",
            "mass_balance_allowed",
            "delivered_as",
            "usual_net_kg_min",
            "usual_net_kg_max",
            "usual_moisture_min_pct",
            "usual_moisture_max_pct",
            "reference_price_per_kg",
            "price_tolerance_pct",
        ]


def lot_code_field(help_text) -> serializers.CharField:
    """Optional: a blank code is filled from the co-op's sequence (BR26-00042)."""
    code = Lot._meta.get_field("code")
    return serializers.CharField(
        max_length=code.max_length,
        required=False,
        allow_blank=True,
        validators=[code_validator],
        help_text=help_text,
    )


class LotInputSerializer(serializers.ModelSerializer):
    """One direct input of a batch: which lot, and how many kg of it went in."""

    lot = serializers.IntegerField(source="source_id", read_only=True)
    code = serializers.CharField(source="source.code", read_only=True)
    kg = kg_field(read_only=True)

    class Meta:
        model = LotInput
        fields = ["lot", "code", "kg"]


class LotSerializer(CoopModelSerializer):
    """A lot: a honey barrel, a nut purchase, another delivery, or a batch made from lots.

    POSTed here: deliveries only (`barrel`, `nut_purchase`, `delivery`); batches go to
    `/api/v1/lots/batches/`. Status, amounts and usage are the service's to set.
    """

    cooperative = ScopedCooperativeField()
    code = lot_code_field(
        _("The label on the lot. Leave it out to get the next code of the co-op's sequence.")
    )
    product = ScopedPrimaryKeyField(model=Product, help_text=_("Id of a product of the same co-operative."))
    product_code = serializers.CharField(source="product.code", read_only=True)
    family = ScopedPrimaryKeyField(
        model=Family,
        allow_null=True,
        required=False,
        help_text=_("Id of the delivering family (an active family of the same co-operative)."),
        # Said plainly: an offline phone may send a family it kept from another co-op.
        error_messages={"does_not_exist": _("No family with id {pk_value} in your co-operatives.")},
    )
    family_code = serializers.CharField(source="family.code", read_only=True, allow_null=True)
    association = ScopedPrimaryKeyField(
        model=Association,
        allow_null=True,
        required=False,
        help_text=_("Id of the collection point: a honey room for barrels, a cantina for nut purchases."),
    )
    organic = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text=_(
            "Organic at delivery. Leave it out (or null) to take the family's organic certification "
            "on the collection date; `true` is refused for a family not certified then."
        ),
    )
    price_per_kg = serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        min_value=0,
        required=False,
        allow_null=True,
        help_text=_("Nut purchases: the price paid per kg, in the co-op's base currency."),
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=MAX_NOTES_LENGTH)
    remaining_kg = kg_field(read_only=True, help_text=_("Net kg not yet used by batches or shipments."))
    inputs = LotInputSerializer(many=True, read_only=True, help_text=_("A batch's direct inputs."))
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    # Blank for everything but nut purchases (their price is in the base currency).
    currency = serializers.CharField(
        read_only=True, help_text=_("ISO 4217 code; blank unless a price was paid.")
    )
    accept = serializers.BooleanField(
        write_only=True,
        default=True,
        help_text=_(
            "`false` records the lot as received, to accept or reject later. A barrel above the "
            "co-op's moisture limit is recorded as rejected whatever this says."
        ),
    )

    confirm_unusual = serializers.BooleanField(
        write_only=True,
        default=False,
        help_text=_(
            "`true` confirms values outside the product's usual range (net kg, moisture, price "
            "per kg). Without it such a lot is refused with 400, naming each field and its range."
        ),
    )
    unusual_confirmed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta(CoopModelSerializer.Meta):
        model = Lot
        fields = [
            "id",
            "cooperative",
            "kind",
            "code",
            "product",
            "product_code",
            "family",
            "family_code",
            "association",
            "harvested_on",
            "collected_on",
            "gross_kg",
            "net_kg",
            "moisture_pct",
            "organic",
            "status",
            "rejection_reason",
            "price_per_kg",
            "currency",
            "amount_paid",
            "consumed_kg",
            "allocated_kg",
            "remaining_kg",
            "yield_warning",
            "inputs",
            "notes",
            "recorded_by",
            "recorded_at",
            "accept",
            "unusual_values",
            "unusual_confirmed_by",
            "confirm_unusual",
        ]
        read_only_fields = [
            "unusual_values",
            "status",
            "rejection_reason",
            "currency",
            "amount_paid",
            "consumed_kg",
            "allocated_kg",
            "yield_warning",
            "recorded_at",
        ]
        extra_kwargs = {
            "kind": {
                "help_text": _(
                    "`barrel`, `nut_purchase` or `delivery`; a `batch` is made with POST /lots/batches/."
                )
            },
        }

    def validate_kind(self, kind):
        if kind == Lot.Kind.BATCH:
            raise serializers.ValidationError(_("Make a batch with POST /api/v1/lots/batches/."))
        return kind


class BatchInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    lot = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=_("Id of the input lot."))
    kg = kg_field(help_text=_("Kilograms taken from it, at most what it has left."))


class BatchSerializer(RejectUnknownFieldsMixin, WriteThroughServicesMixin, serializers.Serializer):
    """A batch: an output lot made from input lots (an oil batch from nut purchases, an
    export batch homogenised from barrels)."""

    cooperative = ScopedCooperativeField()
    product = ScopedPrimaryKeyField(model=Product, help_text=_("Id of the product made."))
    inputs = BatchInputSerializer(many=True, allow_empty=False, max_length=MAX_BATCH_INPUTS)
    net_kg = kg_field(help_text=_("Kilograms of the output lot."))
    collected_on = serializers.DateField(help_text=_("Production date."))
    code = lot_code_field(_("The batch's label. Leave it out to get the next code of the co-op's sequence."))
    association = ScopedPrimaryKeyField(
        model=Association,
        allow_null=True,
        required=False,
        help_text=_("Id of the production centre, if any."),
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=MAX_NOTES_LENGTH)

    def validate_inputs(self, inputs):
        """Look all input lots up in one query, among the user's co-operatives."""
        user = self.context["request"].user
        found = scope(Lot.objects.all(), user).in_bulk([row["lot"] for row in inputs])
        missing = serializers.PrimaryKeyRelatedField.default_error_messages["does_not_exist"]
        errors = [
            {} if row["lot"] in found else {"lot": [missing.format(pk_value=row["lot"])]} for row in inputs
        ]
        if any(errors):
            raise serializers.ValidationError(errors)
        return [(found[row["lot"]], row["kg"]) for row in inputs]


class RejectLotSerializer(ActionSerializer):
    reason = serializers.CharField(max_length=300, help_text=_("Why the lot is rejected (kept with it)."))


# --- Lineage ----------------------------------------------------------------------------


class LineageLotSerializer(serializers.ModelSerializer):
    product_code = serializers.CharField(source="product.code", read_only=True)
    family_code = serializers.CharField(source="family.code", read_only=True, allow_null=True)

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
            "collected_on",
            "net_kg",
            "organic",
            "status",
        ]
        read_only_fields = fields


class LineageFamilySerializer(serializers.ModelSerializer):
    class Meta:
        model = Family
        fields = ["id", "code", "household_name", "association", "status"]
        read_only_fields = fields


class LineageLinkSerializer(serializers.ModelSerializer):
    """`kg` of lot `source` went into batch `output`."""

    source = serializers.IntegerField(source="source_id", read_only=True)
    output = serializers.IntegerField(source="output_id", read_only=True)
    kg = kg_field(read_only=True)

    class Meta:
        model = LotInput
        fields = ["source", "output", "kg"]


class LotSourcesSerializer(serializers.Serializer):
    lot = serializers.IntegerField(help_text=_("The lot asked about."))
    lots = LineageLotSerializer(many=True, help_text=_("Every lot it came from, at any depth."))
    families = LineageFamilySerializer(
        many=True, help_text=_("Every family whose deliveries are in it (the lot's own included).")
    )
    links = LineageLinkSerializer(many=True, help_text=_("The batch inputs joining them, with kg."))


class LotProductsSerializer(serializers.Serializer):
    lot = serializers.IntegerField(help_text=_("The lot asked about."))
    lots = LineageLotSerializer(many=True, help_text=_("Every lot made from it, at any depth."))
    links = LineageLinkSerializer(many=True, help_text=_("The batch inputs joining them, with kg."))


class FamilyProductsSerializer(serializers.Serializer):
    family = serializers.IntegerField(help_text=_("The family asked about."))
    lots = LineageLotSerializer(many=True, help_text=_("Every lot made from its deliveries, at any depth."))
    links = LineageLinkSerializer(
        many=True, help_text=_("The batch inputs from its deliveries onwards, with kg.")
    )
