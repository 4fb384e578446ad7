"""Reads of season settlements: what a settlement is computed from, and what its pages show.

What a settlement is computed from, each one query whatever the number of families or lots:
the season's revenue, the accepted kg each family delivered in the season, the advances
paid to each family, and the negative nets carried from the previous settlement of the
same product. The pages' and API's reads (lists, lines, totals) are scoped and bounded.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum

from chain.models import Allocation, Shipment
from coop.models import Family, Lot
from coop.tenancy import scope
from coop.units import quantize_money
from upgrading.models import Advance, Season, Settlement, SettlementLine

# A delivery counts once it is accepted, whatever happened to it since (sold, made into a batch).
ACCEPTED_STATUSES = (Lot.Status.ACCEPTED, Lot.Status.ALLOCATED, Lot.Status.SHIPPED, Lot.Status.CONSUMED)
SOLD_STATUSES = (Shipment.Status.CONFIRMED, Shipment.Status.SHIPPED, Shipment.Status.PAID)
# Settlements whose lines stand: approved, or approved and paid.
STANDING = (Settlement.Status.APPROVED, Settlement.Status.PAID)
ZERO = Decimal("0.00")


# --- What a settlement is computed from ------------------------------------------------------


def season_revenue(*, season: Season) -> Decimal:
    """Confirmed, shipped and paid sales of the season's product shipped within the season,
    Σ kg × price × exchange rate, in the co-op's base currency, rounded once to the cent.

    One query: kg summed in SQL per (price, rate) — a handful of rows — and the money
    multiplied here in Decimal (SQLite would multiply in floating point).
    """
    rows = (
        Allocation.objects.filter(
            shipment__cooperative=season.cooperative_id,
            shipment__product=season.product_id,
            shipment__status__in=SOLD_STATUSES,
            shipment__shipped_on__range=(season.starts_on, season.ends_on),
        )
        .order_by()  # Allocation's default ordering would join the lots into the GROUP BY
        .values_list("shipment__price_per_kg", "shipment__exchange_rate")
        .annotate(kg=Sum("kg"))
    )
    total = sum((kg * price * rate for price, rate, kg in rows), Decimal("0"))
    return quantize_money(total)


def accepted_kg_by_family(*, season: Season) -> dict[int, Decimal]:
    """Accepted kg each family delivered of the season's product within the season: one
    GROUP BY over the lots (rejected and not-yet-accepted deliveries do not count)."""
    rows = (
        Lot.objects.filter(
            cooperative=season.cooperative_id,
            product=season.product_id,
            family__isnull=False,
            collected_on__range=(season.starts_on, season.ends_on),
            status__in=ACCEPTED_STATUSES,
        )
        .order_by()
        .values_list("family_id")
        .annotate(kg=Sum("net_kg"))
    )
    return {family_id: kg for family_id, kg in rows}


def paid_advances_by_family(*, season: Season) -> dict[int, dict[str, Decimal]]:
    """Advances paid to each family for deliveries of the season, per currency: one GROUP BY."""
    rows = (
        Advance.objects.filter(season=season, status=Advance.Status.PAID)
        .order_by()
        .values_list("family_id", "currency")
        .annotate(amount=Sum("amount"))
    )
    found: dict[int, dict[str, Decimal]] = {}
    for family_id, currency, amount in rows:
        found.setdefault(family_id, {})[currency] = quantize_money(amount)
    return found


@dataclass(frozen=True)
class Freshness:
    """What changed in a draft's season since its lines were computed."""

    deliveries: int  # deliveries of the season recorded after the computation
    advances: int  # advances of the season recorded, paid or cancelled after it
    revenue_changed: bool  # for a computed pool: the season's sales moved

    @property
    def stale(self) -> bool:
        return bool(self.deliveries or self.advances or self.revenue_changed)


def settlement_freshness(*, settlement: Settlement) -> Freshness:
    """Newer data than a draft's computation, in three queries (two on indexed timestamps).

    A hint for the page; approval checks exactly, by computing the lines again.
    """
    season, since = settlement.season, settlement.computed_at or settlement.created_at
    deliveries = Lot.objects.filter(
        cooperative=season.cooperative_id,
        product=season.product_id,
        family__isnull=False,
        collected_on__range=(season.starts_on, season.ends_on),
        recorded_at__gt=since,
    ).count()
    advances = Advance.history.filter(season=season, history_date__gt=since).values("id").distinct().count()
    revenue_changed = (
        settlement.pool_source == Settlement.PoolSource.COMPUTED
        and season_revenue(season=season) != settlement.revenue
    )
    return Freshness(deliveries, advances, revenue_changed)


def advances_due_count(*, season: Season) -> int:
    return Advance.objects.filter(season=season, status=Advance.Status.DUE).count()


def previous_settlement(*, season: Season) -> Settlement | None:
    """The standing settlement of the same product for the latest earlier season: the last
    correction if it was corrected, since a correction replaces what it corrects."""
    return (
        Settlement.objects.filter(
            cooperative=season.cooperative_id,
            season__product=season.product_id,
            season__starts_on__lt=season.starts_on,
            status__in=STANDING,
        )
        .exclude(corrections__status__in=STANDING)
        .order_by("-season__starts_on", "-approved_at", "-pk")
        .first()
    )


def carried_by_family(*, season: Season) -> dict[int, Decimal]:
    """What each family still owes from the previous settlement of the product: its negative
    net there, as a positive amount to deduct now. Two queries."""
    previous = previous_settlement(season=season)
    if previous is None:
        return {}
    rows = SettlementLine.objects.filter(
        settlement=previous, level=SettlementLine.Level.FAMILY, net__lt=0
    ).values_list("family_id", "net")
    return {family_id: -net for family_id, net in rows}


