"""Appending manual entries: the chain grows one linked entry at a time; corrections
append; every kind of bad input is refused by name and appends nothing."""

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.upgrading import ledger_data
from tests.upgrading.ledger_data import JAN_1, PDF_BYTES, append, csv_file, exe, indicator, pdf, year
from upgrading.ledger_hash import GENESIS_HASH, entry_hash
from upgrading.models import LedgerEntry, LedgerEvidence, LedgerHead
from upgrading.services import ledger as services

pytestmark = pytest.mark.usefixtures("english")

english = ledger_data.english
catalogue = ledger_data.catalogue
media = ledger_data.media


def written():
    return (
        LedgerEntry.objects.count(),
        LedgerEvidence.objects.count(),
        list(LedgerHead.objects.values_list()),
    )


def test_entries_chain_one_after_another_per_cooperative(personas, coop_a, coop_b, media):
    first = append(personas.staff, coop_a, value="40")
    second = append(personas.manager, coop_a, value="43", period=year(1 - 1))
    other = append(personas.outsider, coop_b, value="12")
    assert (first.sequence, second.sequence, other.sequence) == (1, 2, 1)
    assert first.previous_hash == GENESIS_HASH and other.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.hash
    head = LedgerHead.objects.get(cooperative=coop_a)
    assert (head.sequence, head.hash) == (2, second.hash)
    assert first.recorded_by == personas.staff and first.source == "manual"
    assert first.value == Decimal("40.0000") and first.unit == "%" and first.scope == "cooperative"


def test_the_stored_hash_is_the_documented_serialisation(personas, coop_a, media):
    entry = append(personas.staff, coop_a, value="41.5", note="Levantamento\nanual", evidence=[pdf()])
    entry.refresh_from_db()
    assert entry.hash == entry_hash(
        cooperative_id=coop_a.pk,
        sequence=1,
        previous_hash=GENESIS_HASH,
        indicator_code="literate_adults",
        scope="cooperative",
        association_id=None,
        family_id=None,
        period_from=entry.period_from,
        period_to=entry.period_to,
        value=Decimal("41.5"),
        unit="%",
        source="manual",
        parameters={},
        note="Levantamento\nanual",
        recorded_by_id=personas.staff.pk,
        recorded_at=entry.recorded_at,
        supersedes_sequence=None,
        evidence_sha256=[hashlib.sha256(PDF_BYTES).hexdigest()],
    )


def test_evidence_is_stored_with_its_hash_size_and_type(personas, coop_a, media):
    entry = append(personas.staff, coop_a, evidence=[pdf(), csv_file()])
    stored = {e.content_type: e for e in entry.evidence.all()}
    assert set(stored) == {"application/pdf", "text/plain"}
    document = stored["application/pdf"]
    assert document.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert document.size == len(PDF_BYTES) and document.name == "levantamento.pdf"
    with document.file.open("rb") as handle:
        assert handle.read() == PDF_BYTES
    assert document.cooperative == coop_a


def test_a_correction_appends_and_supersedes(personas, coop_a, media):
    wrong = append(personas.staff, coop_a, value="14.5")
    fixed = append(personas.manager, coop_a, value="41.5", supersedes=wrong, note="Digitação trocada")
    assert fixed.sequence == 2 and fixed.supersedes == wrong
    wrong.refresh_from_db()
    assert wrong.value == Decimal("14.5000")  # never edited
    assert wrong.superseded_by == fixed


def test_family_and_association_indicators_take_their_subject(personas, coop_a, world, media):
    entry = append(personas.staff, coop_a, "family_children_in_school", "2", family=world.family_a)
    assert entry.scope == "family" and entry.family == world.family_a and entry.unit == "count"
    room = append(
        personas.staff, coop_a, "collection_point_sanitary_score", "92", association=world.association_a
    )
    assert room.scope == "association" and room.association == world.association_a


def test_money_is_in_the_cooperative_currency(personas, coop_a, media):
    money = indicator("income_per_family")
    money.source = "manual"  # a co-op may keep a money figure by hand
    money.save()
    entry = append(personas.staff, coop_a, "income_per_family", "1234.56", unit="BRL")
    assert entry.unit == "BRL"
    with pytest.raises(ValidationError) as refused:
        append(personas.staff, coop_a, "income_per_family", "10", unit="USD")
    assert "BRL" in refused.value.message_dict["unit"][0]


# --- Refusals: a clear error, nothing appended ----------------------------------------------


def refused(field, call):
    before = written()
    with pytest.raises(ValidationError) as error:
        call()
    assert field in error.value.message_dict, error.value.message_dict
    assert written() == before
    return error.value.message_dict[field][0]


def test_unknown_indicator(personas, coop_a, media):
    message = refused("indicator", lambda: append(personas.staff, coop_a, "happiness"))
    assert "happiness" in message


def test_inactive_indicator(personas, coop_a, media):
    Indicator = type(indicator("literate_adults"))
    Indicator.objects.filter(code="literate_adults").update(active=False)
    refused("indicator", lambda: append(personas.staff, coop_a))


