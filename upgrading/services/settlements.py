"""Season settlements (profit sharing): open, recompute while a draft, approve, mark paid.

A settlement shares a pool of money pro rata to the accepted kg each family delivered in
the season, in one level (pool → families) or two (pool → associations → families, the
honey co-op's 32 associations). Each family's line deducts the advances it was paid in
the season and what it still owed from the previous settlement of the product
(`carried_in`); a negative net stays negative and is carried into the next one.

The pool is entered by a manager, or computed as the season's revenue minus the costs
recorded with the settlement; both figures are stored, so the computation can be shown.
Shares come from `upgrading.sharing`, exact to the cent and deterministic: recomputing a
draft gives identical lines. Approval freezes a settlement: nothing about it changes
afterwards (but being marked paid); a correction is a new settlement that `corrects` it.

Every function here is one transaction and writes nothing when it refuses.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coop.services.base import locked, reject_nul_bytes
from coop.tenancy import MANAGE, require
from coop.units import MONEY_DIGITS, MONEY_PLACES, quantize_kg
from upgrading import sharing
from upgrading.models import Decision, Season, Settlement, SettlementCost, SettlementLine
from upgrading.selectors import settlements as selectors

MAX_MONEY = Decimal(10) ** (MONEY_DIGITS - MONEY_PLACES) - Decimal("0.01")
MAX_COST_LINES = 200
NAMED = 5  # families named in a refusal before "and N more"
LINE_FIELDS = ("level", "association_id", "family_id", "kg", "gross_share", "advances", "carried_in", "net")


class Line(NamedTuple):
    """A settlement line before it is written: plain values, no model object per family."""

    level: str
    association_id: int | None
    family_id: int | None
    kg: Decimal
    gross_share: Decimal
    advances: Decimal
    carried_in: Decimal
    net: Decimal


# --- Checking the input ------------------------------------------------------------------------


def _money(value, field: str, label: str = "") -> Decimal:
    """A non-negative amount in whole cents, from a Decimal, an int or a string (never a float)."""
    prefix = f"{label}: " if label else ""
    if isinstance(value, bool | float) or not isinstance(value, Decimal | int | str):
        raise ValidationError({field: prefix + _("Enter an amount such as 1234.56.")})
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, ValueError):
        raise ValidationError({field: prefix + _("Enter an amount such as 1234.56.")}) from None
    if not amount.is_finite():
        raise ValidationError({field: prefix + _("Enter an amount such as 1234.56.")})
    if amount < 0:
        raise ValidationError({field: prefix + _("The amount cannot be negative.")})
    if amount > MAX_MONEY:
        raise ValidationError({field: prefix + _("The amount is too large.")})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: prefix + _("Give the amount in whole cents (two decimal places).")})
    return amount.quantize(Decimal("0.01"))


def _levels(levels) -> int:
    if isinstance(levels, bool) or levels not in Settlement.Levels.values:
        raise ValidationError(
            {"levels": _("Share in 1 level (pool → families) or 2 (pool → associations → families).")}
        )
    return int(levels)


def _cost_items(cooperative, costs) -> list[SettlementCost]:
    """(description, amount) pairs (or {"description", "amount"} mappings), each row checked."""
    items = []
    for number, row in enumerate(costs or (), start=1):
        label = _("Cost line %(n)s") % {"n": number}
        if isinstance(row, dict):
            description, amount = row.get("description"), row.get("amount")
        elif isinstance(row, list | tuple) and len(row) == 2:
            description, amount = row
        else:
            raise ValidationError({"costs": f"{label}: " + _("give a description and an amount.")})
        if not isinstance(description, str) or not description.strip():
            raise ValidationError({"costs": f"{label}: " + _("describe the cost.")})
        if "\x00" in description:
            raise ValidationError({"costs": f"{label}: " + _("Text may not contain NUL characters.")})
        if len(description.strip()) > SettlementCost._meta.get_field("description").max_length:
            raise ValidationError({"costs": f"{label}: " + _("the description is too long.")})
        amount = _money(amount, "costs", label)
        items.append(SettlementCost(cooperative=cooperative, description=description.strip(), amount=amount))
    if len(items) > MAX_COST_LINES:
        raise ValidationError({"costs": _("At most %(n)s cost lines.") % {"n": MAX_COST_LINES}})
    return items


def _same_coop(cooperative, **objects) -> None:
    errors = {
        field: _("This belongs to another co-operative.")
        for field, obj in objects.items()
        if obj is not None and obj.cooperative_id != cooperative.pk
    }
    if errors:
        raise ValidationError(errors)


def _check_decision(decision: Decision | None) -> None:
    if decision is not None and not decision.approved:
        raise ValidationError(
            {
                "decision": _(
                    "This decision was not approved (more votes against than for): it cannot "
                    "authorise a settlement."
                )
            }
        )


def _check_correction(settlement: Settlement) -> None:
    """A season has one standing settlement: a new one must correct it, and only it."""
    standing = list(selectors.standing_settlements(season=settlement.season).exclude(pk=settlement.pk))
    corrects = settlement.corrects
    if corrects is None:
        if standing:
            raise ValidationError(
                {
                    "corrects": _(
                        "Season %(season)s already has the approved settlement %(ref)s: a new settlement "
                        "must be a correction that references it."
                    )
                    % {"season": settlement.season.code, "ref": standing[0].reference}
                }
            )
        return
    if corrects.season_id != settlement.season_id:
        raise ValidationError(
            {"corrects": _("A correction must be for the same season as what it corrects.")}
        )
    if corrects.status not in selectors.STANDING:
        raise ValidationError(
            {"corrects": _("Only an approved settlement can be corrected; change the draft instead.")}
        )
    if corrects not in standing:
        later = standing[0].reference if standing else "?"
        raise ValidationError(
            {
                "corrects": _("Settlement %(ref)s was already corrected by %(later)s: correct that one.")
                % {"ref": corrects.reference, "later": later}
            }
        )


def _unique_reference(settlement: Settlement) -> None:
    reference = settlement.reference
    if not isinstance(reference, str) or "\x00" in reference:
        return  # reject_nul_bytes and full_clean name the problem
    clash = Settlement.objects.filter(cooperative=settlement.cooperative_id, reference=reference)
    if clash.exclude(pk=settlement.pk).exists():
        raise ValidationError({"reference": _("This reference is already used in this co-operative.")})


def _save(settlement: Settlement, *, actor, update_fields=None) -> None:
    reject_nul_bytes(settlement)
    _unique_reference(settlement)
    settlement.full_clean(validate_unique=False, validate_constraints=False)
    settlement._history_user = actor
    try:
        with transaction.atomic():
            settlement.save(update_fields=update_fields)
    except IntegrityError as error:
        # Two managers saving the same reference at once: the unique constraint decides.
        raise ValidationError(
            {"reference": _("This reference is already used in this co-operative.")}
        ) from error


def _editable(settlement: Settlement) -> Settlement:
    settlement = locked(settlement)
    if settlement.status != Settlement.Status.DRAFT:
        raise ValidationError(
            {
                "status": _(
                    "Settlement %(ref)s is %(status)s: it can no longer be changed. A correction is a new "
                    "settlement that references it."
                )
                % {"ref": settlement.reference, "status": settlement.get_status_display().lower()}
            }
        )
    return settlement


# --- Computing the lines -----------------------------------------------------------------------


def _named(codes) -> str:
    codes = sorted(codes)
    shown = ", ".join(codes[:NAMED])
    if len(codes) > NAMED:
        shown += " " + _("and %(n)s more") % {"n": len(codes) - NAMED}
    return shown


def compute_lines(settlement: Settlement) -> tuple[list[Line], Decimal]:
    """The lines of `settlement` (not saved) and the season's accepted kg, from its pool,
    levels and season. A fixed number of queries, whatever the number of families.

    Lines come out sorted (associations by code, then families by association and code),
    so they are written, and numbered, in the order they are read.
    """
    season, currency = settlement.season, settlement.currency
    kg_by_family = selectors.accepted_kg_by_family(season=season)
    total_kg = sum(kg_by_family.values(), Decimal("0"))
    if not total_kg:
        raise ValidationError(
            {
                "season": _(
                    "No accepted delivery of %(product)s by a family in season %(season)s (%(start)s to "
                    "%(end)s): there are no kilograms to share the pool by."
                )
                % {
                    "product": season.product.name,
                    "season": season.code,
                    "start": season.starts_on.isoformat(),
                    "end": season.ends_on.isoformat(),
                }
            }
        )
    advances_by_currency = selectors.paid_advances_by_family(season=season)
    foreign = sorted({c for amounts in advances_by_currency.values() for c in amounts if c != currency})
    if foreign:
        # Advances are paid in the co-op's currency; one in another has no rate to convert it.
        raise ValidationError(
            {
                "season": _(
                    "Advances of this season were paid in %(currencies)s, without a rate to %(base)s."
                )
                % {"currencies": ", ".join(foreign), "base": currency}
            }
        )
    advances = {family: amounts[currency] for family, amounts in advances_by_currency.items()}
    carried = selectors.carried_by_family(season=season)
    keys = selectors.family_keys(cooperative_id=settlement.cooperative_id)
    # Families with a debt or an advance but no kg this season still get a line (kg 0):
    # their advance is deducted and their debt carried on, not forgotten.
    family_ids = set(kg_by_family) | set(advances) | set(carried)
    weights = {pk: kg_by_family.get(pk, Decimal("0")) for pk in family_ids}
    codes = {keys[pk].code: pk for pk in family_ids}

    association_lines: list[Line] = []
    if settlement.levels == Settlement.Levels.ASSOCIATIONS:
        homeless = [keys[pk].code for pk in family_ids if keys[pk].association_id is None]
        if homeless:
            raise ValidationError(
                {
                    "levels": _(
                        "These families have no association, so the pool cannot be shared through "
                        "associations: %(families)s. Give them one, or share in one level."
                    )
                    % {"families": _named(homeless)}
                }
            )
        groups: dict[str, dict[str, Decimal]] = defaultdict(dict)
        association_ids = {}
        for pk in family_ids:
            key = keys[pk]
            groups[key.association_code][key.code] = weights[pk]
            association_ids[key.association_code] = key.association_id
        group_shares, member_shares = sharing.split_two_levels(settlement.pool, groups)
        shares = {code: share for members in member_shares.values() for code, share in members.items()}
    else:
        shares = sharing.split(settlement.pool, {keys[pk].code: weights[pk] for pk in family_ids})

    family_lines = []
    for code in sorted(codes, key=lambda c: (keys[codes[c]].association_code or "", c)):
        pk = codes[code]
        gross, advanced, owed = (
            shares[code],
            advances.get(pk, Decimal("0.00")),
            carried.get(pk, Decimal("0.00")),
        )
        family_lines.append(
            Line(
                level=SettlementLine.Level.FAMILY.value,
                association_id=keys[pk].association_id,
                family_id=pk,
                kg=quantize_kg(weights[pk]),
                gross_share=gross,
                advances=advanced,
                carried_in=owed,
                net=gross - advanced - owed,
            )
        )
    if settlement.levels == Settlement.Levels.ASSOCIATIONS:
        sums: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal("0")] * 4)
        for line in family_lines:
            total = sums[line.association_id]
            total[0] += line.kg
            total[1] += line.advances
            total[2] += line.carried_in
            total[3] += line.net
        for code in sorted(groups):
            pk = association_ids[code]
            kg, advanced, owed, net = sums[pk]
            association_lines.append(
                Line(
                    level=SettlementLine.Level.ASSOCIATION.value,
                    association_id=pk,
                    family_id=None,
                    kg=kg,
                    gross_share=group_shares[code],
                    advances=advanced,
                    carried_in=owed,
                    net=net,
                )
            )
    return association_lines + family_lines, quantize_kg(total_kg)


def _pool(settlement: Settlement, pool, cost_items: list[SettlementCost]) -> None:
    """Set the pool: entered, or the season's revenue minus the recorded costs."""
    if pool is not None and cost_items:
        raise ValidationError(
            {"pool": _("Enter the pool, or record costs to compute it from the season's revenue: not both.")}
        )
    if pool is not None:
        settlement.pool_source = Settlement.PoolSource.ENTERED
        settlement.pool = _money(pool, "pool")
        settlement.revenue = settlement.costs = None
        return
    revenue = selectors.season_revenue(season=settlement.season)
    costs = sum((item.amount for item in cost_items), Decimal("0.00"))
    if costs > revenue:
        raise ValidationError(
            {
                "costs": _(
                    "The recorded costs (%(costs)s) are more than the season's revenue (%(revenue)s): "
                    "there is no profit to share."
                )
                % {"costs": costs, "revenue": revenue}
            }
        )
    settlement.pool_source = Settlement.PoolSource.COMPUTED
    settlement.revenue, settlement.costs, settlement.pool = revenue, costs, revenue - costs


