"""What the offline capture page caches: the co-op's collection points, the families that
deliver there (with their status) and the products a delivery may be, as compact rows.

The page embeds them once, when opened with a connection; the service worker keeps that
copy for the hours without signal. Four queries however many families (about 1,000 in
the babassu co-op, a few dozen bytes each).
"""

from coop.models import Association, Cooperative, Family, Lot, Product
from coop.selectors.production import default_delivery_product
from coop.services.production import COLLECTION_POINTS

CAPTURE_KINDS = (Lot.Kind.BARREL, Lot.Kind.NUT_PURCHASE)
# A family that left delivers nothing; a suspended one is shown (as suspended) so staff can
# tell the family why, rather than wonder where it went.
LISTED_STATUSES = (Family.Status.ACTIVE, Family.Status.SUSPENDED)


def capture_choices(*, cooperative: Cooperative) -> dict:
    """Collection points, their families and raw products of `cooperative`, as JSON-ready rows.

    The caller has already checked the user may record in `cooperative` (tenancy): every
    row read here is filtered by it.
    """
    point_kinds = set().union(*(COLLECTION_POINTS[kind] for kind in CAPTURE_KINDS))
    points = list(
        Association.objects.filter(cooperative=cooperative, kind__in=point_kinds)
        .order_by("code")
        .values("id", "code", "name", "kind")
    )
    families = list(
        Family.objects.filter(
            cooperative=cooperative,
            association__in=[point["id"] for point in points],
            status__in=LISTED_STATUSES,
        )
        .order_by("code")
        .values("id", "code", "household_name", "association_id", "status")
    )
    products = list(
        Product.objects.filter(cooperative=cooperative, made_from=None)
        .order_by("name")
        .values("id", "code", "name")
    )
    defaults = {}
    for kind in CAPTURE_KINDS:
        product = default_delivery_product(cooperative=cooperative, kind=kind)
        defaults[kind] = product.pk if product else None
    return {
        "points": [{**point, "kinds": _kinds_at(point["kind"])} for point in points],
        "families": [
            {
                "id": family["id"],
                "code": family["code"],
                "name": family["household_name"],
                "point": family["association_id"],
                "status": family["status"],
            }
            for family in families
        ],
        "products": products,
        "default_products": defaults,
    }


def _kinds_at(point_kind: str) -> list[str]:
    return [kind for kind in CAPTURE_KINDS if point_kind in COLLECTION_POINTS[kind]]
