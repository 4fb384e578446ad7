"""Import previews kept in storage plus a database row: confirmed once, from any web process,
only by their uploader in their co-op, and purged when a day old.

The S3 cases run against moto's S3 server, a stand-in started by the test (tests/s3.py)."""

import datetime
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coop.imports import pending
from coop.models import Lot, PendingImport, Role
from coop.tasks import purge_import_previews
from tests import s3
from tests.coop.imports_data import LOT_HEADER, barrels, csv_bytes, honey_world
from tests.factories import MembershipFactory, UserFactory

s3_endpoint = s3.s3_endpoint
s3_storage = s3.s3_storage


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def honey(coop_a, coop_b):
    return honey_world(coop_a, coop_b)


def url(name, slug="coop-a", **kwargs):
    return reverse(name, kwargs={"slug": slug, **kwargs})


def upload(client, rows=3, slug="coop-a") -> str:
    file = SimpleUploadedFile("lots.csv", csv_bytes(LOT_HEADER, barrels(rows)))
    page = client.post(url("import_upload", slug), {"kind": "lots", "file": file})
    assert page.status_code == 200, page.content
    return page.context["token"]


def confirm(client, token, slug="coop-a"):
    return client.post(url("import_confirm", slug), {"token": token}, HTTP_ACCEPT_LANGUAGE="en")


def another_process():
    """What a second web process has: its own storage objects (and, through a new client,
    its own session). Only the database and the storage's backing store are shared."""
    storages._storages = {}
    default_storage._setup()


# --- Confirming -------------------------------------------------------------------------------


def test_the_preview_is_a_stored_file_and_a_row(client, personas, honey):
    client.force_login(personas.staff)
    token = upload(client)
    preview = PendingImport.objects.get(token=token)
    assert (preview.cooperative.slug, preview.user, preview.kind, preview.original_name) == (
        "coop-a",
        personas.staff,
        "lots",
        "lots.csv",
    )
    assert preview.status == PendingImport.Status.PENDING
    assert preview.storage_name == f"imports/{token}.upload" and default_storage.exists(preview.storage_name)
    assert "pending_imports" not in client.session  # nothing kept in the web process's session


def test_confirming_twice_imports_once(client, personas, honey):
    client.force_login(personas.staff)
    token = upload(client)
    assert confirm(client, token).status_code == 302
    again = confirm(client, token)
    assert again.status_code == 302
    assert Lot.objects.count() == 3
    assert PendingImport.objects.get(token=token).status == PendingImport.Status.TAKEN
    preview = PendingImport.objects.get(token=token)
    assert pending.pending_take(preview=preview) is None  # the service says the same


def test_confirmed_through_another_process_with_a_fresh_storage_and_session(personas, honey):
    first = Client()
    first.force_login(personas.staff)
    token = upload(first)

    another_process()
    second = Client()  # another session: nothing of the first process's memory
    second.force_login(personas.staff)
    assert confirm(second, token)["Location"] == url("lot_list")
    assert Lot.objects.filter(cooperative__slug="coop-a").count() == 3
    assert confirm(first, token).status_code == 302 and Lot.objects.count() == 3


def test_confirmed_through_another_process_on_s3(personas, honey, s3_storage):
    first = Client()
    first.force_login(personas.staff)
    token = upload(first)
    assert s3_storage.keys("imports/") == [f"imports/{token}.upload"]

    another_process()  # a new boto3 client too
    second = Client()
    second.force_login(personas.staff)
    assert confirm(second, token).status_code == 302
    assert Lot.objects.count() == 3 and s3_storage.keys("imports/") == []


def test_another_co_ops_preview_answers_404(client, personas, honey, coop_b):
    federation = UserFactory(username="federation-staff")
    MembershipFactory(user=federation, cooperative=honey.honey.cooperative, role=Role.STAFF)
    MembershipFactory(user=federation, cooperative=coop_b, role=Role.STAFF)
    client.force_login(federation)
    token = upload(client)
    assert confirm(client, token, slug="coop-b").status_code == 404
    assert client.get(url("import_problems", "coop-b", token=token)).status_code == 404
    assert client.post(url("import_confirm", "coop-b"), {"token": token, "cancel": "1"}).status_code == 404
    assert not Lot.objects.exists()
    assert PendingImport.objects.get(token=token).status == PendingImport.Status.PENDING


def test_another_users_preview_answers_404(client, personas, honey):
    client.force_login(personas.staff)
    token = upload(client)
    client.force_login(personas.manager)
    assert confirm(client, token).status_code == 404
    assert client.get(url("import_problems", token=token)).status_code == 404
    assert not Lot.objects.exists()


def test_an_unknown_preview_answers_404(client, personas, honey):
    client.force_login(personas.staff)
    assert confirm(client, "no-such-preview").status_code == 404
    assert client.post(url("import_confirm"), {}).status_code == 404