def _array_literal(values) -> str:
    # Ids, Decimals and the two level names: no element needs quoting. One text parameter
    # per column is parsed by PostgreSQL in C; psycopg adapting 20,000 values one by one
    # in Python took longer than the INSERT itself.
    return "{" + ",".join("NULL" if value is None else str(value) for value in values) + "}"


def _write_lines(settlement: Settlement, lines: list[Line]) -> None:
    """Write the lines: one INSERT whatever their number on PostgreSQL (eight arrays
    unnested, no model object per line); elsewhere bulk_create, in batches of the
    database's limit."""
    if not lines:
        return
    if connection.vendor != "postgresql":
        SettlementLine.objects.bulk_create(
            SettlementLine(
                cooperative_id=settlement.cooperative_id, settlement_id=settlement.pk, **line._asdict()
            )
            for line in lines
        )
        return
    meta, quote = SettlementLine._meta, connection.ops.quote_name
    columns = ", ".join(
        quote(meta.get_field(name).column) for name in ("cooperative", "settlement", *LINE_FIELDS)
    )
    types = ["text", "bigint", "bigint", "numeric", "numeric", "numeric", "numeric", "numeric"]
    arrays = ", ".join(f"%s::{kind}[]" for kind in types)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT %s, %s, * FROM unnest({arrays})",
            [settlement.cooperative_id, settlement.pk, *map(_array_literal, zip(*lines, strict=True))],
        )


