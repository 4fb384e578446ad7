"""Verification: an intact chain says so with its head and count; every way of
tampering with it through raw SQL (triggers dropped first, as only someone with
database access could) is found at the first entry it touches, with the reason."""

import pytest

from tests.upgrading import ledger_data
from tests.upgrading.ledger_data import append, raw, tamper, triggers_dropped
from upgrading.ledger_hash import GENESIS_HASH, entry_hash
from upgrading.models import LedgerEntry
from upgrading.selectors.ledger import Anchor, Reason, parse_anchor, verify_chain

pytestmark = pytest.mark.usefixtures("english")

english = ledger_data.english
catalogue = ledger_data.catalogue
ledger = ledger_data.ledger
media = ledger_data.media


def verify(coop, anchor=None, **kwargs):
    return verify_chain(cooperative=coop, anchor=anchor, **kwargs)


def test_an_intact_chain_reports_its_head_and_count(coop_a, coop_b, ledger):
    result = verify(coop_a)
    last = ledger.a[-1]
    assert result.intact and result.count == 6
    assert (result.head_sequence, result.head_hash) == (6, last.hash)
    assert result.head == f"6:{last.hash}"
    assert verify(coop_b).count == 2  # each co-op its own chain


def test_an_empty_ledger_is_intact(coop_a, db):
    result = verify(coop_a)
    assert result.intact and result.count == 0 and result.head_hash == GENESIS_HASH


def test_the_head_you_hold_is_found(coop_a, ledger):
    third = ledger.a[2]
    assert verify(coop_a, Anchor(3, third.hash)).intact
    assert verify(coop_a, parse_anchor(f"#3 : {third.hash.upper()}")).intact


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE upgrading_ledgerentry SET value = 99 WHERE id = %s",
        "UPDATE upgrading_ledgerentry SET note = 'edited' WHERE id = %s",
        "UPDATE upgrading_ledgerentry SET period_to = period_from WHERE id = %s",
        "UPDATE upgrading_ledgerentry SET recorded_by_id = NULL WHERE id = %s",
        "UPDATE upgrading_ledgerentry SET previous_hash = hash WHERE id = %s",
    ],
)
def test_a_changed_field_is_content_changed_at_that_entry(coop_a, ledger, sql):
    tamper(sql, [ledger.a[2].pk])
    result = verify(coop_a)
    assert not result.intact
    assert (result.broken_at, result.reason) == (3, Reason.CONTENT_CHANGED)
    assert result.count == 2 and result.head_sequence == 2
    assert "#3 was changed" in result.message


def test_changed_evidence_is_content_changed(coop_a, ledger):
    entry = ledger.evidence_entry
    evidence = entry.evidence.order_by("pk").first()
    tamper("UPDATE upgrading_ledgerevidence SET sha256 = %s WHERE id = %s", ["f" * 64, evidence.pk])
    result = verify(coop_a)
    assert (result.broken_at, result.reason) == (entry.sequence, Reason.CONTENT_CHANGED)


def test_removed_evidence_is_content_changed(coop_a, ledger):
    entry = ledger.evidence_entry
    tamper("DELETE FROM upgrading_ledgerevidence WHERE id = %s", [entry.evidence.order_by("pk").first().pk])
    assert verify(coop_a).reason == Reason.CONTENT_CHANGED


def test_an_entry_rewritten_with_a_fresh_hash_breaks_the_next_link(coop_a, ledger):
    # Someone who knows the algorithm rewrites entry 3 and its hash: 3 verifies on its
    # own, but entry 4 still points at the old hash of 3.
    entry = ledger.a[2]
    forged = entry_hash(
        cooperative_id=coop_a.pk,
        sequence=3,
        previous_hash=entry.previous_hash,
        indicator_code=entry.indicator.code,
        scope=entry.scope,
        association_id=None,
        family_id=None,
        period_from=entry.period_from,
        period_to=entry.period_to,
        value=entry.value + 20,
        unit=entry.unit,
        source=entry.source,
        parameters=entry.parameters,
        note=entry.note,
        recorded_by_id=entry.recorded_by_id,
        recorded_at=entry.recorded_at,
        supersedes_sequence=None,
        evidence_sha256=[],
    )
    tamper(
        "UPDATE upgrading_ledgerentry SET value = %s, hash = %s WHERE id = %s",
        [str(entry.value + 20), forged, entry.pk],
    )
    result = verify(coop_a)
    assert (result.broken_at, result.reason) == (4, Reason.LINK_BROKEN)
    assert "#3 was rewritten" in result.message


def test_a_deleted_entry_is_missing(coop_a, ledger):
    tamper("DELETE FROM upgrading_ledgerentry WHERE id = %s", [ledger.a[1].pk])
    result = verify(coop_a)
    assert (result.broken_at, result.reason) == (2, Reason.ENTRY_MISSING)
    assert result.count == 1


