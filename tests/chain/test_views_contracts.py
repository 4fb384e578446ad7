"""Contract pages: the list's fulfilment bar, the detail's minimum periods and contract
years, creating, editing and amending the minimum, bad input, and bounded queries."""

import datetime
import re
from decimal import Decimal

import pytest

from chain import services
from chain.models import Contract, ContractMinimum
from chain.selectors import contract_year_on
from tests.chain import chain_pages
from tests.chain.chain_pages import STARTS, TODAY, confirmed, url
from tests.factories import ProductFactory

sales = chain_pages.sales
english = chain_pages.english

SECOND_YEAR = STARTS.replace(year=STARTS.year + 1)


def _contract_form(sales, **changes):
    data = {
        "buyer": sales.buyer.pk,
        "product": sales.product.pk,
        "reference": "FT-NEW",
        "starts_on": "2027-01-01",
        "ends_on": "2029-12-31",
        "minimum_kg": "10800",
        "price_per_kg": "3.00",
        "currency": "USD",
        "premium_per_kg": "0.30",
        "fair_trade": "on",
        "advance_pct": "50",
        "status": "active",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# --- Creating, editing, amending ---------------------------------------------------------------


def test_manager_creates_a_contract_with_its_minimum(client, personas, sales, english):
    client.force_login(personas.manager)
    response = client.post(url("contract_create", sales.coop), _contract_form(sales))
    contract = Contract.objects.get(reference="FT-NEW")
    assert response["Location"] == url("contract_detail", sales.coop, contract.pk)
    assert (contract.price_per_kg, contract.currency, contract.advance_rate) == (
        Decimal("3.0000"),
        "USD",
        Decimal("0.5000"),
    )
    assert contract.fair_trade and not contract.organic
    assert list(contract.minimums.values_list("effective_from", "minimum_kg")) == [
        (datetime.date(2027, 1, 1), Decimal("10800.000"))
    ]


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"ends_on": "2026-12-31"}, "ends_on"),  # before it starts
        ({"price_per_kg": "-1"}, "price_per_kg"),
        ({"premium_per_kg": "-0.10"}, "premium_per_kg"),
        ({"minimum_kg": "-5"}, "minimum_kg"),
        ({"currency": "XYZ"}, "currency"),
        ({"advance_pct": "150"}, "advance_pct"),
        ({"reference": "no spaces allowed"}, "reference"),
        ({"max_moisture_pct": "120"}, "max_moisture_pct"),
    ],
)
def test_bad_contract_input_shows_the_error_by_its_field_and_writes_nothing(
    client, personas, sales, changes, field
):
    client.force_login(personas.manager)
    before = (Contract.objects.count(), ContractMinimum.objects.count())
    response = client.post(url("contract_create", sales.coop), _contract_form(sales, **changes))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [field], form.errors
    html = response.content.decode()
    # The message sits inside the field's own block, not at the top of the form.
    block = re.search(rf'<div class="field[^"]*has-error">\s*<label for="id_{field}"', html)
    assert block, field
    assert (Contract.objects.count(), ContractMinimum.objects.count()) == before


def test_a_reference_already_used_is_refused(client, personas, sales):
    client.force_login(personas.manager)
    response = client.post(url("contract_create", sales.coop), _contract_form(sales, reference="FT-A"))
    assert response.status_code == 200 and response.context["form"].errors
    assert Contract.objects.filter(reference="FT-A").count() == 1


def test_contract_end_before_start_says_so_in_portuguese(client, personas, sales):
    client.force_login(personas.manager)
    response = client.post(url("contract_create", sales.coop), _contract_form(sales, ends_on="2026-01-01"))
    assert "O contrato não pode terminar antes de começar." in response.content.decode()


def test_a_product_of_another_coop_is_not_a_choice(client, personas, sales, coop_b):
    foreign = ProductFactory(cooperative=coop_b, code="FOREIGN")
    client.force_login(personas.manager)
    response = client.post(url("contract_create", sales.coop), _contract_form(sales, product=foreign.pk))
    assert "product" in response.context["form"].errors
    assert not Contract.objects.filter(reference="FT-NEW").exists()


