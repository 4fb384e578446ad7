"""Reads of the role dashboards: each figure is one aggregate query (or a fixed few),
whatever the number of lots, shipments or ledger entries, so a dashboard costs the same
for a co-op of ten barrels and one of a million (the query-count tests pin this).

Figures shared with other pages come from their own selectors (contract fulfilment and
market position from `chain.selectors`); what is here only adds the dashboards' cuts:
today and this week, by month, per co-op side by side. Money and kilograms stay Decimal
from the database to the template.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import RowNumber, TruncMonth
from django.utils import timezone
from django.utils.translation import get_language

from chain.models import Allocation, Contract, ContractMinimum, Shipment
from chain.selectors import ContractYear, current_contract_years, market_position
from coop.models import Association, Certification, Cooperative, Family, Lot
from coop.tenancy import scope
from coop.units import quantize_money
from upgrading.models import (
    Advance,
    Indicator,
    LedgerEntry,
    LedgerHead,
    PremiumAllocation,
    PremiumFund,
    Report,
    Settlement,
)

ZERO_KG = Decimal("0.000")
ZERO = Decimal("0.00")
LIST_ROWS = 10  # rows of a waiting list shown on a dashboard; the rest through the list page
TODAY_ROWS = 20  # today's lots listed on the staff dashboard
HISTORY_ROWS = 10  # reports listed on the auditor dashboard
MAX_CONTRACTS = 10  # active contracts charted on the manager dashboard
DELIVERY_KINDS = [Lot.Kind.BARREL, Lot.Kind.NUT_PURCHASE, Lot.Kind.DELIVERY]


def week_start(day: datetime.date) -> datetime.date:
    """Monday of `day`'s week (ISO weeks, as both Brazilian and European calendars print)."""
    return day - datetime.timedelta(days=day.weekday())


def month_starts(last: datetime.date, count: int) -> list[datetime.date]:
    """The first day of the `count` months ending with `last`'s month, oldest first."""
    year, month = last.year, last.month
    months = []
    for _step in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _month_end(first: datetime.date) -> datetime.date:
    following = datetime.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def _first_of_month(day) -> datetime.date:
    # TruncMonth gives a date on a DateField; a datetime on some backends: keep the date.
    if isinstance(day, datetime.datetime):
        day = day.date()
    return day.replace(day=1)


# --- Staff: the day's work at one place ---------------------------------------------------


@dataclass(frozen=True)
class Tally:
    count: int
    kg: Decimal


@dataclass(frozen=True)
class StaffBoard:
    association: Association | None  # None: the whole co-op
    today: datetime.date
    week_from: datetime.date
    today_tally: Tally
    week_tally: Tally
    today_lots: list[Lot]
    waiting_tally: Tally  # received, not yet accepted or rejected
    waiting_lots: list[Lot]
    advances_due_count: int
    advances_due_amount: Decimal
    advances_overdue_count: int
    advances_due: list[Advance]
    last_recorded: Lot | None  # the user's latest lot, for "print label"


def place_of_user(*, cooperative: Cooperative, user) -> int | None:
    """The collection point of the user's latest recorded lot: where they work, most likely."""
    return (
        Lot.objects.filter(cooperative=cooperative, recorded_by=user, association__isnull=False)
        .order_by("-recorded_at", "-pk")
        .values_list("association_id", flat=True)
        .first()
    )


def _at(queryset: QuerySet, association: Association | None, path: str = "association") -> QuerySet:
    return queryset if association is None else queryset.filter(**{path: association})