def test_a_deleted_tail_is_missing_against_the_head_row(coop_a, ledger):
    with triggers_dropped():
        raw("DELETE FROM upgrading_ledgerevidence WHERE entry_id = %s", [ledger.a[5].pk])
        raw("DELETE FROM upgrading_ledgerentry WHERE id IN (%s, %s)", [ledger.a[4].pk, ledger.a[5].pk])
    result = verify(coop_a)
    assert (result.broken_at, result.reason) == (5, Reason.ENTRY_MISSING)
    assert "head is #6" in result.message


def test_a_deleted_tail_with_its_head_moved_back_is_caught_only_by_the_head_held_outside(coop_a, ledger):
    held = Anchor(6, ledger.a[5].hash)  # printed in last year's report
    with triggers_dropped():
        raw("DELETE FROM upgrading_ledgerevidence WHERE entry_id = %s", [ledger.a[5].pk])
        raw("DELETE FROM upgrading_ledgerentry WHERE id IN (%s, %s)", [ledger.a[4].pk, ledger.a[5].pk])
        raw(
            "UPDATE upgrading_ledgerhead SET sequence = 4, hash = %s WHERE cooperative_id = %s",
            [ledger.a[3].hash, coop_a.pk],
        )
    assert verify(coop_a).intact  # a hash chain alone cannot see a deleted tail
    result = verify(coop_a, held)
    assert (result.broken_at, result.reason) == (5, Reason.ANCHOR_MISSING)
    assert "#6" in result.message


def test_a_rewritten_chain_is_caught_by_the_head_held_outside(coop_a, ledger):
    held = Anchor(3, ledger.a[2].hash)
    # Rewrite everything from entry 1 consistently (value of 1 changed, every hash redone).
    entries = list(LedgerEntry.objects.filter(cooperative=coop_a).order_by("sequence"))
    previous = GENESIS_HASH
    with triggers_dropped():
        for entry in entries:
            value = entry.value + (1 if entry.sequence == 1 else 0)
            evidence = sorted(entry.evidence.values_list("sha256", flat=True))
            new_hash = entry_hash(
                cooperative_id=coop_a.pk,
                sequence=entry.sequence,
                previous_hash=previous,
                indicator_code=entry.indicator.code,
                scope=entry.scope,
                association_id=None,
                family_id=None,
                period_from=entry.period_from,
                period_to=entry.period_to,
                value=value,
                unit=entry.unit,
                source=entry.source,
                parameters=entry.parameters,
                note=entry.note,
                recorded_by_id=entry.recorded_by_id,
                recorded_at=entry.recorded_at,
                supersedes_sequence=None,
                evidence_sha256=evidence,
            )
            raw(
                "UPDATE upgrading_ledgerentry SET value = %s, previous_hash = %s, hash = %s WHERE id = %s",
                [str(value), previous, new_hash, entry.pk],
            )
            previous = new_hash
        raw("UPDATE upgrading_ledgerhead SET hash = %s WHERE cooperative_id = %s", [previous, coop_a.pk])
    assert verify(coop_a).intact
    result = verify(coop_a, held)
    assert (result.broken_at, result.reason) == (3, Reason.ANCHOR_MISMATCH)


def test_a_head_row_that_names_another_hash(coop_a, ledger):
    tamper("UPDATE upgrading_ledgerhead SET hash = %s WHERE cooperative_id = %s", ["a" * 64, coop_a.pk])
    result = verify(coop_a)
    assert (result.broken_at, result.reason) == (6, Reason.HEAD_MISMATCH)


def test_a_corrected_entry_verifies_with_its_link(coop_a, personas, ledger):
    append(personas.manager, coop_a, value="44", supersedes=ledger.a[0], note="fix")
    assert verify(coop_a).intact
    tamper(
        "UPDATE upgrading_ledgerentry SET supersedes_id = %s WHERE sequence = 7 AND cooperative_id = %s",
        [ledger.a[1].pk, coop_a.pk],
    )
    assert (verify(coop_a).broken_at, verify(coop_a).reason) == (7, Reason.CONTENT_CHANGED)


@pytest.mark.parametrize("text", ["", "3", "3:abc", "0:" + "a" * 64, "x:" + "a" * 64, "3:" + "g" * 64])
def test_a_badly_written_head_is_refused(text):
    with pytest.raises(ValueError):
        parse_anchor(text)


def test_verification_reads_in_a_fixed_number_of_queries(
    coop_a, personas, ledger, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5):
        small = verify(coop_a, chunk_size=2)
    for i in range(20):
        append(personas.staff, coop_a, "safety_incidents", str(i))
    with django_assert_max_num_queries(5):
        large = verify(coop_a, chunk_size=2)
    assert small.intact and large.intact and large.count == 26
