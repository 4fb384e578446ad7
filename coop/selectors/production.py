"""Reads for production: lineage both ways and certification on a date.

Lineage is a recursive CTE (UNION, so a malformed cycle still terminates): one query
whatever the depth, on SQLite and PostgreSQL alike.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Q, QuerySet

from coop import plausibility
from coop.models import Certification, Cooperative, Family, Lot, LotInput, Product
from coop.tenancy import scope

_TABLE = LotInput._meta.db_table

_ANCESTORS = f"""
WITH RECURSIVE ancestry(id) AS (
    SELECT source_id FROM {_TABLE} WHERE output_id IN ({{seeds}})
    UNION
    SELECT link.source_id FROM {_TABLE} AS link JOIN ancestry ON link.output_id = ancestry.id
)
SELECT id FROM ancestry
"""
_DESCENDANTS = f"""
WITH RECURSIVE descent(id) AS (
    SELECT output_id FROM {_TABLE} WHERE source_id IN ({{seeds}})
    UNION
    SELECT link.output_id FROM {_TABLE} AS link JOIN descent ON link.source_id = descent.id
)
SELECT id FROM descent
"""


def _walk(template: str, seed_ids: list[int]) -> list[int]:
    if not seed_ids:
        return []
    sql = template.format(seeds=", ".join(["%s"] * len(seed_ids)))
    with connection.cursor() as cursor:
        cursor.execute(sql, seed_ids)
        return [row[0] for row in cursor.fetchall()]


def lot_sources(*, lot: Lot) -> QuerySet[Lot]:
    """Every lot that went, directly or not, into `lot`."""
    return Lot.objects.filter(pk__in=_walk(_ANCESTORS, [lot.pk])).select_related("family", "product")


def lot_products(*, lot: Lot) -> QuerySet[Lot]:
    """Every lot made, directly or not, from `lot`."""
    return Lot.objects.filter(pk__in=_walk(_DESCENDANTS, [lot.pk])).select_related("product")


def lot_families(*, lot: Lot) -> QuerySet[Family]:
    """The families whose deliveries are in `lot` (itself or its sources)."""
    ids = [lot.pk, *_walk(_ANCESTORS, [lot.pk])]
    return Family.objects.filter(lots__pk__in=ids).distinct().select_related("association")


def family_products(*, family: Family) -> QuerySet[Lot]:
    """Every lot made, directly or not, from the family's deliveries."""
    own = list(family.lots.values_list("pk", flat=True))
    return Lot.objects.filter(pk__in=_walk(_DESCENDANTS, own)).select_related("product")


def family_certified_on(*, family: Family | None, scheme: str, day: date) -> bool:
    """Was `family` certified under `scheme` on `day`? One query."""
    if family is None:
        return False
    return Certification.objects.filter(family=family, scheme=scheme).valid_on(day).exists()


# --- Pages: lot lists, lot detail, batch inputs --------------------------------------


def lot_list(
    *,
    user,
    cooperative: Cooperative,
    kind: str = "",
    status: str = "",
    product: Product | None = None,
    family: Family | None = None,
    collected_from: date | None = None,
    collected_to: date | None = None,
    search: str = "",
) -> QuerySet[Lot]:
    """Lots of `cooperative`, newest first (collection date, then id: a stable keyset order)."""
    qs = scope(Lot.objects.all(), user).filter(cooperative=cooperative)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if product is not None:
        qs = qs.filter(product=product)
    if family is not None:
        qs = qs.filter(family=family)
    if collected_from is not None:
        qs = qs.filter(collected_on__gte=collected_from)
    if collected_to is not None:
        qs = qs.filter(collected_on__lte=collected_to)
    if search:
        qs = qs.filter(code__icontains=search)
    return (
        qs.with_remaining()
        .select_related("product", "family", "association")
        .order_by("-collected_on", "-id")
    )


@dataclass(frozen=True)
class Lineage:
    """A lot's lineage, each list cut at `limit` rows; the counts are the whole."""

    inputs: list[LotInput]  # direct inputs of a batch, with the kg taken from each
    uses: list[LotInput]  # batches this lot went into directly, with the kg
    sources: list[Lot]  # every lot it came from, at any depth
    source_count: int
    families: list[Family]  # every family whose deliveries are in it
    family_count: int
    products: list[Lot]  # every lot made from it, at any depth
    product_count: int


def lot_lineage(*, lot: Lot, limit: int = 50) -> Lineage:
    """Both ways of a lot's lineage in a fixed number of queries, whatever its depth."""
    ancestor_ids = _walk(_ANCESTORS, [lot.pk])
    descendant_ids = _walk(_DESCENDANTS, [lot.pk])
    inputs = list(
        LotInput.objects.filter(output=lot)
        .select_related("source__product", "source__family")
        .order_by("source__code")[:limit]
    )
    uses = list(LotInput.objects.filter(source=lot).select_related("output__product").order_by("output_id"))
    sources = list(
        Lot.objects.filter(pk__in=ancestor_ids)
        .select_related("product", "family")
        .order_by("-collected_on", "-id")[:limit]
    )
    families = Family.objects.filter(lots__pk__in=[lot.pk, *ancestor_ids]).distinct()
    family_count = families.count() if ancestor_ids else (1 if lot.family_id else 0)
    products = list(
        Lot.objects.filter(pk__in=descendant_ids)
        .select_related("product")
        .order_by("-collected_on", "-id")[:limit]
    )
    return Lineage(
        inputs=inputs,
        uses=uses[:limit],
        sources=sources,
        source_count=len(ancestor_ids),
        families=list(families.select_related("association").order_by("code")[:limit]),
        family_count=family_count,
        products=products,
        product_count=len(descendant_ids),
    )


