"""What a delivery usually is, and the values that must be confirmed before they are kept.

A slip of the thumb ("204" for 20,4 kg, a price of 3.203,20 for 3,20) is a wrong advance
and a wrong settlement for a family. The hard limits of `coop.services.production`
(MAX_NET_KG, moisture 0–100) still refuse the impossible; this module names the merely
unusual: a value outside the product's usual range is recorded only when the person
recording it confirms it (`lot_record(confirm_unusual=True)`), and the lot keeps what
was unusual and who confirmed it.

The usual range of a product is its own fields (`Product.usual_*`, edited by managers)
or, where blank, the default of the kind of lot below, from the reference co-ops. The
price of a nut purchase is usual within `price_tolerance_pct` (40 % by default) of the
current price: the median price per kg of the collection point's purchases of the
product in the 30 days up to the purchase (at least MIN_PURCHASES of them), else of the
co-op's, else the product's reference price; with none of these, any price is usual.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from coop.models import Lot, Product
from coop.templatetags.units import number, unit_price

PRICE_WINDOW_DAYS = 30
MIN_PURCHASES = 3  # fewer purchases are no "current price": one typo would set it
HUNDRED = Decimal("100")


@dataclass(frozen=True)
class UsualRange:
    low: Decimal | None
    high: Decimal | None

    def holds(self, value) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    @property
    def known(self) -> bool:
        return self.low is not None or self.high is not None


NO_RANGE = UsualRange(None, None)
# A 20 kg honey barrel; a babassu purchase of a family's day or week of breaking nuts.
KIND_DEFAULTS = {
    Lot.Kind.BARREL: {
        "net_kg": UsualRange(Decimal("15"), Decimal("30")),
        "moisture_pct": UsualRange(Decimal("12"), Decimal("30")),  # wet barrels too: kept, rejected
    },
    Lot.Kind.NUT_PURCHASE: {
        "net_kg": UsualRange(Decimal("0.5"), Decimal("100")),
        "moisture_pct": NO_RANGE,
    },
}


def usual_range(product: Product, kind: str, field: str) -> UsualRange:
    """The product's own range for `field` ("net_kg" or "moisture_pct"), else the kind's."""
    default = KIND_DEFAULTS.get(kind, {}).get(field, NO_RANGE)
    if field == "net_kg":
        low, high = product.usual_net_kg_min, product.usual_net_kg_max
    else:
        low, high = product.usual_moisture_min_pct, product.usual_moisture_max_pct
    return UsualRange(default.low if low is None else low, default.high if high is None else high)


def price_range(product: Product, current_price: Decimal | None) -> UsualRange:
    if not current_price:
        return NO_RANGE
    share = product.price_tolerance_pct / HUNDRED
    return UsualRange(current_price * (1 - share), current_price * (1 + share))


def _bounds(value_range: UsualRange, show) -> tuple[str, str]:
    return show(value_range.low) if value_range.low is not None else "…", (
        show(value_range.high) if value_range.high is not None else "…"
    )


def unusual_values(
    *, kind: str, product: Product, net_kg, moisture_pct, price_per_kg, current_price, currency: str = ""
) -> dict[str, str]:
    """{field: the value and its usual range, in words} for each value outside its range."""
    found = {}
    kg_range = usual_range(product, kind, "net_kg")
    if net_kg is not None and not kg_range.holds(net_kg):
        low, high = _bounds(kg_range, number)
        found["net_kg"] = _("%(value)s kg — the usual is %(low)s to %(high)s kg.") % {
            "value": number(net_kg),
            "low": low,
            "high": high,
        }
    wet_range = usual_range(product, kind, "moisture_pct")
    if moisture_pct is not None and not wet_range.holds(moisture_pct):
        low, high = _bounds(wet_range, lambda value: number(value, 2))
        found["moisture_pct"] = _("%(value)s%% moisture — the usual is %(low)s%% to %(high)s%%.") % {
            "value": number(moisture_pct, 2),
            "low": low,
            "high": high,
        }
    paid_range = price_range(product, current_price) if kind == Lot.Kind.NUT_PURCHASE else NO_RANGE
    if price_per_kg is not None and paid_range.known and not paid_range.holds(price_per_kg):
        low, high = _bounds(paid_range, lambda value: unit_price(value.quantize(Decimal("0.01")), currency))
        found["price_per_kg"] = _(
            "%(value)s per kg — the usual is %(low)s to %(high)s (current price %(current)s)."
        ) % {
            "value": unit_price(price_per_kg, currency),
            "low": low,
            "high": high,
            "current": unit_price(current_price, currency),
        }
    return found


def median(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
