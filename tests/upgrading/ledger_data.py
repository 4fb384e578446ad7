"""Data and helpers for the ledger and indicator tests: manual entries in co-op A (and a
little in B, which A's people must never reach), evidence files, and a way to tamper
with the ledger through raw SQL the way an attacker with database access would (the
append-only triggers dropped, then put back)."""

import contextlib
import datetime
import importlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import translation

from upgrading.models import Indicator, LedgerEntry
from upgrading.services import ledger as services

triggers = importlib.import_module("upgrading.migrations.0002_ledger_triggers")

YEAR = datetime.date.today().year - 1
JAN_1, DEC_31 = datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31)
PDF_BYTES = b"%PDF-1.4\n% literacy survey\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(name="levantamento.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def csv_file(name="lista.csv", content="familia,alfabetizados\nF-1,2\n"):
    return SimpleUploadedFile(name, content.encode(), content_type="text/csv")


def exe(name="survey.pdf"):
    return SimpleUploadedFile(name, b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", content_type="application/pdf")


def year(offset: int = 0) -> tuple[datetime.date, datetime.date]:
    return datetime.date(YEAR + offset, 1, 1), datetime.date(YEAR + offset, 12, 31)


def append(actor, cooperative, code="literate_adults", value="41.5", *, period=None, **extra) -> LedgerEntry:
    period_from, period_to = period or (JAN_1, DEC_31)
    return services.ledger_append(
        actor=actor,
        cooperative=cooperative,
        indicator=code,
        period_from=period_from,
        period_to=period_to,
        value=value,
        **extra,
    )


def chain(actor, cooperative, n: int = 5) -> list[LedgerEntry]:
    """`n` literacy entries, one a year, rising."""
    return [
        append(actor, cooperative, value=str(Decimal("40") + 3 * i), period=year(i - n + 1)) for i in range(n)
    ]


def indicator(code) -> Indicator:
    return Indicator.objects.get(code=code)


@pytest.fixture
def catalogue(db):
    """The seeded indicators. Migration 0003 loads them, but a transactional test anywhere
    in the run (they empty every table afterwards) takes them away from the tests after it."""
    services.catalogue_install()


@pytest.fixture
def english(settings, catalogue):
    """Messages in English (the default is Portuguese), so they read as in the code."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def media(settings, tmp_path, catalogue):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def ledger(coop_a, coop_b, personas, world, media):
    """Five literacy entries in A (one with evidence) and two in B."""
    entries = chain(personas.staff, coop_a, 5)
    with_evidence = append(
        personas.staff,
        coop_a,
        "women_board_share",
        "57.1429",
        evidence=[pdf(), csv_file()],
        note="Ata da eleição da diretoria",
    )
    b_entries = chain(personas.outsider, coop_b, 2)
    return SimpleNamespace(a=[*entries, with_evidence], b=b_entries, evidence_entry=with_evidence)


@contextlib.contextmanager
def triggers_dropped():
    """What someone with database access can do: drop the guard rails, then put them back."""
    if connection.vendor == "postgresql":
        # Deferred foreign-key checks of the test's transaction must run before ALTER TABLE.
        raw("SET CONSTRAINTS ALL IMMEDIATE")
    triggers.drop_triggers(connection)
    try:
        yield connection
    finally:
        if connection.vendor == "postgresql":
            raw("SET CONSTRAINTS ALL IMMEDIATE")
        triggers.create_triggers(connection)
        if connection.vendor == "postgresql":
            raw("SET CONSTRAINTS ALL DEFERRED")


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def tamper(sql: str, params=()) -> None:
    with triggers_dropped():
        raw(sql, params)


def clear_ledger() -> None:
    """For transactional tests: empty the ledger so the test runner's flush can run."""
    with triggers_dropped():
        raw("DELETE FROM upgrading_ledgerevidence")
        raw("UPDATE upgrading_ledgerentry SET supersedes_id = NULL")
        raw("DELETE FROM upgrading_ledgerentry")
        raw("DELETE FROM upgrading_ledgerhead")
