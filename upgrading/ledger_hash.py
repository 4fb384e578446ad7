"""The canonical serialisation of a ledger entry and its SHA-256: what an auditor recomputes.

An entry's hash covers every field that says what was claimed, by whom, when and on
which evidence, plus the hash of the entry before it (the chain). It is written so that
a few lines of any language can recompute it from an export (see docs/ledger.md):

1. Take the fields below, in this order, each as a text value (UTF-8):

   ==============  =================================================================
   version         the literal ``mutirao-ledger-v1``
   cooperative     the co-operative's id (decimal digits)
   sequence        the entry's sequence number in its co-operative (1, 2, ...)
   previous_hash   the previous entry's hash; 64 zeros for entry 1
   indicator       the indicator's code (e.g. ``literate_adults``)
   scope           ``cooperative``, ``association`` or ``family``
   association     the association's id, or empty
   family          the family's id, or empty
   period_from     ISO date ``YYYY-MM-DD``
   period_to       ISO date ``YYYY-MM-DD``
   value           fixed point with exactly 4 decimals, ``-`` for negatives, no
                   exponent, no thousands separator (``12.5000``, ``0.0000``)
   unit            the unit as stored (``%``, ``BRL``, ``count``, ...)
   source          ``manual`` or ``derived``
   parameters      the parameters as canonical JSON: object keys sorted, no
                   whitespace, non-ASCII characters written as themselves (RFC 8785;
                   the values are only strings, integers, booleans, null, lists and
                   objects, never floats); ``{}`` when there are none
   note            the note as written (may hold new lines)
   recorded_by     the recording user's id, or empty (derived entries)
   recorded_at     UTC time ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always 6 decimals)
   supersedes      the sequence number of the entry it corrects, or empty
   evidence        the SHA-256 (lowercase hex) of each evidence file, sorted, joined
                   by ``,``; empty without evidence
   ==============  =================================================================

2. Write each field as ``name=<byte length of the value>:<value>`` followed by a new
   line (``\\n``). The length prefix makes the serialisation unambiguous whatever a note
   contains.
3. The entry's hash is the lowercase hex SHA-256 of those bytes.

The chain holds when, for every entry in sequence order, the recomputed hash equals the
stored one, `previous_hash` equals the stored hash of the entry before, and no sequence
number is skipped. A deleted *tail* leaves a shorter chain that still holds: that is why
the head (sequence, hash) is printed in reports and checked against a copy kept outside.
"""

import datetime
import hashlib
import json
from decimal import Decimal

VERSION = "mutirao-ledger-v1"
GENESIS_HASH = "0" * 64
VALUE_PLACES = Decimal("0.0001")

FIELDS = (
    "version",
    "cooperative",
    "sequence",
    "previous_hash",
    "indicator",
    "scope",
    "association",
    "family",
    "period_from",
    "period_to",
    "value",
    "unit",
    "source",
    "parameters",
    "note",
    "recorded_by",
    "recorded_at",
    "supersedes",
    "evidence",
)

_NAMES = tuple(name.encode("ascii") for name in FIELDS)  # in the order `serialise` lists the values


def canonical_value(value: Decimal) -> str:
    """`Decimal("12.5")` -> "12.5000": fixed point, exactly 4 places, no exponent."""
    return format(Decimal(value).quantize(VALUE_PLACES), "f")


def canonical_parameters(parameters: dict | None) -> str:
    """Canonical JSON (RFC 8785 for the types parameters may hold: no floats)."""
    return json.dumps(parameters or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_time(moment: datetime.datetime) -> str:
    """UTC with microseconds, always 6 decimals: 2026-03-10T13:45:00.000000Z."""
    if moment.tzinfo is None:
        raise ValueError("recorded_at must be timezone-aware")
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _text(value) -> str:
    return "" if value is None else str(value)


def serialise(
    *,
    cooperative_id: int,
    sequence: int,
    previous_hash: str,
    indicator_code: str,
    scope: str,
    association_id: int | None,
    family_id: int | None,
    period_from: datetime.date,
    period_to: datetime.date,
    value: Decimal,
    unit: str,
    source: str,
    parameters: dict | None,
    note: str,
    recorded_by_id: int | None,
    recorded_at: datetime.datetime,
    supersedes_sequence: int | None,
    evidence_sha256: list[str] | tuple[str, ...] = (),
) -> bytes:
    """The bytes an entry's hash is taken over (see the module's docstring)."""
    values = (
        VERSION,
        _text(cooperative_id),
        _text(sequence),
        previous_hash,
        indicator_code,
        scope,
        _text(association_id),
        _text(family_id),
        period_from.isoformat(),
        period_to.isoformat(),
        canonical_value(value),
        unit,
        source,
        canonical_parameters(parameters),
        note or "",
        _text(recorded_by_id),
        canonical_time(recorded_at),
        _text(supersedes_sequence),
        ",".join(sorted(evidence_sha256)),
    )
    parts = []
    for name, text in zip(_NAMES, values, strict=True):
        data = text.encode("utf-8")
        parts.append(b"%s=%d:%s\n" % (name, len(data), data))
    return b"".join(parts)


def entry_hash(**fields) -> str:
    """Lowercase hex SHA-256 of `serialise(**fields)`."""
    return hashlib.sha256(serialise(**fields)).hexdigest()


def parameters_problem(value, *, depth: int = 0) -> str | None:
    """Why `value` cannot be hashed canonically (None when it can): floats (their text
    differs between languages and between JSON and jsonb), non-string or non-ASCII keys,
    NUL characters, or nesting deeper than 5."""
    if depth > 5:
        return "nested too deep"
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if abs(value) < 2**53 else "integer too large"  # exact in every JSON reader
    if isinstance(value, str):
        return "NUL character" if "\x00" in value else None
    if isinstance(value, list):
        for item in value:
            problem = parameters_problem(item, depth=depth + 1)
            if problem:
                return problem
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii() or "\x00" in key:
                return "keys must be ASCII text"
            problem = parameters_problem(item, depth=depth + 1)
            if problem:
                return problem
        return None
    return f"{type(value).__name__} values are not allowed (write numbers as text)"