def test_editing_a_contract_keeps_its_minimum_and_records_history(client, personas, sales, english):
    client.force_login(personas.manager)
    edit = url("contract_edit", sales.coop, sales.contract.pk)
    form = client.get(edit).context["form"]
    assert "minimum_kg" not in form.fields  # amended from a date on, not edited
    data = {k: v for k, v in form.initial.items() if v is not None and v is not False}
    response = client.post(edit, {**data, "price_per_kg": "3.25", "advance_pct": "40"})
    assert response.status_code == 302, response.context["form"].errors
    sales.contract.refresh_from_db()
    assert (sales.contract.price_per_kg, sales.contract.advance_rate) == (
        Decimal("3.2500"),
        Decimal("0.4000"),
    )
    assert sales.contract.minimums.count() == 1
    history = client.get(url("contract_detail", sales.coop, sales.contract.pk)).context["history"]
    assert history[0].changes


def test_amending_the_minimum_shows_both_periods(client, personas, sales, english):
    client.force_login(personas.manager)
    response = client.post(
        url("contract_minimum", sales.coop, sales.contract.pk),
        {"effective_from": SECOND_YEAR.isoformat(), "minimum_kg": "17800"},
    )
    assert response.status_code == 302
    page = client.get(url("contract_detail", sales.coop, sales.contract.pk))
    periods = page.context["periods"]
    assert [(p["starts_on"], p["ends_on"], p["minimum_kg"]) for p in periods] == [
        (STARTS, SECOND_YEAR - datetime.timedelta(days=1), Decimal("10800.000")),
        (SECOND_YEAR, sales.contract.ends_on, Decimal("17800.000")),
    ]
    years = [year for year, _bar, _state in page.context["years"]]
    assert [y.minimum_kg for y in years] == [Decimal("10800.000"), Decimal("17800.000")]
    html = page.content.decode()
    assert "10,800\xa0kg" in html and "17,800\xa0kg" in html


def test_the_detail_writes_numbers_the_portuguese_way(client, personas, sales):
    services.contract_minimum_set(
        actor=personas.manager, contract=sales.contract, effective_from=SECOND_YEAR, minimum_kg="17800"
    )
    client.force_login(personas.auditor)
    html = client.get(url("contract_detail", sales.coop, sales.contract.pk)).content.decode()
    assert "10.800\xa0kg" in html and "17.800\xa0kg" in html
    assert "US$\xa03,00" in html  # the price per kg


@pytest.mark.parametrize(
    "data, field",
    [
        ({"effective_from": "1999-01-01", "minimum_kg": "17800"}, "effective_from"),  # outside the contract
        ({"effective_from": "", "minimum_kg": "17800"}, "effective_from"),
        ({"minimum_kg": "-1"}, "minimum_kg"),
        ({"minimum_kg": "lots"}, "minimum_kg"),
    ],
)
def test_a_bad_amendment_is_refused_by_its_field(client, personas, sales, data, field, english):
    client.force_login(personas.manager)
    data = {"effective_from": SECOND_YEAR.isoformat(), **data}
    response = client.post(url("contract_minimum", sales.coop, sales.contract.pk), data)
    assert response.status_code == 400
    assert field in response.context["minimum_form"].errors
    assert sales.contract.minimums.count() == 1


# --- Fulfilment ------------------------------------------------------------------------------


def test_the_list_shows_each_active_contracts_bar_with_pace_and_projection(client, personas, sales, english):
    confirmed(sales, [(sales.barrel(kg="600", code="BR-600"), "600")])
    client.force_login(personas.staff)
    response = client.get(url("contract_list", sales.coop))
    ((contract, progress, bar),) = response.context["rows"]
    official = contract_year_on(contract=sales.contract, today=TODAY)
    # The list reads every contract at once; its figures are the selector's.
    assert (progress.delivered_kg, progress.minimum_kg, progress.expected_kg, progress.projected_kg) == (
        official.delivered_kg,
        official.minimum_kg,
        official.expected_kg,
        official.projected_kg,
    )
    assert progress.delivered_kg == Decimal("600.000") and progress.on_pace == official.on_pace
    html = response.content.decode()
    assert '<meter min="0" max="10800" ' in html and 'value="600"' in html
    assert f"pace-mark at-{bar.pace_step}" in html
    assert "short</strong> of the minimum" in html or "above</strong> the minimum" in html


