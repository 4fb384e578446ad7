"""Reads of the fair-trade premium fund: the balance, the movements, and the yearly
premium-use report that fair-trade auditors and the members' assembly ask for.

Every list is scoped through `coop.tenancy.scope` and reads its related rows in the same
query; the report aggregates in SQL, a fixed number of queries whatever the year holds.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from coop.models import Cooperative, Family
from coop.tenancy import scope
from coop.units import quantize_kg, quantize_money
from upgrading.models import Decision, PremiumAllocation, PremiumFund, PremiumReceipt, PremiumSpending

ZERO = Decimal("0.00")


def _sum(name: str, **filters):
    """SUM of a money column, 0 rather than NULL when no row matches."""
    return Coalesce(
        Sum(name, filter=Q(**filters) if filters else None),
        Value(ZERO),
        output_field=DecimalField(max_digits=20, decimal_places=2),
    )


# --- The fund -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FundSummary:
    cooperative: Cooperative
    currency: str
    received: Decimal
    allocated: Decimal
    spent: Decimal

    @property
    def balance(self) -> Decimal:
        """Received and not yet allocated: what an assembly may still decide on."""
        return self.received - self.allocated

    @property
    def unspent(self) -> Decimal:
        """Allocated to projects and not yet spent."""
        return self.allocated - self.spent


def premium_fund_summary(*, cooperative: Cooperative) -> FundSummary:
    """The fund's running totals (zero before the first receipt), in the co-op's currency."""
    fund = PremiumFund.objects.filter(cooperative=cooperative).first()
    if fund is None:
        return FundSummary(cooperative, cooperative.base_currency, ZERO, ZERO, ZERO)
    return FundSummary(cooperative, fund.currency, fund.received, fund.allocated, fund.spent)


def premium_fund_list(*, user) -> QuerySet[Cooperative]:
    """The user's co-operatives, each annotated with its fund's totals (zero when none yet)."""
    money = DecimalField(max_digits=20, decimal_places=2)
    return (
        scope(Cooperative.objects.all(), user)
        .annotate(
            fund_currency=Coalesce(F("premium_fund__currency"), F("base_currency")),
            fund_received=Coalesce(F("premium_fund__received"), Value(ZERO), output_field=money),
            fund_allocated=Coalesce(F("premium_fund__allocated"), Value(ZERO), output_field=money),
            fund_spent=Coalesce(F("premium_fund__spent"), Value(ZERO), output_field=money),
        )
        .annotate(
            fund_balance=ExpressionWrapper(F("fund_received") - F("fund_allocated"), output_field=money),
            fund_unspent=ExpressionWrapper(F("fund_allocated") - F("fund_spent"), output_field=money),
        )
        .order_by("name", "pk")
    )


# --- Movements ----------------------------------------------------------------------------------


def _scoped(model, user, cooperative):
    rows = scope(model.objects.all(), user)
    return rows.filter(cooperative=cooperative) if cooperative is not None else rows


def premium_receipt_list(*, user, cooperative: Cooperative | None = None, year: int | None = None):
    """Receipts newest first, each with its shipment, contract and buyer."""
    receipts = _scoped(PremiumReceipt, user, cooperative).select_related(
        "cooperative", "shipment__contract", "shipment__buyer"
    )
    if year is not None:
        receipts = receipts.filter(received_on__year=year)
    return receipts.order_by("-received_on", "-id")


def premium_allocation_list(
    *, user, cooperative: Cooperative | None = None, open_only: bool = False, year: int | None = None
):
    """Allocations newest first, each with the decision and assembly that approved it."""
    allocations = _scoped(PremiumAllocation, user, cooperative).select_related(
        "cooperative", "decision__assembly", "created_by"
    )
    if open_only:
        allocations = allocations.filter(spent__lt=F("amount"))
    if year is not None:
        allocations = allocations.filter(allocated_on__year=year)
    return allocations.order_by("-allocated_on", "-id")


def premium_spending_list(
    *,
    user,
    cooperative: Cooperative | None = None,
    allocation: PremiumAllocation | None = None,
    year: int | None = None,
):
    """Spending newest first, each with its allocation and who recorded it."""
    spending = _scoped(PremiumSpending, user, cooperative).select_related(
        "cooperative", "allocation", "recorded_by"
    )
    if allocation is not None:
        spending = spending.filter(allocation=allocation)
    if year is not None:
        spending = spending.filter(spent_on__year=year)
    return spending.order_by("-spent_on", "-id")


def approving_decisions(*, cooperative: Cooperative) -> QuerySet[Decision]:
    """Decisions that may authorise premium use: approved (more votes for than against) in
    an assembly that reached its quorum. `premium_allocate` checks the same again."""
    return (
        Decision.objects.filter(
            cooperative=cooperative, assembly__quorum_reached=True, votes_for__gt=F("votes_against")
        )
        .select_related("assembly")
        .order_by("-assembly__held_on", "-assembly_id", "number")
    )


def premium_years(*, cooperative: Cooperative) -> list[int]:
    """Years with any premium received, allocated or spent, newest first."""
    years: set[int] = set()
    for model, day in (
        (PremiumReceipt, "received_on"),
        (PremiumAllocation, "allocated_on"),
        (PremiumSpending, "spent_on"),
    ):
        rows = model.objects.filter(cooperative=cooperative).order_by()
        years.update(d.year for d in rows.dates(day, "year"))
    return sorted(years, reverse=True)


# --- The yearly premium-use report ------------------------------------------------------------


@dataclass(frozen=True)
class ContractLine:
    contract_id: int | None
    reference: str
    buyer: str
    currency: str
    shipments: int
    kg: Decimal
    amount_foreign: Decimal
    amount: Decimal


@dataclass(frozen=True)
class ProjectLine:
    category: str
    category_label: str
    project: str
    allocated: Decimal
    spent: Decimal


@dataclass(frozen=True)
class CategoryLine:
    category: str
    category_label: str
    allocated: Decimal
    spent: Decimal


@dataclass(frozen=True)
class PremiumUseReport:
    """What the fund received, allocated and spent in one calendar year.

    `opening_balance` and `closing_balance` are the unallocated money at the start and at
    the end of the year; `unspent_at_end` is what projects had been given and not yet spent
    by the end of the year. Per-family figures divide by the member families on the rolls at
    the end of the year (joined by then and not left); None when there are none.
    """

    cooperative: Cooperative
    year: int
    currency: str
    opening_balance: Decimal
    received: Decimal
    received_kg: Decimal
    allocated: Decimal
    spent: Decimal
    closing_balance: Decimal
    unspent_at_end: Decimal
    contracts: list[ContractLine] = field(default_factory=list)
    projects: list[ProjectLine] = field(default_factory=list)
    categories: list[CategoryLine] = field(default_factory=list)
    families: int = 0

    def _per_family(self, amount: Decimal) -> Decimal | None:
        return quantize_money(amount / self.families) if self.families else None

    @property
    def received_per_family(self) -> Decimal | None:
        return self._per_family(self.received)

    @property
    def allocated_per_family(self) -> Decimal | None:
        return self._per_family(self.allocated)

    @property
    def spent_per_family(self) -> Decimal | None:
        return self._per_family(self.spent)


def premium_use_report(*, cooperative: Cooperative, year: int) -> PremiumUseReport:
    """The premium-use report of `cooperative` for calendar `year`: eight queries, whatever it holds."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    labels = dict(PremiumAllocation.Category.choices)

    receipts = PremiumReceipt.objects.filter(cooperative=cooperative).order_by()
    received = receipts.aggregate(
        before=_sum("amount", received_on__lt=start),
        during=_sum("amount", received_on__range=(start, end)),
        kg=Coalesce(
            Sum("kg", filter=Q(received_on__range=(start, end))),
            Value(Decimal("0")),
            output_field=DecimalField(max_digits=20, decimal_places=3),
        ),
    )
    by_contract = (
        receipts.filter(received_on__range=(start, end))
        .values(
            "shipment__contract",
            "shipment__contract__reference",
            "shipment__buyer__name",
            "currency",
        )
        .annotate(
            shipments=Count("pk"),
            kg=Sum("kg"),
            amount_foreign=Sum("amount_foreign"),
            amount=Sum("amount"),
        )
        .order_by("shipment__contract__reference", "currency")
    )
    allocations = PremiumAllocation.objects.filter(cooperative=cooperative).order_by()
    allocated = allocations.aggregate(
        before=_sum("amount", allocated_on__lt=start),
        to_end=_sum("amount", allocated_on__lte=end),
    )
    spending = PremiumSpending.objects.filter(cooperative=cooperative).order_by()
    spent = spending.aggregate(
        during=_sum("amount", spent_on__range=(start, end)),
        to_end=_sum("amount", spent_on__lte=end),
    )

    # Per project: allocated in the year and spent in the year (a project allocated last
    # year and spent this year shows here with its spending only).
    lines: dict[tuple[str, str], dict[str, Decimal]] = {}
    allocated_rows = (
        allocations.filter(allocated_on__range=(start, end))
        .values("category", "project")
        .annotate(total=Sum("amount"))
    )
    for row in allocated_rows:
        key = (row["category"], row["project"])
        lines.setdefault(key, {"allocated": ZERO, "spent": ZERO})["allocated"] = quantize_money(row["total"])
    spent_rows = (
        spending.filter(spent_on__range=(start, end))
        .values("allocation__category", "allocation__project")
        .annotate(total=Sum("amount"))
    )
    for row in spent_rows:
        key = (row["allocation__category"], row["allocation__project"])
        lines.setdefault(key, {"allocated": ZERO, "spent": ZERO})["spent"] = quantize_money(row["total"])
    projects = [
        ProjectLine(category, str(labels.get(category, category)), project, **amounts)
        for (category, project), amounts in sorted(lines.items())
    ]
    categories: dict[str, list[Decimal]] = {}
    for line in projects:
        totals = categories.setdefault(line.category, [ZERO, ZERO])
        totals[0] += line.allocated
        totals[1] += line.spent

    families = (
        Family.objects.filter(cooperative=cooperative, joined_on__lte=end)
        .exclude(status=Family.Status.LEFT)
        .count()
    )
    # SQLite sums in floating point: every total goes back to cents (or grams) here.
    received = {key: quantize_money(value) for key, value in received.items()}
    received["kg"] = quantize_kg(received["kg"])
    allocated = {key: quantize_money(value) for key, value in allocated.items()}
    spent = {key: quantize_money(value) for key, value in spent.items()}
    fund = premium_fund_summary(cooperative=cooperative)
    allocated_during = allocated["to_end"] - allocated["before"]
    opening = received["before"] - allocated["before"]
    return PremiumUseReport(
        cooperative=cooperative,
        year=year,
        currency=fund.currency,
        opening_balance=opening,
        received=received["during"],
        received_kg=received["kg"],
        allocated=allocated_during,
        spent=spent["during"],
        closing_balance=opening + received["during"] - allocated_during,
        unspent_at_end=allocated["to_end"] - spent["to_end"],
        contracts=[
            ContractLine(
                contract_id=row["shipment__contract"],
                reference=row["shipment__contract__reference"] or "",
                buyer=row["shipment__buyer__name"],
                currency=row["currency"],
                shipments=row["shipments"],
                kg=quantize_kg(row["kg"]),
                amount_foreign=quantize_money(row["amount_foreign"]),
                amount=quantize_money(row["amount"]),
            )
            for row in by_contract
        ],
        projects=projects,
        categories=[
            CategoryLine(category, str(labels.get(category, category)), totals[0], totals[1])
            for category, totals in categories.items()
        ],
        families=families,
    )