def staff_board(
    *, cooperative: Cooperative, user, association: Association | None = None, today=None
) -> StaffBoard:
    """Today's and this week's lots at `association` (the whole co-op when None), what waits
    for acceptance, the advances due there, and the user's latest lot. Seven queries."""
    today = today or timezone.localdate()
    monday = week_start(today)
    lots = _at(Lot.objects.filter(cooperative=cooperative), association)
    # The (co-op, collected_on) index bounds the week's rows; one pass counts both periods.
    week = (
        lots.filter(collected_on__range=(monday, today))
        .order_by()
        .aggregate(
            week_count=Count("pk"),
            week_kg=Sum("net_kg"),
            today_count=Count("pk", filter=Q(collected_on=today)),
            today_kg=Sum("net_kg", filter=Q(collected_on=today)),
        )
    )
    today_lots = list(
        lots.filter(collected_on=today).select_related("family", "product").order_by("-pk")[:TODAY_ROWS]
    )
    received = lots.filter(status=Lot.Status.RECEIVED)
    waiting = received.order_by().aggregate(count=Count("pk"), kg=Sum("net_kg"))
    waiting_lots = list(
        received.select_related("family", "product").order_by("collected_on", "pk")[:LIST_ROWS]
    )

    advances = _at(Advance.objects.filter(cooperative=cooperative).due(), association, "lot__association")
    due = advances.order_by().aggregate(
        count=Count("pk"), amount=Sum("amount"), overdue=Count("pk", filter=Q(due_on__lt=today))
    )
    due_rows = list(advances.select_related("family", "lot").order_by("due_on", "pk")[:LIST_ROWS])
    last = (
        Lot.objects.filter(cooperative=cooperative, recorded_by=user)
        .only("pk", "code", "kind")
        .order_by("-recorded_at", "-pk")
        .first()
    )
    return StaffBoard(
        association=association,
        today=today,
        week_from=monday,
        today_tally=Tally(week["today_count"], week["today_kg"] or ZERO_KG),
        week_tally=Tally(week["week_count"], week["week_kg"] or ZERO_KG),
        today_lots=today_lots,
        waiting_tally=Tally(waiting["count"], waiting["kg"] or ZERO_KG),
        waiting_lots=waiting_lots,
        advances_due_count=due["count"],
        # Rounded as the advances page rounds its total (SQLite sums decimals as floats).
        advances_due_amount=quantize_money(due["amount"] or ZERO),
        advances_overdue_count=due["overdue"],
        advances_due=due_rows,
        last_recorded=last,
    )


# --- Manager: production, contracts, sales, money, indicators -------------------------------


@dataclass(frozen=True)
class ProductSeries:
    product_id: int
    name: str
    kg: list[Decimal]  # one per month of `Production.months`

    @property
    def total(self) -> Decimal:
        return sum(self.kg, ZERO_KG)


@dataclass(frozen=True)
class Production:
    months: list[datetime.date]
    products: list[ProductSeries]

    @property
    def rows(self) -> list[tuple[datetime.date, list[Decimal]]]:
        """The table: one row per month, one column per product."""
        return [(month, [p.kg[i] for p in self.products]) for i, month in enumerate(self.months)]

    @property
    def empty(self) -> bool:
        return not self.products


def production_by_month(*, cooperative: Cooperative, months: int = 12, today=None) -> Production:
    """Kg produced per month and product over the last `months` months: deliveries and
    batches that make a new product (oil from nuts, soap from oil). A batch of the same
    product as its inputs (homogenised honey) is not new production and is left out, and so
    are rejected lots. One query."""
    today = today or timezone.localdate()
    firsts = month_starts(today, months)
    new_product = Q(kind__in=DELIVERY_KINDS) | Q(kind=Lot.Kind.BATCH, product__made_from__isnull=False)
    rows = (
        Lot.objects.filter(new_product, cooperative=cooperative, collected_on__range=(firsts[0], today))
        .exclude(status=Lot.Status.REJECTED)
        .order_by()
        .annotate(month=TruncMonth("collected_on"))
        .values("month", "product_id", "product__name")
        .annotate(kg=Sum("net_kg"))
    )
    index = {month: i for i, month in enumerate(firsts)}
    series: dict[int, tuple[str, list[Decimal]]] = {}
    for row in rows:
        name, values = series.setdefault(row["product_id"], (row["product__name"], [ZERO_KG] * months))
        values[index[_first_of_month(row["month"])]] += row["kg"]
    products = [ProductSeries(pk, name, kg) for pk, (name, kg) in series.items()]
    products.sort(key=lambda p: (-p.total, p.name))
    return Production(months=firsts, products=products)


