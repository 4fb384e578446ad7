"""API serializers of season settlements: the settlement, its lines, and the bodies of
opening one and of its actions.

Same conventions as `coop.serializers`: strict bodies (an unknown or read-only field is a
400 naming it), references scoped to the user's co-operatives, kg as strings with 3
places and money with 2, and no saving here: the viewset hands `validated_data` to
`upgrading.services.settlements`, which owns every rule.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from coop.serializers import (
    ActionSerializer,
    RejectUnknownFieldsMixin,
    ScopedPrimaryKeyField,
    kg_field,
)
from coop.units import MONEY_DIGITS, MONEY_PLACES, WEIGHT_PLACES
from upgrading.models import Decision, Season, Settlement, SettlementCost, SettlementLine
from upgrading.services.settlements import MAX_COST_LINES

MAX_NOTES_LENGTH = 2000


def money_field(**kwargs) -> serializers.DecimalField:
    """An amount with 2 places ("1234.56"); more places are refused, not rounded."""
    return serializers.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **kwargs)


def total_money_field(**kwargs) -> serializers.DecimalField:
    """Sums of money: 2 places, any size, may be negative (nets carried)."""
    return serializers.DecimalField(max_digits=None, decimal_places=MONEY_PLACES, **kwargs)


class CostItemSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    """A cost recorded against the season's revenue."""

    amount = money_field(min_value=Decimal("0"))

    class Meta:
        model = SettlementCost
        fields = ["description", "amount"]


class SettlementSerializer(serializers.ModelSerializer):
    """A settlement as listed: its pool (and how it was set), levels and status."""

    cooperative = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    season = ScopedPrimaryKeyField(model=Season, help_text=_("Id of a season of one of your co-operatives."))
    season_code = serializers.CharField(source="season.code", read_only=True)
    product = serializers.CharField(source="season.product.code", read_only=True)
    revenue = money_field(read_only=True, allow_null=True)
    costs = money_field(read_only=True, allow_null=True, help_text=_("Total of the recorded costs."))
    pool = money_field(read_only=True)
    total_kg = kg_field(read_only=True)
    # Both optional: a settlement need not correct another (and the decision is cited when given).
    decision = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    corrects = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    created_by = serializers.CharField(source="created_by.get_username", read_only=True)
    approved_by = serializers.CharField(source="approved_by.get_username", read_only=True, allow_null=True)

    class Meta:
        model = Settlement
        fields = [
            "id",
            "cooperative",
            "season",
            "season_code",
            "product",
            "reference",
            "levels",
            "status",
            "pool_source",
            "revenue",
            "costs",
            "pool",
            "currency",
            "total_kg",
            "decision",
            "corrects",
            "notes",
            "created_by",
            "created_at",
            "approved_by",
            "approved_at",
            "paid_on",
        ]
        read_only_fields = fields


class LevelTotalsSerializer(serializers.Serializer):
    lines = serializers.IntegerField()
    kg = serializers.DecimalField(max_digits=None, decimal_places=WEIGHT_PLACES)
    gross = total_money_field(help_text=_("Adds up to the pool at every level."))
    advances = total_money_field()
    carried_in = total_money_field()
    net = total_money_field()
    payable = total_money_field(
        help_text=_(
            "The positive nets: what is paid out (at the family level; an association's net sums theirs)."
        )
    )
    carried_out = total_money_field(
        help_text=_("The negative nets, carried into the next settlement (at the family level).")
    )


class SettlementDetailSerializer(SettlementSerializer):
    """One settlement: also its cost items and the totals of each level's lines."""

    cost_items = CostItemSerializer(many=True, read_only=True)
    totals = serializers.SerializerMethodField(help_text=_("Sums of the lines, per level."))

    class Meta(SettlementSerializer.Meta):
        fields = [*SettlementSerializer.Meta.fields, "cost_items", "totals"]
        read_only_fields = fields

    def get_totals(self, settlement) -> dict:
        totals = self.context.get("totals", {})
        return {level: LevelTotalsSerializer(sums).data for level, sums in totals.items()}


class SettlementOpenSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """The body of POST /api/v1/settlements/: give `pool`, or leave it out to compute the
    pool as the season's revenue minus `cost_items`."""

    season = ScopedPrimaryKeyField(model=Season, help_text=_("Id of a season of one of your co-operatives."))
    reference = serializers.CharField(max_length=60)
    levels = serializers.ChoiceField(
        choices=Settlement.Levels.choices,
        default=Settlement.Levels.FAMILIES,
        help_text=_("1: pool → families; 2: pool → associations → families."),
    )
    pool = money_field(
        required=False,
        allow_null=True,
        help_text=_("The amount to share, in the co-op's currency. Leave out to compute it."),
    )
    cost_items = CostItemSerializer(many=True, required=False, max_length=MAX_COST_LINES)
    decision = ScopedPrimaryKeyField(
        model=Decision, required=False, allow_null=True, help_text=_("The authorising decision's id.")
    )
    corrects = ScopedPrimaryKeyField(
        model=Settlement,
        required=False,
        allow_null=True,
        help_text=_("Id of the approved settlement of the season this one corrects."),
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=MAX_NOTES_LENGTH)

    def to_service(self) -> dict:
        data = dict(self.validated_data)
        data["costs"] = [(item["description"], item["amount"]) for item in data.pop("cost_items", [])]
        return data


class MarkPaidSerializer(ActionSerializer):
    paid_on = serializers.DateField()


class SettlementLineSerializer(serializers.ModelSerializer):
    association_code = serializers.CharField(source="association.code", read_only=True, allow_null=True)
    family_code = serializers.CharField(source="family.code", read_only=True, allow_null=True)
    household_name = serializers.CharField(source="family.household_name", read_only=True, allow_null=True)
    kg = kg_field(read_only=True)
    gross_share = total_money_field(read_only=True)
    advances = total_money_field(read_only=True)
    carried_in = total_money_field(read_only=True)
    net = total_money_field(
        read_only=True, help_text=_("gross_share − advances − carried_in; may be negative.")
    )

    class Meta:
        model = SettlementLine
        fields = [
            "id",
            "level",
            "association",
            "association_code",
            "family",
            "family_code",
            "household_name",
            "kg",
            "gross_share",
            "advances",
            "carried_in",
            "net",
        ]
        read_only_fields = fields


class LineQuerySerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=SettlementLine.Level.choices, required=False)
    association = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
