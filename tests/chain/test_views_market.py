"""The market position page: the fair-trade share, the price multiple and the largest
buyer, highlighted as a lock-in risk when it takes more than half of the revenue."""

import datetime
from decimal import Decimal

from chain import services
from tests.chain import chain_pages
from tests.chain.chain_pages import confirmed, url

sales = chain_pages.sales
english = chain_pages.english


def _local_sale(sales, personas, kg, price, reference, buyer=None):
    buyer = buyer or services.buyer_create(
        actor=personas.manager, cooperative=sales.coop, name=f"Local {reference}", country="BR", kind="local"
    )
    shipment = sales.shipment(
        [(sales.barrel(kg=kg, family=sales.uncertified), kg)],
        reference=reference,
        buyer=buyer,
        contract=None,
        price_per_kg=Decimal(price),
        fair_trade=False,
        organic=False,
    )
    return services.shipment_confirm(actor=personas.manager, shipment=shipment)


def _year_of(shipment):
    return shipment.shipped_on.year


def test_market_position_shows_shares_multiple_and_lock_in(client, personas, sales, english):
    # 30 kg fair trade at US$3 × 5.10 = R$15.30/kg; 70 kg locally at R$5.10/kg.
    fair = confirmed(sales, [(sales.barrel(kg="30"), "30")], reference="FT-1")
    _local_sale(sales, personas, "70", "5.10", "LOC-1")
    client.force_login(personas.auditor)
    response = client.get(url("market_position", sales.coop) + f"?year={_year_of(fair)}")
    context = response.context
    assert context["fair_trade_pct"] == Decimal("30.0000")
    assert context["multiples"] == [(sales.product, Decimal("3.00"))]
    # R$459 of R$816 from the importer: more than half.
    assert context["largest"].buyer == sales.buyer and context["lock_in"]
    html = response.content.decode()
    assert "30%" in html and "70%" in html and "3×" in html
    assert "Lock-in risk:" in html and "56.25%" in html


def test_no_lock_in_warning_when_sales_are_spread(client, personas, sales, english):
    fair = confirmed(sales, [(sales.barrel(kg="10"), "10")], reference="FT-1")  # R$153
    _local_sale(sales, personas, "40", "5.10", "LOC-1")  # R$204
    _local_sale(sales, personas, "40", "5.10", "LOC-2")  # R$204
    client.force_login(personas.manager)
    response = client.get(url("market_position", sales.coop) + f"?year={_year_of(fair)}")
    assert not response.context["lock_in"]
    assert "Lock-in risk" not in response.content.decode()


def test_a_year_without_sales_says_so_and_a_bad_year_is_ignored(client, personas, sales, english):
    client.force_login(personas.staff)
    response = client.get(url("market_position", sales.coop) + "?year=1990")
    assert response.status_code == 200
    assert response.context["year"] == datetime.date.today().year
    assert "No confirmed sale in" in response.content.decode()


MARKET_QUERY_BOUND = 10


def test_market_position_runs_the_same_queries_for_few_or_many_sales(
    client, personas, sales, django_assert_max_num_queries
):
    fair = confirmed(sales, [(sales.barrel(kg="10"), "10")], reference="FT-0")
    client.force_login(personas.manager)
    page = url("market_position", sales.coop) + f"?year={_year_of(fair)}"
    with django_assert_max_num_queries(MARKET_QUERY_BOUND) as small:
        client.get(page)
    for i in range(1, 12):
        confirmed(sales, [(sales.barrel(kg="10"), "10")], reference=f"FT-{i}")
        _local_sale(sales, personas, "10", "5", f"LOC-{i}")
    with django_assert_max_num_queries(MARKET_QUERY_BOUND) as large:
        response = client.get(page)
    assert len(response.context["buyers"]) == 12
    assert len(large.captured_queries) == len(small.captured_queries)