def test_a_day_old_preview_is_not_imported(client, personas, honey):
    client.force_login(personas.staff)
    token = upload(client)
    PendingImport.objects.filter(token=token).update(created_at=timezone.now() - pending.MAX_AGE)
    page = client.post(url("import_confirm"), {"token": token}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert any("expired or was already imported" in str(m) for m in page.context["messages"])
    assert not Lot.objects.exists()


def test_a_file_altered_in_storage_is_not_imported(client, personas, honey):
    client.force_login(personas.staff)
    token = upload(client)
    name = PendingImport.objects.get(token=token).storage_name
    default_storage.delete(name)
    default_storage.save(name, SimpleUploadedFile("x", csv_bytes(LOT_HEADER, barrels(9))))
    confirm(client, token)
    assert not Lot.objects.exists()


def test_a_user_keeps_at_most_five_previews_per_co_op(client, personas, honey):
    client.force_login(personas.staff)
    tokens = [upload(client, rows=1) for _ in range(pending.MAX_PER_USER + 2)]
    kept = set(PendingImport.objects.values_list("token", flat=True))
    assert kept == set(tokens[2:])
    assert sorted(default_storage.listdir("imports")[1]) == sorted(f"{t}.upload" for t in tokens[2:])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_import_once(personas, coop_a, coop_b):
    honey_world(coop_a, coop_b)
    client = Client()
    client.force_login(personas.staff)
    token = upload(client)
    start = threading.Barrier(2)
    statuses = []

    def confirming():
        other = Client()  # each thread: its own session and database connection
        other.force_login(personas.staff)
        start.wait()
        try:
            statuses.append(confirm(other, token).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirming) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [302, 302]
    assert Lot.objects.filter(cooperative=coop_a).count() == 3


CONFIRM_IN_ANOTHER_PROCESS = """
import sys, django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client(HTTP_ACCEPT_LANGUAGE="en")
client.force_login(get_user_model().objects.get(username=sys.argv[1]))
response = client.post(f"/c/{sys.argv[2]}/import/confirm/", {"token": sys.argv[3]})
print(response.status_code, response.get("Location", ""))
"""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("backend", ["filesystem", "s3"])
def test_a_preview_uploaded_here_is_confirmed_by_a_real_second_process(
    request, settings, personas, coop_a, coop_b, backend
):
    """Two web processes share only the database and the storage: the second is a real one."""
    if backend == "s3":
        request.getfixturevalue("s3_storage")  # sets the S3 environment the child inherits
    honey_world(coop_a, coop_b)
    client = Client()
    client.force_login(personas.staff)
    token = upload(client)
    database = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_BROKER_URL": "",
        "LOG_LEVEL": "WARNING",  # the logs go to stdout too: keep it for the child's answer
    }
    child = subprocess.run(
        [sys.executable, "-c", CONFIRM_IN_ANOTHER_PROCESS, "a-staff", "coop-a", token],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.split() == ["302", url("lot_list")]
    assert Lot.objects.filter(cooperative=coop_a).count() == 3
    assert confirm(client, token).status_code == 302 and Lot.objects.count() == 3  # taken there


# --- Purging ----------------------------------------------------------------------------------


def _aged(token, **fields):
    PendingImport.objects.filter(token=token).update(**fields)
    return PendingImport.objects.get(token=token)


def test_the_purge_removes_old_previews_and_keeps_fresh_ones(client, personas, honey):
    client.force_login(personas.staff)
    now = timezone.now()
    day_ago = now - pending.MAX_AGE - datetime.timedelta(minutes=1)
    old_pending = _aged(upload(client), created_at=day_ago)
    old_taken = _aged(
        upload(client), created_at=day_ago, status="taken", taken_at=now - datetime.timedelta(hours=2)
    )
    just_taken = _aged(upload(client), created_at=day_ago, status="taken", taken_at=now)
    fresh = PendingImport.objects.get(token=upload(client))

    assert purge_import_previews.delay().get() == 2
    left = set(PendingImport.objects.values_list("token", flat=True))
    assert left == {just_taken.token, fresh.token}
    assert not default_storage.exists(old_pending.storage_name)
    assert not default_storage.exists(old_taken.storage_name)
    assert default_storage.exists(fresh.storage_name)
    # The fresh preview is still confirmed as usual.
    assert confirm(client, fresh.token).status_code == 302 and Lot.objects.count() == 3


def test_a_preview_the_purge_expired_cannot_be_confirmed(client, personas, honey, monkeypatch):
    client.force_login(personas.staff)
    token = upload(client)
    _aged(token, created_at=timezone.now() - pending.MAX_AGE)
    # The storage refuses the deletion: the row stays, marked expired, for the next run.
    monkeypatch.setattr(pending, "_delete_file", lambda name: False)
    assert pending.pending_imports_purge() == 0
    preview = PendingImport.objects.get(token=token)
    assert preview.status == PendingImport.Status.EXPIRED
    assert pending.pending_take(preview=preview) is None
    monkeypatch.undo()
    assert pending.pending_imports_purge() == 1
    assert not PendingImport.objects.exists() and not default_storage.exists(preview.storage_name)


def test_the_purge_works_on_s3(client, personas, honey, s3_storage):
    client.force_login(personas.staff)
    old = _aged(upload(client), created_at=timezone.now() - pending.MAX_AGE)
    fresh = PendingImport.objects.get(token=upload(client))
    assert pending.pending_imports_purge() == 1
    assert s3_storage.keys("imports/") == [fresh.storage_name]
    assert not PendingImport.objects.filter(pk=old.pk).exists()
