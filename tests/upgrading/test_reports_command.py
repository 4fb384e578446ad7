"""`manage.py generate_report`: makes the report here and now (or queues it), prints its
file, SHA-256 and ledger head, returns the existing report when asked twice."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.upgrading import reports_data
from upgrading.models import Report

pytestmark = pytest.mark.django_db

honey = reports_data.honey
media = reports_data.media


def generate(*args) -> str:
    out = StringIO()
    call_command("generate_report", *args, stdout=out)
    return out.getvalue()


def test_generates_an_evidence_pack_and_prints_its_hashes(honey):
    output = generate(
        "--coop", "coop-a", "--kind", "certification", "--period", "2025", "--scheme", "organic"
    )
    report = Report.objects.get()
    assert report.status == Report.Status.DONE and report.requested_by is None
    assert f"sha256      {report.sha256}" in output
    assert f"ledger head {report.ledger_head}" in output
    assert report.summary["pack"]["manifest_sha256"] in output
    assert "[   fail] certification_claims" in output
    again = generate("--coop", "coop-a", "--kind", "certification", "--period", "2025", "--scheme", "organic")
    assert again.startswith("Found") and Report.objects.count() == 1
    generate(
        "--coop",
        "coop-a",
        "--kind",
        "certification",
        "--period",
        "2025",
        "--scheme",
        "organic",
        "--regenerate",
    )
    assert list(Report.objects.values_list("version", "status").order_by("version")) == [
        (1, "done"),
        (2, "done"),
    ]


def test_queue_leaves_the_work_to_the_workers(coop_a, monkeypatch):
    from upgrading import tasks

    monkeypatch.setattr(tasks.generate_report, "delay", lambda report_id: None)
    output = generate("--coop", "coop-a", "--kind", "compliance", "--period", "2025-11", "--queue")
    assert "queued" in output.lower()
    assert Report.objects.get().status == Report.Status.QUEUED


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--coop", "nope", "--kind", "compliance", "--period", "2025"], "No co-operative"),
        (["--coop", "coop-a", "--kind", "compliance", "--period", "2025-13"], "period"),
        (["--coop", "coop-a", "--kind", "compliance", "--period", "2025", "--scheme", "organic"], "scheme"),
    ],
)
def test_bad_arguments_fail_with_a_message(coop_a, args, message):
    with pytest.raises(CommandError, match=message):
        generate(*args)
    assert not Report.objects.exists()
