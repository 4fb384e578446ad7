"""API serializers of the fair-trade premium fund: the fund's totals, receipts,
allocations and spending.

As everywhere in the API: strict bodies (an unknown or read-only field is a 400 naming
it), references only to rows of the user's co-operatives, money as strings with two
places (more places are refused, not rounded), and no saving here: the viewsets hand
`validated_data` to `upgrading.services.premium`, which owns every rule (balance,
remainder, the approving decision, the evidence's content).
"""

from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coop.serializers import (
    CoopModelSerializer,
    RejectUnknownFieldsMixin,
    ScopedCooperativeField,
    ScopedPrimaryKeyField,
    WriteThroughServicesMixin,
)
from coop.units import MONEY_DIGITS, MONEY_PLACES, RATE_DIGITS, RATE_PLACES
from upgrading.models import Decision, PremiumAllocation, PremiumReceipt, PremiumSpending

MAX_NOTES_LENGTH = 2000


def money_field(**kwargs) -> serializers.DecimalField:
    """An amount: two places, at most what the money columns hold."""
    return serializers.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **kwargs)


def total_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=None, decimal_places=MONEY_PLACES, read_only=True, **kwargs)


class PremiumFundSerializer(serializers.Serializer):
    """A co-op's fund, read from `upgrading.selectors.premium.premium_fund_list`."""

    cooperative = serializers.CharField(source="slug", read_only=True)
    name = serializers.CharField(read_only=True)
    currency = serializers.CharField(
        source="fund_currency", read_only=True, help_text=_("The co-op's base currency.")
    )
    received = total_field(source="fund_received", help_text=_("Every premium credited so far."))
    allocated = total_field(source="fund_allocated", help_text=_("Set aside for projects by decisions."))
    spent = total_field(source="fund_spent", help_text=_("Spent from the allocations."))
    balance = total_field(source="fund_balance", help_text=_("Received and not yet allocated."))
    unspent = total_field(source="fund_unspent", help_text=_("Allocated and not yet spent."))


class PremiumReceiptSerializer(serializers.ModelSerializer):
    """The premium of one paid shipment: kg × premium per kg in the contract's currency
    (`amount_foreign`), converted at the shipment's `exchange_rate` (`amount`)."""

    cooperative = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    shipment_reference = serializers.CharField(source="shipment.reference", read_only=True)
    contract = serializers.IntegerField(source="shipment.contract_id", read_only=True)
    contract_reference = serializers.CharField(source="shipment.contract.reference", read_only=True)
    buyer_name = serializers.CharField(source="shipment.buyer.name", read_only=True)
    kg = serializers.DecimalField(max_digits=None, decimal_places=3, read_only=True)
    premium_per_kg = serializers.DecimalField(max_digits=None, decimal_places=4, read_only=True)
    exchange_rate = serializers.DecimalField(
        max_digits=RATE_DIGITS, decimal_places=RATE_PLACES, read_only=True
    )
    amount_foreign = total_field(help_text=_("In the contract's currency (`currency`)."))
    amount = total_field(help_text=_("In the co-op's base currency, credited to the fund."))

    class Meta:
        model = PremiumReceipt
        fields = [
            "id",
            "cooperative",
            "shipment",
            "shipment_reference",
            "contract",
            "contract_reference",
            "buyer_name",
            "received_on",
            "kg",
            "premium_per_kg",
            "currency",
            "exchange_rate",
            "amount_foreign",
            "amount",
        ]
        read_only_fields = fields


class DecisionSummarySerializer(serializers.ModelSerializer):
    assembly_held_on = serializers.DateField(source="assembly.held_on", read_only=True)
    assembly_kind = serializers.CharField(source="assembly.kind", read_only=True)

    class Meta:
        model = Decision
        fields = [
            "id",
            "assembly",
            "assembly_held_on",
            "assembly_kind",
            "number",
            "text",
            "votes_for",
            "votes_against",
            "votes_abstaining",
        ]
        read_only_fields = fields


class PremiumAllocationSerializer(CoopModelSerializer):
    """Money of the fund set aside for a project, on an approving assembly decision."""

    cooperative = ScopedCooperativeField()
    decision = ScopedPrimaryKeyField(
        model=Decision,
        help_text=_(
            "Id of the assembly decision that approved this use: of the same co-operative, taken with "
            "quorum, more votes for than against."
        ),
    )
    decision_detail = DecisionSummarySerializer(source="decision", read_only=True)
    amount = money_field(
        min_value=Decimal("0.01"), help_text=_("In the co-op's base currency; at most the fund's balance.")
    )
    spent = total_field()
    remainder = total_field(help_text=_("Allocated and not yet spent."))
    notes = serializers.CharField(required=False, allow_blank=True, max_length=MAX_NOTES_LENGTH)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta(CoopModelSerializer.Meta):
        model = PremiumAllocation
        fields = [
            "id",
            "cooperative",
            "project",
            "category",
            "decision",
            "decision_detail",
            "allocated_on",
            "amount",
            "spent",
            "remainder",
            "notes",
            "created_by",
        ]


class PremiumSpendingSerializer(
    RejectUnknownFieldsMixin, WriteThroughServicesMixin, serializers.ModelSerializer
):
    """Money spent from an allocation. POST as multipart/form-data to attach `evidence`."""

    cooperative = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    allocation = ScopedPrimaryKeyField(
        model=PremiumAllocation, help_text=_("Id of the allocation the money was spent from.")
    )
    project = serializers.CharField(source="allocation.project", read_only=True)
    amount = money_field(min_value=Decimal("0.01"), help_text=_("At most the allocation's remainder."))
    evidence = serializers.FileField(
        write_only=True,
        required=False,
        allow_null=True,
        help_text=_("The invoice, receipt or a photo: PDF, PNG, JPEG, WebP or plain text."),
    )
    evidence_sha256 = serializers.CharField(read_only=True)
    evidence_url = serializers.SerializerMethodField()
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PremiumSpending
        fields = [
            "id",
            "cooperative",
            "allocation",
            "project",
            "spent_on",
            "amount",
            "description",
            "evidence",
            "evidence_sha256",
            "evidence_url",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["recorded_at"]
        validators = []

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_evidence_url(self, spending) -> str | None:
        if not spending.evidence:
            return None
        path = reverse("premium-spending-evidence", args=[spending.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path
