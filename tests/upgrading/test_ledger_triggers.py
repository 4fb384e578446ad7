"""The database itself refuses to change the ledger: UPDATE and DELETE of entries and
evidence on SQLite and PostgreSQL, TRUNCATE on PostgreSQL, even in replica mode."""

import pytest
from django.db import IntegrityError, connection, transaction

from tests.upgrading import ledger_data
from tests.upgrading.ledger_data import raw
from upgrading.models import LedgerEntry, LedgerEvidence

ledger = ledger_data.ledger
media = ledger_data.media
catalogue = ledger_data.catalogue


def refused(sql, params=()):
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        raw(sql, params)
    assert "append-only" in str(error.value)


def test_the_triggers_exist(db):
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'upgrading_ledger%'"
            )
            names = {row[0] for row in cursor.fetchall()}
        assert names == {
            f"{table}_no_{op}"
            for table in ("upgrading_ledgerentry", "upgrading_ledgerevidence")
            for op in ("update", "delete")
        }
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgname, tgenabled FROM pg_trigger "
                "WHERE tgname LIKE 'upgrading_ledger%' AND NOT tgisinternal"
            )
            found = dict(cursor.fetchall())
        # 'A': ENABLE ALWAYS, so session_replication_role = replica does not silence them.
        assert found == {
            f"{table}_{name}": "A"
            for table in ("upgrading_ledgerentry", "upgrading_ledgerevidence")
            for name in ("append_only", "no_truncate")
        }


def test_entries_cannot_be_updated_or_deleted(ledger):
    entry = ledger.a[0]
    refused("UPDATE upgrading_ledgerentry SET value = 1 WHERE id = %s", [entry.pk])
    refused("DELETE FROM upgrading_ledgerentry WHERE id = %s", [ledger.a[-2].pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(note="rewritten")
    entry.refresh_from_db()
    assert entry.note == "" and LedgerEntry.objects.count() == 8


def test_evidence_cannot_be_updated_or_deleted(ledger):
    evidence = LedgerEvidence.objects.first()
    refused("UPDATE upgrading_ledgerevidence SET sha256 = %s WHERE id = %s", ["0" * 64, evidence.pk])
    refused("DELETE FROM upgrading_ledgerevidence WHERE id = %s", [evidence.pk])
    assert LedgerEvidence.objects.count() == 2


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql(ledger):
    raw("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own pending foreign-key checks first
    refused("TRUNCATE upgrading_ledgerevidence")
    refused("TRUNCATE upgrading_ledgerentry CASCADE")
    assert LedgerEntry.objects.count() == 8


@pytest.mark.postgres
def test_replica_mode_does_not_bypass_the_triggers(ledger):
    with pytest.raises(IntegrityError), transaction.atomic():
        raw("SET LOCAL session_replication_role = replica")
        raw("UPDATE upgrading_ledgerentry SET value = 1 WHERE id = %s", [ledger.a[0].pk])


@pytest.mark.postgres
def test_an_empty_table_may_be_truncated(db):
    # Django's test runner empties every table with one TRUNCATE; nothing is lost.
    raw("SET CONSTRAINTS ALL IMMEDIATE")
    with transaction.atomic():
        raw("TRUNCATE upgrading_ledgerevidence")
