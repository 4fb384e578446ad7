"""REST API of the fair-trade premium fund.

- `premium-fund/`: each of the user's co-ops with its fund's totals (received, allocated,
  spent, balance), looked up by the co-op's slug; `premium-fund/{slug}/report/?year=`
  is the yearly premium-use report.
- `premium-fund/receipts/`: the premium of each paid shipment, credited automatically
  (read-only: a receipt is written when a shipment is paid, never by hand).
- `premium-fund/allocations/`: money set aside for a project on an approving assembly
  decision; managers and admins POST.
- `premium-fund/spending/`: money spent from an allocation, POSTed by managers and admins
  as multipart/form-data with its `evidence` file; `{id}/evidence/` downloads the file.

Everything is scoped to the user's co-operatives (another co-op's row is a 404); staff
and auditors read and get 403 on POST; every POST honours `Idempotency-Key` and is one
call to `upgrading.services.premium`. No PUT, no DELETE: money movements are records.
"""

import django_filters as filters
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from coop.api.base import FILTER_BACKENDS, CoopScopedCreateViewSet
from coop.storage import stored_file_response
from coop.tenancy import MANAGE
from upgrading.models import PremiumAllocation, PremiumReceipt, PremiumSpending
from upgrading.selectors import premium as selectors
from upgrading.serializers.premium import (
    PremiumAllocationSerializer,
    PremiumFundSerializer,
    PremiumReceiptSerializer,
    PremiumSpendingSerializer,
)
from upgrading.services import premium as services

# --- Filters --------------------------------------------------------------------------------------

MIN_YEAR, MAX_YEAR = 1900, 2999


def _cooperative_filter():
    return filters.CharFilter(field_name="cooperative__slug", label=_("Co-operative (slug)"))


def _year_filter(field_name):
    return filters.NumberFilter(
        field_name=field_name,
        lookup_expr="year",
        label=_("Calendar year"),
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        decimal_places=0,
    )


class ReceiptFilter(filters.FilterSet):
    cooperative = _cooperative_filter()
    year = _year_filter("received_on")

    class Meta:
        model = PremiumReceipt
        fields = ["cooperative", "year", "currency"]


class AllocationFilter(filters.FilterSet):
    cooperative = _cooperative_filter()
    year = _year_filter("allocated_on")
    open = filters.BooleanFilter(method="filter_open", label=_("With money left to spend (true) or spent"))

    class Meta:
        model = PremiumAllocation
        fields = ["cooperative", "category", "year", "open"]

    def filter_open(self, queryset, name, value):
        remaining = queryset.filter(spent__lt=F("amount"))
        return remaining if value else queryset.exclude(pk__in=remaining.values("pk"))


class SpendingFilter(filters.FilterSet):
    cooperative = _cooperative_filter()
    year = _year_filter("spent_on")
    allocation = filters.NumberFilter(
        field_name="allocation", label=_("Allocation id"), min_value=1, decimal_places=0, max_value=2**63 - 1
    )

    class Meta:
        model = PremiumSpending
        fields = ["cooperative", "year", "allocation"]


# --- The fund ---------------------------------------------------------------------------------------


class ReportQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(
        required=False,
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        help_text=_("Calendar year; this year if left out."),
    )


class ContractLineSerializer(serializers.Serializer):
    contract = serializers.IntegerField(source="contract_id", allow_null=True)
    reference = serializers.CharField()
    buyer = serializers.CharField()
    currency = serializers.CharField(help_text=_("The contract's currency, of `amount_foreign`."))
    shipments = serializers.IntegerField()
    kg = serializers.DecimalField(max_digits=None, decimal_places=3)
    amount_foreign = serializers.DecimalField(max_digits=None, decimal_places=2)
    amount = serializers.DecimalField(max_digits=None, decimal_places=2)


class ProjectLineSerializer(serializers.Serializer):
    category = serializers.CharField()
    category_label = serializers.CharField()
    project = serializers.CharField()
    allocated = serializers.DecimalField(max_digits=None, decimal_places=2)
    spent = serializers.DecimalField(max_digits=None, decimal_places=2)


class CategoryLineSerializer(serializers.Serializer):
    category = serializers.CharField()
    category_label = serializers.CharField()
    allocated = serializers.DecimalField(max_digits=None, decimal_places=2)
    spent = serializers.DecimalField(max_digits=None, decimal_places=2)


def _money(**kwargs):
    return serializers.DecimalField(max_digits=None, decimal_places=2, **kwargs)


class PremiumUseReportSerializer(serializers.Serializer):
    cooperative = serializers.CharField(source="cooperative.slug")
    year = serializers.IntegerField()
    currency = serializers.CharField()
    opening_balance = _money(help_text=_("Not yet allocated on 1 January."))
    received = _money()
    received_kg = serializers.DecimalField(max_digits=None, decimal_places=3)
    allocated = _money()
    spent = _money()
    closing_balance = _money(help_text=_("Not yet allocated on 31 December."))
    unspent_at_end = _money(help_text=_("Allocated and not yet spent on 31 December."))
    families = serializers.IntegerField(help_text=_("Member families on the rolls at the end of the year."))
    received_per_family = _money(allow_null=True)
    allocated_per_family = _money(allow_null=True)
    spent_per_family = _money(allow_null=True)
    contracts = ContractLineSerializer(many=True)
    projects = ProjectLineSerializer(many=True)
    categories = CategoryLineSerializer(many=True)