@dataclass(frozen=True)
class PacePoint:
    day: datetime.date  # the month's last day within the contract year
    delivered_kg: Decimal | None  # cumulative; None for months still to come
    pace_kg: Decimal  # the pro-rata minimum by that day


@dataclass(frozen=True)
class ContractPace:
    contract: Contract
    year: ContractYear
    points: list[PacePoint]


def contracts_pace(*, cooperative: Cooperative, today=None, limit: int = MAX_CONTRACTS) -> list[ContractPace]:
    """Each active contract's current year (from `chain.selectors.current_contract_years`)
    and its cumulative deliveries month by month against the straight pace line from zero
    to the minimum. Four queries for all the contracts together."""
    today = today or timezone.localdate()
    minimums = ContractMinimum.objects.order_by("effective_from")
    contracts = list(
        Contract.objects.filter(cooperative=cooperative, status=Contract.Status.ACTIVE)
        .select_related("buyer", "product")
        .prefetch_related(Prefetch("minimums", queryset=minimums))
        .order_by("-starts_on", "pk")[:limit]
    )
    years = current_contract_years(contracts=contracts, today=today)
    if not years:
        return []
    in_years = Q()
    for pk, year in years.items():
        in_years |= Q(shipment__contract_id=pk, shipment__shipped_on__range=(year.starts_on, year.ends_on))
    monthly = (
        Allocation.objects.filter(in_years)
        .exclude(shipment__status=Shipment.Status.DRAFT)
        .order_by()
        .annotate(month=TruncMonth("shipment__shipped_on"))
        .values("shipment__contract", "month")
        .annotate(kg=Sum("kg"))
    )
    delivered: dict[tuple[int, datetime.date], Decimal] = {}
    for row in monthly:
        key = (row["shipment__contract"], _first_of_month(row["month"]))
        delivered[key] = delivered.get(key, ZERO_KG) + row["kg"]
    paces = []
    for contract in contracts:
        year = years.get(contract.pk)
        if year is None:
            continue
        paces.append(ContractPace(contract, year, _pace_points(contract.pk, year, delivered, today)))
    return paces


def _pace_points(contract_id: int, year: ContractYear, delivered: dict, today) -> list[PacePoint]:
    days = Decimal((year.ends_on - year.starts_on).days + 1)
    points, running, month = [], ZERO_KG, year.starts_on.replace(day=1)
    while month <= year.ends_on:
        day = min(_month_end(month), year.ends_on)
        running += delivered.get((contract_id, month), ZERO_KG)
        elapsed = Decimal((day - year.starts_on).days + 1)
        pace = (year.minimum_kg * elapsed / days).quantize(Decimal("0.001"))
        points.append(PacePoint(day, running if month <= today else None, pace))
        month = _month_end(month) + datetime.timedelta(days=1)
    return points


@dataclass(frozen=True)
class ProductPrices:
    product_name: str
    fair_trade_price: Decimal | None  # base currency per kg, under fair-trade contracts
    local_price: Decimal | None  # base currency per kg, every other sale
    multiple: Decimal | None


@dataclass(frozen=True)
class Sales:
    year: int
    currency: str
    position: object  # chain.selectors.MarketPosition
    prices: list[ProductPrices]
    revenue: Decimal  # the year's, in the base currency

    @property
    def largest_share_pct(self) -> Decimal | None:
        largest = self.position.largest_buyer
        return largest.share * 100 if largest else None

    @property
    def buyers(self):
        return [(share, share.share * 100) for share in self.position.buyers]

    @property
    def empty(self) -> bool:
        return not self.position.buyers


def latest_sales_year(*, cooperative: Cooperative, today=None) -> int:
    """The year of the latest confirmed sale up to today (this year when there is none), so
    the dashboard in January still shows last year's figures rather than nothing."""
    today = today or timezone.localdate()
    latest = (
        Shipment.objects.filter(cooperative=cooperative, shipped_on__lte=today)
        .confirmed()
        .aggregate(day=Max("shipped_on"))["day"]
    )
    return latest.year if latest else today.year


