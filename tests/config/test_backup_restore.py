"""The backup and restore of README.md's "Operations", drilled.

A co-operative with sales, advances and a ledger (with an evidence file) is built through
the services and its certification evidence pack is made. The ledger head printed in the
pack is kept, as an auditor keeps it. Then the backup: `pg_dump --format=custom` of the
database and a copy of the stored files (what `mc mirror` does for the bucket). The
restore: a new, empty database, `pg_restore` into it, the files copied back. On the
restored copy, with the same commands an operator types:
- `manage.py verify_ledger --coop SLUG --head SEQ:HASH` passes against the kept head;
- the same evidence pack made again has the same files with the same SHA-256s (the
  manifest's) and is the same ZIP, byte for byte.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.upgrading import ledger_data, reports_data
from tests.upgrading.reports_data import TODAY, open_pack, pack_folder, request_and_run
from upgrading.models import Report

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PROJECT = Path(__file__).resolve().parents[2]

honey = reports_data.honey
honey_b = reports_data.honey_b
media = reports_data.media

# Makes the pack of one report again, on whatever database DATABASE_URL names, at the
# instant the first one was made (its ZIP entries carry that time), and prints what it made.
REMAKE_PACK = """
import datetime, hashlib, io, json, sys, tempfile, zipfile
import django
django.setup()
from django.conf import settings
from django.utils import translation
from django.utils.dateparse import parse_datetime
from upgrading.models import Report
from upgrading.reports import queries, service

report = Report.objects.get(pk=int(sys.argv[1]))
made_at = parse_datetime(report.summary["generated_at"])
today = datetime.date.fromisoformat(sys.argv[2])
with translation.override(settings.LANGUAGE_CODE), tempfile.TemporaryFile() as handle:
    with queries.shared_mass_balances():
        service.GENERATORS[report.kind](report, handle, generated_at=made_at, today=today)
    handle.seek(0)
    data = handle.read()
pack = zipfile.ZipFile(io.BytesIO(data))
manifest = next(name for name in pack.namelist() if name.endswith("/manifest.json"))
made = {"zip_sha256": hashlib.sha256(data).hexdigest(), "manifest": json.loads(pack.read(manifest))}
print(json.dumps(made))
"""


@pytest.fixture(autouse=True)
def _empty_ledger_afterwards():
    # The test runner empties tables with TRUNCATE, which the ledger's triggers refuse.
    yield
    ledger_data.clear_ledger()


def pg_env() -> dict:
    db = connection.settings_dict
    env = {**os.environ, "PGHOST": db["HOST"] or "127.0.0.1", "PGPORT": str(db["PORT"] or 5432)}
    env["PGUSER"] = db["USER"] or "postgres"
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def database_url(name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def run(args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{args[0]}: {result.stdout}{result.stderr}"
    return result


@pytest.fixture
def restored_database():
    """The name of a database that does not exist yet; dropped after the test."""
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.fail("pg_dump and pg_restore (PostgreSQL's client programs) are needed for the drill")
    name = f"{connection.settings_dict['NAME']}_restored"
    subprocess.run(["dropdb", "--if-exists", "--force", name], env=pg_env(), check=True)
    yield name
    subprocess.run(["dropdb", "--if-exists", "--force", name], env=pg_env(), check=True)


def test_a_restored_backup_keeps_the_ledger_head_and_remakes_the_same_evidence_pack(
    honey, honey_b, personas, media, tmp_path, restored_database
):
    # A co-op's year, through the services: sales and advances (honey), a ledger of three
    # years and one entry with an evidence file, the other co-op's data beside it.
    ledger_data.chain(personas.staff, honey.coop, 3)
    ledger_data.append(
        personas.staff, honey.coop, "women_board_share", "57.1429", evidence=[ledger_data.pdf()]
    )
    ledger_data.chain(personas.outsider, honey_b.coop, 2)
    report = request_and_run(honey.coop, Report.Kind.CERTIFICATION, "2025", scheme="fair_trade")
    assert report.status == Report.Status.DONE
    pack = open_pack(report)
    manifest = json.loads(pack.read(f"{pack_folder(pack)}/manifest.json"))
    kept_head = manifest["ledger_head"]  # what an auditor keeps, outside the database
    assert kept_head.startswith("4:")

    # Backup: the database, and the stored files.
    dump = tmp_path / "mutirao.dump"
    run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", connection.settings_dict["NAME"]],
        env=pg_env(),
    )
    files_backup = tmp_path / "files-backup"
    shutil.copytree(media, files_backup)

    # Restore: a new database from the dump, the files into a new folder.
    run(["createdb", restored_database], env=pg_env())
    run(
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored_database}", str(dump)],
        env=pg_env(),
    )
    files_restored = tmp_path / "files-restored"
    shutil.copytree(files_backup, files_restored)
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": database_url(restored_database),
        "MEDIA_ROOT": str(files_restored),
    }

    # The ledger on the restored copy still holds the head kept before the backup...
    verified = run(
        [sys.executable, "manage.py", "verify_ledger", "--coop", honey.coop.slug, "--head", kept_head],
        cwd=PROJECT,
        env=env,
    )
    assert f"{honey.coop.slug}: intact, 4 entries, head {kept_head}; contains the head" in verified.stdout
    # ...and the check would catch a restore that lost entries: a later head is not there.
    sequence, digest = kept_head.split(":")
    missing = subprocess.run(
        [sys.executable, "manage.py", "verify_ledger", "--coop", honey.coop.slug, "--head", f"5:{digest}"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert missing.returncode == 1 and "BROKEN" in missing.stdout

    # The same pack, made again from the restored copy: the same files, the same hashes.
    remade = json.loads(
        run([sys.executable, "-c", REMAKE_PACK, str(report.pk), TODAY.isoformat()], cwd=PROJECT, env=env)
        .stdout.strip()
        .splitlines()[-1]
    )
    assert remade["manifest"]["files"] == manifest["files"]
    assert remade["manifest"]["ledger_head"] == kept_head
    assert remade["zip_sha256"] == report.sha256
    # The restored files are the ones the database points at.
    assert (files_restored / report.file.name).read_bytes() == (Path(media) / report.file.name).read_bytes()
