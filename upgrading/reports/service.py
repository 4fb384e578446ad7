"""Reports as records: request, run, finish or fail.

A report is identified by (co-op, kind, scheme, period). Asking for it again returns the
existing record; only `regenerate=True` adds a new version (a failed report is simply
queued again). States: queued → running → done, or failed with the error.

Running is built to survive a worker killed at any moment:

1. a short transaction marks the report running and counts the attempt — a report that
   already has `MAX_ATTEMPTS` attempts is failed instead (a poison report that kills
   its worker every time stops there);
2. the file is written to an anonymous temporary file, outside any write transaction
   (the operating system removes it if the worker dies);
3. one transaction stores the file through Django's storage API and marks the report
   done with its SHA-256, size and summary.

A worker killed during 1–2 leaves the report "running" with no file; the broker delivers
the task again (late acknowledgement) and the next run finishes it. A run that finds
the report already done does nothing, so a task delivered twice yields one report.
"""

import datetime
import hashlib
import logging
import tempfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from coop.models import Cooperative, Membership, Role, Scheme
from coop.tenancy import ADMINISTER, MANAGE, require
from upgrading.models import Report
from upgrading.models.reports import report_path
from upgrading.reports import app_version, compliance, evidence, figures, pdf, queries
from upgrading.reports.periods import Period, parse_period

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = getattr(settings, "REPORT_MAX_ATTEMPTS", 4)
# A report queued or running for this long has lost its task (a broker flushed, a worker
# gone for good): asking for it again enqueues it again, which is harmless if it is not lost.
STALE_AFTER = datetime.timedelta(hours=3)
ERROR_LENGTH = 2000
HASH_BLOCK = 1024 * 1024

# Who may ask for a report. Auditors export certification evidence (that is their job);
# the monthly compliance report is the managers' tool. National IDs: administrators only.
REQUEST_ROLES = {
    Report.Kind.COMPLIANCE: MANAGE,
    Report.Kind.CERTIFICATION: MANAGE | {Role.AUDITOR},
}


def _clean_kind_and_scheme(kind, scheme) -> tuple[str, str]:
    if kind not in Report.Kind.values:
        raise ValidationError({"kind": _("Choose compliance or certification.")})
    scheme = scheme or ""
    if scheme not in ("", *Scheme.values):
        raise ValidationError({"scheme": _("Choose organic or fair trade, or leave it empty for both.")})
    if kind == Report.Kind.COMPLIANCE and scheme:
        raise ValidationError(
            {"scheme": _("A compliance report covers every scheme: leave the scheme empty.")}
        )
    return kind, scheme


def _wants_national_ids(report: Report) -> bool:
    return bool(report.summary.get("include_national_ids"))


def report_request(
    *,
    actor,
    cooperative: Cooperative,
    kind: str,
    period: str,
    scheme: str = "",
    regenerate: bool = False,
    include_national_ids: bool = False,
    enqueue: bool = True,
) -> tuple[Report, bool]:
    """The report (co-op, kind, scheme, period), and whether this call created it.

    Returns the latest version as it is (queued, running or done) unless `regenerate`
    asks for a new version; a failed one is queued again. `actor=None` is the system
    (beat, the command). The generation task is enqueued after the transaction commits.
    """
    kind, scheme = _clean_kind_and_scheme(kind, scheme)
    parsed = parse_period(period)
    if actor is not None:
        require(actor, cooperative, REQUEST_ROLES[kind])
    include_national_ids = bool(include_national_ids)
    if include_national_ids:
        if kind != Report.Kind.CERTIFICATION:
            raise ValidationError(
                {"include_national_ids": _("Only an evidence pack lists members' national IDs.")}
            )
        if actor is not None:
            require(actor, cooperative, ADMINISTER)

    identity = {"cooperative": cooperative, "kind": kind, "scheme": scheme, "period": parsed.label}
    try:
        with transaction.atomic():
            latest = Report.objects.select_for_update().filter(**identity).order_by("-version").first()
            if latest is not None and not regenerate and _wants_national_ids(latest) == include_national_ids:
                if latest.status == Report.Status.FAILED:
                    latest.status, latest.attempts = Report.Status.QUEUED, 0
                    latest.save(update_fields=["status", "attempts"])
                    if enqueue:
                        _enqueue(latest.pk)
                elif enqueue and _stale(latest):
                    _enqueue(latest.pk)
                return latest, False
            report = Report.objects.create(
                **identity,
                period_start=parsed.start,
                period_end=parsed.end,
                version=(latest.version + 1) if latest else 1,
                requested_by=actor,
                summary={"include_national_ids": include_national_ids},
            )
            if enqueue:
                _enqueue(report.pk)
            return report, True
    except IntegrityError:
        # A concurrent request created this version first (the identity is unique): answer with it.
        return Report.objects.filter(**identity).order_by("-version").first(), False


