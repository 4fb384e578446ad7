"""Reads of the indicator ledger: verification, the indicator overview, series, lists.

Verification streams: entries are read in sequence order through a database cursor
(`iterator(chunk_size=…)`), and their evidence hashes through a second one in the same
order, merged as they go; only the previous entry's hash is kept. Memory stays the same
for a hundred entries or ten million.
"""

import contextlib
import datetime
import re
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Case, CharField, Count, F, Prefetch, Q, QuerySet, Value, When, Window
from django.db.models.functions import ExtractMonth, ExtractYear, RowNumber
from django.utils.translation import gettext as _

from coop.models import Cooperative
from coop.tenancy import scope
from upgrading.ledger_hash import GENESIS_HASH, entry_hash
from upgrading.models import Indicator, LedgerEntry, LedgerEvidence, LedgerHead

CHUNK_SIZE = 2000
HEAD_PATTERN = re.compile(r"^\s*#?(\d{1,18})\s*:\s*([0-9a-fA-F]{64})\s*$")


# --- Verification -------------------------------------------------------------------------


class Reason:
    CONTENT_CHANGED = "content_changed"
    LINK_BROKEN = "link_broken"
    ENTRY_MISSING = "entry_missing"
    HEAD_MISMATCH = "head_mismatch"
    ANCHOR_MISMATCH = "anchor_mismatch"
    ANCHOR_MISSING = "anchor_missing"


@dataclass(frozen=True)
class Anchor:
    """A head kept outside the database (printed in a report): sequence and hash."""

    sequence: int
    hash: str

    def __str__(self):
        return f"{self.sequence}:{self.hash}"


def parse_anchor(text: str) -> Anchor:
    """ "SEQ:HASH" (as printed in reports) -> Anchor; ValueError when it is not one."""
    match = HEAD_PATTERN.match(text or "")
    if not match or int(match.group(1)) < 1:
        raise ValueError(_("Write the head as SEQUENCE:HASH, e.g. 42:3f1c… (64 hexadecimal characters)."))
    return Anchor(int(match.group(1)), match.group(2).lower())


@dataclass(frozen=True)
class Verification:
    cooperative: Cooperative
    count: int  # entries checked and found sound
    head_sequence: int  # the last sound entry (0: none)
    head_hash: str
    anchor: Anchor | None = None
    broken_at: int | None = None  # the first sequence number where the chain breaks
    reason: str = ""  # a `Reason`
    message: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None

    @property
    def head(self) -> str:
        return f"{self.head_sequence}:{self.head_hash}"

    def as_dict(self) -> dict:
        return {
            "cooperative": self.cooperative.slug,
            "intact": self.intact,
            "count": self.count,
            "head_sequence": self.head_sequence,
            "head_hash": self.head_hash,
            "head": self.head,
            "anchor": str(self.anchor) if self.anchor else None,
            "anchor_checked": self.anchor is not None,
            "broken_at": self.broken_at,
            "reason": self.reason or None,
            "message": self.message or None,
        }


ENTRY_COLUMNS = (
    "sequence",
    "previous_hash",
    "hash",
    "indicator__code",
    "scope",
    "association_id",
    "family_id",
    "period_from",
    "period_to",
    "value",
    "unit",
    "source",
    "parameters",
    "note",
    "recorded_by_id",
    "recorded_at",
    "supersedes__sequence",
)


@contextlib.contextmanager
def _snapshot():
    """PostgreSQL: one read-only REPEATABLE READ transaction, so both cursors and the
    head row see the same ledger while appends go on (and the cursors need no WITH HOLD
    copy of the whole result). SQLite: no transaction (IMMEDIATE would take the write
    lock for the whole verification); the head is read first and entries appended while
    verifying are simply checked too."""
    if connection.vendor != "postgresql":
        yield
        return
    outer = connection.in_atomic_block
    with transaction.atomic():
        if not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _evidence_by_sequence(cooperative_id: int, chunk_size: int):
    """(sequence, [sha256, …]) for each entry with evidence, in sequence order."""
    rows = (
        LedgerEvidence.objects.filter(entry__cooperative_id=cooperative_id)
        .order_by("entry__sequence", "sha256")
        .values_list("entry__sequence", "sha256")
        .iterator(chunk_size=chunk_size)
    )
    current, hashes = None, []
    for sequence, sha256 in rows:
        if sequence != current:
            if current is not None:
                yield current, hashes
            current, hashes = sequence, []
        hashes.append(sha256)
    if current is not None:
        yield current, hashes