def _compute_and_save(settlement: Settlement, *, actor, pool, cost_items, update_fields=None) -> Settlement:
    """Everything is checked and computed first; only then is anything written."""
    _pool(settlement, pool, cost_items)
    lines, total_kg = compute_lines(settlement)
    settlement.total_kg = total_kg
    settlement.computed_at = timezone.now()
    new = settlement.pk is None
    _save(settlement, actor=actor, update_fields=update_fields)
    if not new:  # a draft changed or recomputed: its lines and costs are replaced whole
        settlement.cost_items.all().delete()
        settlement.lines.all().delete()
    for item in cost_items:
        item.settlement = settlement
    SettlementCost.objects.bulk_create(cost_items)
    _write_lines(settlement, lines)
    return settlement


# --- The workflow ------------------------------------------------------------------------------


@transaction.atomic
def settlement_open(
    *,
    actor,
    season: Season,
    reference: str,
    levels: int = Settlement.Levels.FAMILIES,
    pool=None,
    costs=None,
    decision: Decision | None = None,
    corrects: Settlement | None = None,
    notes: str = "",
) -> Settlement:
    """A draft settlement of `season`, its lines computed.

    `pool`: the amount to share, entered; or leave it out to compute it as the season's
    revenue minus `costs`, a list of (description, amount). `corrects`: the approved
    settlement of the season this one replaces. `decision`: the assembly's decision that
    authorised it.
    """
    cooperative = season.cooperative
    require(actor, cooperative, MANAGE)
    _same_coop(cooperative, decision=decision, corrects=corrects)
    if corrects is not None:
        corrects = Settlement.objects.get(pk=corrects.pk)  # its status now, not when it was read
    settlement = Settlement(
        cooperative=cooperative,
        season=season,
        reference=reference,
        levels=_levels(levels),
        currency=cooperative.base_currency,
        decision=decision,
        corrects=corrects,
        notes=notes if notes is not None else "",
        created_by=actor,
    )
    reject_nul_bytes(settlement)
    _check_decision(decision)
    _check_correction(settlement)
    return _compute_and_save(settlement, actor=actor, pool=pool, cost_items=_cost_items(cooperative, costs))