def test_drafts_do_not_count_towards_the_minimum(client, personas, sales):
    sales.shipment([(sales.barrel(), "20")], reference="S-DRAFT")
    client.force_login(personas.manager)
    ((_contract, progress, _bar),) = client.get(url("contract_list", sales.coop)).context["rows"]
    assert progress.delivered_kg == 0


def test_the_detail_shows_money_and_premium_per_contract_year(client, personas, sales, english):
    confirmed(sales, [(sales.barrel(kg="100", code="BR-100"), "100")])
    client.force_login(personas.manager)
    response = client.get(url("contract_detail", sales.coop, sales.contract.pk))
    current = [year for year, _bar, state in response.context["years"] if state == "current"][0]
    assert (current.revenue, current.revenue_base, current.premium_due) == (
        Decimal("300.00"),
        Decimal("1530.00"),
        Decimal("20.00"),
    )
    html = response.content.decode()
    assert "$300.00" in html and "R$1,530.00" in html and "$20.00" in html


# --- Query counts ----------------------------------------------------------------------------


def _more_contracts(sales, personas, n):
    for i in range(n):
        contract = services.contract_create(
            actor=personas.manager,
            cooperative=sales.coop,
            buyer=sales.buyer,
            product=sales.product,
            reference=f"MORE-{i}",
            starts_on=STARTS,
            ends_on=STARTS + datetime.timedelta(days=800),
            price_per_kg=Decimal("3"),
            currency="USD",
            minimum_kg=Decimal("1000"),
        )
        services.contract_minimum_set(
            actor=personas.manager, contract=contract, effective_from=SECOND_YEAR, minimum_kg="2000"
        )
        lot = sales.barrel(code=f"MORE-LOT-{i}")
        shipment = sales.shipment([(lot, "5")], reference=f"MORE-S-{i}", contract=contract)
        services.shipment_confirm(actor=personas.manager, shipment=shipment)


LIST_QUERY_BOUND = 11
DETAIL_QUERY_BOUND = 14


def test_contract_list_runs_the_same_queries_for_1_or_9_contracts(
    client, personas, sales, django_assert_max_num_queries
):
    client.force_login(personas.manager)
    confirmed(sales, [(sales.barrel(), "10")])
    page = url("contract_list", sales.coop)
    with django_assert_max_num_queries(LIST_QUERY_BOUND) as small:
        assert client.get(page).status_code == 200
    _more_contracts(sales, personas, 8)
    with django_assert_max_num_queries(LIST_QUERY_BOUND) as large:
        response = client.get(page)
    assert sum(1 for _c, progress, _b in response.context["rows"] if progress) == 9
    assert len(large.captured_queries) == len(small.captured_queries)


def test_contract_detail_runs_the_same_queries_for_1_or_12_shipments(
    client, personas, sales, django_assert_max_num_queries
):
    client.force_login(personas.manager)
    confirmed(sales, [(sales.barrel(), "10")], reference="FIRST")
    page = url("contract_detail", sales.coop, sales.contract.pk)
    with django_assert_max_num_queries(DETAIL_QUERY_BOUND) as small:
        assert client.get(page).status_code == 200
    services.contract_minimum_set(
        actor=personas.manager, contract=sales.contract, effective_from=SECOND_YEAR, minimum_kg="17800"
    )
    for i in range(11):
        confirmed(sales, [(sales.barrel(), "10"), (sales.barrel(), "5")], reference=f"MORE-{i}")
    with django_assert_max_num_queries(DETAIL_QUERY_BOUND) as large:
        response = client.get(page)
    assert len(response.context["shipments"]) == 12
    assert len(large.captured_queries) == len(small.captured_queries)
