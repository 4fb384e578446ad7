"""Reads for the value chain: traceability, certification claims and mass balance.

Every question about "where did this come from" is one recursive CTE over lot lineage,
answered set-wise for all the lots of a shipment at once (SQLite and PostgreSQL alike).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import F, Q, QuerySet, Sum

from chain.models import Allocation, Shipment
from coop.models import Certification, Family, Lot, LotInput, Product
from coop.selectors import family_products

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