UPDATE_FIELDS = ("reference", "levels", "decision", "notes")


KEEP = object()  # settlement_update: leave the pool (or the costs) as they are


def _current_costs(settlement: Settlement) -> list[SettlementCost]:
    return [
        SettlementCost(cooperative_id=item.cooperative_id, description=item.description, amount=item.amount)
        for item in settlement.cost_items.all()
    ]


@transaction.atomic
def settlement_update(*, actor, settlement: Settlement, pool=KEEP, costs=KEEP, **data) -> Settlement:
    """Change a draft (reference, levels, pool or costs, decision, notes) and recompute its
    lines. `pool` and `costs` work as when opening (the pool, or the costs to compute it
    from: `pool=None` computes it); left out, the draft keeps how its pool was set."""
    require(actor, settlement.cooperative, MANAGE)
    settlement = _editable(settlement)
    unknown = sorted(set(data) - set(UPDATE_FIELDS))
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in unknown})
    if "levels" in data:
        data["levels"] = _levels(data["levels"])
    for name, value in data.items():
        setattr(settlement, name, value if value is not None or name == "decision" else "")
    _same_coop(settlement.cooperative, decision=settlement.decision)
    reject_nul_bytes(settlement)
    _check_decision(settlement.decision)
    if pool is KEEP and costs is KEEP:
        entered = settlement.pool_source == Settlement.PoolSource.ENTERED
        pool, cost_items = (settlement.pool if entered else None), _current_costs(settlement)
    else:
        pool = None if pool is KEEP else pool
        cost_items = _cost_items(settlement.cooperative, None if costs is KEEP else costs)
    return _compute_and_save(settlement, actor=actor, pool=pool, cost_items=cost_items)


