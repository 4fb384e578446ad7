"""The one scoping helper: what a user may see and do, decided from their memberships.

Every queryset a user triggers (views, API, admin, exports, tasks) goes through
`scope()`. Rows of a co-operative the user does not belong to are simply absent, so
they answer 404 rather than 403, which would leak their existence. Writing needs one
of the roles in a permission set; a member without it gets 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from coop.models import Cooperative, Membership, Role

READ = frozenset(Role.values)
RECORD = frozenset({Role.STAFF, Role.MANAGER, Role.ADMIN})  # families, members, lots
MANAGE = frozenset({Role.MANAGER, Role.ADMIN})  # associations, buyers, money, approvals
ADMINISTER = frozenset({Role.ADMIN})  # memberships


def _active_memberships(user, roles):
    return Membership.objects.active().filter(user=user, role__in=roles)


def cooperatives_for(user, *, roles=READ) -> QuerySet[Cooperative]:
    """Co-operatives in which `user` holds one of `roles` today (superusers: all)."""
    if not user.is_authenticated or not user.is_active:
        return Cooperative.objects.none()
    if user.is_superuser:
        return Cooperative.objects.all()
    return Cooperative.objects.filter(pk__in=_active_memberships(user, roles).values("cooperative"))


def scope(queryset: QuerySet, user, *, roles=READ, field: str = "cooperative") -> QuerySet:
    """Filter `queryset` to rows whose `field` is a co-operative `user` may see."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return queryset
    if queryset.model is Cooperative and field == "cooperative":
        field = "pk"
    ids = cooperatives_for(user, roles=roles).values("pk")
    return queryset.filter(**{f"{field}__in": ids})


def role_of(user, cooperative) -> str | None:
    """The user's role in `cooperative` today, or None. Superusers act as admins."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    membership = _active_memberships(user, READ).filter(cooperative=cooperative).first()
    return membership.role if membership else None


def can(user, cooperative, roles) -> bool:
    return role_of(user, cooperative) in roles


def require(user, cooperative, roles) -> None:
    """Raise PermissionDenied (403) unless `user` holds one of `roles` in `cooperative`."""
    if not can(user, cooperative, roles):
        raise PermissionDenied("Your role in this co-operative does not allow this action.")