def verify_chain(
    *, cooperative: Cooperative, anchor: Anchor | None = None, chunk_size: int = CHUNK_SIZE
) -> Verification:
    """Recompute every entry's hash and link, in order; stop at the first break.

    Reports "intact" with the head (last sequence number and hash) and the count, or
    the first sequence number where the chain breaks and why:
    - content changed: the stored hash is not the hash of the entry's fields;
    - link broken: the entry does not point at the hash of the entry before it (that
      one was rewritten, hash included, or replaced);
    - entry missing: a sequence number is skipped, or the chain ends before its head;
    - head mismatch: the head row names another hash than the last entry's;
    - anchor mismatch / missing: the head kept outside (`anchor`) is not in the chain.
    """
    with _snapshot():
        head_row = LedgerHead.objects.filter(cooperative=cooperative).values_list("sequence", "hash").first()
        entries = (
            LedgerEntry.objects.filter(cooperative=cooperative)
            .order_by("sequence")
            .values_list(*ENTRY_COLUMNS)
            .iterator(chunk_size=chunk_size)
        )
        evidence = _evidence_by_sequence(cooperative.pk, chunk_size)
        return _walk(cooperative, entries, evidence, head_row, anchor)


def _walk(cooperative, entries, evidence, head_row, anchor) -> Verification:
    count, previous_sequence, previous_hash = 0, 0, GENESIS_HASH
    pending = next(evidence, None)

    def broken(sequence, reason, message):
        return Verification(
            cooperative=cooperative,
            count=count,
            head_sequence=previous_sequence,
            head_hash=previous_hash,
            anchor=anchor,
            broken_at=sequence,
            reason=reason,
            message=message,
        )

    for row in entries:
        (sequence, stored_previous, stored_hash, code, entry_scope, association_id, family_id) = row[:7]
        (period_from, period_to, value, unit, source, parameters, note) = row[7:14]
        (recorded_by_id, recorded_at, supersedes_sequence) = row[14:]
        expected = previous_sequence + 1
        if sequence != expected:
            return broken(
                expected,
                Reason.ENTRY_MISSING,
                _("Entry #%(seq)s is missing: the chain goes from #%(before)s to #%(after)s.")
                % {"seq": expected, "before": previous_sequence, "after": sequence},
            )
        hashes = []
        while pending is not None and pending[0] < sequence:  # evidence of a vanished entry
            pending = next(evidence, None)
        if pending is not None and pending[0] == sequence:
            hashes = pending[1]
            pending = next(evidence, None)
        recomputed = entry_hash(
            cooperative_id=cooperative.pk,
            sequence=sequence,
            previous_hash=stored_previous,
            indicator_code=code,
            scope=entry_scope,
            association_id=association_id,
            family_id=family_id,
            period_from=period_from,
            period_to=period_to,
            value=value,
            unit=unit,
            source=source,
            parameters=parameters,
            note=note,
            recorded_by_id=recorded_by_id,
            recorded_at=recorded_at,
            supersedes_sequence=supersedes_sequence,
            evidence_sha256=hashes,
        )
        if recomputed != stored_hash:
            return broken(
                sequence,
                Reason.CONTENT_CHANGED,
                _("Entry #%(seq)s was changed after it was recorded: its content no longer matches its hash.")
                % {"seq": sequence},
            )
        if stored_previous != previous_hash:
            return broken(
                sequence,
                Reason.LINK_BROKEN,
                _(
                    "Entry #%(seq)s does not link to entry #%(before)s as it stands: #%(before)s was "
                    "rewritten or replaced."
                )
                % {"seq": sequence, "before": previous_sequence},
            )
        if anchor is not None and sequence == anchor.sequence and stored_hash != anchor.hash:
            return broken(
                sequence,
                Reason.ANCHOR_MISMATCH,
                _(
                    "Entry #%(seq)s is not the one of the head you hold (%(anchor)s…): the chain "
                    "was rewritten up to there."
                )
                % {"seq": sequence, "anchor": anchor.hash[:12]},
            )
        count, previous_sequence, previous_hash = count + 1, sequence, stored_hash
        if head_row is not None and sequence == head_row[0] and stored_hash != head_row[1]:
            return broken(
                sequence,
                Reason.HEAD_MISMATCH,
                _("The ledger's head names another hash for entry #%(seq)s than the entry has.")
                % {"seq": sequence},
            )

    if head_row is not None and previous_sequence < head_row[0]:
        return broken(
            previous_sequence + 1,
            Reason.ENTRY_MISSING,
            _("The chain ends at #%(last)s but its head is #%(head)s: the entries after it are missing.")
            % {"last": previous_sequence, "head": head_row[0]},
        )
    if head_row is None and count:
        return broken(
            previous_sequence,
            Reason.HEAD_MISMATCH,
            _("The ledger has entries but no head row."),
        )
    if anchor is not None and anchor.sequence > previous_sequence:
        return broken(
            previous_sequence + 1,
            Reason.ANCHOR_MISSING,
            _(
                "The head you hold (#%(anchor)s) is not in the ledger any more: it ends at "
                "#%(last)s, so entries were deleted."
            )
            % {"anchor": anchor.sequence, "last": previous_sequence},
        )
    return Verification(
        cooperative=cooperative,
        count=count,
        head_sequence=previous_sequence,
        head_hash=previous_hash,
        anchor=anchor,
    )


