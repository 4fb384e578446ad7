"""REST API for co-operatives and their people, under /api/v1/.

Thin by design: every queryset comes from a selector that scopes it to the user's
co-operatives (another co-op's row is a 404), serializers check the input, and every
write is one call to a service in `coop.services`. There is no DELETE: a family leaves
by its status.

Who may write: staff, managers and admins record families and members; managers and
admins also keep associations; auditors and expired memberships never write (403).
"""

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.filters import OrderingFilter

from coop import selectors, services
from coop.filters import AssociationFilter, CooperativeFilter, FamilyFilter, MemberFilter, SearchFilter
from coop.idempotency import IdempotentCreateMixin
from coop.serializers import (
    AssociationSerializer,
    CooperativeSerializer,
    FamilySerializer,
    MemberSerializer,
)
from coop.tenancy import MANAGE, RECORD, can, cooperatives_for, require

FILTER_BACKENDS = [DjangoFilterBackend, SearchFilter, OrderingFilter]


class HasWriteRole(permissions.BasePermission):
    """Reading needs a login (the queryset does the scoping); writing needs one of the
    view's `write_roles`: somewhere at all for the request, in the row's co-op for a row."""

    message = _("Your role does not allow this action.")

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return cooperatives_for(request.user, roles=view.write_roles).exists()

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        return can(request.user, obj.cooperative, view.write_roles)


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


class CoopScopedViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create and update rows of the user's co-operatives; no delete."""

    permission_classes = [HasWriteRole]
    filter_backends = FILTER_BACKENDS
    write_roles = RECORD

    def get_queryset(self):
        return self.selector(user=self.request.user)

    def _as_listed(self, instance):
        # Re-read through the selector so a write answers exactly what a GET would.
        return self.get_queryset().get(pk=instance.pk)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        cooperative = self.cooperative_of(data)
        require(self.request.user, cooperative, self.write_roles)
        serializer.instance = self._as_listed(self.create_row(cooperative=cooperative, data=data))

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("cooperative", None)  # checked unchanged by the serializer
        serializer.instance = self._as_listed(self.update_row(instance=serializer.instance, data=data))

    def cooperative_of(self, data):
        return data.pop("cooperative")


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
class FamilyViewSet(CoopScopedViewSet):
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


def register(router) -> None:
    router.register("cooperatives", CooperativeViewSet, basename="cooperative")
    router.register("associations", AssociationViewSet, basename="association")
    router.register("families", FamilyViewSet, basename="family")
    router.register("members", MemberViewSet, basename="member")