def _stale(report: Report) -> bool:
    if report.status not in (Report.Status.QUEUED, Report.Status.RUNNING):
        return False
    since = report.started_at or report.requested_at
    return since < timezone.now() - STALE_AFTER


def _enqueue(report_id: int) -> None:
    from upgrading.tasks import generate_report

    transaction.on_commit(lambda: generate_report.delay(report_id))


# --- Running ----------------------------------------------------------------------------------


def _start(report_id: int, now) -> Report | None:
    """Mark the report running (one more attempt), or None when there is nothing to do."""
    with transaction.atomic():
        report = Report.objects.select_for_update().select_related("cooperative").get(pk=report_id)
        if report.status in (Report.Status.DONE, Report.Status.FAILED):
            return None
        if report.attempts >= MAX_ATTEMPTS:
            report.status = Report.Status.FAILED
            report.error = _("Gave up after %(count)d attempts.") % {"count": report.attempts} + (
                f" {report.error}" if report.error else ""
            )
            report.finished_at = now
            report.save(update_fields=["status", "error", "finished_at"])
            return None
        report.status = Report.Status.RUNNING
        report.started_at = now
        report.attempts = F("attempts") + 1
        report.save(update_fields=["status", "started_at", "attempts"])
        report.refresh_from_db(fields=["attempts"])
        return report


def report_run(*, report_id: int, today: datetime.date | None = None) -> Report:
    """Generate the report's file and mark it done (see the module's docstring).

    Raises what the generation raised, leaving the report "running" for the caller (the
    task) to retry or fail; a report that is already done or failed is returned as is.
    """
    now = timezone.now()
    report = _start(report_id, now)
    if report is None:
        return Report.objects.get(pk=report_id)
    today = today or timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE), tempfile.TemporaryFile() as handle:
        with _snapshot(), queries.shared_mass_balances():
            name, summary = GENERATORS[report.kind](report, handle, generated_at=now, today=today)
        return _finish(report_id, handle, name=name, summary=summary)


def _snapshot():
    """PostgreSQL: every read of the generation in one REPEATABLE READ, READ ONLY
    transaction, so the ledger head, the checks and the CSV files describe the same
    moment. SQLite: no transaction (IMMEDIATE would hold the write lock meanwhile)."""
    if connection.vendor != "postgresql":
        return _Nothing()
    return _ReadOnlySnapshot()


class _Nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class _ReadOnlySnapshot:
    def __enter__(self):
        outer = connection.in_atomic_block  # a caller's transaction (a test's) sets its own level
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        if not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return self

    def __exit__(self, *exc):
        return self.atomic.__exit__(*exc)


def _sha256(handle) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    handle.seek(0)
    while block := handle.read(HASH_BLOCK):
        digest.update(block)
        size += len(block)
    handle.seek(0)
    return digest.hexdigest(), size


def _finish(report_id: int, handle, *, name: str, summary: dict) -> Report:
    sha256, size = _sha256(handle)
    with transaction.atomic():
        report = Report.objects.select_for_update().select_related("cooperative").get(pk=report_id)
        if report.status == Report.Status.DONE:
            return report  # another delivery of the task finished first
        stored = default_storage.save(report_path(report, name), File(handle, name=name))
        try:
            report.file.name = stored
            report.sha256, report.size = sha256, size
            report.summary = {**report.summary, **summary}
            report.ledger_head = summary["ledger_head"]
            report.status, report.error = Report.Status.DONE, ""
            report.finished_at = timezone.now()
            report.save(
                update_fields=[
                    "file",
                    "sha256",
                    "size",
                    "summary",
                    "ledger_head",
                    "status",
                    "error",
                    "finished_at",
                ]
            )
        except Exception:
            default_storage.delete(stored)
            raise
        if summary.get("overall") == compliance.FAIL and report.kind == Report.Kind.COMPLIANCE:
            transaction.on_commit(lambda: notify_failed_checks(report_id=report.pk))
    logger.info("report %s done: %s (%d bytes, sha256 %s)", report.pk, stored, size, sha256)
    return report


def report_retry_later(*, report_id: int, error: str) -> None:
    """The run failed but will be tried again: back to queued, the error kept for the page."""
    Report.objects.filter(pk=report_id).exclude(status=Report.Status.DONE).update(
        status=Report.Status.QUEUED, error=error[:ERROR_LENGTH]
    )


def report_fail(*, report_id: int, error: str) -> None:
    Report.objects.filter(pk=report_id).exclude(status=Report.Status.DONE).update(
        status=Report.Status.FAILED, error=error[:ERROR_LENGTH], finished_at=timezone.now()
    )


# --- What a report holds ----------------------------------------------------------------------


def _base_name(report: Report) -> str:
    scheme = f"-{report.scheme}" if report.scheme else ""
    period = report.period.replace("..", "_to_")
    return f"{report.cooperative.slug}-{report.kind}{scheme}-{period}-v{report.version}"


def _generator_meta(report: Report) -> dict:
    return {
        "app": "mutirao",
        "version": app_version(),
        "report_id": report.pk,
        "report_version": report.version,
    }