def ledger_head(*, cooperative: Cooperative) -> Anchor:
    """The head to print in reports and evidence packs (0 and 64 zeros when empty)."""
    row = LedgerHead.objects.filter(cooperative=cooperative).values_list("sequence", "hash").first()
    return Anchor(*row) if row else Anchor(0, GENESIS_HASH)


# --- The catalogue and the overview -----------------------------------------------------------


def indicator_list(*, active_only: bool = True, category: str = "", source: str = "") -> QuerySet[Indicator]:
    qs = Indicator.objects.all()
    if active_only:
        qs = qs.filter(active=True)
    if category:
        qs = qs.filter(category=category)
    if source:
        qs = qs.filter(source=source)
    return qs.order_by("category", "code")


def current_entries(*, cooperative: Cooperative) -> QuerySet[LedgerEntry]:
    """Entries no later entry corrects: what the ledger says today."""
    return LedgerEntry.objects.filter(cooperative=cooperative, superseded_by__isnull=True)


GRANULARITY_RANK = {"year": 0, "month": 1, "other": 2}


def _with_granularity(qs: QuerySet[LedgerEntry]) -> QuerySet[LedgerEntry]:
    """Label each entry's period: a calendar year, a calendar month or another span."""
    return qs.annotate(
        from_year=ExtractYear("period_from"),
        to_year=ExtractYear("period_to"),
        from_month=ExtractMonth("period_from"),
        to_month=ExtractMonth("period_to"),
    ).annotate(
        granularity=Case(
            When(
                Q(period_from__month=1, period_from__day=1, period_to__month=12, period_to__day=31)
                & Q(from_year=F("to_year")),
                then=Value("year"),
            ),
            When(
                Q(period_from__day=1) & Q(from_year=F("to_year"), from_month=F("to_month")),
                then=Value("month"),
            ),
            default=Value("other"),
            output_field=CharField(),
        )
    )


@dataclass
class IndicatorRow:
    indicator: Indicator
    current: LedgerEntry | None = None
    previous: LedgerEntry | None = None
    subjects: int = 0  # association and family indicators: current entries in all

    @property
    def change(self):
        if self.current is None or self.previous is None:
            return None
        return self.current.value - self.previous.value

    @property
    def improved(self) -> bool | None:
        change = self.change
        if not change:
            return None
        return (change > 0) == self.indicator.higher_is_better


