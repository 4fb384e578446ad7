"""REST API of the general-assembly register: `assemblies` (with their decisions nested) and
`decisions` (list, read, record).

Every member of a co-op reads; managers and admins record (staff and auditors: 403).
Minutes are uploaded as multipart (`minutes`), checked by `upgrading.evidence` (size,
real content type) and served back only by the `minutes` actions, to members of the
co-op, with their SHA-256 in `X-Content-SHA256`. No DELETE: a decision may be cited by
the premium fund or a settlement.
"""

import django_filters as filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.decorators import action

from coop.api.base import CoopScopedCreateViewSet, CoopScopedViewSet
from coop.filters import IntegerFilter
from coop.tenancy import MANAGE, scope
from upgrading.models import Assembly, Decision
from upgrading.serializers.assemblies import AssemblySerializer, DecisionSerializer
from upgrading.services import assemblies as services
from upgrading.views.assemblies import minutes_response

MINUTES_RESPONSE = {
    (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The minutes file.")
}


class AssemblyFilter(filters.FilterSet):
    cooperative = filters.CharFilter(field_name="cooperative__slug", label=_("Co-operative (slug)"))
    held_after = filters.DateFilter(field_name="held_on", lookup_expr="gte", label=_("Held on or after"))
    held_before = filters.DateFilter(field_name="held_on", lookup_expr="lte", label=_("Held on or before"))

    class Meta:
        model = Assembly
        fields = ["cooperative", "kind", "quorum_reached"]


class DecisionFilter(filters.FilterSet):
    cooperative = filters.CharFilter(field_name="cooperative__slug", label=_("Co-operative (slug)"))
    assembly = IntegerFilter(field_name="assembly", label=_("Assembly id"))

    class Meta:
        model = Decision
        fields = ["cooperative", "assembly"]


@extend_schema_view(
    list=extend_schema(summary="List general assemblies, newest first, with their decisions"),
    retrieve=extend_schema(summary="One general assembly, with its decisions"),
    create=extend_schema(summary="Record an assembly held (managers and admins)"),
    update=extend_schema(summary="Correct an assembly's record (managers and admins)"),
    partial_update=extend_schema(summary="Correct some of an assembly's fields (managers and admins)"),
)
@extend_schema(tags=["assemblies"])
class AssemblyViewSet(CoopScopedViewSet):
    """Meetings of the members: date, kind, members present and of them women (never more
    than present), whether the quorum was reached, the minutes, and the decisions voted."""

    serializer_class = AssemblySerializer
    write_roles = MANAGE
    filterset_class = AssemblyFilter
    search_fields = ["place"]
    ordering_fields = ["held_on"]
    ordering = ["-held_on", "-id"]

    def get_queryset(self):
        decisions = Prefetch("decisions", queryset=Decision.objects.order_by("number"))
        return (
            scope(Assembly.objects.all(), self.request.user)
            .select_related("cooperative")
            .prefetch_related(decisions)
        )

    def create_row(self, *, cooperative, data):
        return services.assembly_record(actor=self.request.user, cooperative=cooperative, **data)

    def update_row(self, *, instance, data):
        return services.assembly_update(actor=self.request.user, assembly=instance, **data)

    @extend_schema(summary="Download the assembly's minutes", responses=MINUTES_RESPONSE)
    @action(detail=True, methods=["get"], filter_backends=[])
    def minutes(self, request, pk=None):
        assembly = self.get_object()
        return minutes_response(assembly.minutes, assembly.minutes_sha256)


@extend_schema_view(
    list=extend_schema(summary="List decisions"),
    retrieve=extend_schema(summary="One decision"),
    create=extend_schema(
        summary="Record a decision voted in an assembly (managers and admins)",
        description=(
            "Votes for, against and abstaining together cannot exceed the members present. "
            "Without `number`, the assembly's next number is given."
        ),
    ),
)
@extend_schema(tags=["assemblies"])
class DecisionViewSet(CoopScopedCreateViewSet):
    """Resolutions of the assemblies; the premium fund's allocations and the settlements
    cite one, and need it `approved` (more votes for than against)."""

    serializer_class = DecisionSerializer
    write_roles = MANAGE
    filterset_class = DecisionFilter
    search_fields = ["text"]
    ordering_fields = ["number"]
    ordering = ["-assembly__held_on", "assembly", "number"]

    def get_queryset(self):
        return scope(Decision.objects.all(), self.request.user).select_related("cooperative", "assembly")

    def cooperative_of(self, data):
        return data["assembly"].cooperative

    def create_row(self, *, cooperative, data):
        return services.decision_record(actor=self.request.user, **data)

    @extend_schema(summary="Download the decision's minutes", responses=MINUTES_RESPONSE)
    @action(detail=True, methods=["get"], filter_backends=[])
    def minutes(self, request, pk=None):
        decision = self.get_object()
        return minutes_response(decision.minutes, decision.minutes_sha256)


def register(router) -> None:
    router.register("assemblies", AssemblyViewSet, basename="assembly")
    router.register("decisions", DecisionViewSet, basename="decision")