def sales(*, cooperative: Cooperative, year: int) -> Sales:
    """Revenue by buyer, the largest buyer's share and the fair-trade against the local price
    per kg of each product (in the base currency, at each shipment's rate). Four queries:
    `chain.selectors.market_position` and one grouped read of the prices."""
    position = market_position(cooperative=cooperative, year=year)
    rows = (
        Allocation.objects.filter(shipment__cooperative=cooperative, shipment__shipped_on__year=year)
        .exclude(shipment__status=Shipment.Status.DRAFT)
        .order_by()
        .values(
            "shipment",
            "shipment__product__name",
            "shipment__price_per_kg",
            "shipment__exchange_rate",
            "shipment__contract__fair_trade",
        )
        .annotate(kg=Sum("kg"))
    )
    # Money in Decimal here, per shipment (SQLite would multiply in floating point).
    totals: dict[str, dict[bool, list[Decimal]]] = {}
    for row in rows:
        value = row["kg"] * row["shipment__price_per_kg"] * row["shipment__exchange_rate"]
        fair = bool(row["shipment__contract__fair_trade"])
        entry = totals.setdefault(
            row["shipment__product__name"], {True: [ZERO_KG, ZERO], False: [ZERO_KG, ZERO]}
        )
        entry[fair][0] += row["kg"]
        entry[fair][1] += value
    prices = []
    for name in sorted(totals):
        fair_kg, fair_value = totals[name][True]
        other_kg, other_value = totals[name][False]
        fair_price = quantize_money(fair_value / fair_kg) if fair_kg else None
        local_price = quantize_money(other_value / other_kg) if other_kg else None
        multiple = (
            (fair_value / fair_kg / (other_value / other_kg)).quantize(Decimal("0.01"))
            if (fair_kg and other_kg and other_value)
            else None
        )
        prices.append(ProductPrices(name, fair_price, local_price, multiple))
    revenue = sum((share.revenue_base for share in position.buyers), ZERO)
    return Sales(year, cooperative.base_currency, position, prices, revenue)


@dataclass(frozen=True)
class PremiumUse:
    category: str
    label: str
    allocated: Decimal
    spent: Decimal


@dataclass(frozen=True)
class Premium:
    fund: PremiumFund | None
    uses: list[PremiumUse]

    @property
    def spent_pct(self) -> Decimal | None:
        if self.fund is None or not self.fund.received:
            return None
        return (self.fund.spent / self.fund.received * 100).quantize(Decimal("0.1"))


def premium(*, cooperative: Cooperative) -> Premium:
    """The fund's running totals (its one row) and what the allocations went to, per
    category of the premium plan. Two queries."""
    fund = PremiumFund.objects.filter(cooperative=cooperative).first()
    labels = dict(PremiumAllocation.Category.choices)
    uses = [
        PremiumUse(
            row["category"],
            str(labels.get(row["category"], row["category"])),
            quantize_money(row["allocated"]),
            quantize_money(row["used"]),
        )
        for row in PremiumAllocation.objects.filter(cooperative=cooperative)
        .order_by()
        .values("category")
        .annotate(allocated=Sum("amount"), used=Sum("spent"))
        .order_by("-allocated", "category")
    ]
    return Premium(fund, uses)


@dataclass(frozen=True)
class AdvancesDue:
    count: int
    amount: Decimal
    overdue: int
    oldest: datetime.date | None


def advances_due(*, cooperative: Cooperative, today=None) -> AdvancesDue:
    """Advances still to pay (in the co-op's base currency): one query."""
    today = today or timezone.localdate()
    row = (
        Advance.objects.filter(cooperative=cooperative)
        .due()
        .order_by()
        .aggregate(
            count=Count("pk"),
            amount=Sum("amount"),
            overdue=Count("pk", filter=Q(due_on__lt=today)),
            oldest=Min("due_on"),
        )
    )
    # Rounded as the advances page rounds its total, so the two show the same cents.
    return AdvancesDue(row["count"], quantize_money(row["amount"] or ZERO), row["overdue"], row["oldest"])


def current_settlement(*, cooperative: Cooperative) -> Settlement | None:
    """The latest settlement opened (a draft being prepared or the last approved one)."""
    return (
        Settlement.objects.filter(cooperative=cooperative)
        .select_related("season")
        .order_by("-created_at", "-pk")
        .first()
    )