def indicator_overview(*, cooperative: Cooperative, indicators=None) -> list[IndicatorRow]:
    """Each indicator with its latest co-op-wide value and the one of the period before
    (same kind of period: year against year, month against month): three queries."""
    indicators = list(indicators if indicators is not None else indicator_list())
    rows = {indicator.pk: IndicatorRow(indicator) for indicator in indicators}
    ranked = (
        _with_granularity(
            current_entries(cooperative=cooperative).filter(
                indicator__in=list(rows), scope=Indicator.Scope.COOPERATIVE
            )
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("indicator_id"), F("granularity")],
                order_by=[F("period_to").desc(), F("period_from").desc(), F("sequence").desc()],
            )
        )
        .filter(rank__lte=2)
    )
    latest: dict[int, dict[str, list]] = {}
    for entry in ranked:
        latest.setdefault(entry.indicator_id, {}).setdefault(entry.granularity, []).append(entry)
    for indicator_id, by_kind in latest.items():
        # The most recent period; on a tie (December and the whole year) the longer one.
        kind = min(by_kind, key=lambda k: (-by_kind[k][0].period_to.toordinal(), GRANULARITY_RANK[k]))
        pair = sorted(by_kind[kind], key=lambda e: e.rank)
        rows[indicator_id].current = pair[0]
        rows[indicator_id].previous = pair[1] if len(pair) > 1 else None
    scoped = [i.pk for i in indicators if i.scope != Indicator.Scope.COOPERATIVE]
    if scoped:
        counts = (
            current_entries(cooperative=cooperative)
            .filter(indicator__in=scoped)
            .order_by()
            .values("indicator")
            .annotate(n=Count("pk"))
        )
        for row in counts:
            rows[row["indicator"]].subjects = row["n"]
    return [rows[indicator.pk] for indicator in indicators]


SERIES_LIMIT = 240


def indicator_series(
    *,
    cooperative: Cooperative,
    indicator: Indicator,
    granularity: str = "",
    association=None,
    family=None,
) -> list[LedgerEntry]:
    """The current entries of one indicator, oldest period first (at most the last 240),
    for the detail page's chart and table."""
    qs = _with_granularity(current_entries(cooperative=cooperative).filter(indicator=indicator))
    if granularity:
        qs = qs.filter(granularity=granularity)
    if association is not None:
        qs = qs.filter(association=association)
    if family is not None:
        qs = qs.filter(family=family)
    qs = qs.select_related("association", "family").order_by("-period_to", "-period_from", "-sequence")
    return list(qs[:SERIES_LIMIT])[::-1]


def granularities(*, cooperative: Cooperative, indicator: Indicator) -> list[str]:
    """The kinds of period the indicator has entries for, year first."""
    found = (
        _with_granularity(current_entries(cooperative=cooperative).filter(indicator=indicator))
        .order_by()
        .values_list("granularity", flat=True)
        .distinct()
    )
    return sorted(set(found), key=GRANULARITY_RANK.get)


# --- The ledger as a list --------------------------------------------------------------------


def ledger_entries(
    *,
    user,
    cooperative: Cooperative | None = None,
    indicator: Indicator | None = None,
    source: str = "",
    period_from: datetime.date | None = None,
    period_to: datetime.date | None = None,
    family=None,
    association=None,
    current_only: bool = False,
) -> QuerySet[LedgerEntry]:
    """Entries the user may read, newest first, with what a row shows (no N+1)."""
    qs = scope(LedgerEntry.objects.all(), user)
    if cooperative is not None:
        qs = qs.filter(cooperative=cooperative)
    if indicator is not None:
        qs = qs.filter(indicator=indicator)
    if source:
        qs = qs.filter(source=source)
    # Periods that overlap the asked span.
    if period_from is not None:
        qs = qs.filter(period_to__gte=period_from)
    if period_to is not None:
        qs = qs.filter(period_from__lte=period_to)
    if family is not None:
        qs = qs.filter(family=family)
    if association is not None:
        qs = qs.filter(association=association)
    if current_only:
        qs = qs.filter(superseded_by__isnull=True)
    return (
        qs.select_related(
            "cooperative", "indicator", "association", "family", "recorded_by", "supersedes", "superseded_by"
        )
        .prefetch_related(Prefetch("evidence", queryset=LedgerEvidence.objects.order_by("name", "pk")))
        .order_by("-cooperative_id", "-sequence")
    )
