"""Derived indicators: each one computed from the co-op's own data for one period.

One function per indicator code, registered with `@computes(code)`. A function reads
with aggregate queries (a handful per indicator, whatever the number of families, lots
or shipments) and answers a `Computed` value with the parameters that produced it (the
counts and sums behind the figure, kept in the ledger entry so an auditor can redo the
division), or None when the period has no data to compute from (nothing is appended
then: "no sales" is not "0% fair trade").

Figures that depend on a date (certificates, inspections, sales, payments, assemblies)
are computed for that period and so are right for past periods too. Figures read from
the register as it stands (who is an active family, members' gender and CPF, land
tenure) say so in their parameters (`register_as_of`).

Money is in the co-op's base currency; the entry's unit is that currency's code.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from chain.models import Allocation, Shipment
from coop.models import Certification, Cooperative, Family, Inspection, Lot, Member, Scheme
from coop.units import quantize_kg, quantize_money
from upgrading.ledger_hash import VALUE_PLACES
from upgrading.models import (
    Advance,
    Assembly,
    Indicator,
    PremiumReceipt,
    PremiumSpending,
    Settlement,
    SettlementLine,
)

HUNDRED = Decimal("100")
ZERO = Decimal("0")
CURRENCY_UNIT = "currency"  # the catalogue's unit for money: the co-op's base currency
SECURE_TENURE = (Family.LandTenure.OWNER, Family.LandTenure.SETTLEMENT, Family.LandTenure.COMMUNAL)
GENERAL_ASSEMBLIES = (Assembly.Kind.ORDINARY, Assembly.Kind.EXTRAORDINARY)


@dataclass(frozen=True)
class Computed:
    value: Decimal
    parameters: dict = field(default_factory=dict)


Computation = Callable[[Cooperative, datetime.date, datetime.date], Computed | None]
COMPUTATIONS: dict[str, Computation] = {}


def computes(code: str):
    def register(function: Computation) -> Computation:
        COMPUTATIONS[code] = function
        return function

    return register


def entry_unit(indicator: Indicator, cooperative: Cooperative) -> str:
    """The unit an entry of `indicator` carries in `cooperative` (money: its currency code)."""
    return cooperative.base_currency if indicator.unit == CURRENCY_UNIT else indicator.unit


def rounded(value: Decimal) -> Decimal:
    """The ledger keeps 4 places: derived figures are rounded once, here, half up."""
    return Decimal(value).quantize(VALUE_PLACES, rounding=ROUND_HALF_UP)


def percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return rounded(Decimal(part) * HUNDRED / Decimal(whole))


def text(value: Decimal | None) -> str:
    """Decimals go into parameters as text (JSON numbers would become floats)."""
    return format(value if value is not None else ZERO, "f")


def compute(code: str, *, cooperative: Cooperative, period_from, period_to) -> Computed | None:
    """The value of derived indicator `code` for the period, or None without data."""
    function = COMPUTATIONS.get(code)
    if function is None:
        return None
    return function(cooperative, period_from, period_to)


# --- Who counts --------------------------------------------------------------------------


def active_families(cooperative: Cooperative, day: datetime.date):
    """Families active today that had joined by `day` (the register keeps no past status)."""
    return Family.objects.filter(cooperative=cooperative, status=Family.Status.ACTIVE, joined_on__lte=day)


def _register(parameters: dict) -> dict:
    return {**parameters, "register_as_of": timezone.localdate().isoformat()}


# --- Money paid to families ------------------------------------------------------------------


@computes("income_per_family")
def income_per_family(cooperative, period_from, period_to):
    base = cooperative.base_currency
    families = active_families(cooperative, period_to).count()
    purchases = (
        Lot.objects.filter(
            cooperative=cooperative,
            family__isnull=False,
            collected_on__range=(period_from, period_to),
            amount_paid__isnull=False,
        )
        .exclude(kind=Lot.Kind.BATCH)
        .exclude(status=Lot.Status.REJECTED)
        .filter(Q(currency="") | Q(currency=base))
        .aggregate(total=Sum("amount_paid"), rows=Count("pk"))
    )
    advances = Advance.objects.filter(
        cooperative=cooperative,
        status=Advance.Status.PAID,
        paid_on__range=(period_from, period_to),
        currency=base,
    ).aggregate(total=Sum("amount"), rows=Count("pk"))
    shares = SettlementLine.objects.filter(
        cooperative=cooperative,
        level=SettlementLine.Level.FAMILY,
        settlement__status=Settlement.Status.PAID,
        settlement__paid_on__range=(period_from, period_to),
        settlement__currency=base,
        net__gt=0,
    ).aggregate(total=Sum("net"), rows=Count("pk"))
    if not families or not (purchases["rows"] or advances["rows"] or shares["rows"]):
        return None
    # SQLite sums decimals as floats: back to cents before anything else.
    paid = [quantize_money(row["total"] or ZERO) for row in (purchases, advances, shares)]
    total = sum(paid, ZERO)
    return Computed(
        rounded(total / families),
        _register(
            {
                "purchases": text(paid[0]),
                "advances_paid": text(paid[1]),
                "settlement_shares_paid": text(paid[2]),
                "total_paid": text(total),
                "active_families": families,
                "currency": base,
            }
        ),
    )


@computes("advances_share_of_final_payment")
def advances_share_of_final_payment(cooperative, period_from, period_to):
    start = datetime.datetime.combine(period_from, datetime.time.min, tzinfo=timezone.get_current_timezone())
    end = datetime.datetime.combine(
        period_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    lines = SettlementLine.objects.filter(
        cooperative=cooperative,
        level=SettlementLine.Level.FAMILY,
        settlement__status__in=[Settlement.Status.APPROVED, Settlement.Status.PAID],
        settlement__approved_at__gte=start,
        settlement__approved_at__lt=end,
    ).aggregate(
        advances=Sum("advances"), gross=Sum("gross_share"), settlements=Count("settlement", distinct=True)
    )
    advances, gross = (
        quantize_money(lines[k]) if lines[k] is not None else None for k in ("advances", "gross")
    )
    share = percent(advances or ZERO, gross)
    if share is None:
        return None
    return Computed(
        share,
        {
            "advances": text(advances),
            "gross_shares": text(gross),
            "settlements": lines["settlements"],
        },
    )


# --- Sales: price multiple, fair-trade share, buyers, revenue --------------------------------


def _sales(cooperative, period_from, period_to) -> list[dict]:
    """Confirmed sales shipped in the period, one row per shipment with its kg (summed in
    SQL) and its value in the base currency (computed here in Decimal): the same rows as
    `chain.selectors.market_position` reads, for any period instead of a calendar year."""
    rows = list(
        Allocation.objects.filter(
            shipment__cooperative=cooperative, shipment__shipped_on__range=(period_from, period_to)
        )
        .exclude(shipment__status=Shipment.Status.DRAFT)
        .order_by()
        .values(
            "shipment",
            "shipment__price_per_kg",
            "shipment__exchange_rate",
            "shipment__buyer",
            "shipment__product",
            "shipment__product__code",
            "shipment__contract__fair_trade",
        )
        .annotate(kg=Sum("kg"))
    )
    for row in rows:
        row["kg"] = quantize_kg(row["kg"])  # SQLite sums decimals as floats
        row["fair_trade"] = bool(row["shipment__contract__fair_trade"])
        row["base_value"] = row["kg"] * row["shipment__price_per_kg"] * row["shipment__exchange_rate"]
    return rows


@computes("fair_trade_price_multiple")
def fair_trade_price_multiple(cooperative, period_from, period_to):
    rows = _sales(cooperative, period_from, period_to)
    per_product = {}
    for code in sorted({row["shipment__product__code"] for row in rows}):
        prices, kgs = {}, {}
        for fair in (True, False):
            chosen = [r for r in rows if r["shipment__product__code"] == code and r["fair_trade"] == fair]
            kgs[fair] = sum((r["kg"] for r in chosen), ZERO)
            prices[fair] = sum((r["base_value"] for r in chosen), ZERO) / kgs[fair] if kgs[fair] else None
        if prices[True] and prices[False]:
            per_product[code] = (prices[True] / prices[False], kgs[True], prices[True], prices[False])
    if not per_product:
        return None
    # Several products (oil and soap): each multiple weighted by its fair-trade kg.
    fair_kg = sum((kg for _m, kg, _f, _o in per_product.values()), ZERO)
    value = sum((multiple * kg for multiple, kg, _f, _o in per_product.values()), ZERO) / fair_kg
    return Computed(
        rounded(value),
        {
            "products": {
                code: {
                    "multiple": text(rounded(multiple)),
                    "fair_trade_kg": text(kg),
                    "fair_trade_price_per_kg": text(rounded(fair)),
                    "other_price_per_kg": text(rounded(other)),
                }
                for code, (multiple, kg, fair, other) in per_product.items()
            },
            "currency": cooperative.base_currency,
        },
    )


@computes("fair_trade_sales_share")
def fair_trade_sales_share(cooperative, period_from, period_to):
    rows = _sales(cooperative, period_from, period_to)
    fair_kg = sum((r["kg"] for r in rows if r["fair_trade"]), ZERO)
    total_kg = sum((r["kg"] for r in rows), ZERO)
    share = percent(fair_kg, total_kg)
    if share is None:
        return None
    return Computed(share, {"fair_trade_kg": text(fair_kg), "total_kg": text(total_kg)})


@computes("buyer_concentration")
def buyer_concentration(cooperative, period_from, period_to):
    rows = _sales(cooperative, period_from, period_to)
    by_buyer: dict[int, Decimal] = {}
    for row in rows:
        by_buyer[row["shipment__buyer"]] = by_buyer.get(row["shipment__buyer"], ZERO) + row["base_value"]
    revenue = sum(by_buyer.values(), ZERO)
    if not revenue:
        return None
    largest_id, largest = max(by_buyer.items(), key=lambda item: (item[1], -item[0]))
    hhi = sum(((value / revenue * HUNDRED) ** 2 for value in by_buyer.values()), ZERO)
    return Computed(
        percent(largest, revenue),
        {
            "largest_buyer_id": largest_id,
            "largest_buyer_revenue": text(rounded(largest)),
            "revenue": text(rounded(revenue)),
            "buyers": len(by_buyer),
            "herfindahl_index": text(rounded(hhi)),
            "currency": cooperative.base_currency,
        },
    )


@computes("sales_revenue")
def sales_revenue(cooperative, period_from, period_to):
    rows = _sales(cooperative, period_from, period_to)
    if not rows:
        return None
    revenue = sum((r["base_value"] for r in rows), ZERO)
    return Computed(
        rounded(revenue),
        {"shipments": len(rows), "currency": cooperative.base_currency},
    )


# --- The premium fund ----------------------------------------------------------------------


def _per_family(cooperative, period_to, total, rows, **parameters) -> Computed | None:
    families = active_families(cooperative, period_to).count()
    if not families or not rows:
        return None
    return Computed(
        rounded((total or ZERO) / families),
        _register(
            {
                "total": text(total),
                "active_families": families,
                "currency": cooperative.base_currency,
                **parameters,
            }
        ),
    )


@computes("premium_received_per_family")
def premium_received_per_family(cooperative, period_from, period_to):
    received = PremiumReceipt.objects.filter(
        cooperative=cooperative, received_on__range=(period_from, period_to)
    ).aggregate(total=Sum("amount"), rows=Count("pk"))
    total = quantize_money(received["total"] or ZERO)
    return _per_family(cooperative, period_to, total, received["rows"], receipts=received["rows"])


@computes("premium_invested_per_family")
def premium_invested_per_family(cooperative, period_from, period_to):
    spent = PremiumSpending.objects.filter(
        cooperative=cooperative, spent_on__range=(period_from, period_to)
    ).aggregate(total=Sum("amount"), rows=Count("pk"))
    total = quantize_money(spent["total"] or ZERO)
    return _per_family(cooperative, period_to, total, spent["rows"], spendings=spent["rows"])


# --- Families: land, certification, inspection ---------------------------------------------------


def _share_of_families(cooperative, period_to, condition: Q, **parameters) -> Computed | None:
    counts = active_families(cooperative, period_to).aggregate(
        families=Count("pk"), matching=Count("pk", filter=condition)
    )
    share = percent(counts["matching"], counts["families"])
    if share is None:
        return None
    return Computed(share, {"families": counts["families"], "matching": counts["matching"], **parameters})


@computes("secure_land_tenure")
def secure_land_tenure(cooperative, period_from, period_to):
    result = _share_of_families(
        cooperative,
        period_to,
        Q(land_tenure__in=SECURE_TENURE),
        secure_tenures=sorted(SECURE_TENURE),
    )
    if result is None:
        return None
    unknown = active_families(cooperative, period_to).filter(land_tenure=Family.LandTenure.UNKNOWN).count()
    return Computed(result.value, _register({**result.parameters, "not_recorded": unknown}))


def _certified(cooperative, period_to, scheme: str) -> Computed | None:
    valid = Certification.objects.filter(cooperative=cooperative, scheme=scheme).valid_on(period_to)
    return _share_of_families(
        cooperative, period_to, Q(pk__in=valid.values("family")), scheme=scheme, on=period_to.isoformat()
    )


@computes("organic_certified_families")
def organic_certified_families(cooperative, period_from, period_to):
    return _certified(cooperative, period_to, Scheme.ORGANIC)


@computes("fair_trade_certified_families")
def fair_trade_certified_families(cooperative, period_from, period_to):
    return _certified(cooperative, period_to, Scheme.FAIR_TRADE)


@computes("families_inspected_12m")
def families_inspected_12m(cooperative, period_from, period_to):
    since = period_to - datetime.timedelta(days=365)
    visited = Inspection.objects.filter(
        cooperative=cooperative, family__isnull=False, inspected_on__gt=since, inspected_on__lte=period_to
    )
    return _share_of_families(
        cooperative,
        period_to,
        Q(pk__in=visited.values("family")),
        window_from=(since + datetime.timedelta(days=1)).isoformat(),
        window_to=period_to.isoformat(),
    )


# --- Members: gender, CPF ------------------------------------------------------------------------


def _members(cooperative, period_to):
    return Member.objects.filter(family__in=active_families(cooperative, period_to))


@computes("women_members_share")
def women_members_share(cooperative, period_from, period_to):
    counts = _members(cooperative, period_to).aggregate(
        members=Count("pk"), women=Count("pk", filter=Q(gender=Member.Gender.FEMALE))
    )
    share = percent(counts["women"], counts["members"])
    if share is None:
        return None
    return Computed(share, _register(counts))


@computes("members_with_national_id")
def members_with_national_id(cooperative, period_from, period_to):
    counts = _members(cooperative, period_to).aggregate(
        members=Count("pk"), with_cpf=Count("pk", filter=~Q(national_id=""))
    )
    share = percent(counts["with_cpf"], counts["members"])
    if share is None:
        return None
    return Computed(share, _register(counts))


# --- General assemblies ---------------------------------------------------------------------------


def _assemblies(cooperative, period_from, period_to):
    return Assembly.objects.filter(
        cooperative=cooperative, kind__in=GENERAL_ASSEMBLIES, held_on__range=(period_from, period_to)
    )


@computes("assembly_attendance")
def assembly_attendance(cooperative, period_from, period_to):
    counts = (
        _assemblies(cooperative, period_from, period_to)
        .filter(members_eligible__gt=0)
        .aggregate(present=Sum("members_present"), eligible=Sum("members_eligible"), assemblies=Count("pk"))
    )
    share = percent(counts["present"] or 0, counts["eligible"])
    if share is None:
        return None
    return Computed(share, counts)


@computes("women_assembly_share")
def women_assembly_share(cooperative, period_from, period_to):
    counts = _assemblies(cooperative, period_from, period_to).aggregate(
        women=Sum("women_present"), present=Sum("members_present"), assemblies=Count("pk")
    )
    share = percent(counts["women"] or 0, counts["present"])
    if share is None:
        return None
    return Computed(share, counts)
