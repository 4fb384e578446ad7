"""Set-based SQL shared by the compliance checks and the evidence pack.

`chain.selectors.uncertified_sources` answers "which deliveries behind these lots were
not certified" for a list of lot ids. A period of a large co-op has hundreds of
thousands of allocated lots, more than a query may carry as parameters, so here the
same rule runs over a whole period at once: the recursive walk is seeded by a subquery
(every allocation of the period's shipments) instead of an id list. The rule is the
same as chain's — a delivery (a lot with no inputs) counts as certified under a scheme
when its family held an active certification of that scheme on its collection date —
and a test keeps the two in agreement.
"""

import contextlib
import contextvars
from decimal import Decimal

from django.db import connection

from chain.models import Allocation, Shipment
from chain.selectors import MassBalance
from coop.models import Association, Certification, Family, Lot, LotInput, Product
from coop.units import quantize_kg

_ALLOCATION = Allocation._meta.db_table
_SHIPMENT = Shipment._meta.db_table
_LOT = Lot._meta.db_table
_INPUT = LotInput._meta.db_table
_CERT = Certification._meta.db_table
_FAMILY = Family._meta.db_table
_ASSOCIATION = Association._meta.db_table


def certified_sql(scheme: str, lot: str = "leaf") -> str:
    """SQL truth value: `lot`'s family held an active `scheme` certificate on its collection date.
    `scheme` is one of `coop.models.Scheme`'s values, never user input."""
    assert scheme in {"organic", "fair_trade"}, scheme
    return (
        f"({lot}.family_id IS NOT NULL AND EXISTS (SELECT 1 FROM {_CERT} AS c "
        f"WHERE c.family_id = {lot}.family_id AND c.scheme = '{scheme}' AND c.status = 'active' "
        f"AND c.valid_from <= {lot}.collected_on AND c.valid_to >= {lot}.collected_on))"
    )


def shipment_tree(*, claimed_only: bool) -> str:
    """`WITH RECURSIVE tree(shipment_id, lot_id)`: every lot behind every confirmed
    shipment of a co-op shipped in [start, end], the allocated lots included.
    Parameters: cooperative id, start, end."""
    claim = "AND (s.fair_trade OR s.organic)" if claimed_only else ""
    sql = f"""
WITH RECURSIVE tree(shipment_id, lot_id) AS (
    SELECT a.shipment_id, a.lot_id
    FROM {_ALLOCATION} AS a JOIN {_SHIPMENT} AS s ON s.id = a.shipment_id
    WHERE s.cooperative_id = %s AND s.status <> 'draft' AND s.shipped_on >= %s AND s.shipped_on <= %s
      {claim}
    UNION
    SELECT tree.shipment_id, link.source_id
    FROM {_INPUT} AS link JOIN tree ON link.output_id = tree.lot_id
)"""
    return sql


def claim_violations_sql() -> str:
    """Deliveries behind a fair-trade or organic shipment of the period whose family was
    not certified under the claimed scheme on the delivery's collection date: one row per
    (shipment, delivery, scheme), the total count on every row (a window), first rows first.
    Parameters: cooperative id, start, end, limit."""
    tree = shipment_tree(claimed_only=True)
    violation = {
        scheme: f"s.{scheme} AND NOT {certified_sql(scheme)}" for scheme in ("fair_trade", "organic")
    }
    return (
        tree
        + f"""
, leaves AS (
    SELECT s.id AS shipment_id, s.reference AS shipment_reference, leaf.id AS lot_id,
           leaf.code AS lot_code, leaf.collected_on, f.id AS family_id, f.code AS family_code,
           CASE WHEN {violation["fair_trade"]} THEN 1 ELSE 0 END AS fair_trade_bad,
           CASE WHEN {violation["organic"]} THEN 1 ELSE 0 END AS organic_bad
    FROM tree
    JOIN {_SHIPMENT} AS s ON s.id = tree.shipment_id
    JOIN {_LOT} AS leaf ON leaf.id = tree.lot_id
    LEFT JOIN {_FAMILY} AS f ON f.id = leaf.family_id
    WHERE NOT EXISTS (SELECT 1 FROM {_INPUT} AS i WHERE i.output_id = leaf.id)
)
SELECT shipment_id, shipment_reference, lot_id, lot_code, collected_on, family_id, family_code,
       fair_trade_bad, organic_bad, COUNT(*) OVER () AS total
FROM leaves
WHERE fair_trade_bad = 1 OR organic_bad = 1
ORDER BY shipment_reference, lot_code
LIMIT %s
"""
    )


