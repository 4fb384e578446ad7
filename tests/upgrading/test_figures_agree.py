"""A figure shown on a home (dashboard) and on the page it links to agree to the cent, on the
same data: advances due (manager and staff homes against the advances page), the premium
fund not yet allocated (home against the fund's page), a contract's delivered kg (home
against the contract's page)."""

import datetime
from decimal import Decimal

import pytest

from tests.chain.chain_pages import TODAY, confirmed
from tests.upgrading import dashboard_data
from tests.upgrading.dashboard_data import _advance, url

dash = dashboard_data.dash


@pytest.fixture
def many_cents(dash):
    """Advances due whose cents a floating-point sum would not keep exact."""
    for number, amount in enumerate(["0.10", "0.20", "10.35", "7.65", "1234.57", "0.01", "0.03"]):
        lot = dash.barrel(code=f"BR-CENT-{number}")
        _advance(dash, lot, amount, TODAY - datetime.timedelta(days=number))
    return dash


def _advances_page_due(client, coop):
    totals = client.get(url("advance_list", coop), {"status": "due"}).context["totals"]
    return totals.due.count, totals.due.amount


def test_advances_due_on_the_manager_home_match_the_advances_page(client, personas, many_cents, coop_a):
    client.force_login(personas.manager)
    home = client.get(url("cooperative_home", coop_a)).context["advances"]
    count, amount = _advances_page_due(client, coop_a)
    assert (home.count, home.amount) == (count, amount)
    assert amount == amount.quantize(Decimal("0.01")) and str(amount) == str(home.amount)


def test_advances_due_on_the_staff_home_match_the_advances_page(client, personas, many_cents, coop_a):
    client.force_login(personas.staff)
    work = client.get(url("cooperative_home", coop_a), {"board": "work"}).context["work"]
    count, amount = _advances_page_due(client, coop_a)
    assert (work.advances_due_count, str(work.advances_due_amount)) == (count, str(amount))


def test_premium_not_yet_allocated_on_the_home_matches_the_fund_page(client, personas, dash, coop_a):
    client.force_login(personas.manager)
    home = client.get(url("cooperative_home", coop_a)).context["premium"].fund
    page = client.get(url("premium_fund", coop_a)).context["fund"]
    assert home is not None
    assert (home.received, home.allocated, home.spent) == (page.received, page.allocated, page.spent)
    assert home.balance == page.balance


def test_a_contracts_delivered_kg_on_the_home_matches_its_page(client, personas, dash, coop_a):
    confirmed(dash, [(dash.barrel(code="BR-AGREE", kg="20.125"), "20.125")], reference="S-AGREE")
    client.force_login(personas.manager)
    paces = client.get(url("cooperative_home", coop_a)).context["contracts"]
    home = {pace.contract.pk: pace.year.delivered_kg for pace, _bar, _chart in paces}
    assert home
    for contract_pk, delivered in home.items():
        years = client.get(url("contract_detail", coop_a, contract_pk)).context["years"]
        current = [year for year, _bar, _state in years if year.starts_on <= TODAY <= year.ends_on]
        assert [year.delivered_kg for year in current] == [delivered]
