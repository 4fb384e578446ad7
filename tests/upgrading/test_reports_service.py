"""Reports as records: one report per (co-op, kind, scheme, period) unless regenerated,
queued → running → done / failed, a crash mid-generation leaves no half report and a
rerun finishes it, a poison report stops after a few attempts, managers are emailed
about failed checks, and the beat's tasks ask for the right reports."""

import datetime
import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from tests.upgrading import reports_data
from tests.upgrading.reports_data import TODAY, check, request_and_run
from upgrading import tasks
from upgrading.models import Report
from upgrading.reports import evidence, service
from upgrading.reports.periods import parse_period, previous_month, previous_year

pytestmark = pytest.mark.django_db

honey = reports_data.honey
media = reports_data.media
english = reports_data.english


def ask(coop, actor=None, **data):
    data.setdefault("kind", Report.Kind.COMPLIANCE)
    data.setdefault("period", "2025-11")
    return service.report_request(actor=actor, cooperative=coop, enqueue=False, **data)


def stored_files(media) -> list:
    return sorted(path.name for path in media.rglob("*") if path.is_file()) if media.exists() else []


# --- Requests ---------------------------------------------------------------------------------


def test_asking_twice_returns_the_same_report(coop_a, personas):
    first, created = ask(coop_a, personas.manager)
    again, created_again = ask(coop_a, personas.manager, period=" 2025-11 ")
    assert created and not created_again
    assert again.pk == first.pk
    assert Report.objects.count() == 1
    assert (first.period_start, first.period_end) == (datetime.date(2025, 11, 1), datetime.date(2025, 11, 30))


def test_regenerate_makes_a_new_version(coop_a, personas):
    first, _ = ask(coop_a, personas.manager)
    second, created = ask(coop_a, personas.manager, regenerate=True)
    assert created and second.version == 2
    latest, created = ask(coop_a, personas.manager)
    assert not created and latest.pk == second.pk


def test_a_failed_report_asked_for_again_is_queued_again(coop_a, personas):
    report, _ = ask(coop_a, personas.manager)
    service.report_fail(report_id=report.pk, error="boom")
    again, created = ask(coop_a, personas.manager)
    again.refresh_from_db()
    assert not created and again.pk == report.pk
    assert (again.status, again.attempts) == (Report.Status.QUEUED, 0)


def test_roles_decide_who_may_ask_for_what(coop_a, personas):
    with pytest.raises(PermissionDenied):
        ask(coop_a, personas.staff)
    with pytest.raises(PermissionDenied):
        ask(coop_a, personas.auditor)  # compliance reports are the managers' tool
    with pytest.raises(PermissionDenied):
        ask(coop_a, personas.outsider)
    with pytest.raises(PermissionDenied):
        ask(coop_a, personas.expired)
    report, created = ask(coop_a, personas.auditor, kind=Report.Kind.CERTIFICATION, period="2025")
    assert created and report.requested_by == personas.auditor
    with pytest.raises(PermissionDenied):
        ask(
            coop_a, personas.manager, kind=Report.Kind.CERTIFICATION, period="2025", include_national_ids=True
        )
    assert Report.objects.count() == 1
    with_ids, created = ask(
        coop_a, personas.admin, kind=Report.Kind.CERTIFICATION, period="2025", include_national_ids=True
    )
    assert created and with_ids.version == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "weekly"}, "kind"),
        ({"period": "2025-13"}, "period"),
        ({"period": "2025-02-30..2025-03-01"}, "period"),
        ({"period": "2025-06-30..2025-01-01"}, "period"),
        ({"period": "2020-01-01..2025-01-01"}, "period"),
        ({"period": "20\x0025"}, "period"),
        ({"period": 2025}, "period"),
        ({"scheme": "fairtrade", "kind": "certification"}, "scheme"),
        ({"scheme": "organic"}, "scheme"),  # a compliance report covers every scheme
        ({"include_national_ids": True}, "include_national_ids"),
    ],
)
def test_bad_requests_name_the_field_and_write_nothing(coop_a, personas, data, field):
    with pytest.raises(ValidationError) as error:
        ask(coop_a, personas.admin, **data)
    assert field in error.value.message_dict
    assert not Report.objects.exists()


