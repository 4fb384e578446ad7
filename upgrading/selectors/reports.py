"""Reads of the reports area: scoped lists of report records, for pages and the API."""

from django.db.models import QuerySet

from coop.tenancy import scope
from upgrading.models import Report


def report_list(*, user, cooperative=None, kind: str = "", status: str = "") -> QuerySet[Report]:
    """Reports of the user's co-ops (of `cooperative` if given), newest request first."""
    reports = scope(Report.objects.all(), user).select_related("cooperative", "requested_by")
    if cooperative is not None:
        reports = reports.filter(cooperative=cooperative)
    if kind:
        reports = reports.filter(kind=kind)
    if status:
        reports = reports.filter(status=status)
    return reports.order_by("-requested_at", "-pk")


def evidence_packs(*, user, cooperative) -> QuerySet[Report]:
    """Finished certification evidence packs, newest period first: the auditor's page."""
    return report_list(
        user=user, cooperative=cooperative, kind=Report.Kind.CERTIFICATION, status=Report.Status.DONE
    ).order_by("-period_start", "scheme", "-version", "-pk")


def report_versions(*, report: Report) -> QuerySet[Report]:
    """Every version of the same report (co-op, kind, scheme, period), newest first."""
    return (
        Report.objects.filter(
            cooperative_id=report.cooperative_id, kind=report.kind, scheme=report.scheme, period=report.period
        )
        .select_related("requested_by")
        .order_by("-version")
    )
