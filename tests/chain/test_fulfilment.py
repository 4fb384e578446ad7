"""Contract fulfilment per contract year, and the co-op's market position."""

import datetime
import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chain import services
from chain.models import Buyer
from chain.selectors import contract_fulfilment, contract_year_on, market_position
from tests.factories import CertificationFactory, FamilyFactory, LotFactory, ProductFactory


@pytest.fixture
def oil_contract(coop_a, personas):
    oil = ProductFactory(cooperative=coop_a, code="OIL", name="Óleo")
    buyer = services.buyer_create(
        actor=personas.manager,
        cooperative=coop_a,
        name="Cosmetics Ltd",
        country="GB",
        kind=Buyer.Kind.FAIR_TRADE,
    )
    contract = services.contract_create(
        actor=personas.manager,
        cooperative=coop_a,
        buyer=buyer,
        product=oil,
        reference="TBS",
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
        price_per_kg=Decimal("3.00"),
        currency="USD",
        premium_per_kg=Decimal("0.30"),
        fair_trade=True,
        minimum_kg=Decimal("10800"),
    )
    # The amendment: 17.8 t a year from 2025 on.
    services.contract_minimum_set(
        actor=personas.manager,
        contract=contract,
        effective_from=datetime.date(2025, 1, 1),
        minimum_kg="17800",
    )
    return contract


def _sell(manager, contract, kg, on, reference, rate="5.00", buyer=None, price=None):
    family = FamilyFactory(cooperative=contract.cooperative)
    CertificationFactory(family=family, scheme="fair_trade", valid_from=on, valid_to=on)
    lot = LotFactory(
        cooperative=contract.cooperative,
        product=contract.product,
        kind="batch",
        family=family,
        net_kg=kg,
        collected_on=on,
        moisture_pct=None,
    )
    shipment = services.shipment_create(
        actor=manager,
        cooperative=contract.cooperative,
        buyer=buyer or contract.buyer,
        contract=None if buyer else contract,
        product=contract.product,
        reference=reference,
        shipped_on=on,
        exchange_rate=Decimal(rate),
        allocations=[(lot, kg)],
        **({"price_per_kg": Decimal(price), "currency": "BRL"} if price else {}),
    )
    services.shipment_confirm(actor=manager, shipment=shipment)
    return shipment


def test_each_contract_year_shows_its_own_minimum(personas, oil_contract):
    years = contract_fulfilment(contract=oil_contract, today=datetime.date(2026, 7, 1))
    assert [(y.starts_on.year, y.minimum_kg) for y in years] == [
        (2024, Decimal("10800")),
        (2025, Decimal("17800")),
        (2026, Decimal("17800")),
    ]


def test_pace_projection_and_money_of_the_current_year(personas, oil_contract):
    _sell(personas.manager, oil_contract, "4000", datetime.date(2026, 2, 1), "S-1")
    _sell(personas.manager, oil_contract, "2000", datetime.date(2026, 4, 1), "S-2", rate="5.50")
    _sell(personas.manager, oil_contract, "999", datetime.date(2025, 6, 1), "S-OLD")

    year = contract_year_on(contract=oil_contract, today=datetime.date(2026, 7, 1))  # day 182 of 365

    assert year.delivered_kg == Decimal("6000.000")
    assert year.expected_kg == Decimal("8875.616")  # 17,800 × 182/365
    assert not year.on_pace
    assert year.projected_kg == Decimal("12032.967")
    assert year.shortfall_kg == Decimal("5767.033")
    assert year.revenue == Decimal("18000.00")  # USD
    assert year.revenue_base == Decimal("93000.00")  # 12,000 × 5.00 + 6,000 × 5.50
    assert year.premium_due == Decimal("1800.00")


def test_a_past_day_counts_only_what_had_shipped_by_then(personas, oil_contract):
    """Issue: asked about a day mid-year, fulfilment counted the whole year's shipments."""
    _sell(personas.manager, oil_contract, "4000", datetime.date(2026, 2, 1), "BEFORE")
    _sell(personas.manager, oil_contract, "1000", datetime.date(2026, 7, 1), "ON-THE-DAY")
    _sell(personas.manager, oil_contract, "9000", datetime.date(2026, 9, 1), "AFTER")

    year = contract_year_on(contract=oil_contract, today=datetime.date(2026, 7, 1))

    assert year.delivered_kg == Decimal("5000.000")
    assert year.scheduled_kg == Decimal("9000.000")
    assert not year.on_pace  # 5,000 < 8,875.616 expected by day 182
    assert year.projected_kg == Decimal("10027.473")  # 5,000 ÷ 182/365, not 14,000 ÷ 182/365
    assert year.revenue == Decimal("15000.00")
    assert year.premium_due == Decimal("1500.00")


def test_a_future_dated_shipment_is_scheduled_not_delivered(personas, oil_contract):
    _sell(personas.manager, oil_contract, "700", datetime.date(2026, 3, 2), "NEXT-WEEK")
    year = contract_year_on(contract=oil_contract, today=datetime.date(2026, 3, 1))
    assert (year.delivered_kg, year.scheduled_kg) == (Decimal("0"), Decimal("700.000"))
    later = contract_year_on(contract=oil_contract, today=datetime.date(2026, 3, 2))
    assert (later.delivered_kg, later.scheduled_kg) == (Decimal("700.000"), Decimal("0.000"))


_references = itertools.count()  # hypothesis reuses the fixture's database between examples


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(days=st.lists(st.integers(min_value=0, max_value=364), min_size=1, max_size=4))
def test_delivered_on_a_day_never_decreases_as_the_day_grows(personas, oil_contract, days):
    for offset in days:
        on = datetime.date(2026, 1, 1) + datetime.timedelta(days=offset)
        _sell(personas.manager, oil_contract, "10", on, f"P-{next(_references)}")
    previous = Decimal("-1")
    for offset in range(0, 365, 7):
        on = datetime.date(2026, 1, 1) + datetime.timedelta(days=offset)
        year = contract_year_on(contract=oil_contract, today=on)
        assert year.delivered_kg >= previous
        assert year.delivered_kg + year.scheduled_kg >= Decimal(10 * len(days))
        previous = year.delivered_kg


def test_fulfilment_runs_a_fixed_number_of_queries(personas, oil_contract, django_assert_max_num_queries):
    for n in range(5):
        _sell(personas.manager, oil_contract, "100", datetime.date(2026, 1, 10 + n), f"S-{n}")
    with django_assert_max_num_queries(2):
        contract_fulfilment(contract=oil_contract, today=datetime.date(2026, 7, 1))


def test_market_position_shows_the_price_multiple_and_the_largest_buyer(personas, oil_contract):
    local = services.buyer_create(
        actor=personas.manager,
        cooperative=oil_contract.cooperative,
        name="Sabão Local",
        country="BR",
        kind=Buyer.Kind.SOAP_MAKER,
    )
    _sell(personas.manager, oil_contract, "3000", datetime.date(2026, 3, 1), "FT-1")  # US$3 × 5 = R$15/kg
    _sell(
        personas.manager, oil_contract, "7000", datetime.date(2026, 3, 2), "LOC-1", buyer=local, price="5.00"
    )

    position = market_position(cooperative=oil_contract.cooperative, year=2026)

    assert position.fair_trade_share == Decimal("0.3000")
    assert position.price_multiples == {oil_contract.product: Decimal("3.00")}
    assert position.largest_buyer.buyer == oil_contract.buyer
    assert position.largest_buyer.share == Decimal("0.5625")  # 45,000 of 80,000
