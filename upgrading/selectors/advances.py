"""Reads of seasons and advances: lists, totals, a family's statement, overdue advances.

Totals are summed in SQL, never by looping over rows: a season of the honey co-op has
tens of thousands of barrels, one advance each. Used by the pages, the API, settlements
(`paid_advances_by_family`) and the compliance report (`advances_overdue`).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from coop.models import Association, Family
from coop.tenancy import scope
from coop.units import quantize_kg, quantize_money
from upgrading.models import Advance, Season

ZERO = Decimal("0.00")


def season_list(*, user, cooperative, product=None) -> QuerySet[Season]:
    seasons = scope(Season.objects.all(), user).filter(cooperative=cooperative)
    if product is not None:
        seasons = seasons.filter(product=product)
    return seasons.select_related("product").order_by("-starts_on", "-pk")


def advance_list(
    *,
    user,
    cooperative,
    status: str = "",
    season: Season | None = None,
    family: Family | None = None,
    association: Association | None = None,
    due_from: date | None = None,
    due_to: date | None = None,
    search: str = "",
) -> QuerySet[Advance]:
    """Advances of the co-op, newest delivery first, with what each row shows."""
    advances = scope(Advance.objects.all(), user).filter(cooperative=cooperative)
    if search:
        advances = advances.filter(lot__code__icontains=search)
    if status:
        advances = advances.filter(status=status)
    if season is not None:
        advances = advances.filter(season=season)
    if family is not None:
        advances = advances.filter(family=family)
    if association is not None:
        advances = advances.filter(family__association=association)
    if due_from is not None:
        advances = advances.filter(due_on__gte=due_from)
    if due_to is not None:
        advances = advances.filter(due_on__lte=due_to)
    return advances.select_related("lot", "family", "season").order_by("-due_on", "-pk")


@dataclass(frozen=True)
class StatusTotal:
    status: str
    label: str
    count: int
    kg: Decimal
    amount: Decimal


@dataclass
class Totals:
    """Count, kg and amount of a set of advances, per status and in all but the cancelled."""

    rows: list[StatusTotal] = field(default_factory=list)

    def of(self, status: str) -> StatusTotal:
        return next(
            (row for row in self.rows if row.status == status),
            StatusTotal(status, Advance.Status(status).label, 0, Decimal("0.000"), ZERO),
        )

    @property
    def due(self) -> StatusTotal:
        return self.of(Advance.Status.DUE)

    @property
    def paid(self) -> StatusTotal:
        return self.of(Advance.Status.PAID)

    @property
    def cancelled(self) -> StatusTotal:
        return self.of(Advance.Status.CANCELLED)

    @property
    def advanced(self) -> Decimal:
        """What the families are owed or were given: due plus paid."""
        return self.due.amount + self.paid.amount

    @property
    def advanced_kg(self) -> Decimal:
        return self.due.kg + self.paid.kg


def advance_totals(advances: QuerySet[Advance]) -> Totals:
    """One GROUP BY over `advances` (as filtered), whatever their number."""
    grouped = (
        advances.order_by()
        .values("status")
        .annotate(count=Count("pk"), kg=Sum("kg"), amount=Sum("amount"))
        .order_by("status")
    )
    return Totals(
        rows=[
            StatusTotal(
                status=row["status"],
                label=Advance.Status(row["status"]).label,
                count=row["count"],
                kg=quantize_kg(row["kg"] or 0),
                amount=quantize_money(row["amount"] or 0),
            )
            for row in grouped
        ]
    )


def advance_totals_by_currency(advances: QuerySet[Advance]) -> dict[str, Totals]:
    """`advance_totals` per currency: a federation's user may list several co-ops' advances."""
    grouped = (
        advances.order_by()
        .values("currency", "status")
        .annotate(count=Count("pk"), kg=Sum("kg"), amount=Sum("amount"))
        .order_by("currency", "status")
    )
    totals: dict[str, Totals] = {}
    for row in grouped:
        totals.setdefault(row["currency"], Totals()).rows.append(
            StatusTotal(
                status=row["status"],
                label=Advance.Status(row["status"]).label,
                count=row["count"],
                kg=quantize_kg(row["kg"] or 0),
                amount=quantize_money(row["amount"] or 0),
            )
        )
    return totals


def paid_advances_by_family(season: Season) -> dict[int, Decimal]:
    """Advances paid in `season`, summed per family id (in the co-op's base currency).

    What a settlement deducts from each family's share. A paid advance counts even if its
    lot was rejected later: the family has the money. Families with none are absent.
    """
    rows = (
        Advance.objects.filter(season=season, cooperative=season.cooperative_id, status=Advance.Status.PAID)
        .order_by()
        .values("family")
        .annotate(total=Sum("amount"))
        .values_list("family", "total")
    )
    return {family_id: quantize_money(total) for family_id, total in rows}


def advances_by_family(*, season: Season) -> QuerySet:
    """Per family of `season`: kg advanced on, amounts due and paid (for pages and exports)."""
    live = ~Q(status=Advance.Status.CANCELLED)
    return (
        Advance.objects.filter(season=season, cooperative=season.cooperative_id)
        .order_by()
        .values("family", "family__code", "family__household_name")
        .annotate(
            kg=Sum("kg", filter=live),
            due=Sum("amount", filter=Q(status=Advance.Status.DUE)),
            paid=Sum("amount", filter=Q(status=Advance.Status.PAID)),
            count=Count("pk", filter=live),
        )
        .order_by("family__code")
    )


def advances_overdue(*, cooperative, days: int, today: date | None = None) -> QuerySet[Advance]:
    """Advances still due more than `days` days after the delivery (oldest first).

    For the compliance report: fair-trade standards expect producers to be paid promptly.
    """
    today = today or timezone.localdate()
    limit = today - timedelta(days=days)
    return (
        Advance.objects.filter(cooperative=cooperative, status=Advance.Status.DUE, due_on__lt=limit)
        .select_related("family", "lot")
        .order_by("due_on", "pk")
    )


@dataclass(frozen=True)
class Statement:
    """What a family was advanced in a season: every delivery, and the totals."""

    family: Family
    season: Season
    advances: list[Advance]
    totals: Totals


def family_statement(*, family: Family, season: Season) -> Statement:
    """A family's advances in a season, oldest delivery first: two queries."""
    advances = Advance.objects.filter(
        cooperative=family.cooperative_id, family=family, season=season
    ).select_related("lot", "contract", "paid_by")
    return Statement(
        family=family,
        season=season,
        advances=list(advances.order_by("due_on", "pk")),
        totals=advance_totals(advances),
    )
