"""The import template of one co-operative: its own codes in example rows to copy.

A template with made-up codes ("HR-01", "F0001") is refused the moment it is filled in
as shown; one with the co-op's real collection points, products and families (taken from
its latest deliveries) is a file that imports. The example families of the families
template get the codes that follow the co-op's last one, so they are new.
"""

import re

from django.utils import timezone

from coop.models import Association, Cooperative, Family, Lot, Product

EXAMPLE_ROWS = 2
RECENT_LOTS = 200  # the latest deliveries looked at for one example per product
IMPORTED_KINDS = (Lot.Kind.BARREL, Lot.Kind.NUT_PURCHASE, Lot.Kind.DELIVERY)
KIND_OF_POINT = {
    Association.Kind.HONEY_ROOM: Lot.Kind.BARREL,
    Association.Kind.CANTINA: Lot.Kind.NUT_PURCHASE,
}


def template_rows(*, cooperative: Cooperative, kind: str) -> list[dict]:
    """Example rows ({column: value}) for a `kind` ("families" or "lots") file of `cooperative`."""
    return _family_rows(cooperative) if kind == "families" else _lot_rows(cooperative)


def _next_codes(last: str | None, count: int) -> list[str]:
    # "F0931" → "F0932", "F0933"; a code without a number at its end gets one.
    match = re.fullmatch(r"(.*?)(\d+)", last or "")
    if not match:
        return [f"{last or 'F'}-{n:04d}" for n in range(1, count + 1)]
    prefix, digits = match.groups()
    return [f"{prefix}{int(digits) + n:0{len(digits)}d}" for n in range(1, count + 1)]


def _family_rows(cooperative) -> list[dict]:
    points = list(
        Association.objects.filter(cooperative=cooperative)
        .order_by("code")
        .only("code", "municipality")[:EXAMPLE_ROWS]
    )
    last = (
        Family.objects.filter(cooperative=cooperative)
        .order_by("-code")
        .values_list("code", flat=True)
        .first()
    )
    rows = []
    for index, code in enumerate(_next_codes(last, EXAMPLE_ROWS)):
        point = points[index % len(points)] if points else None
        rows.append(
            {
                "code": code,
                "household_name": "Família exemplo",
                "association": point.code if point else "",
                "municipality": point.municipality if point else "",
                "joined_on": timezone.localdate().isoformat(),
                "status": Family.Status.ACTIVE.value,
            }
        )
    return rows


def _lot_rows(cooperative) -> list[dict]:
    """One row per product delivered lately (the latest delivery's family, place and figures),
    up to EXAMPLE_ROWS; rows from its families and collection points when nothing was delivered."""
    today = timezone.localdate().isoformat()
    recent = (
        Lot.objects.filter(cooperative=cooperative, kind__in=IMPORTED_KINDS, family__isnull=False)
        .select_related("family", "association", "product")
        .order_by("-collected_on", "-pk")[:RECENT_LOTS]
    )
    rows, products = [], set()
    for lot in recent:
        if lot.product_id in products:
            continue
        products.add(lot.product_id)
        rows.append(
            {
                "kind": lot.kind,
                "family": lot.family.code,
                "association": lot.association.code if lot.association else "",
                "product": lot.product.code,
                "collected_on": today,
                "gross_kg": lot.gross_kg,
                "net_kg": lot.net_kg,
                "moisture_pct": lot.moisture_pct,
                "price_per_kg": lot.price_per_kg,
            }
        )
        if len(rows) == EXAMPLE_ROWS:
            break
    return rows or _lot_rows_without_deliveries(cooperative, today)


def _lot_rows_without_deliveries(cooperative, today: str) -> list[dict]:
    product = Product.objects.filter(cooperative=cooperative, made_from__isnull=True).order_by("code").first()
    families = Family.objects.filter(cooperative=cooperative, status=Family.Status.ACTIVE).select_related(
        "association"
    )
    rows = []
    for family in families.order_by("code")[:EXAMPLE_ROWS]:
        point = family.association
        rows.append(
            {
                "kind": KIND_OF_POINT.get(point.kind if point else "", Lot.Kind.DELIVERY),
                "family": family.code,
                "association": point.code if point else "",
                "product": product.code if product else "",
                "collected_on": today,
            }
        )
    return rows
