"""A real Celery worker, in its own process, takes a task from Redis and completes it."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from coop.tasks import cooperative_summary
from tests.factories import FamilyFactory, MemberFactory

pytestmark = [pytest.mark.postgres, pytest.mark.broker, pytest.mark.django_db(transaction=True)]

PROJECT = Path(__file__).resolve().parents[2]


def _test_database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_queue(celery_eager_off):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": _test_database_url()}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue, "-l", "INFO"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield queue
    process.terminate()
    process.wait(timeout=30)


def test_worker_completes_a_task_sent_through_redis(coop_a, worker_queue):
    family = FamilyFactory(cooperative=coop_a)
    MemberFactory(family=family)
    MemberFactory(family=family, gender="male")

    result = cooperative_summary.apply_async(args=[coop_a.pk], queue=worker_queue)

    summary = result.get(timeout=60)
    assert summary == {
        "cooperative": "coop-a",
        "families": 1,
        "active_families": 1,
        "members": 2,
        "women": 1,
    }
