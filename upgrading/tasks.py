"""Celery tasks of `upgrading`: thin, they take ids, re-fetch and call one service.

Each area keeps its tasks in its own section below; the beat schedule that runs the
periodic ones lives in config/celery.py.
"""

import datetime
import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.utils import timezone

from coop.models import Certification, Cooperative
from upgrading.models import Report

logger = logging.getLogger(__name__)


# --- Ledger: derived indicators ----------------------------------------------------------------
#
# One task per co-op and period computes every derived indicator and appends what changed
# (`upgrading.services.ledger.derived_indicators_record`, idempotent: a second run appends
# nothing). The beat starts `request_derived_indicators` on the 1st of each month for the
# month just ended, and in January for the year just ended too.


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),  # a lock wait or a dropped connection: try again
    retry_backoff=True,
    max_retries=5,
)
def record_derived_indicators(cooperative_id: int, period_from: str, period_to: str) -> dict:
    from upgrading.services.ledger import derived_indicators_record

    cooperative = Cooperative.objects.get(pk=cooperative_id)
    run = derived_indicators_record(
        cooperative=cooperative,
        period_from=datetime.date.fromisoformat(period_from),
        period_to=datetime.date.fromisoformat(period_to),
    )
    logger.info(
        "derived indicators of %s for %s..%s: %d appended, %d unchanged, %d without data",
        cooperative.slug,
        period_from,
        period_to,
        len(run.appended),
        len(run.unchanged),
        len(run.without_data),
    )
    return {
        "appended": [entry.sequence for entry in run.appended],
        "unchanged": run.unchanged,
        "without_data": run.without_data,
    }


def derived_periods(today: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    """The periods to compute on `today`: the month just ended, and in January the year too."""
    month_end = today.replace(day=1) - datetime.timedelta(days=1)
    periods = [(month_end.replace(day=1), month_end)]
    if today.month == 1:
        periods.append((datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31)))
    return periods


@shared_task(acks_late=True)
def request_derived_indicators() -> int:
    """Beat, on the 1st of each month: one `record_derived_indicators` per co-op and period."""
    count = 0
    for cooperative_id in Cooperative.objects.order_by("pk").values_list("pk", flat=True):
        for period_from, period_to in derived_periods(timezone.localdate()):
            record_derived_indicators.delay(cooperative_id, period_from.isoformat(), period_to.isoformat())
            count += 1
    logger.info("derived indicators requested: %d runs", count)
    return count


# --- Reports: compliance reports and certification evidence packs ------------------------------
#
# `generate_report` is idempotent (a report already done is left alone), acknowledged
# late and given back to the broker if its worker dies (`reject_on_worker_lost`), so a
# killed worker's report is finished by the next delivery. Each delivery counts an
# attempt on the report; after `service.MAX_ATTEMPTS` it is marked failed (a report that
# kills its worker every time stops there). An error is retried with exponential
# backoff, then recorded on the report: the task itself never fails, so an eager run
# (no broker) never breaks the page that asked for the report.

REPORT_SOFT_TIME_LIMIT = 50 * 60  # the broker's visibility timeout (settings) must exceed the hard limit
REPORT_TIME_LIMIT = 55 * 60
RETRY_BACKOFF, RETRY_BACKOFF_MAX = 30, 10 * 60


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # bounded by the report's attempts, which also count redeliveries
    soft_time_limit=REPORT_SOFT_TIME_LIMIT,
    time_limit=REPORT_TIME_LIMIT,
)
def generate_report(self, report_id: int) -> str | None:
    from upgrading.reports import service

    while True:
        try:
            report = service.report_run(report_id=report_id)
        except Report.DoesNotExist:
            logger.warning("report %s no longer exists", report_id)
            return None
        except (ValidationError, SoftTimeLimitExceeded) as error:
            logger.exception("report %s failed", report_id)
            service.report_fail(report_id=report_id, error=_describe(error))
            return Report.Status.FAILED
        except Exception as error:
            attempts = Report.objects.filter(pk=report_id).values_list("attempts", flat=True).first() or 0
            if attempts >= service.MAX_ATTEMPTS:
                logger.exception("report %s failed after %d attempts", report_id, attempts)
                service.report_fail(report_id=report_id, error=_describe(error))
                return Report.Status.FAILED
            service.report_retry_later(report_id=report_id, error=_describe(error))
            if self.request.is_eager:
                # No broker to hand a retry to (and an eager Retry would reach the page
                # that asked): try again here, at once.
                logger.warning("report %s attempt %d failed (%s); trying again", report_id, attempts, error)
                continue
            countdown = get_exponential_backoff_interval(
                factor=RETRY_BACKOFF,
                retries=self.request.retries,
                maximum=RETRY_BACKOFF_MAX,
                full_jitter=True,
            )
            logger.warning(
                "report %s attempt %d failed (%s); retrying in %ss", report_id, attempts, error, countdown
            )
            raise self.retry(exc=error, countdown=countdown) from error
        logger.info("report %s: %s", report_id, report.status)
        return report.status


def _describe(error: BaseException) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return f"{type(error).__name__}: {error}"


@shared_task(acks_late=True)
def request_monthly_compliance_reports() -> int:
    """Beat, on the 1st of each month: last month's compliance report of every co-op."""
    from upgrading.reports import service
    from upgrading.reports.periods import previous_month

    period = previous_month(timezone.localdate())
    count = 0
    for cooperative in Cooperative.objects.order_by("pk"):
        service.report_request(
            actor=None, cooperative=cooperative, kind=Report.Kind.COMPLIANCE, period=period.label
        )
        count += 1
    logger.info("compliance reports for %s requested for %d co-ops", period, count)
    return count


@shared_task(acks_late=True)
def request_yearly_evidence_packs() -> int:
    """Beat, early in January: last year's evidence pack of every co-op, one per scheme
    its families hold certificates of."""
    from upgrading.reports import service
    from upgrading.reports.periods import previous_year

    period = previous_year(timezone.localdate())
    pairs = (
        Certification.objects.filter(valid_from__lte=period.end, valid_to__gte=period.start)
        .order_by("cooperative", "scheme")
        .values_list("cooperative", "scheme")
        .distinct()
    )
    cooperatives = Cooperative.objects.in_bulk({cooperative_id for cooperative_id, _scheme in pairs})
    count = 0
    for cooperative_id, scheme in pairs:
        service.report_request(
            actor=None,
            cooperative=cooperatives[cooperative_id],
            kind=Report.Kind.CERTIFICATION,
            scheme=scheme,
            period=period.label,
        )
        count += 1
    logger.info("evidence packs for %s requested: %d", period, count)
    return count
