"""Real Celery workers, in their own processes, take report tasks from Redis.

- a worker generates a compliance report and an evidence pack; the pack's manifest
  verifies (every SHA-256 recomputed), the planted violations are caught, the managers'
  email is written;
- a worker process killed in the middle of a pack (SIGKILL, nothing cleaned up) is
  replaced, the task is given back to the broker (acks_late + reject_on_worker_lost),
  and the retry finishes the one report.

Run with a broker and PostgreSQL, e.g.
    CELERY_BROKER_URL=redis://127.0.0.1:6379/10 DATABASE_URL=postgres://... \
        pytest tests/upgrading/test_reports_worker.py
"""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection, transaction

from tests.upgrading import ledger_data, reports_data
from tests.upgrading.reports_data import check, open_pack, pack_folder
from upgrading.models import Report
from upgrading.reports import service
from upgrading.tasks import generate_report

pytestmark = [pytest.mark.postgres, pytest.mark.broker, pytest.mark.django_db(transaction=True)]

PROJECT = Path(__file__).resolve().parents[2]

honey = reports_data.honey
media = reports_data.media


def _test_database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.fixture
def start_worker(celery_eager_off, media, tmp_path):
    """Start a worker on a queue of its own: `start_worker(pool="solo")`."""
    started = []

    def start(pool="solo"):
        queue = f"test-{uuid.uuid4().hex[:8]}"
        log = open(tmp_path / f"worker-{queue}.log", "w")  # noqa: SIM115 - closed below
        env = {
            **os.environ,
            "DATABASE_URL": _test_database_url(),
            "MEDIA_ROOT": str(media),
            "EMAIL_URL": f"filemail:///{tmp_path / 'mail'}",  # three slashes, then the absolute path
            "SITE_URL": "https://mutirao.example.org",
        }
        args = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-l", "INFO"]
        args += ["--pool=solo"] if pool == "solo" else ["--pool=prefork", "--concurrency=1"]
        process = subprocess.Popen(args, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append((process, log))
        return SimpleNamespace(queue=queue, process=process, log=tmp_path / f"worker-{queue}.log")

    yield start
    for process, log in started:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def ledger(honey, personas):
    ledger_data.chain(personas.staff, honey.coop, 2)
    yield
    ledger_data.clear_ledger()  # the triggers would stop the test runner's flush


def wait_for(condition, timeout=120, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def assert_manifest_verifies(report):
    pack = open_pack(report)
    folder = pack_folder(pack)
    manifest = json.loads(pack.read(f"{folder}/manifest.json"))
    assert manifest["files"], manifest
    for entry in manifest["files"]:
        data = pack.read(f"{folder}/{entry['name']}")
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["name"]
        assert len(data) == entry["size"], entry["name"]
    sums = pack.read(f"{folder}/SHA256SUMS").decode().splitlines()
    assert len(sums) == len(manifest["files"]) + 1  # the manifest itself too
    for line in sums:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(pack.read(f"{folder}/{name}")).hexdigest() == digest, name
    return manifest


def test_a_worker_generates_a_compliance_report_and_a_verifiable_pack(
    honey, personas, ledger, start_worker, tmp_path
):
    worker = start_worker()
    compliance, _ = service.report_request(
        actor=personas.manager, cooperative=honey.coop, kind="compliance", period="2025-11", enqueue=False
    )
    pack, _ = service.report_request(
        actor=personas.auditor,
        cooperative=honey.coop,
        kind="certification",
        scheme="fair_trade",
        period="2025",
        enqueue=False,
    )
    results = [generate_report.apply_async(args=[r.pk], queue=worker.queue) for r in (compliance, pack)]
    assert [result.get(timeout=180) for result in results] == ["done", "done"], worker.log.read_text()

    compliance.refresh_from_db()
    pack.refresh_from_db()
    # The unpaid advance older than 30 days, and the uncertified barrel in the fair-trade shipment.
    advances = check(compliance, "advances_overdue")
    assert advances["status"] == "fail" and advances["findings"][0]["label"].endswith("B-A-ADV1")
    claims = check(pack, "certification_claims")
    assert claims["status"] == "fail" and claims["findings"][0]["label"].endswith("B-A-NONE")
    assert pack.ledger_head.startswith("2:") and compliance.ledger_head == pack.ledger_head

    manifest = assert_manifest_verifies(pack)
    assert manifest["ledger_head"] == pack.ledger_head
    assert manifest["ledger_verification"]["status"] == "intact"
    with pack.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == pack.sha256

    # The managers were told about the failed checks (the file backend stands in for SMTP).
    mails = wait_for(lambda: list((tmp_path / "mail").glob("*.log")), timeout=30, what="the email")
    text = "".join(path.read_text() for path in mails)
    assert "a-manager@example.org" in text and "B-A-ADV1" in text
    assert f"https://mutirao.example.org/c/coop-a/reports/{compliance.pk}/" in text


def test_a_worker_killed_mid_pack_is_replaced_and_the_retry_makes_one_report(
    honey, personas, start_worker, media
):
    worker = start_worker(pool="prefork")
    report, _ = service.report_request(
        actor=personas.manager, cooperative=honey.coop, kind="certification", period="2025", enqueue=False
    )
    with transaction.atomic():
        # Hold the lots table: the generation marks the report running, then waits on it.
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE coop_lot IN ACCESS EXCLUSIVE MODE")
        generate_report.apply_async(args=[report.pk], queue=worker.queue)
        wait_for(
            lambda: Report.objects.filter(pk=report.pk, status="running").exists(), what="the first attempt"
        )
        time.sleep(1)
        [child] = wait_for(lambda: _children(worker.process.pid), what="the pool process")
        os.kill(child, signal.SIGKILL)  # no cleanup, no exception handler: the process is gone
        # The message goes back to the broker and a new pool process takes it.
        wait_for(
            lambda: Report.objects.filter(pk=report.pk, attempts=2).exists(),
            what="the second attempt",
        )
        assert not Report.objects.get(pk=report.pk).file
        assert not any(path.is_file() for path in Path(media).rglob("*"))

    report = wait_for(
        lambda: Report.objects.filter(pk=report.pk, status="done").first(), timeout=180, what="the report"
    )
    assert report.attempts == 2
    assert Report.objects.count() == 1
    assert [path.name for path in Path(media).rglob("*") if path.is_file()] == [
        "coop-a-certification-2025-v1.zip"
    ]
    assert_manifest_verifies(report)