# A compliance report keeps its checks in `summary["checks"]`, each as written by
# `upgrading.reports.compliance.CheckResult.as_dict` (code, status, summary, count, findings
# with a label, a detail and the record's page). Read tolerantly: a report written by an
# older version shows what it can rather than failing the dashboard.
FAIL, WARNING, PASS = "fail", "warning", "pass"
_SEVERITY = {FAIL: 0, WARNING: 1, PASS: 2}
FINDINGS_SHOWN = 5


@dataclass(frozen=True)
class Finding:
    label: str
    detail: str
    url: str


@dataclass(frozen=True)
class Check:
    code: str
    status: str  # "fail", "warning" or "pass"
    summary: str
    count: int  # records concerned
    findings: list[Finding]  # the first few, each with its page

    @property
    def title(self) -> str:
        try:
            from upgrading.reports.compliance import TITLES
        except ImportError:
            TITLES = {}
        return str(TITLES.get(self.code, self.code))

    @property
    def passed(self) -> bool:
        return self.status == PASS

    @property
    def failed(self) -> bool:
        return self.status == FAIL

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.findings))


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def report_checks(report: Report | None) -> list[Check]:
    """The checks of a compliance report's summary: failures first, then warnings, then passes."""
    summary = report.summary if report is not None else None
    raw = summary.get("checks") if isinstance(summary, dict) else None
    checks = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        status = item.get("status")
        if status not in _SEVERITY:
            status = WARNING
        findings = [
            Finding(_text(found.get("label")), _text(found.get("detail")), _text(found.get("url")))
            for found in (item.get("findings") if isinstance(item.get("findings"), list) else [])
            if isinstance(found, dict)
        ][:FINDINGS_SHOWN]
        count = item.get("count")
        checks.append(
            Check(
                code=_text(item.get("code")),
                status=status,
                summary=_text(item.get("summary")),
                count=count if isinstance(count, int) and not isinstance(count, bool) else len(findings),
                findings=findings,
            )
        )
    checks.sort(key=lambda check: (_SEVERITY[check.status], check.code))
    return checks


def failure_count(report: Report | None) -> int:
    return sum(1 for check in report_checks(report) if check.failed)


def latest_compliance(*, cooperative: Cooperative) -> Report | None:
    """The latest finished compliance report (newest period, newest version). One query."""
    return (
        Report.objects.filter(cooperative=cooperative, kind=Report.Kind.COMPLIANCE, status=Report.Status.DONE)
        .order_by("-period_end", "-version", "-pk")
        .first()
    )


@dataclass(frozen=True)
class Headline:
    indicator: Indicator
    name: str
    value: Decimal
    unit: str
    period_to: datetime.date
    previous: Decimal | None

    @property
    def change(self) -> Decimal | None:
        return None if self.previous is None else self.value - self.previous

    @property
    def trend(self) -> str:
        """ "better", "worse", "same" or "new" (no earlier value), judged by the indicator."""
        change = self.change
        if change is None:
            return "new"
        if not change:
            return "same"
        return "better" if (change > 0) == self.indicator.higher_is_better else "worse"

    @property
    def direction(self) -> str:
        change = self.change
        return "" if not change else ("up" if change > 0 else "down")


def headline_indicators(*, cooperative: Cooperative, limit: int = 12) -> list[Headline]:
    """The co-op-wide value of each active indicator for its latest period, beside the one
    before (corrected entries count as their correction). One query with a window function."""
    ranked = (
        LedgerEntry.objects.filter(
            cooperative=cooperative,
            scope=Indicator.Scope.COOPERATIVE,
            indicator__active=True,
            superseded_by__isnull=True,
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("indicator_id")],
                order_by=[F("period_to").desc(), F("sequence").desc()],
            )
        )
        .filter(rank__lte=2)
        .select_related("indicator")
        .order_by("indicator__category", "indicator__code", "rank")
    )
    portuguese = (get_language() or "").lower().startswith("pt")
    found: dict[int, list[LedgerEntry]] = {}
    for entry in ranked:
        found.setdefault(entry.indicator_id, []).append(entry)
    headlines = []
    for entries in list(found.values())[:limit]:
        latest, before = entries[0], entries[1] if len(entries) > 1 else None
        indicator = latest.indicator
        headlines.append(
            Headline(
                indicator=indicator,
                name=(indicator.name_pt_br if portuguese else indicator.name_en) or indicator.code,
                value=latest.value,
                unit=latest.unit,
                period_to=latest.period_to,
                previous=before.value if before else None,
            )
        )
    return headlines


