"""Reads for the value chain: traceability, certification claims and mass balance.

Every question about "where did this come from" is one recursive CTE over lot lineage,
answered set-wise for all the lots of a shipment at once (SQLite and PostgreSQL alike).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from chain.models import Allocation, Buyer, Contract, ContractMinimum, Shipment
from coop.models import Certification, Family, Lot, LotInput, Product
from coop.selectors import family_products
from coop.units import quantize_kg, quantize_money

_LOT = Lot._meta.db_table
_INPUT = LotInput._meta.db_table
_CERT = Certification._meta.db_table

# (root, lot) for every lot in the lineage of each root, the root included.
_TREE = f"""
WITH RECURSIVE tree(root_id, lot_id) AS (
    SELECT id, id FROM {_LOT} WHERE id IN ({{roots}})
    UNION
    SELECT tree.root_id, link.source_id FROM {_INPUT} AS link JOIN tree ON link.output_id = tree.lot_id
)
"""

_UNCERTIFIED_SOURCES = (
    _TREE
    + f"""
SELECT tree.root_id, leaf.code
FROM tree JOIN {_LOT} AS leaf ON leaf.id = tree.lot_id
WHERE NOT EXISTS (SELECT 1 FROM {_INPUT} AS i WHERE i.output_id = leaf.id)
  AND (leaf.family_id IS NULL OR NOT EXISTS (
        SELECT 1 FROM {_CERT} AS c
        WHERE c.family_id = leaf.family_id AND c.scheme = %s AND c.status = 'active'
          AND c.valid_from <= leaf.collected_on AND c.valid_to >= leaf.collected_on))
ORDER BY tree.root_id, leaf.code
"""
)

_MAX_MOISTURE = (
    _TREE
    + f"""
SELECT tree.root_id, MAX(lot.moisture_pct)
FROM tree JOIN {_LOT} AS lot ON lot.id = tree.lot_id
GROUP BY tree.root_id
"""
)

_TRACE = _TREE + "SELECT DISTINCT tree.lot_id FROM tree"


def _run(sql: str, roots: list[int], *params) -> list[tuple]:
    if not roots:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql.format(roots=", ".join(["%s"] * len(roots))), [*roots, *params])
        return cursor.fetchall()


def uncertified_sources(*, lot_ids: list[int], scheme: str) -> dict[int, list[str]]:
    """For each lot, the codes of the deliveries behind it whose family was not certified
    under `scheme` on the delivery's collection date (empty lots are fine)."""
    found: dict[int, list[str]] = {}
    for root_id, leaf_code in _run(_UNCERTIFIED_SOURCES, lot_ids, scheme):
        found.setdefault(root_id, []).append(leaf_code)
    return found


def max_source_moisture(*, lot_ids: list[int]) -> dict[int, Decimal | None]:
    """The wettest measurement in each lot's lineage (itself included)."""
    return {root_id: value for root_id, value in _run(_MAX_MOISTURE, lot_ids)}


def shipment_lot_ids(*, shipment: Shipment) -> list[int]:
    return list(shipment.allocations.values_list("lot_id", flat=True))


def shipment_trace(*, shipment: Shipment) -> dict:
    """Every lot, batch, family and association behind a shipment, in a fixed number of queries."""
    lot_ids = [row[0] for row in _run(_TRACE, shipment_lot_ids(shipment=shipment))]
    lots = Lot.objects.filter(pk__in=lot_ids).select_related("product", "family", "association")
    families = (
        Family.objects.filter(lots__pk__in=lot_ids).distinct().select_related("association").order_by("code")
    )
    lots = list(lots.order_by("collected_on", "code"))
    associations = {lot.association for lot in lots if lot.association} | {
        f.association for f in families if f.association
    }
    return {
        "lots": lots,
        "families": list(families),
        "associations": sorted(associations, key=lambda a: a.code),
    }