@dataclass(frozen=True)
class FamilyKey:
    code: str
    association_id: int | None
    association_code: str | None


def family_keys(*, cooperative_id: int) -> dict[int, FamilyKey]:
    """Code and association of every family of the co-op (the keys that break ties)."""
    rows = (
        Family.objects.filter(cooperative=cooperative_id)
        .order_by()
        .values_list("pk", "code", "association_id", "association__code")
    )
    return {
        pk: FamilyKey(code, association_id, association_code)
        for pk, code, association_id, association_code in rows
    }


def standing_settlements(*, season: Season) -> QuerySet[Settlement]:
    """The season's approved (or paid) settlements that no standing correction replaced."""
    return Settlement.objects.filter(season=season, status__in=STANDING).exclude(
        corrections__status__in=STANDING
    )


# --- Pages and API ---------------------------------------------------------------------------


def settlement_list(
    *, user, cooperative=None, status: str = "", season: Season | None = None, search: str = ""
) -> QuerySet[Settlement]:
    """Settlements the user may see, newest first, with what a list row shows."""
    qs = scope(Settlement.objects.all(), user)
    if cooperative is not None:
        qs = qs.filter(cooperative=cooperative)
    if status:
        qs = qs.filter(status=status)
    if season is not None:
        qs = qs.filter(season=season)
    if search:
        qs = qs.filter(Q(reference__icontains=search) | Q(season__code__icontains=search))
    return qs.select_related(
        "cooperative", "season__product", "decision__assembly", "corrects", "created_by", "approved_by"
    ).order_by("-created_at", "-pk")


def settlement_lines(
    *,
    settlement: Settlement,
    level: str = SettlementLine.Level.FAMILY,
    association=None,
    search: str = "",
) -> QuerySet[SettlementLine]:
    """A settlement's lines of one level in reading order (association, then family code),
    each with its association and family. For a correction, `corrected_net` is the same
    family's (or association's) net in the settlement it corrects, for the difference."""
    qs = settlement.lines.filter(level=level).select_related("association", "family")
    if association is not None:
        qs = qs.filter(association=association)
    if search:
        qs = qs.filter(Q(family__code__icontains=search) | Q(family__household_name__icontains=search))
    if settlement.corrects_id:
        subject = "family" if level == SettlementLine.Level.FAMILY else "association"
        before = SettlementLine.objects.filter(
            settlement=settlement.corrects_id, level=level, **{subject: OuterRef(subject)}
        )
        net = SettlementLine._meta.get_field("net")
        qs = qs.annotate(
            corrected_net=Subquery(
                before.values("net")[:1],
                output_field=DecimalField(max_digits=net.max_digits, decimal_places=net.decimal_places),
            )
        )
    return qs.order_by("association__code", "family__code", "pk")


@dataclass(frozen=True)
class LevelTotals:
    lines: int
    kg: Decimal
    gross: Decimal
    advances: Decimal
    carried_in: Decimal
    net: Decimal
    payable: Decimal  # the positive nets: what the co-op pays out
    carried_out: Decimal  # the negative nets, carried into the next settlement (≤ 0)


_SUMS = {
    "sum_lines": Count("pk"),
    "sum_kg": Sum("kg"),
    "sum_gross": Sum("gross_share"),
    "sum_advances": Sum("advances"),
    "sum_carried_in": Sum("carried_in"),
    "sum_net": Sum("net"),
    "sum_payable": Sum("net", filter=Q(net__gt=0)),
    "sum_carried_out": Sum("net", filter=Q(net__lt=0)),
}


def _level_totals(row: dict) -> LevelTotals:
    # Money back to cents: SQLite sums decimals in floating point.
    return LevelTotals(
        lines=row["sum_lines"],
        kg=row["sum_kg"] or Decimal("0"),
        gross=quantize_money(row["sum_gross"] or ZERO),
        advances=quantize_money(row["sum_advances"] or ZERO),
        carried_in=quantize_money(row["sum_carried_in"] or ZERO),
        net=quantize_money(row["sum_net"] or ZERO),
        payable=quantize_money(row["sum_payable"] or ZERO),
        carried_out=quantize_money(row["sum_carried_out"] or ZERO),
    )


def lines_totals(lines: QuerySet[SettlementLine]) -> LevelTotals:
    """Sums of some lines (one association's families, a search): one query."""
    return _level_totals(lines.order_by().aggregate(**_SUMS))


def settlement_totals(*, settlement: Settlement) -> dict[str, LevelTotals]:
    """Sums of each level's lines in one GROUP BY: the page shows they add up to the pool."""
    rows = settlement.lines.order_by().values("level").annotate(**_SUMS)
    return {row["level"]: _level_totals(row) for row in rows}


def family_statement(*, settlement: Settlement, family: Family) -> dict | None:
    """One family's payout statement: its line, the association's line (two levels), and
    the advances deducted, one by one. Three queries; None if the family has no line."""
    line = (
        settlement.lines.filter(level=SettlementLine.Level.FAMILY, family=family)
        .select_related("family__association", "association")
        .first()
    )
    if line is None:
        return None
    association_line = None
    if settlement.levels == Settlement.Levels.ASSOCIATIONS and line.association_id:
        association_line = settlement.lines.filter(
            level=SettlementLine.Level.ASSOCIATION, association=line.association_id
        ).first()
    advances = list(
        Advance.objects.filter(season=settlement.season_id, family=family, status=Advance.Status.PAID)
        .select_related("lot")
        .order_by("paid_on", "pk")
    )
    return {"line": line, "association_line": association_line, "advances": advances}