def test_the_task_is_enqueued_after_the_transaction_commits(
    coop_a, personas, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(tasks.generate_report, "delay", sent.append)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report, _ = service.report_request(
            actor=personas.manager, cooperative=coop_a, kind=Report.Kind.COMPLIANCE, period="2025-11"
        )
    assert sent == [] and len(callbacks) == 1
    callbacks[0]()
    assert sent == [report.pk]


# --- Running ----------------------------------------------------------------------------------


def test_a_compliance_report_runs_to_done_with_its_pdf_and_results(honey, english):
    report = request_and_run(honey.coop, Report.Kind.COMPLIANCE, "2025-11")
    assert report.status == Report.Status.DONE
    assert report.attempts == 1 and report.error == ""
    assert report.file.name.endswith("coop-a-compliance-2025-11-v1.pdf")
    with report.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert report.summary["overall"] == "fail"
    assert check(report, "certification_claims")["status"] == "pass"  # the April shipment is not in November
    assert check(report, "quality")["status"] == "fail"
    assert check(report, "advances_overdue")["status"] == "fail"
    assert check(report, "advances_overdue")["findings"][0]["label"].endswith("B-A-ADV1")
    assert report.ledger_head == "0:" + "0" * 64
    assert report.summary["figures"]["lots"] >= 1


def test_running_a_done_report_again_changes_nothing(honey, media):
    report = request_and_run(honey.coop, Report.Kind.COMPLIANCE, "2025-11")
    files = stored_files(media)
    again = service.report_run(report_id=report.pk, today=TODAY)
    assert (again.pk, again.sha256, again.attempts) == (report.pk, report.sha256, 1)
    assert stored_files(media) == files == ["coop-a-compliance-2025-11-v1.pdf"]


def test_a_crash_mid_generation_leaves_no_half_report_and_a_rerun_finishes_it(honey, media, monkeypatch):
    """The worker dies half-way through the pack (simulated by an exception that nothing
    catches, as a SIGKILL would leave it): the report stays "running" without a file, and
    the task delivered again produces the one report."""
    report, _ = ask(honey.coop, kind=Report.Kind.CERTIFICATION, period="2025")
    real_add = evidence.PackWriter.add

    def dying_add(self, name, write):
        if name == "traceability.csv":
            raise SystemExit("worker killed")
        return real_add(self, name, write)

    monkeypatch.setattr(evidence.PackWriter, "add", dying_add)
    with pytest.raises(SystemExit):
        tasks.generate_report.apply(args=[report.pk], throw=True)
    report.refresh_from_db()
    assert report.status == Report.Status.RUNNING and not report.file and report.attempts == 1
    assert stored_files(media) == []

    monkeypatch.setattr(evidence.PackWriter, "add", real_add)
    assert tasks.generate_report.apply(args=[report.pk]).get() == Report.Status.DONE
    report.refresh_from_db()
    assert report.status == Report.Status.DONE and report.attempts == 2
    assert Report.objects.count() == 1
    assert stored_files(media) == ["coop-a-certification-2025-v1.zip"]
    # A third delivery (the broker's duplicate) does nothing.
    assert tasks.generate_report.apply(args=[report.pk]).get() == Report.Status.DONE
    report.refresh_from_db()
    assert report.attempts == 2 and stored_files(media) == ["coop-a-certification-2025-v1.zip"]


def test_an_error_is_retried_then_recorded_without_failing_the_task(honey, monkeypatch):
    report, _ = ask(honey.coop)
    calls = []

    def broken(report, handle, **kwargs):
        calls.append(report.attempts)
        raise RuntimeError("the disk is full")

    monkeypatch.setitem(service.GENERATORS, Report.Kind.COMPLIANCE, broken)
    result = tasks.generate_report.apply(args=[report.pk])  # eager: the retries run at once
    report.refresh_from_db()
    assert calls == list(range(1, service.MAX_ATTEMPTS + 1))
    assert report.status == Report.Status.FAILED
    assert "RuntimeError: the disk is full" in report.error
    assert result.get() == Report.Status.FAILED  # the failure is on the report, not the task


def test_a_poison_report_is_marked_failed_after_its_attempts(honey):
    report, _ = ask(honey.coop)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, attempts=service.MAX_ATTEMPTS)
    assert tasks.generate_report.apply(args=[report.pk]).get() == Report.Status.FAILED
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert f"Gave up after {service.MAX_ATTEMPTS} attempts" in report.error or "tentativas" in report.error
    assert not report.file


def test_a_deleted_report_is_skipped(db):
    assert tasks.generate_report.apply(args=[987654]).get() is None


def test_a_duplicate_delivery_finishing_first_leaves_one_file(honey, media, monkeypatch):
    """Two deliveries of the task run at once (the broker gave it out again): the one that
    finishes second finds the report done and stores nothing."""
    report, _ = ask(honey.coop)
    real = service.GENERATORS[Report.Kind.COMPLIANCE]
    duplicate = []

    def slow_first_worker(report, handle, **kwargs):
        if not duplicate:
            duplicate.append(None)
            duplicate[0] = service.report_run(report_id=report.pk, today=TODAY)  # finishes meanwhile
        return real(report, handle, **kwargs)

    monkeypatch.setitem(service.GENERATORS, Report.Kind.COMPLIANCE, slow_first_worker)
    late = service.report_run(report_id=report.pk, today=TODAY)
    assert duplicate[0].status == Report.Status.DONE
    assert (late.pk, late.sha256, late.status) == (report.pk, duplicate[0].sha256, Report.Status.DONE)
    assert stored_files(media) == ["coop-a-compliance-2025-11-v1.pdf"]
    assert Report.objects.get().attempts == 2


# --- Telling the managers ---------------------------------------------------------------------


