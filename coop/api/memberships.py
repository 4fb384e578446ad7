"""REST API for who has access to a co-operative: `/api/v1/memberships/`.

Only a co-op's administrators (and superusers) see and change its memberships; any other
role answers 403 (on every method: who has access, and their emails, are the admins'
business), and a membership of a co-op one does not administer answers 404. Invite with
POST (the account is created if needed and emailed a set-password link), change the
role or last day with PATCH, end with POST …/end/. No DELETE: an ended membership stays,
with its history.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status
from rest_framework.decorators import action

from coop import invitations, selectors, services
from coop.api.base import CoopScopedCreateViewSet
from coop.filters import MembershipFilter
from coop.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from coop.serializers import MembershipEndSerializer, MembershipInviteSerializer, MembershipSerializer
from coop.tenancy import ADMINISTER, cooperatives_for, require


class AdministersACooperative(permissions.BasePermission):
    """Every method needs the admin role somewhere; a row needs it in the row's co-op
    (the queryset already hides other co-ops' rows, so that is a 404 first)."""

    message = _("Only a co-operative's administrators manage who has access.")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.is_superuser or cooperatives_for(user, roles=ADMINISTER).exists()


@extend_schema_view(
    list=extend_schema(summary="List who has access to the co-operatives you administer"),
    retrieve=extend_schema(summary="One membership"),
    partial_update=extend_schema(summary="Change a membership's role or last day"),
)
@extend_schema(tags=["memberships"])
class MembershipViewSet(mixins.UpdateModelMixin, CoopScopedCreateViewSet):
    """People's roles in co-operatives (`staff`, `manager`, `auditor`, `admin`). A
    co-operative always keeps one administrator without an end date: ending or demoting
    the last one is refused (400)."""

    serializer_class = MembershipSerializer
    selector = staticmethod(selectors.membership_list)
    permission_classes = [AdministersACooperative]
    write_roles = ADMINISTER
    filterset_class = MembershipFilter
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name"]
    ordering_fields = ["user__username", "role", "ends_on", "created_at"]
    ordering = ["cooperative__name", "user__username"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action == "create":
            return MembershipInviteSerializer
        return super().get_serializer_class()

    @extend_schema(
        summary="Invite a person by email with a role",
        description=(
            "Administrators of the co-operative. Creates the account if no account has this "
            "email, and emails the person a one-time link to choose their password (the link "
            "is never returned). Someone whose access ended gets it back with the new role; "
            "someone who has access now is refused: change their role with PATCH."
        ),
        request=MembershipInviteSerializer,
        responses={201: MembershipSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    def create(self, request, *args, **kwargs):
        return self.run_idempotently(request, lambda: self._invite(request))

    def _invite(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        cooperative = data.pop("cooperative")
        require(request.user, cooperative, ADMINISTER)
        invitation = services.membership_invite(actor=request.user, cooperative=cooperative, **data)
        invitations.invitation_send(
            membership=invitation.membership, site_url=invitations.site_url_for(request)
        )
        return self.answer(invitation.membership, status_code=status.HTTP_201_CREATED)

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        require(request.user, obj.cooperative, ADMINISTER)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        actor, membership = self.request.user, serializer.instance
        membership = services.membership_change(actor=actor, membership=membership, **data)
        serializer.instance = self._as_listed(membership)

    @extend_schema(
        summary="End a membership",
        description="At once by default, or after `ends_on` (a day today or later).",
        request=MembershipEndSerializer,
        responses=MembershipSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"], serializer_class=MembershipEndSerializer)
    @idempotent
    def end(self, request, pk=None):
        membership = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ends_on = serializer.validated_data.get("ends_on")
        ended = services.membership_end(actor=request.user, membership=membership, ends_on=ends_on)
        return self.answer(ended)