# --- Auditor: ledger, evidence, compliance, traceability -----------------------------------


@dataclass(frozen=True)
class LedgerStatus:
    entries: int
    head_sequence: int
    head_hash: str
    verified: bool | None  # None: not checked here
    broken_at: int | None  # the first sequence where the chain breaks
    message: str = ""


def ledger_status(*, cooperative: Cooperative, verify: bool = True) -> LedgerStatus:
    """The ledger's head and, when the ledger area's `verify` is available, whether the
    chain is intact (it names the first broken entry)."""
    head = LedgerHead.objects.filter(cooperative=cooperative).first()
    entries = LedgerEntry.objects.filter(cooperative=cooperative).count()
    sequence, digest = (head.sequence, head.hash) if head else (0, "")
    verified, broken_at, message = None, None, ""
    verifier = _ledger_verifier() if verify else None
    if verifier is not None:
        verified, broken_at, message = verifier(cooperative)
    return LedgerStatus(entries, sequence, digest, verified, broken_at, message)


def _ledger_verifier():
    """The ledger area's verification (`upgrading.selectors.ledger.verify_chain`), adapted
    to (intact, first broken sequence, message); None while it does not exist."""
    try:
        from upgrading.selectors.ledger import verify_chain
    except ImportError:
        return None

    def run(cooperative):
        result = verify_chain(cooperative=cooperative)
        return result.intact, result.broken_at, result.message

    return run


def reports(*, cooperative: Cooperative, kind: str, limit: int = HISTORY_ROWS) -> list[Report]:
    """The latest reports of `kind`, newest period first. One query."""
    return list(
        Report.objects.filter(cooperative=cooperative, kind=kind).order_by(
            "-period_end", "-version", "-requested_at", "-pk"
        )[:limit]
    )


@dataclass(frozen=True)
class TraceHit:
    kind: str  # "shipment", "lot" or "family"
    pk: int


def trace_lookup(*, user, cooperative: Cooperative, code: str) -> TraceHit | None:
    """A shipment reference, lot code or family code of the co-op, exact first, then ignoring
    case; shipments before lots before families. Scoped: another co-op's code finds nothing."""
    code = code.strip()
    if not code:
        return None
    searches = (
        ("shipment", Shipment.objects.all(), "reference"),
        ("lot", Lot.objects.all(), "code"),
        ("family", Family.objects.all(), "code"),
    )
    for lookup in ("exact", "iexact"):
        for kind, queryset, field_name in searches:
            pk = (
                scope(queryset, user)
                .filter(cooperative=cooperative, **{f"{field_name}__{lookup}": code})
                .order_by("pk")
                .values_list("pk", flat=True)
                .first()
            )
            if pk is not None:
                return TraceHit(kind, pk)
    return None


# --- Federation: the same figures for several co-ops, side by side --------------------------


@dataclass
class CoopFigures:
    cooperative: Cooperative
    active_families: int = 0
    certified_families: int = 0
    delivered_kg: Decimal = ZERO_KG
    sold_kg: Decimal = ZERO_KG
    fair_trade_kg: Decimal = ZERO_KG
    advances_due_count: int = 0
    advances_due_amount: Decimal = ZERO
    fund: PremiumFund | None = None
    ledger_sequence: int = 0
    ledger_hash: str = ""
    settlement_status: str = ""
    settlement_reference: str = ""
    compliance: Report | None = None
    compliance_failures: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def fair_trade_pct(self) -> Decimal | None:
        if not self.sold_kg:
            return None
        return (self.fair_trade_kg / self.sold_kg * 100).quantize(Decimal("0.1"))

    @property
    def settlement_status_label(self) -> str:
        labels = dict(Settlement.Status.choices)
        return str(labels.get(self.settlement_status, "")) if self.settlement_status else ""