def _period(report: Report) -> Period:
    return Period(report.period, report.period_start, report.period_end)


def _common(report: Report, today):
    cooperative, period = report.cooperative, _period(report)
    checks = compliance.run_checks(cooperative=cooperative, period=period, today=today)
    key = figures.key_figures(cooperative, period)
    head = compliance.ledger_head(cooperative)
    return cooperative, period, checks, key, head


STATUS_FILLS = {"pass": "#2e7d32", "warning": "#ef9a00", "fail": "#c62828"}


def _grouped(value, places: int) -> str:
    # The figures over the bars, as the reader writes numbers (pt-BR: 1.234,56).
    return formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def _charts(key: dict, checks) -> list:
    currency = key["currency"]
    statuses = {"pass": _("pass"), "warning": _("warning"), "fail": _("fail")}
    counts = [(statuses[status], sum(1 for c in checks if c.status == status), status) for status in statuses]
    return [
        pdf.bar_chart(
            _("Checks"),
            [(label, n, str(n)) for label, n, _status in counts],
            fills={label: STATUS_FILLS[status] for label, _n, status in counts},
        ),
        pdf.bar_chart(
            _("Deliveries per month (kg)"),
            [(month, kg, _grouped(kg, 0)) for month, kg in key["deliveries_by_month"]],
        ),
        pdf.bar_chart(
            _("Premium fund in the period (%(currency)s)") % {"currency": currency},
            [
                (_("received"), key["premium"]["received"], _grouped(key["premium"]["received"], 2)),
                (_("allocated"), key["premium"]["allocated"], _grouped(key["premium"]["allocated"], 2)),
                (_("spent"), key["premium"]["spent"], _grouped(key["premium"]["spent"], 2)),
            ],
        ),
    ]


def _summary_pdf(report, cooperative, period, key, checks, head, generated_at) -> bytes:
    context = pdf.summary_context(
        cooperative=cooperative,
        report=report,
        period=period,
        figures=key,
        checks=checks,
        ledger_head=head,
        generated_at=generated_at,
        app_version=app_version(),
        charts=_charts(key, checks),
    )
    return pdf.render_pdf(context)


def _summary(checks, key, head, generated_at) -> dict:
    return {
        "overall": compliance.overall(checks),
        "checks": [check.as_dict() for check in checks],
        "figures": figures.as_json(key),
        "ledger_head": head,
        "generated_at": generated_at.isoformat(),
        "app_version": app_version(),
    }


def generate_compliance(report: Report, handle, *, generated_at, today) -> tuple[str, dict]:
    cooperative, period, checks, key, head = _common(report, today)
    handle.write(_summary_pdf(report, cooperative, period, key, checks, head, generated_at))
    return f"{_base_name(report)}.pdf", _summary(checks, key, head, generated_at)


def generate_certification(report: Report, handle, *, generated_at, today) -> tuple[str, dict]:
    cooperative, period, checks, key, head = _common(report, today)
    verification = compliance.ledger_verification(cooperative)
    folder = _base_name(report)
    pack = evidence.write_pack(
        handle,
        cooperative=cooperative,
        period=period,
        scheme=report.scheme,
        include_national_ids=_wants_national_ids(report),
        generated_at=generated_at,
        as_of=period.as_of(today),
        checks=checks,
        ledger_head=head,
        ledger_verification=verification,
        report_meta=_generator_meta(report),
        summary_pdf=lambda: _summary_pdf(report, cooperative, period, key, checks, head, generated_at),
        folder=folder,
    )
    summary = _summary(checks, key, head, generated_at)
    summary["pack"] = evidence.pack_summary(pack)
    summary["ledger_verification"] = verification
    return f"{folder}.zip", summary


GENERATORS = {
    Report.Kind.COMPLIANCE: generate_compliance,
    Report.Kind.CERTIFICATION: generate_certification,
}


# --- Telling the managers ---------------------------------------------------------------------


def notify_failed_checks(*, report_id: int) -> int:
    """Email the co-op's managers (and administrators) the failed checks of a compliance
    report; returns the number of recipients."""
    report = Report.objects.select_related("cooperative").get(pk=report_id)
    recipients = sorted(
        set(
            Membership.objects.active()
            .filter(cooperative=report.cooperative, role__in=MANAGE)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )
    if not recipients:
        return 0
    failed = [check for check in report.summary.get("checks", []) if check["status"] == compliance.FAIL]
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    context = {
        "report": report,
        "cooperative": report.cooperative,
        "failed": [{**check, "title": compliance.TITLES[check["code"]]} for check in failed],
        "site_url": base,
        "report_url": base + compliance.link("report_detail", report.cooperative, report.pk),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("upgrading/email/report_checks_failed_subject.txt", context).strip()
        body = render_to_string("upgrading/email/report_checks_failed.txt", context)
    send_mail(" ".join(subject.split()), body, None, recipients)
    return len(recipients)
