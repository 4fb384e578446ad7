"""Reads for the internal control system: certifications and inspections."""

from datetime import date

from django.db.models import Q, QuerySet

from coop.models import Certification, Cooperative, Family, Inspection
from coop.tenancy import scope


def certification_list(
    *,
    user,
    cooperative: Cooperative,
    scheme: str = "",
    status: str = "",
    valid_on: date | None = None,
    family: Family | None = None,
    search: str = "",
) -> QuerySet[Certification]:
    qs = scope(Certification.objects.all(), user).filter(cooperative=cooperative)
    if scheme:
        qs = qs.filter(scheme=scheme)
    if status:
        qs = qs.filter(status=status)
    if valid_on is not None:
        qs = qs.valid_on(valid_on)
    if family is not None:
        qs = qs.filter(family=family)
    if search:
        qs = qs.filter(
            Q(family__code__icontains=search)
            | Q(family__household_name__icontains=search)
            | Q(reference__icontains=search)
        )
    return qs.select_related("family", "approved_by").order_by("-valid_to", "family__code", "pk")


def inspection_list(
    *,
    user,
    cooperative: Cooperative,
    result: str = "",
    open_sanctions: bool = False,
    family: Family | None = None,
    search: str = "",
) -> QuerySet[Inspection]:
    qs = scope(Inspection.objects.all(), user).filter(cooperative=cooperative)
    if result:
        qs = qs.filter(result=result)
    if open_sanctions:
        qs = qs.open_sanctions()
    if family is not None:
        qs = qs.filter(family=family)
    if search:
        qs = qs.filter(
            Q(family__code__icontains=search)
            | Q(family__household_name__icontains=search)
            | Q(association__code__icontains=search)
            | Q(association__name__icontains=search)
            | Q(inspector__name__icontains=search)
        )
    return qs.select_related("family", "association", "inspector").order_by("-inspected_on", "-id")


def approving_inspections(*, family: Family, limit: int = 20) -> QuerySet[Inspection]:
    """Compliant inspections of `family` that may approve a certification, newest first."""
    return (
        Inspection.objects.filter(family=family, result=Inspection.Result.COMPLIANT)
        .select_related("inspector")
        .order_by("-inspected_on", "-id")[:limit]
    )
