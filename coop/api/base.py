"""What every viewset of the co-op API shares: the write-role permission and the scoped
create/list/read(/update) viewsets.

Thin by design: every queryset is scoped to the user's co-operatives (another co-op's
row is a 404), serializers check the input, and every write is one call to a service in
`coop.services`. There is no DELETE anywhere: records end by their status.
"""

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from coop.filters import SearchFilter
from coop.idempotency import IdempotentCreateMixin
from coop.tenancy import RECORD, can, cooperatives_for, require

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


class CoopScopedCreateViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """List, read and create rows of the user's co-operatives; no update, no delete.

    A subclass names its `selector(user=...)` (or scopes its own `get_queryset`), the
    `write_roles` for POST and `create_row(cooperative=..., data=...)`, which calls one
    service.
    """

    permission_classes = [HasWriteRole]
    filter_backends = FILTER_BACKENDS
    write_roles = RECORD

    def get_queryset(self):
        return self.selector(user=self.request.user)

    def _as_listed(self, instance):
        # Re-read through the selector so a write answers exactly what a GET would.
        return self.get_queryset().get(pk=instance.pk)

    def answer(self, instance, *, status_code=status.HTTP_200_OK) -> Response:
        """A workflow action's answer: the row as a GET shows it (an action's own
        `serializer_class` is for its request body, so the viewset's class is used)."""
        serializer = type(self).serializer_class(
            self._as_listed(instance), context=self.get_serializer_context()
        )
        return Response(serializer.data, status=status_code)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        cooperative = self.cooperative_of(data)
        require(self.request.user, cooperative, self.write_roles)
        serializer.instance = self._as_listed(self.create_row(cooperative=cooperative, data=data))

    def cooperative_of(self, data):
        return data.pop("cooperative")


class CoopScopedViewSet(mixins.UpdateModelMixin, CoopScopedCreateViewSet):
    """List, read, create and update rows of the user's co-operatives; no delete.
    A subclass adds `update_row(instance=..., data=...)`."""

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("cooperative", None)  # checked unchanged by the serializer
        serializer.instance = self._as_listed(self.update_row(instance=serializer.instance, data=data))
