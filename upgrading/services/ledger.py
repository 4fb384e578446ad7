"""Writes of the indicator ledger: the catalogue, manual entries, derived entries.

Every entry is appended by `_append`, under a row lock on the co-op's `LedgerHead`:
two appends to the same co-op queue there, so each one reads the head the other
wrote and the chain cannot fork (PostgreSQL: SELECT … FOR UPDATE; SQLite: the
IMMEDIATE transaction already holds the database's write lock). Nothing is ever
updated or deleted (the database refuses it): a correction appends a new entry that
`supersedes` the old one.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coop.models import Association, Cooperative, Family
from coop.services.base import apply_changes, reject_nul_bytes
from coop.tenancy import ADMINISTER, RECORD, cooperatives_for, require
from upgrading import indicators
from upgrading.evidence import inspect_upload
from upgrading.ledger_hash import entry_hash, parameters_problem
from upgrading.models import Indicator, LedgerEntry, LedgerEvidence, LedgerHead

INDICATOR_FIELDS = (
    "code",
    "name_en",
    "name_pt_br",
    "description_en",
    "description_pt_br",
    "category",
    "unit",
    "higher_is_better",
    "scope",
    "source",
    "min_value",
    "max_value",
    "active",
)
# What an entry's meaning hangs on: fixed once the indicator exists (the code is hashed).
INDICATOR_FIXED = ("code", "unit", "scope", "source")
MAX_EVIDENCE_FILES = 10
MAX_NOTE_LENGTH = 4000
# SQLite keeps decimals as 15 significant digits: with 4 places, 11 before the point.
# A larger value would come back changed and the entry would no longer verify.
VALUE_LIMIT = Decimal("1e11")
PLACES = Decimal("0.0001")


# --- The catalogue ------------------------------------------------------------------------


def _require_catalogue_admin(actor) -> None:
    if not (actor.is_active and (actor.is_superuser or cooperatives_for(actor, roles=ADMINISTER).exists())):
        raise PermissionDenied(_("Only administrators may change the indicator catalogue."))


def _validate_indicator(indicator: Indicator) -> None:
    reject_nul_bytes(indicator)
    clash = Indicator.objects.filter(code=indicator.code).exclude(pk=indicator.pk)
    if isinstance(indicator.code, str) and clash.exists():
        raise ValidationError({"code": _("An indicator with this code already exists.")})
    indicator.full_clean(validate_unique=False)


@transaction.atomic
def indicator_create(*, actor, **data) -> Indicator:
    """A new indicator of the catalogue (administrators). Its entries are manual unless
    `upgrading.indicators` has a computation for its code."""
    _require_catalogue_admin(actor)
    indicator = Indicator()
    apply_changes(indicator, data, INDICATOR_FIELDS)
    _validate_indicator(indicator)
    indicator.save()
    return indicator


@transaction.atomic
def indicator_update(*, actor, indicator: Indicator, **data) -> Indicator:
    """Names, description, category, range and `active` may change; code, unit, scope
    and source may not (entries already recorded were measured that way)."""
    _require_catalogue_admin(actor)
    indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    fixed = {
        name: _("This cannot change once the indicator exists.")
        for name in INDICATOR_FIXED
        if name in data and data[name] != getattr(indicator, name)
    }
    if fixed:
        raise ValidationError(fixed)
    changed = apply_changes(indicator, data, INDICATOR_FIELDS)
    if changed:
        _validate_indicator(indicator)
        indicator.save(update_fields=changed)
    return indicator


def catalogue_install() -> list[Indicator]:
    """Create the seeded indicators (`upgrading.catalogue`) that are missing; leave the
    others as admins edited them. Migration 0003 does the same on a new database; this is
    for a database emptied since (`manage.py flush`, transactional tests)."""
    from upgrading.catalogue import CATALOGUE

    existing = set(Indicator.objects.values_list("code", flat=True))
    missing = [
        Indicator(
            **{
                **row,
                "min_value": Decimal(row["min_value"]) if row["min_value"] is not None else None,
                "max_value": Decimal(row["max_value"]) if row["max_value"] is not None else None,
            }
        )
        for row in CATALOGUE
        if row["code"] not in existing
    ]
    return Indicator.objects.bulk_create(missing)


# --- Checking an entry ----------------------------------------------------------------------


def _indicator(indicator) -> Indicator:
    """An Indicator, or its code: an unknown or inactive one is refused by name."""
    if isinstance(indicator, Indicator):
        found = indicator
    else:
        code = indicator if isinstance(indicator, str) and "\x00" not in indicator else None
        found = Indicator.objects.filter(code=code).first() if code else None
        if found is None:
            raise ValidationError({"indicator": _("Unknown indicator “%(code)s”.") % {"code": indicator}})
    if not found.active:
        raise ValidationError(
            {"indicator": _("Indicator “%(code)s” is no longer in use.") % {"code": found.code}}
        )
    return found


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")  # 100, not 1E+2 nor 100.0000


def _value(value, indicator: Indicator) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise ValidationError({"value": _("Enter a number.")})
    try:
        number = Decimal(value.strip().replace(",", ".") if isinstance(value, str) else value)
    except (InvalidOperation, ValueError):
        raise ValidationError({"value": _("Enter a number.")}) from None
    if not number.is_finite():
        raise ValidationError({"value": _("Enter a number.")})
    if abs(number) >= VALUE_LIMIT:
        raise ValidationError({"value": _("This number is too large.")})
    if number != number.quantize(PLACES):
        raise ValidationError({"value": _("Use at most 4 decimal places.")})
    number = number.quantize(PLACES)
    unit = indicator.unit
    if indicator.min_value is not None and number < indicator.min_value:
        raise ValidationError(
            {
                "value": _("%(code)s cannot be below %(min)s %(unit)s.")
                % {"code": indicator.code, "min": _plain(indicator.min_value), "unit": unit}
            }
        )
    if indicator.max_value is not None and number > indicator.max_value:
        raise ValidationError(
            {
                "value": _("%(code)s cannot be above %(max)s %(unit)s.")
                % {"code": indicator.code, "max": _plain(indicator.max_value), "unit": unit}
            }
        )
    return number


def _unit(unit, indicator: Indicator, cooperative: Cooperative) -> str:
    expected = indicators.entry_unit(indicator, cooperative)
    if unit in (None, ""):
        return expected
    if unit != expected:
        raise ValidationError(
            {
                "unit": _("%(code)s is measured in %(expected)s, not in %(unit)s.")
                % {"code": indicator.code, "expected": expected, "unit": unit}
            }
        )
    return expected


def _period(period_from, period_to) -> None:
    errors = {}
    for name, day in (("period_from", period_from), ("period_to", period_to)):
        if not isinstance(day, datetime.date) or isinstance(day, datetime.datetime):
            errors[name] = _("Enter a date.")
    if errors:
        raise ValidationError(errors)
    if period_to < period_from:
        raise ValidationError({"period_to": _("The period cannot end before it starts.")})
    if period_from > timezone.localdate():
        raise ValidationError({"period_from": _("The period cannot start in the future.")})


def _subject(indicator: Indicator, cooperative: Cooperative, association, family) -> None:
    """The subject must be of the indicator's scope and of this co-operative."""
    scope = indicator.scope
    errors = {}
    if association is not None and not isinstance(association, Association):
        errors["association"] = _("Choose an association.")
    if family is not None and not isinstance(family, Family):
        errors["family"] = _("Choose a family.")
    if errors:
        raise ValidationError(errors)
    if scope == Indicator.Scope.COOPERATIVE:
        for name, subject in (("association", association), ("family", family)):
            if subject is not None:
                errors[name] = _("%(code)s is measured for the whole co-operative: leave this empty.") % {
                    "code": indicator.code
                }
    elif scope == Indicator.Scope.ASSOCIATION:
        if association is None:
            errors["association"] = _("%(code)s is measured per association: choose one.") % {
                "code": indicator.code
            }
        if family is not None:
            errors["family"] = _("%(code)s is measured per association, not per family.") % {
                "code": indicator.code
            }
    else:
        if family is None:
            errors["family"] = _("%(code)s is measured per family: choose one.") % {"code": indicator.code}
        if association is not None:
            errors["association"] = _("%(code)s is measured per family, not per association.") % {
                "code": indicator.code
            }
    for name, subject in (("association", association), ("family", family)):
        if subject is not None and name not in errors and subject.cooperative_id != cooperative.pk:
            errors[name] = _("This %(what)s is not in this co-operative.") % {
                "what": _("association") if name == "association" else _("family")
            }
    if errors:
        raise ValidationError(errors)