def batch_input_candidates(
    *, cooperative: Cooperative, product: Product, search: str = "", include=(), limit: int = 100
) -> list[Lot]:
    """Lots that can go into a batch of `product`, oldest first, with what each has left.

    The same product or the one it is made from, accepted (or allocated) with kilograms
    left; `include` (lots already chosen on the page) are always in, whatever the search.
    """
    input_product = product.made_from_id or product.pk
    base = (
        Lot.objects.filter(cooperative=cooperative, product_id=input_product)
        .available()
        .with_remaining()
        .select_related("family", "association")
        .order_by("collected_on", "id")
    )
    found = base
    if search:
        found = found.filter(Q(code__icontains=search) | Q(family__code__iexact=search))
    lots = list(found[:limit])
    missing = set(include) - {lot.pk for lot in lots}
    if missing:
        lots = list(base.filter(pk__in=missing)) + lots
    return lots


def family_lots(*, family: Family, limit: int = 50) -> list[Lot]:
    """The family's latest deliveries."""
    return list(
        Lot.objects.filter(family=family)
        .with_remaining()
        .select_related("product", "association")
        .order_by("-collected_on", "-id")[:limit]
    )


def family_made_from(*, family: Family, limit: int = 50) -> tuple[list[Lot], int]:
    """What was made from the family's deliveries (latest `limit`), and how many in all."""
    own = list(family.lots.values_list("pk", flat=True))
    ids = _walk(_DESCENDANTS, own)
    lots = Lot.objects.filter(pk__in=ids).select_related("product").order_by("-collected_on", "-id")
    return list(lots[:limit]), len(ids)


# Product codes the demo and most co-ops use; only a guess when nothing was recorded yet.
DELIVERY_KINDS = (Lot.Kind.BARREL, Lot.Kind.NUT_PURCHASE, Lot.Kind.DELIVERY)


def kinds_handled(*, cooperative: Cooperative) -> frozenset[str]:
    """The kinds of delivery the co-op records: those its raw products are delivered as
    (a product that does not say may be delivered any way). One query."""
    ways = set(
        Product.objects.filter(cooperative=cooperative, made_from=None)
        .values_list("delivered_as", flat=True)
        .distinct()
        .order_by()
    )
    if "" in ways:
        return frozenset(DELIVERY_KINDS)
    return frozenset(ways)


_USUAL_CODES = {Lot.Kind.BARREL: ("HONEY", "MEL"), Lot.Kind.NUT_PURCHASE: ("NUTS", "NUT", "BABASSU")}


def default_delivery_product(*, cooperative: Cooperative, kind: str) -> Product | None:
    """The product a new delivery of `kind` most likely is: the one of the co-op's latest
    delivery of that kind, else a raw product with a usual code, else the first raw one."""
    latest = (
        Lot.objects.filter(cooperative=cooperative, kind=kind)
        .order_by("-collected_on", "-id")
        .values_list("product_id", flat=True)
        .first()
    )
    raw = Product.objects.filter(cooperative=cooperative, made_from=None)
    if latest is not None:
        return raw.filter(pk=latest).first() or raw.first()
    usual = [product for product in raw if product.code.upper() in _USUAL_CODES.get(kind, ())]
    return usual[0] if usual else raw.order_by("name").first()


PRICE_SAMPLE = 500  # the newest purchases of the window: a median needs no more


def current_purchase_price(
    *, cooperative: Cooperative, product: Product, association, day: date
) -> Decimal | None:
    """The "current price" of `coop.plausibility`: the median price per kg of the collection
    point's purchases of `product` in the 30 days up to `day` (at least MIN_PURCHASES),
    else of the co-op's, else the product's reference price. Confirmed outliers and
    rejected lots do not count: they would pull the price towards the next typo."""
    window_days = timedelta(days=plausibility.PRICE_WINDOW_DAYS)
    window = (
        Lot.objects.filter(
            cooperative=cooperative,
            product=product,
            kind=Lot.Kind.NUT_PURCHASE,
            collected_on__gte=max(day, date.min + window_days) - window_days,  # year 1 has no 30 days before
            collected_on__lte=day,
            price_per_kg__isnull=False,
            unusual_confirmed_by__isnull=True,
        )
        .exclude(status=Lot.Status.REJECTED)
        .order_by("-collected_on", "-id")
        .values_list("price_per_kg", flat=True)
    )
    for sample in (window.filter(association=association) if association else None, window):
        if sample is None:
            continue
        prices = list(sample[:PRICE_SAMPLE])
        if len(prices) >= plausibility.MIN_PURCHASES:
            return plausibility.median(prices)
    return product.reference_price_per_kg