def family_shipments(*, family: Family) -> QuerySet[Shipment]:
    """Every shipment that the family's deliveries went into, directly or through batches."""

    lot_ids = [
        *family.lots.values_list("pk", flat=True),
        *family_products(family=family).values_list("pk", flat=True),
    ]
    return (
        Shipment.objects.filter(allocations__lot_id__in=lot_ids)
        .distinct()
        .select_related("buyer", "contract", "product")
    )


# --- Mass balance ---------------------------------------------------------------------------


def _recipe(product: Product) -> tuple[Product, Decimal]:
    """The raw product at the root of `product`'s recipe, and kg of `product` per kg of it."""
    factor, current, seen = Decimal("1"), product, set()
    while current.made_from_id and current.pk not in seen:
        seen.add(current.pk)
        factor *= current.expected_yield or Decimal("1")
        current = current.made_from
    return current, factor


@dataclass(frozen=True)
class MassBalance:
    product: Product
    scheme: str
    certified_produced_kg: Decimal
    certified_sold_kg: Decimal

    @property
    def available_kg(self) -> Decimal:
        return self.certified_produced_kg - self.certified_sold_kg


def mass_balance(*, product: Product, scheme: str, exclude_shipment: Shipment | None = None) -> MassBalance:
    """Certified kg produced (deliveries of the recipe's raw product by families certified
    on the delivery date, converted by the expected yields) against certified kg sold."""
    raw, factor = _recipe(product)
    certified_deliveries = (
        Lot.objects.filter(product=raw, inputs__isnull=True)
        .exclude(status=Lot.Status.REJECTED)
        .filter(
            family__certifications__scheme=scheme,
            family__certifications__status=Certification.Status.ACTIVE,
            family__certifications__valid_from__lte=F("collected_on"),
            family__certifications__valid_to__gte=F("collected_on"),
        )
        .values("pk")
    )
    produced = Lot.objects.filter(pk__in=certified_deliveries).aggregate(kg=Sum("net_kg"))["kg"] or Decimal(
        "0"
    )
    claim = Q(shipment__fair_trade=True) if scheme == "fair_trade" else Q(shipment__organic=True)
    sold = Allocation.objects.filter(claim, shipment__product=product).exclude(
        shipment__status=Shipment.Status.DRAFT
    )
    if exclude_shipment is not None:
        sold = sold.exclude(shipment=exclude_shipment)
    sold_kg = sold.aggregate(kg=Sum("kg"))["kg"] or Decimal("0")
    return MassBalance(product, scheme, (produced * factor).quantize(Decimal("0.001")), sold_kg)


# --- Contract fulfilment and market position ------------------------------------------------


def _sales(allocations) -> list[dict]:
    """Confirmed sales grouped per shipment: kg summed in SQL, money computed here in Decimal
    (per shipment, so the rows stay few whatever the number of lots)."""
    rows = list(
        # No ordering: Allocation's default order would join the lots table into the GROUP BY.
        allocations.exclude(shipment__status=Shipment.Status.DRAFT)
        .order_by()
        .values(
            "shipment",
            "shipment__shipped_on",
            "shipment__currency",
            "shipment__price_per_kg",
            "shipment__exchange_rate",
            "shipment__buyer",
            "shipment__product",
            "shipment__contract",
            "shipment__contract__fair_trade",
        )
        .annotate(kg=Sum("kg"))
    )
    for row in rows:
        row["value"] = row["kg"] * row["shipment__price_per_kg"]
        row["base_value"] = row["value"] * row["shipment__exchange_rate"]
    return rows