def _supersedable(supersedes: LedgerEntry | None, cooperative: Cooperative, indicator: Indicator) -> None:
    """Checked before the lock for an early answer, and again under it (`_not_yet_superseded`)."""
    if supersedes is None:
        return
    if not isinstance(supersedes, LedgerEntry):
        raise ValidationError({"supersedes": _("Choose an entry of the ledger.")})
    if supersedes.cooperative_id != cooperative.pk:
        raise ValidationError({"supersedes": _("That entry belongs to another co-operative.")})
    if supersedes.indicator_id != indicator.pk:
        raise ValidationError(
            {
                "supersedes": _("Entry #%(seq)s is of another indicator; a correction keeps the indicator.")
                % {"seq": supersedes.sequence}
            }
        )


def _not_yet_superseded(supersedes: LedgerEntry | None) -> None:
    if supersedes is None:
        return
    later = LedgerEntry.objects.filter(supersedes=supersedes).values_list("sequence", flat=True).first()
    if later is not None:
        raise ValidationError(
            {
                "supersedes": _("Entry #%(seq)s was already corrected by entry #%(later)s.")
                % {"seq": supersedes.sequence, "later": later}
            }
        )


def _note(note) -> str:
    if note is None:
        return ""
    if not isinstance(note, str):
        raise ValidationError({"note": _("Enter text.")})
    if "\x00" in note:
        raise ValidationError({"note": _("Text may not contain NUL characters.")})
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationError({"note": _("Write at most %(n)d characters.") % {"n": MAX_NOTE_LENGTH}})
    return note