def federation_figures(*, cooperatives: list[Cooperative], year: int, today=None) -> list[CoopFigures]:
    """Key figures of each co-op in `cooperatives` (already scoped to the user), computed
    with one grouped query per figure across all of them, never one query per co-op."""
    today = today or timezone.localdate()
    ids = [coop.pk for coop in cooperatives]
    figures = {coop.pk: CoopFigures(coop) for coop in cooperatives}
    if not ids:
        return []

    latest_settlement = Settlement.objects.filter(cooperative=OuterRef("pk")).order_by("-created_at", "-pk")
    latest_compliance_id = Report.objects.filter(
        cooperative=OuterRef("pk"), kind=Report.Kind.COMPLIANCE, status=Report.Status.DONE
    ).order_by("-period_end", "-version", "-pk")
    for row in (
        Cooperative.objects.filter(pk__in=ids)
        .order_by()
        .annotate(
            settlement_status=Subquery(latest_settlement.values("status")[:1]),
            settlement_reference=Subquery(latest_settlement.values("reference")[:1]),
            compliance_id=Subquery(latest_compliance_id.values("pk")[:1]),
        )
        .values("pk", "settlement_status", "settlement_reference", "compliance_id")
    ):
        target = figures[row["pk"]]
        target.settlement_status = row["settlement_status"] or ""
        target.settlement_reference = row["settlement_reference"] or ""
        target.extra["compliance_id"] = row["compliance_id"]

    for row in (
        Family.objects.filter(cooperative__in=ids, status=Family.Status.ACTIVE)
        .order_by()
        .values("cooperative")
        .annotate(n=Count("pk"))
    ):
        figures[row["cooperative"]].active_families = row["n"]

    for row in (
        Certification.objects.valid_on(today)
        .filter(cooperative__in=ids)
        .order_by()
        .values("cooperative")
        .annotate(n=Count("family", distinct=True))
    ):
        figures[row["cooperative"]].certified_families = row["n"]

    for row in (
        Lot.objects.filter(cooperative__in=ids, kind__in=DELIVERY_KINDS, collected_on__year=year)
        .exclude(status=Lot.Status.REJECTED)
        .order_by()
        .values("cooperative")
        .annotate(kg=Sum("net_kg"))
    ):
        figures[row["cooperative"]].delivered_kg = row["kg"] or ZERO_KG

    for row in (
        Allocation.objects.filter(shipment__cooperative__in=ids, shipment__shipped_on__year=year)
        .exclude(shipment__status=Shipment.Status.DRAFT)
        .order_by()
        .values("shipment__cooperative", "shipment__contract__fair_trade")
        .annotate(kg=Sum("kg"))
    ):
        target = figures[row["shipment__cooperative"]]
        target.sold_kg += row["kg"]
        if row["shipment__contract__fair_trade"]:
            target.fair_trade_kg += row["kg"]

    for row in (
        Advance.objects.filter(cooperative__in=ids)
        .due()
        .order_by()
        .values("cooperative")
        .annotate(n=Count("pk"), amount=Sum("amount"))
    ):
        figures[row["cooperative"]].advances_due_count = row["n"]
        figures[row["cooperative"]].advances_due_amount = quantize_money(row["amount"] or ZERO)

    for fund in PremiumFund.objects.filter(cooperative__in=ids):
        figures[fund.cooperative_id].fund = fund

    for head in LedgerHead.objects.filter(cooperative__in=ids):
        figures[head.cooperative_id].ledger_sequence = head.sequence
        figures[head.cooperative_id].ledger_hash = head.hash

    report_ids = [f.extra["compliance_id"] for f in figures.values() if f.extra.get("compliance_id")]
    for report in Report.objects.filter(pk__in=report_ids):
        target = figures[report.cooperative_id]
        target.compliance = report
        target.compliance_failures = failure_count(report)

    return [figures[coop.pk] for coop in cooperatives]