@transaction.atomic
def settlement_recompute(*, actor, settlement: Settlement) -> Settlement:
    """Compute a draft's lines again from the season's current deliveries and advances (and
    its revenue, for a computed pool). With nothing changed, the lines come out identical."""
    require(actor, settlement.cooperative, MANAGE)
    settlement = _editable(settlement)
    pool = settlement.pool if settlement.pool_source == Settlement.PoolSource.ENTERED else None
    return _compute_and_save(
        settlement,
        actor=actor,
        pool=pool,
        cost_items=_current_costs(settlement),
        update_fields=["pool_source", "revenue", "costs", "pool", "total_kg", "computed_at"],
    )


def _in_order(rows) -> list[tuple]:
    return sorted((tuple(row) for row in rows), key=lambda row: (row[0], row[1] or 0, row[2] or 0))


def _stored_lines(settlement: Settlement) -> list[tuple]:
    return _in_order(settlement.lines.values_list(*LINE_FIELDS))


def _fresh_lines(settlement: Settlement) -> list[tuple]:
    return _in_order(compute_lines(settlement)[0])


@transaction.atomic
def settlement_approve(*, actor, settlement: Settlement) -> Settlement:
    """Approve a draft: who and when are recorded, and its lines are frozen.

    Refused while the season has advances due (they would be missing from the nets), when
    the season's deliveries, advances or revenue changed since the lines were computed
    (recompute and check again), or when another settlement of the season already stands.
    """
    require(actor, settlement.cooperative, MANAGE)
    # Approvals of one season queue on the season's row, then re-read the settlement: of
    # two managers approving at once, the second finds it approved (or another one
    # standing) and is refused, instead of approving twice.
    Season.objects.select_for_update().get(pk=settlement.season_id)
    settlement = locked(settlement)
    if settlement.status != Settlement.Status.DRAFT:
        raise ValidationError(
            {
                "status": _("Settlement %(ref)s is already %(status)s.")
                % {"ref": settlement.reference, "status": settlement.get_status_display().lower()}
            }
        )
    due = selectors.advances_due_count(season=settlement.season)
    if due:
        raise ValidationError(
            {
                "status": ngettext(
                    "Season %(season)s still has %(count)d advance due: pay or cancel it before approving.",
                    "Season %(season)s still has %(count)d advances due: pay or cancel them before "
                    "approving.",
                    due,
                )
                % {"season": settlement.season.code, "count": due}
            }
        )
    _check_correction(settlement)
    if settlement.pool_source == Settlement.PoolSource.COMPUTED:
        if selectors.season_revenue(season=settlement.season) != settlement.revenue:
            raise ValidationError(
                {
                    "status": _(
                        "The season's revenue changed since the pool was computed: recompute and check again."
                    )
                }
            )
    if _fresh_lines(settlement) != _stored_lines(settlement):
        raise ValidationError(
            {
                "status": _(
                    "The season's deliveries or advances changed since the lines were computed: recompute "
                    "and check again."
                )
            }
        )
    settlement.status = Settlement.Status.APPROVED
    settlement.approved_by, settlement.approved_at = actor, timezone.now()
    settlement._history_user = actor
    settlement.save(update_fields=["status", "approved_by", "approved_at"])
    return settlement


@transaction.atomic
def settlement_mark_paid(*, actor, settlement: Settlement, paid_on: date) -> Settlement:
    """Record that the approved settlement's payable nets were paid out on `paid_on`."""
    require(actor, settlement.cooperative, MANAGE)
    settlement = locked(settlement)
    if settlement.status != Settlement.Status.APPROVED:
        raise ValidationError(
            {
                "status": _("Only an approved settlement can be marked paid; %(ref)s is %(status)s.")
                % {"ref": settlement.reference, "status": settlement.get_status_display().lower()}
            }
        )
    if not isinstance(paid_on, date):
        raise ValidationError({"paid_on": _("Enter the date of payment.")})
    if paid_on < timezone.localdate(settlement.approved_at):
        raise ValidationError({"paid_on": _("Payment cannot come before approval.")})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("The date of payment cannot be in the future.")})
    settlement.status, settlement.paid_on = Settlement.Status.PAID, paid_on
    settlement._history_user = actor
    settlement.save(update_fields=["status", "paid_on"])
    return settlement