def _evidence(files) -> list[tuple]:
    """Each upload hashed and checked (size, real content type); the same file twice is refused."""
    files = list(files or [])
    if len(files) > MAX_EVIDENCE_FILES:
        raise ValidationError({"evidence": _("Attach at most %(n)d files.") % {"n": MAX_EVIDENCE_FILES}})
    checked, seen = [], set()
    for upload in files:
        found = inspect_upload(upload, field="evidence")
        if found.sha256 in seen:
            raise ValidationError(
                {"evidence": _("The file %(name)s is attached twice.") % {"name": found.name}}
            )
        seen.add(found.sha256)
        checked.append((upload, found))
    return checked


# --- Appending --------------------------------------------------------------------------------


def locked_head(cooperative: Cooperative) -> LedgerHead:
    """The co-op's head row, locked until the transaction ends (created on first use).

    The lock is what keeps the chain linear: an append reads the head's sequence and
    hash, writes the entry after it and moves the head, while any other append to the
    same co-op waits here. A first append that races another to create the row waits on
    its unique key, then finds it.
    """
    LedgerHead.objects.get_or_create(cooperative=cooperative)
    return LedgerHead.objects.select_for_update().get(cooperative=cooperative)


def _append(
    *,
    head: LedgerHead,
    cooperative: Cooperative,
    indicator: Indicator,
    period_from: datetime.date,
    period_to: datetime.date,
    value: Decimal,
    unit: str,
    source: str,
    association=None,
    family=None,
    parameters=None,
    note: str = "",
    recorded_by=None,
    supersedes: LedgerEntry | None = None,
    evidence=(),
) -> LedgerEntry:
    """Write one checked entry after `head` (locked by the caller) and move the head."""
    entry = LedgerEntry(
        cooperative=cooperative,
        sequence=head.sequence + 1,
        indicator=indicator,
        scope=indicator.scope,
        association=association,
        family=family,
        period_from=period_from,
        period_to=period_to,
        value=value,
        unit=unit,
        source=source,
        parameters=parameters or {},
        note=note,
        recorded_by=recorded_by,
        recorded_at=timezone.now(),
        supersedes=supersedes,
        previous_hash=head.hash,
    )
    entry.hash = entry_hash(
        cooperative_id=cooperative.pk,
        sequence=entry.sequence,
        previous_hash=entry.previous_hash,
        indicator_code=indicator.code,
        scope=entry.scope,
        association_id=association.pk if association else None,
        family_id=family.pk if family else None,
        period_from=period_from,
        period_to=period_to,
        value=value,
        unit=unit,
        source=source,
        parameters=entry.parameters,
        note=note,
        recorded_by_id=recorded_by.pk if recorded_by else None,
        recorded_at=entry.recorded_at,
        supersedes_sequence=supersedes.sequence if supersedes else None,
        evidence_sha256=[found.sha256 for _upload, found in evidence],
    )
    entry.save(force_insert=True)
    for upload, found in evidence:
        row = LedgerEvidence(
            cooperative=cooperative,
            entry=entry,
            name=found.name,
            sha256=found.sha256,
            size=found.size,
            content_type=found.content_type,
        )
        # Content-addressed path (the SHA-256): a file rolled back with its transaction
        # leaves at worst an orphan that the same upload would overwrite in place.
        row.file.save(found.name, upload, save=False)
        row.save(force_insert=True)
    head.sequence, head.hash = entry.sequence, entry.hash
    head.save(update_fields=["sequence", "hash"])
    return entry