@dataclass(frozen=True)
class ContractYear:
    starts_on: date
    ends_on: date
    minimum_kg: Decimal
    delivered_kg: Decimal
    revenue: Decimal  # in the contract's currency
    revenue_base: Decimal  # in the co-op's base currency, at each shipment's rate
    premium_due: Decimal  # in the contract's currency
    expected_kg: Decimal  # the pro-rata minimum by `today`
    projected_kg: Decimal  # delivered kg extrapolated to the whole year
    scheduled_kg: Decimal  # confirmed sales dated after `today`: not delivered yet

    @property
    def shortfall_kg(self) -> Decimal:
        """Positive: the projected shortfall against the minimum; negative: a surplus."""
        return self.minimum_kg - self.projected_kg

    @property
    def surplus_kg(self) -> Decimal:
        return -self.shortfall_kg

    @property
    def on_pace(self) -> bool:
        return self.delivered_kg >= self.expected_kg

    @property
    def fulfilled_pct(self) -> Decimal:
        if not self.minimum_kg:
            return Decimal("100")
        return (self.delivered_kg / self.minimum_kg * 100).quantize(Decimal("0.1"))


def contract_years(contract: Contract) -> list[tuple[date, date]]:
    """[start, end] of each contract year: anniversaries of the start date, cut at the end."""
    years, start = [], contract.starts_on
    while start <= contract.ends_on:
        if start.year == date.max.year:  # no anniversary after 9999: the last year is cut short
            years.append((start, contract.ends_on))
            break
        following = _add_years(start, 1)
        years.append((start, min(following - timedelta(days=1), contract.ends_on)))
        start = following
    return years


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _minimum_on(minimums: list[ContractMinimum], day: date) -> Decimal:
    """The minimum in force on `day`: the latest amendment effective by then."""
    in_force = [m for m in minimums if m.effective_from <= day]
    chosen = in_force[-1] if in_force else (minimums[0] if minimums else None)
    return chosen.minimum_kg if chosen else Decimal("0")


def _contract_year(contract: Contract, start: date, end: date, minimums, rows, today: date) -> ContractYear:
    """One contract year's figures on `today` from its confirmed sales rows (see `_sales`).

    Only what had shipped by `today` counts as delivered (and as revenue and premium): a
    sale dated later is scheduled, shown apart, so that asking about a past day shows the
    pace the co-op really had then."""
    scheduled = sum((row["kg"] for row in rows if row["shipment__shipped_on"] > today), Decimal("0"))
    rows = [row for row in rows if row["shipment__shipped_on"] <= today]
    delivered = sum((row["kg"] for row in rows), Decimal("0"))
    revenue = sum(
        (row["value"] for row in rows if row["shipment__currency"] == contract.currency), Decimal("0")
    )
    revenue_base = sum((row["base_value"] for row in rows), Decimal("0"))
    minimum = _minimum_on(minimums, start)
    days = (end - start).days + 1
    elapsed = max(0, min((today - start).days + 1, days))
    fraction = Decimal(elapsed) / Decimal(days)
    return ContractYear(
        starts_on=start,
        ends_on=end,
        minimum_kg=minimum,
        delivered_kg=delivered,
        revenue=quantize_money(revenue),
        revenue_base=quantize_money(revenue_base),
        premium_due=quantize_money(delivered * contract.premium_per_kg),
        expected_kg=quantize_kg(minimum * fraction),
        projected_kg=quantize_kg(delivered / fraction) if fraction else Decimal("0.000"),
        scheduled_kg=quantize_kg(scheduled),
    )


def contract_fulfilment(*, contract: Contract, today: date | None = None) -> list[ContractYear]:
    """Each contract year's delivered kg against its minimum, pace and money: two queries."""
    today = today or timezone.localdate()
    minimums = list(contract.minimums.order_by("effective_from"))
    sales = _sales(Allocation.objects.filter(shipment__contract=contract))
    return [
        _contract_year(
            contract,
            start,
            end,
            minimums,
            [r for r in sales if start <= r["shipment__shipped_on"] <= end],
            today,
        )
        for start, end in contract_years(contract)
    ]


