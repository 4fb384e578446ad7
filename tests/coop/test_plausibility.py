"""Unusual values (coop.plausibility): refused until confirmed, then kept with who confirmed.

The quoted failures of issue 13: a barrel of "204" kg taken silently, and a nut purchase of
325 kg at R$ 3.203,20/kg saved with "Valor a pagar R$ 1.041.040,00" and no warning.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from coop import selectors, services
from coop.models import Lot
from tests.coop import production_pages
from tests.coop.production_pages import TODAY
from tests.factories import LotFactory

honey, babassu = production_pages.honey, production_pages.babassu


def _barrel(actor, honey, **extra):
    data = {"net_kg": "20", "moisture_pct": "18.5", **extra}
    return services.lot_record(
        actor=actor,
        cooperative=honey.coop,
        kind=Lot.Kind.BARREL,
        product=honey.product,
        family=honey.family,
        association=honey.room,
        collected_on=TODAY,
        **data,
    )


def _purchase(actor, babassu, **extra):
    data = {"net_kg": "30", "price_per_kg": "3.20", **extra}
    return services.lot_record(
        actor=actor,
        cooperative=babassu.coop,
        kind=Lot.Kind.NUT_PURCHASE,
        product=babassu.nuts,
        family=babassu.family,
        association=babassu.cantina,
        collected_on=TODAY,
        **data,
    )


def purchase(babassu, *, collected_on, price_per_kg, kg="30"):
    return LotFactory(
        cooperative=babassu.coop,
        product=babassu.nuts,
        family=babassu.family,
        association=babassu.cantina,
        kind=Lot.Kind.NUT_PURCHASE,
        net_kg=kg,
        moisture_pct=None,
        price_per_kg=price_per_kg,
        currency="BRL",
        collected_on=collected_on,
    )


def _recent_purchases(babassu, prices=("3.10", "3.20", "3.30")):
    for days, price in enumerate(prices, start=1):
        purchase(babassu, collected_on=TODAY - datetime.timedelta(days=days), price_per_kg=price)


def test_a_barrel_of_204_kg_is_not_taken_silently(personas, honey):
    with translation.override("pt-br"), pytest.raises(ValidationError) as caught:
        _barrel(personas.staff, honey, net_kg="204")
    errors = caught.value.message_dict
    assert errors["net_kg"] == ["204 kg — o normal é 15 a 30 kg."]
    assert "confirm_unusual" in errors
    assert not Lot.objects.exists()


def test_a_confirmed_unusual_barrel_keeps_the_values_and_who_confirmed(personas, honey):
    with translation.override("en"):
        lot = _barrel(personas.staff, honey, net_kg="204", confirm_unusual=True)
    lot.refresh_from_db()
    assert lot.net_kg == Decimal("204.000")
    assert lot.unusual_confirmed_by == personas.staff
    assert lot.unusual_values == "204 kg — the usual is 15 to 30 kg."
    assert lot.history.get().unusual_confirmed_by_id == personas.staff.pk


def test_a_usual_barrel_needs_no_confirmation(personas, honey):
    lot = _barrel(personas.staff, honey, net_kg="20.4", moisture_pct="18.5")
    assert (lot.status, lot.unusual_values, lot.unusual_confirmed_by) == (Lot.Status.ACCEPTED, "", None)


def test_unusual_moisture_is_asked_too(personas, honey):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        _barrel(personas.staff, honey, moisture_pct="1.85")
    assert caught.value.message_dict["moisture_pct"] == ["1.85% moisture — the usual is 12% to 30%."]


def test_hard_limits_stay_hard_even_when_confirmed(personas, honey):
    with pytest.raises(ValidationError) as caught:
        _barrel(personas.staff, honey, net_kg="2000", confirm_unusual=True)
    assert "net_kg" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        _barrel(personas.staff, honey, moisture_pct="185", confirm_unusual=True)
    assert "moisture_pct" in caught.value.message_dict
    assert not Lot.objects.exists()


def test_the_purchase_of_325_kg_at_3203_reais_is_refused_naming_both(personas, babassu):
    _recent_purchases(babassu)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        _purchase(personas.staff, babassu, net_kg="325", price_per_kg="3203.20")
    errors = caught.value.message_dict
    assert errors["net_kg"] == ["325 kg — the usual is 0.5 to 100 kg."]
    assert "R$3,203.20 per kg" in errors["price_per_kg"][0]
    assert "R$1.92 to R$4.48" in errors["price_per_kg"][0]  # 3.20 ± 40 %
    assert Lot.objects.filter(net_kg="325").count() == 0


def test_a_usual_purchase_passes(personas, babassu):
    _recent_purchases(babassu)
    lot = _purchase(personas.staff, babassu, net_kg="30", price_per_kg="3.60")
    assert lot.unusual_confirmed_by is None and lot.amount_paid == Decimal("108.00")


def test_current_price_is_the_median_of_the_cantinas_recent_purchases(babassu):
    _recent_purchases(babassu, prices=("2.80", "3.00", "3.60", "9.00"))
    purchase(babassu, collected_on=TODAY - datetime.timedelta(days=31), price_per_kg="50")  # too old
    current = selectors.current_purchase_price(
        cooperative=babassu.coop, product=babassu.nuts, association=babassu.cantina, day=TODAY
    )
    assert current == Decimal("3.30")


def test_without_recent_purchases_the_reference_price_counts(personas, babassu):
    purchase(babassu, collected_on=TODAY, price_per_kg="3.20")  # one purchase is not a price
    babassu.nuts.reference_price_per_kg = Decimal("3.00")
    babassu.nuts.save(update_fields=["reference_price_per_kg"])
    with pytest.raises(ValidationError) as caught:
        _purchase(personas.staff, babassu, price_per_kg="5.00")
    assert list(caught.value.message_dict) == ["price_per_kg", "confirm_unusual"]
    assert _purchase(personas.staff, babassu, price_per_kg="4.00").unusual_confirmed_by is None


def test_without_any_price_to_compare_any_price_is_taken(personas, babassu):
    assert _purchase(personas.staff, babassu, price_per_kg="30.00").unusual_confirmed_by is None


def test_the_products_own_range_overrides_the_default(personas, honey):
    services.product_update(
        actor=personas.manager, product=honey.product, usual_net_kg_min="250", usual_net_kg_max="320"
    )
    honey.product.refresh_from_db()
    assert _barrel(personas.staff, honey, net_kg="280").unusual_confirmed_by is None
    with pytest.raises(ValidationError):
        _barrel(personas.staff, honey, net_kg="20")


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"usual_net_kg_min": "30", "usual_net_kg_max": "15"}, "usual_net_kg_max"),
        ({"usual_moisture_min_pct": "-1"}, "usual_moisture_min_pct"),
        ({"usual_moisture_max_pct": "120"}, "usual_moisture_max_pct"),
        ({"price_tolerance_pct": "150"}, "price_tolerance_pct"),
        ({"reference_price_per_kg": "-3"}, "reference_price_per_kg"),
    ],
)
def test_bad_ranges_are_refused_naming_the_field(personas, honey, changes, field):
    with pytest.raises(ValidationError) as caught:
        services.product_update(actor=personas.manager, product=honey.product, **changes)
    assert field in caught.value.message_dict
    honey.product.refresh_from_db()
    assert honey.product.usual_net_kg_min is None and honey.product.price_tolerance_pct == Decimal("40")