def test_managers_are_emailed_when_a_check_fails(
    honey, personas, english, django_capture_on_commit_callbacks
):
    report, _ = ask(honey.coop)
    with django_capture_on_commit_callbacks(execute=True):
        service.report_run(report_id=report.pk, today=TODAY)
    [message] = mail.outbox
    assert sorted(message.to) == sorted([personas.manager.email, personas.admin.email])
    assert "compliance checks failed" in message.subject and "2025-11" in message.subject
    assert "Advances due and unpaid for more than 30 days" in message.body
    assert "B-A-ADV1" in message.body and "B-A-WET" in message.body
    assert "Contract pace" not in message.body  # a warning, not a failure
    assert f"/c/coop-a/reports/{report.pk}/" in message.body
    assert personas.staff.email not in message.to and personas.auditor.email not in message.to


def test_no_email_when_every_check_passes(coop_a, personas, media, django_capture_on_commit_callbacks):
    report, _ = ask(coop_a)
    with django_capture_on_commit_callbacks(execute=True):
        service.report_run(report_id=report.pk, today=TODAY)
    report.refresh_from_db()
    assert report.summary["overall"] == "pass"
    assert mail.outbox == []


# --- The beat ---------------------------------------------------------------------------------


def test_monthly_beat_asks_each_coop_for_last_months_report_once(coop_a, coop_b, monkeypatch):
    monkeypatch.setattr(tasks.generate_report, "delay", lambda report_id: None)
    monkeypatch.setattr(tasks.timezone, "localdate", lambda: datetime.date(2026, 3, 1))
    assert tasks.request_monthly_compliance_reports() == 2
    assert tasks.request_monthly_compliance_reports() == 2  # a second firing adds nothing
    assert sorted(Report.objects.values_list("cooperative__slug", "kind", "period")) == [
        ("coop-a", "compliance", "2026-02"),
        ("coop-b", "compliance", "2026-02"),
    ]


def test_yearly_beat_asks_for_a_pack_per_coop_and_scheme_held(honey, monkeypatch):
    monkeypatch.setattr(tasks.generate_report, "delay", lambda report_id: None)
    monkeypatch.setattr(tasks.timezone, "localdate", lambda: datetime.date(2026, 1, 2))
    assert tasks.request_yearly_evidence_packs() == 2
    tasks.request_yearly_evidence_packs()
    assert sorted(Report.objects.values_list("cooperative__slug", "scheme", "period")) == [
        ("coop-a", "fair_trade", "2025"),
        ("coop-a", "organic", "2025"),
    ]


def test_the_beat_schedule_is_in_code():
    from celery.schedules import crontab

    from config.celery import DEFAULT_BEAT_SCHEDULE, app

    schedule = DEFAULT_BEAT_SCHEDULE
    monthly = schedule["monthly-compliance-reports"]
    yearly = schedule["yearly-evidence-packs"]
    assert monthly["task"] == "upgrading.tasks.request_monthly_compliance_reports"
    assert yearly["task"] == "upgrading.tasks.request_yearly_evidence_packs"
    assert monthly["schedule"] == crontab(minute=0, hour=3, day_of_month=1)
    assert yearly["schedule"] == crontab(minute=0, hour=4, day_of_month=2, month_of_year=1)
    for name in (monthly["task"], yearly["task"]):
        assert name in app.tasks


def test_celery_settings_survive_a_killed_worker(settings):
    from upgrading.tasks import REPORT_TIME_LIMIT, generate_report

    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_TASK_TRACK_STARTED
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > REPORT_TIME_LIMIT
    assert generate_report.acks_late and generate_report.reject_on_worker_lost


# --- Periods ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("2025", "2025", datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)),
        ("2024-2", "2024-02", datetime.date(2024, 2, 1), datetime.date(2024, 2, 29)),
        ("2025-11", "2025-11", datetime.date(2025, 11, 1), datetime.date(2025, 11, 30)),
        (
            "2025-01-01..2025-06-30",
            "2025-01-01..2025-06-30",
            datetime.date(2025, 1, 1),
            datetime.date(2025, 6, 30),
        ),
    ],
)
def test_periods(text, label, start, end):
    period = parse_period(text)
    assert (period.label, period.start, period.end) == (label, start, end)


def test_previous_month_and_year():
    assert previous_month(datetime.date(2026, 1, 1)).label == "2025-12"
    assert previous_month(datetime.date(2026, 3, 31)).label == "2026-02"
    assert previous_year(datetime.date(2026, 1, 2)).label == "2025"
    assert parse_period("2025").as_of(datetime.date(2025, 6, 1)) == datetime.date(2025, 6, 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_for_the_same_report_make_one(coop_a, personas):
    from django.db import connection

    results, errors = [], []
    barrier = threading.Barrier(2)

    def request():
        try:
            barrier.wait()
            results.append(ask(coop_a, personas.manager))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Report.objects.count() == 1
    assert sorted(created for _report, created in results) == [False, True]
