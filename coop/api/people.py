"""REST API for co-operatives and their people.

Who may write: staff, managers and admins record families and members; managers and
admins also keep associations; auditors and expired memberships never write (403).
A family leaves by its status, never by DELETE.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from coop import selectors, services
from coop.api.base import FILTER_BACKENDS, CoopScopedViewSet
from coop.api.production import FamilyLineageMixin
from coop.filters import AssociationFilter, CooperativeFilter, FamilyFilter, MemberFilter
from coop.serializers import (
    AssociationSerializer,
    CooperativeSerializer,
    FamilySerializer,
    MemberSerializer,
)
from coop.tenancy import MANAGE


@extend_schema_view(
    list=extend_schema(summary="List the co-operatives you belong to"),
    retrieve=extend_schema(
        summary="One co-operative, by slug",
        parameters=[OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The co-op's slug.")],
    ),
)
@extend_schema(tags=["cooperatives"])
class CooperativeViewSet(viewsets.ReadOnlyModelViewSet):
    """The co-operatives the user belongs to today, with the user's role in each.
    Looked up by slug (`/api/v1/cooperatives/<slug>/`), the same slug that the
    `cooperative` field and filter of the other resources take."""

    serializer_class = CooperativeSerializer
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    filter_backends = FILTER_BACKENDS
    filterset_class = CooperativeFilter
    search_fields = ["name", "slug", "municipality"]
    ordering_fields = ["name", "slug", "state"]
    ordering = ["name"]

    def get_queryset(self):
        return selectors.cooperative_list(user=self.request.user)


@extend_schema_view(
    list=extend_schema(summary="List associations, cantinas, honey rooms and production centres"),
    create=extend_schema(summary="Create an association (managers and admins)"),
)
@extend_schema(tags=["associations"])
class AssociationViewSet(CoopScopedViewSet):
    """Associations and the places of a co-op (cantinas, honey rooms, production centres)."""

    serializer_class = AssociationSerializer
    selector = staticmethod(selectors.association_list)
    write_roles = MANAGE
    filterset_class = AssociationFilter
    search_fields = ["code", "name", "municipality"]
    ordering_fields = ["code", "name", "kind", "municipality", "family_count"]
    ordering = ["cooperative__name", "code"]

    def create_row(self, *, cooperative, data):
        return services.association_create(actor=self.request.user, cooperative=cooperative, **data)

    def update_row(self, *, instance, data):
        return services.association_update(actor=self.request.user, association=instance, **data)


@extend_schema_view(
    list=extend_schema(summary="List families"),
    create=extend_schema(summary="Record a family (staff, managers and admins)"),
)
@extend_schema(tags=["families"])
class FamilyViewSet(FamilyLineageMixin, CoopScopedViewSet):
    """Producing households. A family that leaves keeps its row: set `status` to `left`."""

    serializer_class = FamilySerializer
    selector = staticmethod(selectors.family_list)
    filterset_class = FamilyFilter
    search_fields = ["code", "household_name", "municipality", "association__name"]
    ordering_fields = ["code", "household_name", "municipality", "joined_on", "hives", "member_count"]
    ordering = ["cooperative__name", "code"]

    def create_row(self, *, cooperative, data):
        return services.family_create(actor=self.request.user, cooperative=cooperative, **data)

    def update_row(self, *, instance, data):
        return services.family_update(actor=self.request.user, family=instance, **data)


@extend_schema_view(
    list=extend_schema(summary="List members"),
    create=extend_schema(summary="Record a member of a family (staff, managers and admins)"),
)
@extend_schema(tags=["members"])
class MemberViewSet(CoopScopedViewSet):
    """People in the families. A member's co-operative is their family's; the CPF
    (`national_id`) can be written but is never returned."""

    serializer_class = MemberSerializer
    selector = staticmethod(selectors.member_list)
    filterset_class = MemberFilter
    search_fields = ["name", "family__code", "family__household_name"]
    ordering_fields = ["name", "birth_year", "family__code"]
    ordering = ["cooperative__name", "family__code", "name"]

    def cooperative_of(self, data):
        return data["family"].cooperative

    def create_row(self, *, cooperative, data):
        return services.member_create(actor=self.request.user, cooperative=cooperative, **data)

    def update_row(self, *, instance, data):
        return services.member_update(actor=self.request.user, member=instance, **data)