@transaction.atomic
def ledger_append(
    *,
    actor,
    cooperative: Cooperative,
    indicator,
    period_from: datetime.date,
    period_to: datetime.date,
    value,
    unit: str | None = None,
    association: Association | None = None,
    family: Family | None = None,
    note: str = "",
    evidence=(),
    supersedes: LedgerEntry | None = None,
) -> LedgerEntry:
    """Append a manual entry (staff, managers, admins), with its evidence files.

    `indicator` is an Indicator or its code and must be a manual one (derived ones are
    computed, see `derived_indicators_record`). `unit` may be left out; given, it must be
    the indicator's (money: the co-op's currency). `supersedes` corrects an earlier entry
    of the same co-op and indicator that no other entry corrected yet. Every refusal is a
    ValidationError naming the field, and nothing is written.
    """
    require(actor, cooperative, RECORD)
    indicator = _indicator(indicator)
    if indicator.source != Indicator.Source.MANUAL:
        raise ValidationError(
            {
                "indicator": _("%(code)s is computed from the data; it cannot be entered by hand.")
                % {"code": indicator.code}
            }
        )
    _period(period_from, period_to)
    number = _value(value, indicator)
    entry_unit = _unit(unit, indicator, cooperative)
    _subject(indicator, cooperative, association, family)
    _supersedable(supersedes, cooperative, indicator)
    note = _note(note)
    files = _evidence(evidence)
    head = locked_head(cooperative)
    _not_yet_superseded(supersedes)
    return _append(
        head=head,
        cooperative=cooperative,
        indicator=indicator,
        period_from=period_from,
        period_to=period_to,
        value=number,
        unit=entry_unit,
        source=Indicator.Source.MANUAL,
        association=association,
        family=family,
        note=note,
        recorded_by=actor,
        supersedes=supersedes,
        evidence=files,
    )


# --- Derived indicators ---------------------------------------------------------------------


@dataclass
class DerivedRun:
    """What one run for a co-op and period did, indicator by indicator."""

    appended: list = field(default_factory=list)  # new entries (first value or a changed one)
    unchanged: list = field(default_factory=list)  # codes whose current entry already says the same
    without_data: list = field(default_factory=list)  # codes with nothing to compute from


def derived_indicators_record(
    *, cooperative: Cooperative, period_from: datetime.date, period_to: datetime.date, codes=None
) -> DerivedRun:
    """Compute every active derived indicator for the period and append what changed.

    Idempotent: an indicator whose current entry for this co-op and period already holds
    the value appends nothing; a different value appends an entry that supersedes it.
    The figures are computed before the head is locked (they are the slow part); the
    comparison and the appends run under the lock, so two runs of the same period cannot
    both append.
    """
    _period(period_from, period_to)
    wanted = Indicator.objects.filter(active=True, source=Indicator.Source.DERIVED, scope="cooperative")
    if codes is not None:
        wanted = wanted.filter(code__in=list(codes))
    run = DerivedRun()
    computed = {}
    for indicator in wanted.order_by("code"):
        result = indicators.compute(
            indicator.code, cooperative=cooperative, period_from=period_from, period_to=period_to
        )
        if result is None:
            run.without_data.append(indicator.code)
        else:
            problem = parameters_problem(result.parameters)
            if problem:
                raise ValueError(f"{indicator.code}: parameters cannot be hashed: {problem}")
            computed[indicator] = result
    if not computed:
        return run
    with transaction.atomic():
        head = locked_head(cooperative)
        current = {
            entry.indicator_id: entry
            for entry in LedgerEntry.objects.filter(
                cooperative=cooperative,
                indicator__in=list(computed),
                source=Indicator.Source.DERIVED,
                scope=Indicator.Scope.COOPERATIVE,
                period_from=period_from,
                period_to=period_to,
                superseded_by__isnull=True,
            )
        }
        for indicator, result in computed.items():
            value = indicators.rounded(result.value)
            unit = indicators.entry_unit(indicator, cooperative)
            previous = current.get(indicator.pk)
            # The value is what counts: the same figure recomputed appends nothing.
            if previous is not None and (previous.value, previous.unit) == (value, unit):
                run.unchanged.append(indicator.code)
                continue
            run.appended.append(
                _append(
                    head=head,
                    cooperative=cooperative,
                    indicator=indicator,
                    period_from=period_from,
                    period_to=period_to,
                    value=value,
                    unit=unit,
                    source=Indicator.Source.DERIVED,
                    parameters=result.parameters,
                    supersedes=previous,
                )
            )
    return run
