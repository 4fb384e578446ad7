"""API serializers of seasons and advances.

Same conventions as `coop.serializers` and `chain.serializers`: strict bodies (an unknown
or read-only field is a 400 naming it), references scoped to the user's co-operatives,
kg as strings with 3 places, prices with 4, money with 2, rates with 4; no saving here:
the viewsets hand `validated_data` to `upgrading.services.advances`.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from chain.serializers import money_field, price_field
from coop.models import Product
from coop.serializers import (
    ActionSerializer,
    CoopModelSerializer,
    MovesNowhereMixin,
    ScopedCooperativeField,
    ScopedPrimaryKeyField,
    kg_field,
)
from coop.units import RATE_DIGITS, RATE_PLACES
from upgrading.models import Advance, Season
from upgrading.services.advances import MAX_REASON_LENGTH, MAX_REFERENCE_LENGTH


def rate_field(**kwargs) -> serializers.DecimalField:
    """A share of a whole, 0 to 1 with 4 places ("0.5000" advances half)."""
    return serializers.DecimalField(
        max_digits=5, decimal_places=4, min_value=Decimal("0"), max_value=Decimal("1"), **kwargs
    )


class SeasonSerializer(MovesNowhereMixin, CoopModelSerializer):
    """A product's season and the terms its deliveries are advanced on."""

    cooperative = ScopedCooperativeField()
    product = ScopedPrimaryKeyField(model=Product, help_text=_("Id of a product of the same co-operative."))
    product_code = serializers.CharField(source="product.code", read_only=True)
    advance_rate = rate_field(
        required=False,
        allow_null=True,
        help_text=_(
            "Share of the expected value advanced on delivery, e.g. 0.5; null: the active contract's."
        ),
    )
    reference_price_per_kg = price_field(
        required=False,
        allow_null=True,
        help_text=_("In the co-op's base currency; null: the active contract's price on the delivery day."),
    )
    reference_exchange_rate = serializers.DecimalField(
        max_digits=RATE_DIGITS,
        decimal_places=RATE_PLACES,
        min_value=Decimal("0.000001"),
        required=False,
        allow_null=True,
        help_text=_("Base currency per unit of a foreign contract's currency, to convert its price."),
    )

    class Meta(CoopModelSerializer.Meta):
        model = Season
        fields = [
            "id",
            "cooperative",
            "product",
            "product_code",
            "code",
            "name",
            "starts_on",
            "ends_on",
            "advance_rate",
            "reference_price_per_kg",
            "reference_exchange_rate",
        ]


class AdvanceSerializer(serializers.ModelSerializer):
    """An advance: `rate × reference_price_per_kg × kg = amount`, in the co-op's currency."""

    cooperative = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    lot_code = serializers.CharField(source="lot.code", read_only=True)
    family_code = serializers.CharField(source="family.code", read_only=True)
    season_code = serializers.CharField(source="season.code", read_only=True, allow_null=True)
    contract_reference = serializers.CharField(source="contract.reference", read_only=True, allow_null=True)
    kg = kg_field(read_only=True)
    rate = serializers.DecimalField(max_digits=5, decimal_places=4, read_only=True)
    reference_price_per_kg = price_field(read_only=True)
    amount = money_field(read_only=True)
    paid_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    # Empty until the advance is paid: the schema must say so, or typed clients reject it.
    method = serializers.ChoiceField(choices=Advance.Method.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Advance
        fields = [
            "id",
            "cooperative",
            "lot",
            "lot_code",
            "family",
            "family_code",
            "season",
            "season_code",
            "contract",
            "contract_reference",
            "kg",
            "rate",
            "reference_price_per_kg",
            "amount",
            "currency",
            "due_on",
            "status",
            "paid_on",
            "method",
            "payment_reference",
            "paid_by",
            "cancelled_reason",
            "created_at",
        ]
        read_only_fields = fields


class AdvancePaySerializer(ActionSerializer):
    paid_on = serializers.DateField(help_text=_("The day the family received the money."))
    method = serializers.ChoiceField(choices=Advance.Method.choices)
    payment_reference = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_REFERENCE_LENGTH,
        help_text=_("The Pix or transfer id, the cheque number, or the receipt book's page."),
    )


class AdvanceCancelSerializer(ActionSerializer):
    cancelled_reason = serializers.CharField(
        max_length=MAX_REASON_LENGTH, help_text=_("Why it is cancelled.")
    )


class StatusTotalSerializer(serializers.Serializer):
    status = serializers.CharField()
    count = serializers.IntegerField()
    kg = kg_field()
    amount = money_field()


class AdvanceTotalsSerializer(serializers.Serializer):
    """Totals of the advances a filter selects, per status, in one currency."""

    currency = serializers.CharField()
    statuses = StatusTotalSerializer(many=True)
    advanced = money_field(help_text=_("Due plus paid."))