def current_contract_years(*, contracts, today: date | None = None) -> dict[int, ContractYear]:
    """The contract year containing `today` for each of `contracts` (their `minimums`
    prefetched, oldest first), read for all of them in one grouped query: a list's bars."""
    today = today or timezone.localdate()
    windows = {}
    for contract in contracts:
        current = [(start, end) for start, end in contract_years(contract) if start <= today <= end]
        if current:
            windows[contract.pk] = (contract, *current[0])
    if not windows:
        return {}
    in_window = Q()
    for pk, (_contract, start, end) in windows.items():
        in_window |= Q(shipment__contract_id=pk, shipment__shipped_on__range=(start, end))
    sales = _sales(Allocation.objects.filter(in_window))
    return {
        pk: _contract_year(
            contract,
            start,
            end,
            sorted(contract.minimums.all(), key=lambda m: m.effective_from),
            [row for row in sales if row["shipment__contract"] == pk],
            today,
        )
        for pk, (contract, start, end) in windows.items()
    }


def contract_year_on(*, contract: Contract, today: date | None = None) -> ContractYear | None:
    """The contract year that contains `today` (or the last one, for a finished contract)."""
    today = today or timezone.localdate()
    years = contract_fulfilment(contract=contract, today=today)
    current = [year for year in years if year.starts_on <= today <= year.ends_on]
    return current[0] if current else (years[-1] if years else None)


@dataclass(frozen=True)
class BuyerShare:
    buyer: Buyer
    kg: Decimal
    revenue_base: Decimal
    share: Decimal  # of the year's revenue, 0..1


@dataclass(frozen=True)
class MarketPosition:
    year: int
    fair_trade_kg: Decimal
    other_kg: Decimal
    fair_trade_share: Decimal  # of kg sold, 0..1
    price_multiples: dict  # product -> fair-trade price / local price (base currency per kg)
    buyers: list[BuyerShare]

    @property
    def largest_buyer(self) -> BuyerShare | None:
        return self.buyers[0] if self.buyers else None


def market_position(*, cooperative, year: int) -> MarketPosition:
    """Where the year's sales went: fair trade vs the rest, the price multiple, and how
    dependent the co-op is on its largest buyer. Three queries."""
    rows = _sales(
        Allocation.objects.filter(shipment__cooperative=cooperative, shipment__shipped_on__year=year)
    )
    buyers = Buyer.objects.in_bulk({row["shipment__buyer"] for row in rows})
    products = Product.objects.in_bulk({row["shipment__product"] for row in rows})

    def is_fair_trade(row):
        return bool(row["shipment__contract__fair_trade"])

    fair_kg = sum((r["kg"] for r in rows if is_fair_trade(r)), Decimal("0"))
    other_kg = sum((r["kg"] for r in rows if not is_fair_trade(r)), Decimal("0"))
    total_kg = fair_kg + other_kg

    multiples = {}
    for product_id, product in products.items():
        prices = {}
        for fair in (True, False):
            chosen = [r for r in rows if r["shipment__product"] == product_id and is_fair_trade(r) == fair]
            kg = sum((r["kg"] for r in chosen), Decimal("0"))
            prices[fair] = sum((r["base_value"] for r in chosen), Decimal("0")) / kg if kg else None
        if prices[True] and prices[False]:
            multiples[product] = (prices[True] / prices[False]).quantize(Decimal("0.01"))

    revenue_total = sum((r["base_value"] for r in rows), Decimal("0"))
    by_buyer: dict[int, list] = {}
    for row in rows:
        entry = by_buyer.setdefault(row["shipment__buyer"], [Decimal("0"), Decimal("0")])
        entry[0] += row["kg"]
        entry[1] += row["base_value"]
    shares = [
        BuyerShare(
            buyer=buyers[buyer_id],
            kg=kg,
            revenue_base=quantize_money(value),
            share=(value / revenue_total).quantize(Decimal("0.0001")) if revenue_total else Decimal("0"),
        )
        for buyer_id, (kg, value) in by_buyer.items()
    ]
    shares.sort(key=lambda s: (-s.revenue_base, s.buyer.name))
    return MarketPosition(
        year=year,
        fair_trade_kg=fair_kg,
        other_kg=other_kg,
        fair_trade_share=(fair_kg / total_kg).quantize(Decimal("0.0001")) if total_kg else Decimal("0"),
        price_multiples=multiples,
        buyers=shares,
    )