def test_derived_indicator_cannot_be_entered_by_hand(personas, coop_a, media):
    message = refused("indicator", lambda: append(personas.staff, coop_a, "fair_trade_sales_share", "30"))
    assert "computed" in message


def test_wrong_unit(personas, coop_a, media):
    message = refused("unit", lambda: append(personas.staff, coop_a, value="40", unit="kg"))
    assert "%" in message


@pytest.mark.parametrize(
    "value, words",
    [
        ("101", "above 100"),
        ("-1", "below 0"),
        ("abc", "number"),
        ("NaN", "number"),
        ("Infinity", "number"),
        ("1e400", "large"),
        ("12.34567", "4 decimal"),
        (12.5, "number"),  # a float is never taken for a Decimal
        (True, "number"),
    ],
)
def test_value_out_of_range_or_not_a_number(personas, coop_a, media, value, words):
    message = refused("value", lambda: append(personas.staff, coop_a, value=value))
    assert words in message


def test_count_indicators_have_no_upper_bound_but_a_sane_one(personas, coop_a, media):
    assert append(personas.staff, coop_a, "safety_incidents", "3").value == Decimal("3")
    refused("value", lambda: append(personas.staff, coop_a, "safety_incidents", "100000000000"))


def test_period_ending_before_it_starts(personas, coop_a, media):
    message = refused(
        "period_to",
        lambda: append(personas.staff, coop_a, period=(JAN_1, JAN_1 - datetime.timedelta(days=1))),
    )
    assert "before it starts" in message


def test_period_in_the_future_or_not_a_date(personas, coop_a, media):
    future = datetime.date.today() + datetime.timedelta(days=40)
    refused("period_from", lambda: append(personas.staff, coop_a, period=(future, future)))
    refused("period_from", lambda: append(personas.staff, coop_a, period=("2025-01-01", JAN_1)))


def test_subject_of_another_cooperative(personas, coop_a, world, media):
    message = refused(
        "family",
        lambda: append(personas.staff, coop_a, "family_children_in_school", "2", family=world.family_b),
    )
    assert "not in this co-operative" in message
    refused(
        "association",
        lambda: append(
            personas.staff, coop_a, "collection_point_sanitary_score", "90", association=world.association_b
        ),
    )


def test_subject_of_the_wrong_scope(personas, coop_a, world, media):
    refused("family", lambda: append(personas.staff, coop_a, value="40", family=world.family_a))
    refused("family", lambda: append(personas.staff, coop_a, "family_children_in_school", "2"))
    refused(
        "association",
        lambda: append(
            personas.staff, coop_a, "family_children_in_school", "2", association=world.association_a
        ),
    )
    refused(
        "family",
        lambda: append(
            personas.staff,
            coop_a,
            "collection_point_sanitary_score",
            "90",
            association=world.association_a,
            family=world.family_a,
        ),
    )


def test_superseding_an_entry_of_another_cooperative(personas, coop_a, coop_b, media):
    theirs = append(personas.outsider, coop_b)
    message = refused("supersedes", lambda: append(personas.staff, coop_a, supersedes=theirs))
    assert "another co-operative" in message


def test_superseding_an_entry_already_superseded(personas, coop_a, media):
    first = append(personas.staff, coop_a, value="14")
    second = append(personas.staff, coop_a, value="41", supersedes=first)
    message = refused("supersedes", lambda: append(personas.staff, coop_a, value="42", supersedes=first))
    assert f"#{second.sequence}" in message


def test_superseding_with_another_indicator(personas, coop_a, media):
    first = append(personas.staff, coop_a)
    refused(
        "supersedes", lambda: append(personas.staff, coop_a, "children_in_school", "90", supersedes=first)
    )


def test_oversized_evidence(personas, coop_a, media, settings):
    settings.EVIDENCE_MAX_BYTES = 10
    message = refused("evidence", lambda: append(personas.staff, coop_a, evidence=[pdf()]))
    assert "larger" in message


def test_disallowed_evidence(personas, coop_a, media):
    message = refused("evidence", lambda: append(personas.staff, coop_a, evidence=[exe()]))
    assert "PDF" in message


def test_the_same_file_twice_and_too_many_files(personas, coop_a, media):
    refused("evidence", lambda: append(personas.staff, coop_a, evidence=[pdf(), pdf("copia.pdf")]))
    many = [pdf(f"{i}.pdf", PDF_BYTES + str(i).encode()) for i in range(services.MAX_EVIDENCE_FILES + 1)]
    refused("evidence", lambda: append(personas.staff, coop_a, evidence=many))


def test_nul_bytes_and_long_notes(personas, coop_a, media):
    refused("note", lambda: append(personas.staff, coop_a, note="a\x00b"))
    refused("note", lambda: append(personas.staff, coop_a, note="x" * (services.MAX_NOTE_LENGTH + 1)))
    refused("indicator", lambda: append(personas.staff, coop_a, "literate\x00adults"))


def test_auditors_and_outsiders_cannot_append(personas, coop_a, media):
    for user in (personas.auditor, personas.outsider, personas.expired, personas.nobody):
        before = written()
        with pytest.raises(PermissionDenied):
            append(user, coop_a)
        assert written() == before
