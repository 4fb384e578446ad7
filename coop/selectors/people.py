"""Reads for co-operatives and their people, shared by pages, API and tasks."""

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Subquery, Value, When

from coop.models import Association, Cooperative, Family, Member, Membership, Role
from coop.selectors.history import HistoryEntry, object_history
from coop.tenancy import ADMINISTER, cooperatives_for, scope


def cooperative_summary(*, cooperative: Cooperative) -> dict:
    """Head counts for one co-op, in two queries whatever its size."""
    families = Family.objects.filter(cooperative=cooperative).aggregate(
        families=Count("pk"), active_families=Count("pk", filter=Q(status=Family.Status.ACTIVE))
    )
    members = Member.objects.filter(cooperative=cooperative).aggregate(
        members=Count("pk"), women=Count("pk", filter=Q(gender=Member.Gender.FEMALE))
    )
    return {"cooperative": cooperative.slug, **families, **members}


def association_list(*, user, cooperative=None, search: str = "", kind: str = "") -> QuerySet[Association]:
    qs = scope(Association.objects.all(), user).select_related("cooperative")
    if cooperative is not None:
        qs = qs.filter(cooperative=cooperative)
    if search:
        qs = qs.filter(
            Q(code__icontains=search) | Q(name__icontains=search) | Q(municipality__icontains=search)
        )
    if kind:
        qs = qs.filter(kind=kind)
    # GROUP BY drops Meta.ordering: order explicitly so pages are stable.
    return qs.annotate(family_count=Count("families")).order_by("cooperative_id", "code")


def family_list(
    *, user, cooperative=None, search: str = "", status: str = "", association=None
) -> QuerySet[Family]:
    qs = scope(Family.objects.all(), user).select_related("cooperative", "association")
    if cooperative is not None:
        qs = qs.filter(cooperative=cooperative)
    if search:
        qs = qs.filter(
            Q(code__icontains=search)
            | Q(household_name__icontains=search)
            | Q(municipality__icontains=search)
        )
    if status:
        qs = qs.filter(status=status)
    if association is not None:
        qs = qs.filter(association=association)
    return qs.annotate(member_count=Count("members")).order_by("cooperative_id", "code")


def member_list(
    *, user, cooperative=None, search: str = "", gender: str = "", association=None, family=None
) -> QuerySet[Member]:
    qs = scope(Member.objects.all(), user).select_related("cooperative", "family")
    if cooperative is not None:
        qs = qs.filter(cooperative=cooperative)
    if search:
        qs = qs.filter(
            Q(name__icontains=search)
            | Q(family__code__icontains=search)
            | Q(family__household_name__icontains=search)
            | Q(family__municipality__icontains=search)
        )
    if gender:
        qs = qs.filter(gender=gender)
    if association is not None:
        qs = qs.filter(family__association=association)
    if family is not None:
        qs = qs.filter(family=family)
    return qs


def family_history(*, family: Family, limit: int = 50) -> list[HistoryEntry]:
    """The family's latest `limit` changes, newest first: who, when and what changed."""
    return object_history(obj=family, limit=limit)


def family_search(*, user, cooperative: Cooperative, query: str, limit: int = 20) -> list[Family]:
    """Families of `cooperative` whose code or household name matches `query`, at most `limit`.

    For the family picker of the recording pages: one query, exact code first, then codes
    that start with it, then the rest by code.
    """
    query = query.strip()
    if not query:
        return []
    qs = (
        scope(Family.objects.all(), user)
        .filter(cooperative=cooperative)
        .filter(Q(code__icontains=query) | Q(household_name__icontains=query))
        .select_related("association")
        .annotate(
            rank=Case(
                When(code__iexact=query, then=Value(0)),
                When(code__istartswith=query, then=Value(1)),
                default=Value(2),
            )
        )
        .order_by("rank", "code")
    )
    return list(qs[:limit])


def member_search(*, user, cooperative: Cooperative, query: str, limit: int = 20) -> list[Member]:
    """Members of `cooperative` whose name or family code matches `query`, at most `limit`."""
    query = query.strip()
    if not query:
        return []
    qs = (
        scope(Member.objects.all(), user)
        .filter(cooperative=cooperative)
        .filter(Q(name__icontains=query) | Q(family__code__iexact=query))
        .select_related("family")
        .order_by("name", "pk")
    )
    return list(qs[:limit])


def cooperative_list(*, user) -> QuerySet[Cooperative]:
    """The co-ops `user` belongs to today, each annotated with the user's `role` in it."""
    if not user.is_authenticated:
        return Cooperative.objects.none()
    if user.is_superuser:
        role = Value(Role.ADMIN)  # as in tenancy.role_of: superusers act as admins
    else:
        role = Subquery(
            Membership.objects.active().filter(user=user, cooperative=OuterRef("pk")).values("role")[:1]
        )
    return cooperatives_for(user).annotate(role=role)


def membership_list(*, user, cooperative=None, search: str = "", role: str = "") -> QuerySet[Membership]:
    """Memberships of the co-ops `user` administers (the access pages and API), with
    their people, by co-op and username (ended ones included: `Membership.objects.active()`)."""
    qs = (
        scope(Membership.objects.all(), user, roles=ADMINISTER)
        .select_related("user", "cooperative")
        # `in_force`: the one rule of `Membership.objects.active()`, asked per row in SQL.
        .annotate(in_force=Exists(Membership.objects.active().filter(pk=OuterRef("pk"))))
    )
    if cooperative is not None:
        qs = qs.filter(cooperative=cooperative)
    if search:
        qs = qs.filter(
            Q(user__username__icontains=search)
            | Q(user__email__icontains=search)
            | Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
        )
    if role:
        qs = qs.filter(role=role)
    return qs.order_by("cooperative__name", "user__username", "pk")


def membership_history(*, membership: Membership, limit: int = 50) -> list[HistoryEntry]:
    """Who gave, changed or ended this access, and when."""
    return object_history(obj=membership, limit=limit, excluded=("cooperative", "user"))
