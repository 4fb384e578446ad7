"""Shipment pages: a draft from a contract's terms, allocating lots, confirming (and a
refusal that names the lot), shipping and payment, bad input, and bounded queries."""

import datetime
import re
from decimal import Decimal

import pytest

from chain import services
from chain.models import Allocation, Shipment
from coop.models import Lot
from tests.chain import chain_pages
from tests.chain.chain_pages import TODAY, confirmed, url
from tests.factories import LotFactory, ProductFactory

sales = chain_pages.sales
english = chain_pages.english


def _draft_form(sales, **changes):
    data = {
        "contract": sales.contract.pk,
        "reference": "S-NEW",
        "shipped_on": TODAY.isoformat(),
        "exchange_rate": "5.10",
        "invoice_reference": "INV-77",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# --- The draft ---------------------------------------------------------------------------------


def test_new_shipment_from_a_contract_starts_with_its_terms(client, personas, sales):
    client.force_login(personas.manager)
    form = client.get(url("shipment_create", sales.coop) + f"?contract={sales.contract.pk}").context["form"]
    assert form.initial["buyer"] == sales.buyer.pk and form.initial["product"] == sales.product.pk
    assert (form.initial["price_per_kg"], form.initial["currency"]) == (Decimal("3"), "USD")
    assert form.initial["fair_trade"] and form.initial["organic"]


def test_choosing_a_contract_rereads_the_form_without_saving(client, personas, sales):
    client.force_login(personas.manager)
    response = client.post(
        url("shipment_create", sales.coop),
        {"refresh": "1", "contract": sales.contract.pk, "reference": "S-TYPED"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert not form.is_bound and not form.errors
    assert (form.initial["currency"], form.initial["reference"]) == ("USD", "S-TYPED")
    html = response.content.decode()
    assert 'value="3"' in html and '<option value="USD" selected>' in html
    assert not Shipment.objects.exists()


def test_manager_saves_a_draft_with_the_contracts_price_and_claims(client, personas, sales):
    client.force_login(personas.manager)
    response = client.post(url("shipment_create", sales.coop), _draft_form(sales))
    shipment = Shipment.objects.get(reference="S-NEW")
    assert response["Location"] == url("shipment_detail", sales.coop, shipment.pk)
    assert (shipment.buyer, shipment.product, shipment.price_per_kg, shipment.currency) == (
        sales.buyer,
        sales.product,
        Decimal("3.0000"),
        "USD",
    )
    assert shipment.fair_trade and shipment.organic and shipment.status == Shipment.Status.DRAFT
    assert shipment.exchange_rate == Decimal("5.10") and shipment.price_overridden_by is None


def test_a_different_price_needs_a_reason_and_records_who(client, personas, sales, english):
    client.force_login(personas.manager)
    page = url("shipment_create", sales.coop)
    refused = client.post(page, _draft_form(sales, price_per_kg="2.50"))
    assert list(refused.context["form"].errors) == ["price_override_reason"]
    assert "Say why the price differs" in refused.content.decode()
    assert not Shipment.objects.exists()
    client.post(page, _draft_form(sales, price_per_kg="2.50", price_override_reason="Drums dented"))
    shipment = Shipment.objects.get()
    assert (shipment.price_per_kg, shipment.price_overridden_by) == (Decimal("2.5000"), personas.manager)
    html = client.get(url("shipment_detail", sales.coop, shipment.pk)).content.decode()
    assert "Drums dented" in html and "a-manager" in html


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"exchange_rate": "0"}, "exchange_rate"),
        ({"exchange_rate": "-2"}, "exchange_rate"),
        ({"exchange_rate": ""}, "exchange_rate"),  # USD sold by a BRL co-op
        ({"price_per_kg": "-1", "price_override_reason": "x"}, "price_per_kg"),
        ({"currency": "XYZ", "price_override_reason": "x"}, "currency"),
        ({"contract": "", "buyer": "", "product": "", "price_per_kg": "5"}, "buyer"),
        ({"shipped_on": "31/02/2026"}, "shipped_on"),
        ({"reference": ""}, "reference"),
    ],
)
def test_bad_shipment_input_is_refused_by_its_field_and_writes_nothing(
    client, personas, sales, changes, field
):
    client.force_login(personas.manager)
    response = client.post(url("shipment_create", sales.coop), _draft_form(sales, **changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors, response.context["form"].errors
    assert f'<label for="id_{field}"' in response.content.decode()
    assert not Shipment.objects.exists()


def test_a_local_sale_needs_no_contract_and_no_rate(client, personas, sales, english):
    local = services.buyer_create(
        actor=personas.manager, cooperative=sales.coop, name="Mercado", country="BR", kind="local"
    )
    client.force_login(personas.manager)
    response = client.post(
        url("shipment_create", sales.coop),
        {
            "buyer": local.pk,
            "product": sales.product.pk,
            "reference": "LOCAL-1",
            "shipped_on": TODAY.isoformat(),
            "price_per_kg": "9.50",
        },
    )
    assert response.status_code == 302
    shipment = Shipment.objects.get()
    assert (shipment.contract, shipment.currency, shipment.exchange_rate) == (None, "BRL", Decimal("1"))


def test_a_draft_can_be_edited_but_a_confirmed_shipment_cannot(client, personas, sales, english):
    draft = sales.shipment([(sales.barrel(), "10")], reference="S-EDIT")
    client.force_login(personas.manager)
    edit = url("shipment_edit", sales.coop, draft.pk)
    form = client.get(edit).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and v is not False}
    assert client.post(edit, {**data, "invoice_reference": "INV-9"}).status_code == 302
    draft.refresh_from_db()
    assert draft.invoice_reference == "INV-9"

    services.shipment_confirm(actor=personas.manager, shipment=draft)
    response = client.post(edit, {**data, "invoice_reference": "INV-10"})
    assert "can no longer be changed" in response.content.decode()
    draft.refresh_from_db()
    assert draft.invoice_reference == "INV-9"


# --- Allocating lots ---------------------------------------------------------------------------


@pytest.fixture
def draft(sales):
    return sales.shipment([], reference="S-DRAFT")


def test_the_allocation_page_lists_only_lots_that_can_be_sold(client, personas, sales, draft, english):
    sales.barrel(code="BR-GOOD")
    sales.barrel(family=sales.uncertified, code="BR-UNCERT")
    sales.barrel(moisture="19.5", code="BR-WET")
    Lot.objects.filter(pk=sales.barrel(code="BR-RECEIVED").pk).update(status="received")
    used = sales.barrel(code="BR-USED")
    Lot.objects.filter(pk=used.pk).update(allocated_kg=used.net_kg, status="allocated")
    wax = ProductFactory(cooperative=sales.coop, code="WAX")
    LotFactory(cooperative=sales.coop, product=wax, code="WAX-1")
    client.force_login(personas.manager)
    response = client.get(url("shipment_allocate", sales.coop, draft.pk))
    rows = {row["lot"].code: row for row in response.context["rows"]}
    assert set(rows) == {"BR-GOOD", "BR-UNCERT", "BR-WET"}
    assert rows["BR-GOOD"]["hints"].fair_trade and rows["BR-GOOD"]["hints"].organic
    assert not rows["BR-UNCERT"]["hints"].fair_trade
    assert rows["BR-WET"]["hints"].moisture == Decimal("19.50")
    html = response.content.decode()
    assert "not fair trade" in html and 'class="too-wet"' in html
    assert rows["BR-GOOD"]["kg"] == Decimal("20.000")  # all it has left, unless changed


def test_searching_keeps_the_ticked_lots(client, personas, sales, draft):
    first = sales.barrel(code="BR-FIRST")
    sales.barrel(code="BR-OTHER")
    client.force_login(personas.manager)
    response = client.post(
        url("shipment_allocate", sales.coop, draft.pk),
        {"refresh": "1", "q": "OTHER", "lot": [first.pk], f"kg-{first.pk}": "7"},
    )
    rows = {row["lot"].code: row for row in response.context["rows"]}
    assert set(rows) == {"BR-FIRST", "BR-OTHER"}
    assert rows["BR-FIRST"]["checked"] and rows["BR-FIRST"]["kg"] == "7"
    assert not Allocation.objects.exists()


def test_manager_allocates_lots_and_the_draft_shows_them(client, personas, sales, draft, english):
    one, two = sales.barrel(code="BR-1"), sales.barrel(code="BR-2", kg="15")
    client.force_login(personas.manager)
    response = client.post(
        url("shipment_allocate", sales.coop, draft.pk),
        {"lot": [one.pk, two.pk], f"kg-{one.pk}": "20", f"kg-{two.pk}": "12.5"},
    )
    assert response.status_code == 302
    assert dict(draft.allocations.values_list("lot__code", "kg")) == {
        "BR-1": Decimal("20.000"),
        "BR-2": Decimal("12.500"),
    }
    page = client.get(url("shipment_detail", sales.coop, draft.pk))
    html = page.content.decode()
    assert "BR-1" in html and "BR-2" in html and "32.5\xa0kg" in html
    assert "$97.50" in html  # 32.5 kg × US$3.00
    # Nothing is counted against the lots until the shipment is confirmed.
    one.refresh_from_db()
    assert one.allocated_kg == 0


@pytest.mark.parametrize("typed", ["25", "0", "-1", "abc"])
def test_bad_kilograms_are_refused_on_the_lots_row(client, personas, sales, draft, typed):
    lot = sales.barrel(code="BR-ROW")
    client.force_login(personas.manager)
    response = client.post(
        url("shipment_allocate", sales.coop, draft.pk), {"lot": [lot.pk], f"kg-{lot.pk}": typed}
    )
    assert response.status_code == 400
    row = next(row for row in response.context["rows"] if row["lot"].pk == lot.pk)
    assert row["errors"] and row["checked"]
    assert 'class="has-error"' in response.content.decode()
    assert not Allocation.objects.exists()


# --- Confirming, shipping, payment --------------------------------------------------------------


def test_manager_confirms_ships_and_records_payment(client, personas, sales, english):
    lot = sales.barrel(code="BR-OK")
    shipment = sales.shipment([(lot, "20")], reference="S-FLOW")
    client.force_login(personas.manager)
    detail = url("shipment_detail", sales.coop, shipment.pk)

    assert (
        client.post(url("shipment_confirm", sales.coop, shipment.pk), {"confirm_step": "1"})["Location"]
        == detail
    )
    shipment.refresh_from_db()
    lot.refresh_from_db()
    assert shipment.status == "confirmed" and lot.allocated_kg == Decimal("20.000")
    assert url("shipment_shipped", sales.coop, shipment.pk) in client.get(detail).content.decode()

    client.post(url("shipment_shipped", sales.coop, shipment.pk))
    shipment.refresh_from_db()
    lot.refresh_from_db()
    assert (shipment.status, lot.status) == ("shipped", "shipped")

    too_early = shipment.shipped_on - datetime.timedelta(days=1)
    refused = client.post(url("shipment_paid", sales.coop, shipment.pk), {"paid_on": too_early.isoformat()})
    assert refused.status_code == 400
    assert "Payment cannot come before shipping." in str(refused.context["paid_form"].errors["paid_on"])
    client.post(url("shipment_paid", sales.coop, shipment.pk), {"paid_on": TODAY.isoformat()})
    shipment.refresh_from_db()
    assert (shipment.status, shipment.paid_on) == ("paid", TODAY)
    html = client.get(detail).content.decode()
    assert "Next step" not in html  # nothing left to do


def test_confirming_first_shows_what_will_happen_and_only_the_step_confirms(client, personas, sales):
    lots = [sales.barrel(code="BR-A", kg="20.5"), sales.barrel(code="BR-B", kg="1200")]
    shipment = sales.shipment([(lots[0], "20.5"), (lots[1], "1200")], reference="S-STEP")
    client.force_login(personas.manager)
    step = url("shipment_confirm", sales.coop, shipment.pk)
    assert step in client.get(url("shipment_detail", sales.coop, shipment.pk)).content.decode()

    page = client.get(step, HTTP_ACCEPT_LANGUAGE="pt-br")
    html = page.content.decode()
    assert page.status_code == 200 and page.templates[0].name == "chain/shipment_confirm.html"
    assert "2 lotes, 1.220,5\xa0kg ao todo, passam a contar como vendidos" in html
    assert "comércio justo e orgânico" in html  # the claims the lots must meet
    assert "US$\xa03,00" in html and "US$\xa03.661,50" in html  # price per kg and value
    assert "US$\xa0244,10" in html  # the contract's premium on 1,220.5 kg
    assert "não pode ser desfeito" in html
    # Neither the GET nor a POST without the step confirms.
    assert client.post(step).status_code == 200
    shipment.refresh_from_db()
    assert shipment.status == "draft"
    assert client.post(step, {"confirm_step": "1"}).status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == "confirmed"
    # Once confirmed, the step sends back to the shipment.
    assert client.get(step)["Location"] == url("shipment_detail", sales.coop, shipment.pk)


@pytest.mark.parametrize(("persona", "status"), [("staff", 403), ("auditor", 403), ("outsider", 404)])
def test_only_managers_of_the_co_op_see_the_confirmation_step(client, personas, sales, persona, status):
    shipment = sales.shipment([(sales.barrel(code="BR-C"), "5")], reference="S-NO")
    client.force_login(getattr(personas, persona))
    assert client.get(url("shipment_confirm", sales.coop, shipment.pk)).status_code == status


def test_a_refused_confirmation_names_the_lot_and_the_rule(client, personas, sales, english):
    good = sales.barrel(code="BR-GOOD")
    bad = sales.barrel(family=sales.uncertified, code="BR-BAD")
    shipment = sales.shipment([(good, "10"), (bad, "10")], reference="S-MIXED")
    client.force_login(personas.manager)
    response = client.post(url("shipment_confirm", sales.coop, shipment.pk), {"confirm_step": "1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Lot BR-BAD cannot be sold as Fair trade" in html
    assert "from families not certified on the delivery date" in html
    # ...and next to the lot in the shipment's table: BR-BAD's row, not BR-GOOD's.
    reasons = re.findall(r'<tr class="refusal" id="refusal-(\d+)">(.*?)</tr>', html, re.DOTALL)
    assert [int(pk) for pk, _text in reasons] == [bad.pk]
    assert "BR-BAD" in reasons[0][1] and "BR-GOOD" not in reasons[0][1]
    shipment.refresh_from_db()
    bad.refresh_from_db()
    good.refresh_from_db()
    assert shipment.status == "draft" and bad.allocated_kg == good.allocated_kg == 0


def test_a_refusal_reads_in_portuguese(client, personas, sales):
    lot = sales.barrel(moisture="19.5", code="BR-MOLHADO")
    shipment = sales.shipment([(lot, "10")], reference="S-WET")
    client.force_login(personas.manager)
    html = client.post(
        url("shipment_confirm", sales.coop, shipment.pk), {"confirm_step": "1"}
    ).content.decode()
    assert "BR-MOLHADO" in html and "umidade" in html


def test_confirming_twice_is_refused_with_a_message(client, personas, sales, english):
    shipment = confirmed(sales, [(sales.barrel(), "5")])
    client.force_login(personas.manager)
    response = client.post(url("shipment_confirm", sales.coop, shipment.pk), {"confirm_step": "1"})
    assert response.status_code == 400
    assert "can no longer be changed" in response.content.decode()


def test_the_allocation_page_of_a_confirmed_shipment_sends_back(client, personas, sales):
    shipment = confirmed(sales, [(sales.barrel(), "5")])
    client.force_login(personas.manager)
    page = url("shipment_allocate", sales.coop, shipment.pk)
    assert client.get(page)["Location"] == url("shipment_detail", sales.coop, shipment.pk)
    lot = sales.barrel()
    assert client.post(page, {"lot": [lot.pk], f"kg-{lot.pk}": "1"}).status_code == 400
    assert shipment.allocations.count() == 1


# --- The list --------------------------------------------------------------------------------


def test_the_list_shows_status_buyer_contract_date_kg_and_value(client, personas, sales, english):
    confirmed(sales, [(sales.barrel(), "20"), (sales.barrel(), "10")], reference="S-LIST")
    client.force_login(personas.auditor)
    response = client.get(url("shipment_list", sales.coop))
    (shipment,) = response.context["shipments"]
    assert (shipment.kg, shipment.value) == (Decimal("30.000"), Decimal("90.00"))
    html = response.content.decode()
    for text in ("S-LIST", "Confirmed", "Importer A", "FT-A", "$90.00"):
        assert text in html, text


def test_the_list_filters_by_status_and_buyer(client, personas, sales):
    confirmed(sales, [(sales.barrel(), "20")], reference="S-CONF")
    sales.shipment([], reference="S-DRAFT")
    client.force_login(personas.staff)

    def refs(query):
        return {
            s.reference for s in client.get(url("shipment_list", sales.coop) + query).context["shipments"]
        }

    assert refs("") == {"S-CONF", "S-DRAFT"}
    assert refs("?status=draft") == {"S-DRAFT"}
    assert refs(f"?buyer={sales.buyer.pk}&q=conf") == {"S-CONF"}


LIST_QUERY_BOUND = 9


def test_shipment_list_runs_the_same_queries_for_1_or_25_shipments(
    client, personas, sales, django_assert_max_num_queries
):
    confirmed(sales, [(sales.barrel(), "20")], reference="S-0")
    client.force_login(personas.manager)
    page = url("shipment_list", sales.coop)
    with django_assert_max_num_queries(LIST_QUERY_BOUND) as small:
        assert client.get(page).status_code == 200
    for i in range(1, 25):
        confirmed(sales, [(sales.barrel(), "5"), (sales.barrel(), "5")], reference=f"S-{i}")
    with django_assert_max_num_queries(LIST_QUERY_BOUND) as large:
        assert len(client.get(page).context["shipments"]) == 25
    assert len(large.captured_queries) == len(small.captured_queries)


DETAIL_QUERY_BOUND = 12


def test_shipment_detail_and_allocation_pages_do_not_grow_with_the_lots(
    client, personas, sales, django_assert_max_num_queries
):
    client.force_login(personas.manager)
    few = sales.shipment([(sales.barrel(), "5")], reference="S-FEW")
    many = sales.shipment([(sales.barrel(), "5") for _ in range(30)], reference="S-MANY")
    for name in ("shipment_detail", "shipment_allocate"):
        with django_assert_max_num_queries(DETAIL_QUERY_BOUND) as small:
            assert client.get(url(name, sales.coop, few.pk)).status_code == 200
        with django_assert_max_num_queries(DETAIL_QUERY_BOUND) as large:
            assert client.get(url(name, sales.coop, many.pk)).status_code == 200
        assert len(large.captured_queries) == len(small.captured_queries), name
