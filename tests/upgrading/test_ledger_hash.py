"""The canonical serialisation, pinned: the worked example of docs/ledger.md, and the same
hash from a dozen lines written the way an auditor would, without our code."""

import datetime
import hashlib
from decimal import Decimal

import pytest

from upgrading.ledger_hash import (
    FIELDS,
    canonical_parameters,
    canonical_time,
    canonical_value,
    entry_hash,
    parameters_problem,
    serialise,
)

EXAMPLE = dict(
    cooperative_id=7,
    sequence=2,
    previous_hash="ab" * 32,
    indicator_code="literate_adults",
    scope="cooperative",
    association_id=None,
    family_id=None,
    period_from=datetime.date(2025, 1, 1),
    period_to=datetime.date(2025, 12, 31),
    value=Decimal("41.5"),
    unit="%",
    source="manual",
    parameters={},
    note="Levantamento anual\nFamílias: 412",
    recorded_by_id=3,
    recorded_at=datetime.datetime(2026, 2, 10, 13, 45, tzinfo=datetime.UTC),
    supersedes_sequence=None,
    evidence_sha256=["5" * 64, "1" * 64],
)
EXAMPLE_HASH = "55aa126baf2155551d660ffddefa17819f44d6b15ce08ebd9bc99ce4c874ef3d"  # docs/ledger.md


def test_the_documented_example():
    text = serialise(**EXAMPLE).decode()
    assert text.startswith("version=17:mutirao-ledger-v1\ncooperative=1:7\nsequence=1:2\n")
    assert "note=33:Levantamento anual\nFamílias: 412\n" in text  # bytes, not characters: í is two
    assert "value=7:41.5000\n" in text and "association=0:\n" in text
    assert text.endswith(f"evidence=129:{'1' * 64},{'5' * 64}\n")
    assert entry_hash(**EXAMPLE) == EXAMPLE_HASH


def test_an_auditor_recomputes_it_without_our_code():
    fields = [
        ("version", "mutirao-ledger-v1"),
        ("cooperative", "7"),
        ("sequence", "2"),
        ("previous_hash", "ab" * 32),
        ("indicator", "literate_adults"),
        ("scope", "cooperative"),
        ("association", ""),
        ("family", ""),
        ("period_from", "2025-01-01"),
        ("period_to", "2025-12-31"),
        ("value", "41.5000"),
        ("unit", "%"),
        ("source", "manual"),
        ("parameters", "{}"),
        ("note", "Levantamento anual\nFamílias: 412"),
        ("recorded_by", "3"),
        ("recorded_at", "2026-02-10T13:45:00.000000Z"),
        ("supersedes", ""),
        ("evidence", ",".join(sorted(["5" * 64, "1" * 64]))),
    ]
    assert [name for name, _value in fields] == list(FIELDS)
    data = b"".join(f"{n}={len(v.encode())}:".encode() + v.encode() + b"\n" for n, v in fields)
    assert hashlib.sha256(data).hexdigest() == EXAMPLE_HASH


@pytest.mark.parametrize(
    "value, text",
    [
        ("41.5", "41.5000"),
        ("0", "0.0000"),
        ("-3.25", "-3.2500"),
        ("1E+2", "100.0000"),
        ("12.34560", "12.3456"),
    ],
)
def test_values_are_fixed_point_with_four_places(value, text):
    assert canonical_value(Decimal(value)) == text


def test_parameters_are_canonical_json():
    assert canonical_parameters({"b": "1", "a": {"z": 1, "y": ["é", None, True]}}) == (
        '{"a":{"y":["é",null,true],"z":1},"b":"1"}'
    )
    assert canonical_parameters(None) == "{}"


def test_parameters_that_cannot_be_hashed_canonically():
    assert parameters_problem({"ok": ["1", 2, None, False, {"x": "y"}]}) is None
    assert "float" in parameters_problem({"x": 1.5})
    assert parameters_problem({"x": 2**60}) == "integer too large"
    assert parameters_problem({"chave": "a\x00"}) == "NUL character"
    assert parameters_problem({1: "x"}) == "keys must be ASCII text"
    assert parameters_problem({"ç": "x"}) == "keys must be ASCII text"


def test_times_are_utc_with_microseconds():
    fortaleza = datetime.timezone(datetime.timedelta(hours=-3))
    moment = datetime.datetime(2026, 2, 10, 10, 45, 0, 12, tzinfo=fortaleza)
    assert canonical_time(moment) == "2026-02-10T13:45:00.000012Z"
    with pytest.raises(ValueError):
        canonical_time(datetime.datetime(2026, 2, 10))


def test_every_field_changes_the_hash():
    changes = {
        "cooperative_id": 8,
        "sequence": 3,
        "previous_hash": "cd" * 32,
        "indicator_code": "children_in_school",
        "scope": "family",
        "association_id": 1,
        "family_id": 1,
        "period_from": datetime.date(2025, 1, 2),
        "period_to": datetime.date(2025, 12, 30),
        "value": Decimal("41.5001"),
        "unit": "count",
        "source": "derived",
        "parameters": {"a": "1"},
        "note": "Levantamento anual",
        "recorded_by_id": 4,
        "recorded_at": datetime.datetime(2026, 2, 10, 13, 45, 0, 1, tzinfo=datetime.UTC),
        "supersedes_sequence": 1,
        "evidence_sha256": ["5" * 64],
    }
    assert set(changes) == set(EXAMPLE)
    for name, value in changes.items():
        assert entry_hash(**{**EXAMPLE, name: value}) != EXAMPLE_HASH, name
