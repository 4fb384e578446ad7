"""Reads for co-operatives and their people, shared by pages, API and tasks."""

from django.db.models import Count, Q, QuerySet

from coop.models import Association, Cooperative, Family, Member
from coop.tenancy import scope


def cooperative_summary(*, cooperative: Cooperative) -> dict:
    """Head counts for one co-op, in two queries whatever its size."""
    families = Family.objects.filter(cooperative=cooperative).aggregate(
        families=Count("pk"), active_families=Count("pk", filter=Q(status=Family.Status.ACTIVE))
    )
    members = Member.objects.filter(cooperative=cooperative).aggregate(
        members=Count("pk"), women=Count("pk", filter=Q(gender=Member.Gender.FEMALE))
    )
    return {"cooperative": cooperative.slug, **families, **members}


def association_list(*, user, cooperative=None) -> QuerySet[Association]:
    qs = scope(Association.objects.all(), user).select_related("cooperative")
    if cooperative is not None:
        qs = qs.filter(cooperative=cooperative)
    return qs.annotate(family_count=Count("families"))


def family_list(*, user, cooperative=None) -> QuerySet[Family]:
    qs = scope(Family.objects.all(), user).select_related("cooperative", "association")
    if cooperative is not None:
        qs = qs.filter(cooperative=cooperative)
    return qs.annotate(member_count=Count("members"))


def member_list(*, user, cooperative=None) -> QuerySet[Member]:
    qs = scope(Member.objects.all(), user).select_related("cooperative", "family")
    if cooperative is not None:
        qs = qs.filter(cooperative=cooperative)
    return qs
