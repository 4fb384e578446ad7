"""Reads of the value-chain pages: scoped lists with what each row shows, in a fixed
number of queries whatever the number of rows (the query-count tests pin them).

Figures shared with the API and reports (trace, fulfilment, market position) come from
`chain.selectors`; what is here only serves the pages' lists.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from chain.models import Buyer, Contract, ContractMinimum, Shipment
from chain.selectors import max_source_moisture, uncertified_sources
from coop.models import Lot, Scheme
from coop.tenancy import scope
from coop.units import quantize_kg, quantize_money


def buyer_list(*, user, cooperative, search: str = "", kind: str = "") -> QuerySet[Buyer]:
    qs = scope(Buyer.objects.all(), user).filter(cooperative=cooperative)
    if search:
        qs = qs.filter(
            Q(name__icontains=search) | Q(contact_name__icontains=search) | Q(country__iexact=search)
        )
    if kind:
        qs = qs.filter(kind=kind)
    active = Q(contracts__status=Contract.Status.ACTIVE)
    return qs.annotate(active_contracts=Count("contracts", filter=active)).order_by("name", "pk")


def contract_list(
    *, user, cooperative, search: str = "", status: str = "", buyer: Buyer | None = None
) -> QuerySet[Contract]:
    qs = scope(Contract.objects.all(), user).filter(cooperative=cooperative)
    if search:
        qs = qs.filter(Q(reference__icontains=search) | Q(buyer__name__icontains=search))
    if status:
        qs = qs.filter(status=status)
    if buyer is not None:
        qs = qs.filter(buyer=buyer)
    minimums = Prefetch("minimums", queryset=ContractMinimum.objects.order_by("effective_from"))
    return qs.select_related("buyer", "product").prefetch_related(minimums).order_by("-starts_on", "-pk")


def shipment_list(
    *,
    user,
    cooperative,
    search: str = "",
    status: str = "",
    buyer: Buyer | None = None,
    contract: Contract | None = None,
    shipped_from: date | None = None,
    shipped_to: date | None = None,
) -> QuerySet[Shipment]:
    """Shipments, newest first, each with its allocated kg (`kg`, summed in SQL)."""
    qs = scope(Shipment.objects.all(), user).filter(cooperative=cooperative)
    if search:
        qs = qs.filter(Q(reference__icontains=search) | Q(invoice_reference__icontains=search))
    if status:
        qs = qs.filter(status=status)
    if buyer is not None:
        qs = qs.filter(buyer=buyer)
    if contract is not None:
        qs = qs.filter(contract=contract)
    if shipped_from is not None:
        qs = qs.filter(shipped_on__gte=shipped_from)
    if shipped_to is not None:
        qs = qs.filter(shipped_on__lte=shipped_to)
    return (
        qs.select_related("buyer", "contract", "product")
        .annotate(kg=Sum("allocations__kg"))
        .order_by("-shipped_on", "-pk")
    )


def with_values(shipments) -> list[Shipment]:
    """Each shipment's value (allocated kg × price), rounded to the cent once, here."""
    rows = list(shipments)
    for shipment in rows:
        kg = shipment.kg or Decimal("0")
        shipment.value = quantize_money(kg * shipment.price_per_kg)
        shipment.base_value = quantize_money(kg * shipment.price_per_kg * shipment.exchange_rate)
    return rows


# --- The fulfilment bar of the contract list ---------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """A fulfilment bar: a <meter> of delivered kg against the minimum, coloured against the
    pace (red below 90% of it, amber below it, green on it), and a mark where the pace is."""

    minimum_kg: Decimal
    delivered_kg: Decimal
    expected_kg: Decimal

    @property
    def low(self) -> Decimal:
        return quantize_kg(self.expected_kg * Decimal("0.9"))

    @property
    def pace_step(self) -> int:
        """Where the "expected by today" mark sits, in steps of 5% (CSS classes, no inline style)."""
        if not self.minimum_kg:
            return 0
        share = min(self.expected_kg / self.minimum_kg, Decimal("1"))
        return int((share * 20).to_integral_value()) * 5


def bar(year) -> Bar | None:
    """The bar of a contract year (the selectors' `ContractYear`)."""
    if year is None or not year.minimum_kg:
        return None
    return Bar(year.minimum_kg, year.delivered_kg, year.expected_kg)


def minimum_periods(contract: Contract) -> list[dict]:
    """The contract's minimums as periods: each amendment runs to the day before the next
    one (the last to the contract's end), so an amended contract shows both periods."""
    minimums = sorted(contract.minimums.all(), key=lambda m: m.effective_from)  # prefetched
    periods = []
    for index, minimum in enumerate(minimums):
        following = minimums[index + 1] if index + 1 < len(minimums) else None
        until = following.effective_from - timedelta(days=1) if following else contract.ends_on
        periods.append(
            {"minimum_kg": minimum.minimum_kg, "starts_on": minimum.effective_from, "ends_on": until}
        )
    return periods


# --- Allocating lots to a draft ----------------------------------------------------------------


def allocation_candidates(*, shipment: Shipment, search: str = "", include=(), limit: int = 100) -> list[Lot]:
    """Lots that can go into `shipment`: its product, accepted (or partly allocated), with
    kilograms left, oldest first. `include` (lots already on the draft) are always listed,
    even when another shipment has taken what they had left."""
    base = (
        Lot.objects.filter(cooperative=shipment.cooperative_id, product=shipment.product_id)
        .with_remaining()
        .select_related("family", "association")
        .order_by("collected_on", "id")
    )
    found = base.available()
    if search:
        found = found.filter(Q(code__icontains=search) | Q(family__code__iexact=search))
    lots = list(found[:limit])
    missing = set(include) - {lot.pk for lot in lots}
    if missing:
        lots = list(base.filter(pk__in=missing)) + lots
    return lots


@dataclass(frozen=True)
class LotHints:
    """What the confirmation will check, shown beside each lot before choosing it."""

    fair_trade: bool  # every delivery behind it from a family certified on its date
    organic: bool
    moisture: Decimal | None  # the wettest measurement in its lineage


def lot_hints(lots: list[Lot]) -> dict[int, LotHints]:
    """Certification and moisture of each lot through its lineage: three set-wise queries."""
    ids = [lot.pk for lot in lots]
    if not ids:
        return {}
    uncertified = {
        scheme: uncertified_sources(lot_ids=ids, scheme=scheme)
        for scheme in (Scheme.FAIR_TRADE, Scheme.ORGANIC)
    }
    moisture = max_source_moisture(lot_ids=ids)
    return {
        pk: LotHints(
            fair_trade=pk not in uncertified[Scheme.FAIR_TRADE],
            organic=pk not in uncertified[Scheme.ORGANIC],
            moisture=moisture.get(pk),
        )
        for pk in ids
    }