@extend_schema_view(
    list=extend_schema(summary="The premium fund of each of your co-operatives"),
    retrieve=extend_schema(summary="A co-operative's premium fund: received, allocated, spent, balance"),
)
@extend_schema(tags=["premium fund"])
class PremiumFundViewSet(viewsets.ReadOnlyModelViewSet):
    """The fair-trade premium fund of each co-operative: what buyers paid as premium
    (received), what assemblies set aside for projects (allocated), what the projects
    spent, and the balance still to be decided on. Looked up by the co-op's slug."""

    serializer_class = PremiumFundSerializer
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    filter_backends = []

    def get_queryset(self):
        return selectors.premium_fund_list(user=self.request.user)

    @extend_schema(
        summary="The premium-use report of a year",
        description=(
            "What the fund received (per contract), allocated and spent (per category and project) "
            "in a calendar year, with the balances at its start and end and per-family figures."
        ),
        parameters=[ReportQuerySerializer],
        responses=PremiumUseReportSerializer,
    )
    @action(detail=True, methods=["get"])
    def report(self, request, slug=None):
        cooperative = self.get_object()
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year") or timezone.localdate().year
        report = selectors.premium_use_report(cooperative=cooperative, year=year)
        return Response(PremiumUseReportSerializer(report).data)


# --- Movements --------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Premium receipts, newest first"),
    retrieve=extend_schema(summary="One premium receipt"),
)
@extend_schema(tags=["premium fund"])
class PremiumReceiptViewSet(viewsets.ReadOnlyModelViewSet):
    """The premium of each paid shipment under a contract with a premium, credited to the
    fund when the shipment is marked paid. Read-only."""

    serializer_class = PremiumReceiptSerializer
    filter_backends = FILTER_BACKENDS
    filterset_class = ReceiptFilter
    search_fields = ["shipment__reference", "shipment__contract__reference"]
    ordering_fields = ["received_on", "amount"]
    ordering = ["-received_on", "-id"]

    def get_queryset(self):
        return selectors.premium_receipt_list(user=self.request.user)


@extend_schema_view(
    list=extend_schema(summary="Premium allocations to projects, newest first"),
    retrieve=extend_schema(summary="One premium allocation, with what remains of it"),
    create=extend_schema(
        summary="Allocate premium to a project (managers and admins)",
        description=(
            "Needs the assembly decision that approved it (same co-operative, quorum reached, more "
            "votes for than against) and an amount within the fund's balance, read under a row lock. "
            "A refusal is a 400 naming the field; nothing is written."
        ),
    ),
)
@extend_schema(tags=["premium fund"])
class PremiumAllocationViewSet(CoopScopedCreateViewSet):
    """Money of the premium fund set aside for a project of the premium plan (schooling,
    a cantina, a soap factory, safety equipment, ...), each citing the assembly decision
    that approved it. `remainder` is what the project may still spend."""

    serializer_class = PremiumAllocationSerializer
    write_roles = MANAGE
    filterset_class = AllocationFilter
    search_fields = ["project"]
    ordering_fields = ["allocated_on", "amount", "project"]
    ordering = ["-allocated_on", "-id"]

    def get_queryset(self):
        return selectors.premium_allocation_list(user=self.request.user)

    def create_row(self, *, cooperative, data):
        return services.premium_allocate(actor=self.request.user, cooperative=cooperative, **data)


class EvidenceRenderer(renderers.BaseRenderer):
    """The evidence file as bytes; an error answer (a dict) as JSON."""

    media_type = "application/octet-stream"
    format = "bin"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return renderers.JSONRenderer().render(data)


@extend_schema_view(
    list=extend_schema(summary="Premium spending, newest first"),
    retrieve=extend_schema(summary="One premium spending"),
    create=extend_schema(
        summary="Record money spent from an allocation (managers and admins)",
        description=(
            "Send multipart/form-data to attach `evidence` (PDF, PNG, JPEG, WebP or plain text, checked "
            "by content; its SHA-256 is kept). The amount must fit the allocation's remainder, read under "
            "a row lock. A refusal is a 400 naming the field; nothing is written."
        ),
    ),
)
@extend_schema(tags=["premium fund"])
class PremiumSpendingViewSet(CoopScopedCreateViewSet):
    """Money spent from an allocation of the premium fund, with its evidence."""

    serializer_class = PremiumSpendingSerializer
    write_roles = MANAGE
    filterset_class = SpendingFilter
    search_fields = ["description", "allocation__project"]
    ordering_fields = ["spent_on", "amount"]
    ordering = ["-spent_on", "-id"]

    def get_queryset(self):
        return selectors.premium_spending_list(user=self.request.user)

    def cooperative_of(self, data):
        return data["allocation"].cooperative

    def create_row(self, *, cooperative, data):
        return services.premium_spend(actor=self.request.user, **data)

    @extend_schema(
        summary="Download a spending's evidence file",
        description="The file as uploaded; its SHA-256 is in the `X-Content-SHA256` header.",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[renderers.JSONRenderer, EvidenceRenderer],
        filter_backends=[],
    )
    def evidence(self, request, pk=None):
        spending = self.get_object()
        name = spending.evidence.name.rsplit("/", 1)[-1]
        response = stored_file_response(
            spending.evidence, filename=name, content_type="application/octet-stream"
        )
        response["X-Content-SHA256"] = spending.evidence_sha256
        return response


def register(router) -> None:
    # The movements first: their prefixes would otherwise read as a co-op's slug.
    router.register("premium-fund/receipts", PremiumReceiptViewSet, basename="premium-receipt")
    router.register("premium-fund/allocations", PremiumAllocationViewSet, basename="premium-allocation")
    router.register("premium-fund/spending", PremiumSpendingViewSet, basename="premium-spending")
    router.register("premium-fund", PremiumFundViewSet, basename="premium-fund")
