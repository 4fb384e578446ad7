"""Reads for co-operatives and their people, shared by pages, API and tasks."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.utils.text import capfirst

from coop.models import Association, Cooperative, Family, Member, Membership, Role
from coop.tenancy import cooperatives_for, scope


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


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: object
    new: object


@dataclass(frozen=True)
class HistoryEntry:
    date: datetime
    user: object  # the user who made the change, or None for scripts and imports
    kind: str  # "+" created, "~" changed, "-" deleted
    changes: list[FieldChange]


def family_history(*, family: Family, limit: int = 50) -> list[HistoryEntry]:
    """The family's latest `limit` changes, newest first: who, when and what changed.

    Two queries whatever the length: the history rows (with their users), then the names
    of the associations that appear in a change. Each row is diffed in memory against the
    next older one (`prev_record` would cost a query per row).
    """
    records = list(
        family.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    deltas = [
        newer.diff_against(older, excluded_fields=["cooperative"]).changes
        if older is not None and newer.history_type == "~"
        else []
        for newer, older in zip(records, [*records[1:], None], strict=True)
    ][:limit]

    association_ids = {
        value for changes in deltas for c in changes if c.field == "association" for value in (c.old, c.new)
    }
    associations = {a.pk: str(a) for a in Association.objects.filter(pk__in=association_ids - {None})}

    def display(field, value):
        if value is None or value == "":
            return ""
        if field.name == "association":
            return associations.get(value, f"#{value}")
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        return value

    entries = []
    for record, changes in zip(records, deltas, strict=False):
        fields = [(Family._meta.get_field(c.field), c) for c in changes]
        entries.append(
            HistoryEntry(
                date=record.history_date,
                user=record.history_user,
                kind=record.history_type,
                changes=[
                    FieldChange(str(capfirst(f.verbose_name)), display(f, c.old), display(f, c.new))
                    for f, c in fields
                ],
            )
        )
    return entries


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