def traceability_sql() -> str:
    """Every delivery behind every confirmed shipment of the period, with its family and
    whether the family was certified under each scheme on the collection date.
    Parameters: cooperative id, start, end."""
    tree = shipment_tree(claimed_only=False)
    return (
        tree
        + f"""
SELECT s.reference, s.fair_trade, s.organic, leaf.code, leaf.kind, leaf.collected_on, leaf.net_kg,
       leaf.moisture_pct, leaf.organic, f.code, f.household_name, home.code, point.code,
       {certified_sql("organic")} AS organic_certified,
       {certified_sql("fair_trade")} AS fair_trade_certified
FROM tree
JOIN {_SHIPMENT} AS s ON s.id = tree.shipment_id
JOIN {_LOT} AS leaf ON leaf.id = tree.lot_id
LEFT JOIN {_FAMILY} AS f ON f.id = leaf.family_id
LEFT JOIN {_ASSOCIATION} AS home ON home.id = f.association_id
LEFT JOIN {_ASSOCIATION} AS point ON point.id = leaf.association_id
WHERE NOT EXISTS (SELECT 1 FROM {_INPUT} AS i WHERE i.output_id = leaf.id)
ORDER BY s.reference, leaf.code
"""
    )


# --- Mass balance ------------------------------------------------------------------------------


def _kg(value) -> Decimal:
    if value is None:
        return Decimal("0.000")
    number = value if isinstance(value, Decimal) else Decimal(repr(value))  # SQLite: a float
    return quantize_kg(number)


def _recipe(product: Product, products: dict[int, Product]) -> tuple[Product, Decimal]:
    """As `chain.selectors` walks it: the raw product at the root of `product`'s recipe and
    the kg of `product` per kg of it (the expected yields multiplied)."""
    factor, current, seen = Decimal("1"), product, set()
    while current.made_from_id and current.pk not in seen and current.made_from_id in products:
        seen.add(current.pk)
        factor *= current.expected_yield or Decimal("1")
        current = products[current.made_from_id]
    return current, factor


# Within one report run the check and the pack's CSV read the same snapshot: compute once.
_shared_balances: contextvars.ContextVar[dict | None] = contextvars.ContextVar("mass_balances", default=None)


@contextlib.contextmanager
def shared_mass_balances():
    """While inside, `mass_balances` of a co-op is computed once and reused."""
    token = _shared_balances.set({})
    try:
        yield
    finally:
        _shared_balances.reset(token)


def mass_balances(cooperative) -> dict[tuple[int, str], MassBalance]:
    shared = _shared_balances.get()
    if shared is None:
        return _mass_balances(cooperative)
    if cooperative.pk not in shared:
        shared[cooperative.pk] = _mass_balances(cooperative)
    return shared[cooperative.pk]


def _mass_balances(cooperative) -> dict[tuple[int, str], MassBalance]:
    """`chain.selectors.mass_balance` for every product and scheme of the co-op in two
    grouped queries: certified deliveries of each raw product (families certified on the
    collection date, rejected lots left out), converted by the recipe's yields, against
    the kg of confirmed shipments sold under each claim. One pass over the lots instead of
    one query per product and scheme (about 10 s each at 1,000,000 lots); a test keeps the
    two in agreement."""
    products = {product.pk: product for product in Product.objects.filter(cooperative=cooperative)}
    produced, sold = {}, {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT lot.product_id,
                       SUM(CASE WHEN {certified_sql("organic", "lot")} THEN lot.net_kg ELSE 0 END),
                       SUM(CASE WHEN {certified_sql("fair_trade", "lot")} THEN lot.net_kg ELSE 0 END)
                FROM {_LOT} AS lot
                WHERE lot.cooperative_id = %s AND lot.status <> 'rejected'
                  AND NOT EXISTS (SELECT 1 FROM {_INPUT} AS i WHERE i.output_id = lot.id)
                GROUP BY lot.product_id""",
            [cooperative.pk],
        )
        for product_id, organic, fair_trade in cursor.fetchall():
            produced[product_id] = {"organic": _kg(organic), "fair_trade": _kg(fair_trade)}
        cursor.execute(
            f"""SELECT s.product_id,
                       SUM(CASE WHEN s.organic THEN a.kg ELSE 0 END),
                       SUM(CASE WHEN s.fair_trade THEN a.kg ELSE 0 END)
                FROM {_ALLOCATION} AS a JOIN {_SHIPMENT} AS s ON s.id = a.shipment_id
                WHERE s.cooperative_id = %s AND s.status <> 'draft'
                GROUP BY s.product_id""",
            [cooperative.pk],
        )
        for product_id, organic, fair_trade in cursor.fetchall():
            sold[product_id] = {"organic": _kg(organic), "fair_trade": _kg(fair_trade)}
    balances = {}
    for product in products.values():
        raw, factor = _recipe(product, products)
        for scheme in ("organic", "fair_trade"):
            made = produced.get(raw.pk, {}).get(scheme, Decimal("0"))
            balances[(product.pk, scheme)] = MassBalance(
                product,
                scheme,
                (made * factor).quantize(Decimal("0.001")),
                sold.get(product.pk, {}).get(scheme, Decimal("0.000")),
            )
    return balances
