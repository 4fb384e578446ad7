"""/api/v1/shipments/ and /api/v1/allocations/: preparing, allocating, confirming, shipping
and paying sales; tenancy, roles, every bad input of issue 4, idempotent retries, random
bodies, cursor pages and query counts."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from chain.models import Allocation, Shipment
from coop.models import Lot, Role
from tests.chain.api_chain_data import SHIPPED, build, post_json, put_json, shipment_body
from tests.factories import LotFactory, MembershipFactory

URL = "/api/v1/shipments/"
ALLOCATIONS = "/api/v1/allocations/"


@pytest.fixture
def chain(coop_a, coop_b, personas):
    return build(coop_a, coop_b, personas)


def detail(shipment_id, action=""):
    return f"{URL}{shipment_id}/" + (f"{action}/" if action else "")


def create(api, body):
    response = post_json(api, URL, body)
    assert response.status_code == 201, response.content
    return response.json()


def a_draft(chain, personas, lots=None, **extra):
    """A draft shipment of A made through the service, with one certified barrel."""
    from chain import services

    lots = lots if lots is not None else [(chain.barrel(), "15")]
    return services.shipment_create(
        actor=personas.manager,
        cooperative=chain.coop,
        buyer=chain.importer,
        contract=chain.contract,
        product=chain.honey,
        reference=extra.pop("reference", "S-DRAFT"),
        shipped_on=SHIPPED,
        exchange_rate=Decimal("5.10"),
        allocations=lots,
        **extra,
    )


def written():
    """What a refused write must leave untouched."""
    return (
        list(Shipment.objects.order_by("pk").values_list("pk", "status", "reference", "invoice_reference")),
        list(Allocation.objects.order_by("pk").values_list("pk", "shipment", "lot", "kg")),
        list(Lot.objects.order_by("pk").values_list("pk", "allocated_kg", "status")),
    )


# --- Creating and reading ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_prepare_a_sale_under_the_contract(api, personas, chain, role):
    lot = chain.barrel(code="BR-1")
    user = getattr(personas, role)
    api.force_authenticate(user)
    made = create(api, shipment_body(chain, [(lot, "12.5")], invoice_reference="INV-9"))
    stored = Shipment.objects.get(pk=made["id"])
    assert made == {
        "id": stored.pk,
        "cooperative": "coop-a",
        "buyer": chain.importer.pk,
        "buyer_name": "Importer",
        "contract": chain.contract.pk,
        "contract_reference": "FT-2026",
        "product": chain.honey.pk,
        "product_code": "HONEY",
        "reference": "S-1",
        "invoice_reference": "INV-9",
        "shipped_on": "2026-03-12",
        "price_per_kg": "3.0000",  # from the contract
        "currency": "USD",
        "exchange_rate": "5.100000",
        "price_override_reason": "",
        "price_overridden_by": None,
        "fair_trade": True,  # the contract requires both claims
        "organic": True,
        "status": "draft",
        "confirmed_by": None,
        "confirmed_at": None,
        "paid_on": None,
        "allocated_kg": "12.500",
        "allocation_count": 1,
        "allocations": [{"lot": lot.pk, "lot_code": "BR-1", "kg": "12.500"}],
    }
    assert stored.history.get().history_user == user
    lot.refresh_from_db()
    assert lot.allocated_kg == 0  # a draft counts nothing against the lot


def test_a_local_sale_in_the_base_currency_needs_no_rate(api, personas, chain):
    lot = chain.barrel()
    api.force_authenticate(personas.manager)
    body = shipment_body(
        chain, [(lot, "20")], buyer=chain.local.pk, contract=None, price_per_kg="1.1000", currency="BRL"
    )
    del body["exchange_rate"]
    made = create(api, body)
    assert (made["contract"], made["currency"], made["exchange_rate"], made["fair_trade"]) == (
        None,
        "BRL",
        "1.000000",
        False,
    )


def test_a_price_override_records_who_and_why(api, personas, chain):
    api.force_authenticate(personas.manager)
    made = create(
        api, shipment_body(chain, price_per_kg="2.5000", price_override_reason="Tambores amassados")
    )
    assert (made["price_per_kg"], made["price_overridden_by"]) == ("2.5000", "a-manager")


def test_staff_and_auditors_read_shipments(api, personas, chain):
    shipment = a_draft(chain, personas)
    for user in (personas.staff, personas.auditor):
        api.force_authenticate(user)
        listed = api.get(URL).json()["results"]
        assert [row["reference"] for row in listed] == ["S-DRAFT"]
        assert "allocations" not in listed[0]  # the list shows totals; GET one shipment for its lots
        assert listed[0]["allocated_kg"] == "15.000"
        one = api.get(detail(shipment.pk))
        assert one.status_code == 200
        assert [line["kg"] for line in one.json()["allocations"]] == ["15.000"]


# --- Tenancy ------------------------------------------------------------------------------


def test_lists_show_only_the_users_cooperative(api, personas, chain):
    a_draft(chain, personas)
    api.force_authenticate(personas.auditor)
    assert [row["reference"] for row in api.get(URL).json()["results"]] == ["S-DRAFT"]
    assert [row["lot_code"] for row in api.get(ALLOCATIONS).json()["results"]] != ["B-LOT-1"]
    assert "B-LOT-1" not in api.get(ALLOCATIONS).content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "cooperative=coop-b",
        "search=B-SHIP",
        "buyer={b_buyer}",
        "contract={b_contract}",
        "product={b_honey}",
        "lot={b_lot}",
    ],
)
def test_filters_never_reach_another_cooperative(api, personas, chain, query):
    api.force_authenticate(personas.manager)
    query = query.format(
        b_buyer=chain.b_buyer.pk,
        b_contract=chain.b_contract.pk,
        b_honey=chain.b_honey.pk,
        b_lot=chain.b_lot.pk,
    )
    assert api.get(f"{URL}?{query}").json()["results"] == []
    assert api.get(f"{ALLOCATIONS}?{query.replace('search=', 'lot_code=')}").status_code in (200, 400)
    assert "B-LOT-1" not in api.get(f"{ALLOCATIONS}?lot={chain.b_lot.pk}").content.decode()


@pytest.mark.parametrize(
    "method, action, body",
    [
        ("get", "", None),
        ("put", "", {}),
        ("patch", "", {"invoice_reference": "X"}),
        ("put", "allocations", {"allocations": []}),
        ("post", "confirm", {}),
        ("post", "ship", {}),
        ("post", "pay", {"paid_on": "2026-04-01"}),
        ("get", "trace", None),
    ],
)
def test_another_cooperatives_shipment_answers_404(api, personas, chain, method, action, body):
    api.force_authenticate(personas.manager)
    response = getattr(api, method)(detail(chain.b_shipment.pk, action), body, format="json")
    assert response.status_code == 404
    chain.b_shipment.refresh_from_db()
    assert (chain.b_shipment.status, chain.b_shipment.invoice_reference) == ("draft", "")
    assert Allocation.objects.filter(shipment=chain.b_shipment).count() == 1
    assert api.get(f"{ALLOCATIONS}{Allocation.objects.get(shipment=chain.b_shipment).pk}/").status_code == 404


def test_expired_membership_and_strangers_see_nothing(api, personas, chain):
    shipment = a_draft(chain, personas)
    for user in (personas.expired, personas.nobody):
        api.force_authenticate(user)
        assert api.get(URL).json()["results"] == []
        assert api.get(ALLOCATIONS).json()["results"] == []
        assert api.get(detail(shipment.pk)).status_code == 404
        assert post_json(api, URL, shipment_body(chain, reference="S-X")).status_code == 403
    assert Shipment.objects.filter(cooperative=chain.coop).count() == 1


def test_anonymous_requests_are_refused(api, chain):
    assert api.get(URL).status_code in (401, 403)
    assert api.get(ALLOCATIONS).status_code in (401, 403)
    assert post_json(api, URL, shipment_body(chain)).status_code in (401, 403)


def test_a_lot_or_buyer_of_another_of_the_users_cooperatives_is_400(api, personas, chain, coop_b):
    # Visible to the user (they manage B too), but the sale is A's.
    MembershipFactory(user=personas.manager, cooperative=coop_b, role=Role.MANAGER)
    api.force_authenticate(personas.manager)
    before = written()
    lot_of_b = post_json(api, URL, shipment_body(chain, [(chain.b_lot, "1")]))
    assert lot_of_b.status_code == 400
    assert list(lot_of_b.json()) == ["allocations"]
    buyer_of_b = post_json(
        api, URL, shipment_body(chain, buyer=chain.b_buyer.pk, contract=None, price_per_kg="1")
    )
    assert buyer_of_b.status_code == 400 and list(buyer_of_b.json()) == ["buyer"]
    assert written() == before


# --- Roles --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "auditor", "expired"])
def test_only_managers_and_admins_write(api, personas, chain, role):
    draft = a_draft(chain, personas)
    lot = chain.barrel()
    api.force_authenticate(getattr(personas, role))
    before = written()
    writes = [
        ("post", URL, shipment_body(chain, [(lot, "1")], reference="S-NEW")),
        ("put", detail(draft.pk), shipment_body(chain, reference="S-DRAFT", invoice_reference="X")),
        ("patch", detail(draft.pk), {"invoice_reference": "X"}),
        ("put", detail(draft.pk, "allocations"), {"allocations": [{"lot": lot.pk, "kg": "1"}]}),
        ("post", detail(draft.pk, "confirm"), {}),
        ("post", detail(draft.pk, "ship"), {}),
        ("post", detail(draft.pk, "pay"), {"paid_on": "2026-04-01"}),
    ]
    for method, url, body in writes:
        response = getattr(api, method)(url, body, format="json")
        assert response.status_code == 403, (method, url, response.status_code)
    assert written() == before


def test_staff_cannot_confirm_even_a_valid_shipment(api, personas, chain):
    draft = a_draft(chain, personas)
    api.force_authenticate(personas.staff)
    assert api.post(detail(draft.pk, "confirm")).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Shipment.Status.DRAFT


def test_auditor_of_a_who_manages_b_cannot_sell_for_a(api, personas, chain, coop_b):
    MembershipFactory(user=personas.auditor, cooperative=coop_b, role=Role.MANAGER)
    draft = a_draft(chain, personas)
    api.force_authenticate(personas.auditor)
    assert post_json(api, URL, shipment_body(chain, reference="S-2")).status_code == 403
    assert api.post(detail(draft.pk, "confirm")).status_code == 403
    assert Shipment.objects.filter(cooperative=chain.coop).count() == 1


@pytest.mark.parametrize("method", ["delete"])
def test_a_shipment_is_never_deleted(api, personas, chain, method):
    draft = a_draft(chain, personas)
    api.force_authenticate(personas.admin)
    assert getattr(api, method)(detail(draft.pk)).status_code == 405
    assert api.post(ALLOCATIONS, {}, format="json").status_code == 405
    assert Shipment.objects.filter(pk=draft.pk).exists()


# --- Confirming, shipping, paying -----------------------------------------------------------


def test_confirm_ship_and_pay(api, personas, chain):
    lot = chain.barrel(code="BR-1")
    api.force_authenticate(personas.manager)
    made = create(api, shipment_body(chain, [(lot, "20")]))

    confirmed = api.post(detail(made["id"], "confirm"))
    assert confirmed.status_code == 200, confirmed.content
    assert (confirmed.json()["status"], confirmed.json()["confirmed_by"]) == ("confirmed", "a-manager")
    lot.refresh_from_db()
    assert (lot.allocated_kg, lot.status) == (Decimal("20.000"), Lot.Status.ALLOCATED)

    shipped = api.post(detail(made["id"], "ship"))
    assert shipped.status_code == 200 and shipped.json()["status"] == "shipped"
    lot.refresh_from_db()
    assert lot.status == Lot.Status.SHIPPED  # nothing left of it

    early = api.post(detail(made["id"], "pay"), {"paid_on": "2026-03-11"}, format="json")
    assert early.status_code == 400 and "paid_on" in early.json()
    paid = api.post(detail(made["id"], "pay"), {"paid_on": "2026-04-20"}, format="json")
    assert paid.status_code == 200
    assert (paid.json()["status"], paid.json()["paid_on"]) == ("paid", "2026-04-20")


def test_confirming_twice_is_refused(api, personas, chain):
    draft = a_draft(chain, personas)
    api.force_authenticate(personas.manager)
    assert api.post(detail(draft.pk, "confirm")).status_code == 200
    before = written()
    again = api.post(detail(draft.pk, "confirm"))
    assert again.status_code == 400
    assert "S-DRAFT" in again.json()["status"][0]
    assert written() == before


@pytest.mark.parametrize("action, body", [("ship", {}), ("pay", {"paid_on": "2026-04-01"})])
def test_a_draft_can_be_neither_shipped_nor_paid(api, personas, chain, action, body):
    draft = a_draft(chain, personas)
    api.force_authenticate(personas.manager)
    response = api.post(detail(draft.pk, action), body, format="json")
    assert response.status_code == 400 and "status" in response.json()
    draft.refresh_from_db()
    assert draft.status == Shipment.Status.DRAFT


def test_a_claim_the_lots_cannot_support_names_the_lot_and_writes_nothing(api, personas, chain):
    draft = a_draft(chain, personas, [(chain.barrel(family=chain.uncertified, code="BR-NONE"), "10")])
    api.force_authenticate(personas.manager)
    before = written()
    response = api.post(detail(draft.pk, "confirm"))
    assert response.status_code == 400
    (message, *_) = response.json()["allocations"]
    assert "BR-NONE" in message
    assert written() == before


def test_quality_limits_are_checked_on_confirm(api, personas, chain):
    draft = a_draft(chain, personas, [(chain.barrel(moisture="19.5", code="BR-WET"), "10")])
    api.force_authenticate(personas.manager)
    response = api.post(detail(draft.pk, "confirm"))
    assert response.status_code == 400
    assert any("BR-WET" in m and "19.00" in m for m in response.json()["allocations"])


def test_an_empty_draft_cannot_be_confirmed(api, personas, chain):
    draft = a_draft(chain, personas, [])
    api.force_authenticate(personas.manager)
    response = api.post(detail(draft.pk, "confirm"))
    assert response.status_code == 400 and "allocations" in response.json()


def test_confirm_takes_no_body_fields(api, personas, chain):
    draft = a_draft(chain, personas)
    api.force_authenticate(personas.manager)
    response = api.post(detail(draft.pk, "confirm"), {"status": "paid"}, format="json")
    assert response.status_code == 400 and "status" in response.json()
    draft.refresh_from_db()
    assert draft.status == Shipment.Status.DRAFT


# --- Editing a draft, and nothing else ------------------------------------------------------


def test_a_draft_is_edited_and_its_lots_replaced(api, personas, chain):
    draft = a_draft(chain, personas)
    other = chain.barrel(code="BR-2")
    api.force_authenticate(personas.manager)
    patched = api.patch(detail(draft.pk), {"invoice_reference": "INV-1"}, format="json")
    assert patched.status_code == 200 and patched.json()["invoice_reference"] == "INV-1"
    replaced = put_json(api, detail(draft.pk, "allocations"), {"allocations": [{"lot": other.pk, "kg": "7"}]})
    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["allocations"] == [{"lot": other.pk, "lot_code": "BR-2", "kg": "7.000"}]
    assert replaced.json()["allocated_kg"] == "7.000"
    assert list(Allocation.objects.filter(shipment=draft).values_list("lot", flat=True)) == [other.pk]


def test_allocations_are_not_changed_through_the_shipment_itself(api, personas, chain):
    draft = a_draft(chain, personas)
    api.force_authenticate(personas.manager)
    before = written()
    response = api.patch(detail(draft.pk), {"allocations": []}, format="json")
    assert response.status_code == 400
    assert "/allocations/" in response.json()["allocations"][0]
    assert written() == before


@pytest.mark.parametrize("state", ["confirmed", "shipped"])
def test_a_confirmed_or_shipped_shipment_cannot_be_edited(api, personas, chain, state):
    from chain import services

    draft = a_draft(chain, personas)
    services.shipment_confirm(actor=personas.manager, shipment=draft)
    if state == "shipped":
        services.shipment_mark_shipped(actor=personas.manager, shipment=draft)
    other = chain.barrel(code="BR-2")
    api.force_authenticate(personas.manager)
    before = written()
    allocations = put_json(
        api, detail(draft.pk, "allocations"), {"allocations": [{"lot": other.pk, "kg": "1"}]}
    )
    assert allocations.status_code == 400
    assert "S-DRAFT" in allocations.json()["status"][0]
    patched = api.patch(detail(draft.pk), {"invoice_reference": "LATE"}, format="json")
    assert patched.status_code == 400 and "status" in patched.json()
    assert written() == before


def test_a_shipment_stays_in_its_cooperative(api, personas, chain, coop_b):
    MembershipFactory(user=personas.manager, cooperative=coop_b, role=Role.MANAGER)
    draft = a_draft(chain, personas)
    api.force_authenticate(personas.manager)
    response = api.patch(detail(draft.pk), {"cooperative": "coop-b"}, format="json")
    assert response.status_code == 400 and "cooperative" in response.json()


# --- Bad input: 400 naming the field or the lot, nothing written ----------------------------


def test_allocating_more_kg_than_a_lot_has_left_names_the_lot(api, personas, chain):
    from chain import services

    lot = chain.barrel(code="BR-1", kg="20")
    sold = a_draft(chain, personas, [(lot, "15")], reference="S-SOLD")
    services.shipment_confirm(actor=personas.manager, shipment=sold)
    api.force_authenticate(personas.manager)
    before = written()
    response = post_json(api, URL, shipment_body(chain, [(lot, "5.001")]))
    assert response.status_code == 400
    (message,) = response.json()["allocations"]
    assert "BR-1" in message and "5.000" in message
    draft = a_draft(chain, personas, [], reference="S-EMPTY")
    before = written()
    response = put_json(api, detail(draft.pk, "allocations"), {"allocations": [{"lot": lot.pk, "kg": "6"}]})
    assert response.status_code == 400 and "BR-1" in response.json()["allocations"][0]
    assert written() == before


def test_a_lot_of_another_product_names_the_lot(api, personas, chain):
    wax = chain.barrel(product=chain.wax, code="WAX-1", moisture=None)
    api.force_authenticate(personas.manager)
    before = written()
    response = post_json(api, URL, shipment_body(chain, [(wax, "1")]))
    assert response.status_code == 400
    assert "WAX-1" in response.json()["allocations"][0]
    draft = a_draft(chain, personas, [], reference="S-EMPTY")
    before = written()
    response = put_json(api, detail(draft.pk, "allocations"), {"allocations": [{"lot": wax.pk, "kg": "1"}]})
    assert response.status_code == 400 and "WAX-1" in response.json()["allocations"][0]
    assert written() == before


def test_a_rejected_lot_cannot_be_allocated(api, personas, chain):
    lot = LotFactory(
        cooperative=chain.coop, product=chain.honey, family=chain.certified, code="BR-R", status="rejected"
    )
    api.force_authenticate(personas.manager)
    response = post_json(api, URL, shipment_body(chain, [(lot, "1")]))
    assert response.status_code == 400 and "BR-R" in response.json()["allocations"][0]
    assert not Shipment.objects.filter(cooperative=chain.coop).exists()


BAD_SHIPMENTS = [
    ({"exchange_rate": "0"}, "exchange_rate"),
    ({"exchange_rate": "-1"}, "exchange_rate"),
    ({"exchange_rate": "NaN"}, "exchange_rate"),
    ({"exchange_rate": None}, "exchange_rate"),  # USD needs a rate to BRL
    ({"currency": "XYZ"}, "currency"),
    ({"currency": "usd"}, "currency"),
    ({"price_per_kg": "-3"}, "price_per_kg"),
    ({"price_per_kg": "1e30"}, "price_per_kg"),
    ({"price_per_kg": "2.5"}, "price_override_reason"),  # differs from the contract, no reason
    ({"contract": None}, "price_per_kg"),  # a sale without a contract needs a price
    ({"contract": "b_contract"}, "contract"),
    ({"buyer": "local"}, "contract"),  # the contract is with another buyer
    ({"buyer": "b_buyer"}, "buyer"),
    ({"buyer": None}, "buyer"),
    ({"product": "wax", "allocations": []}, "product"),  # the contract is for honey
    ({"product": "b_honey"}, "product"),
    ({"cooperative": "coop-b"}, "cooperative"),
    ({"cooperative": "nope"}, "cooperative"),
    ({"reference": "S-TAKEN"}, "reference"),
    ({"reference": "bad ref"}, "reference"),
    ({"reference": ""}, "reference"),
    ({"reference": "x" * 61}, "reference"),
    ({"reference": "a\x00b"}, "reference"),
    ({"invoice_reference": "\ud800"}, "invoice_reference"),
    ({"shipped_on": "2026-02-30"}, "shipped_on"),
    ({"shipped_on": None}, "shipped_on"),
    ({"fair_trade": "maybe"}, "fair_trade"),
    ({"status": "confirmed"}, "status"),
    ({"confirmed_by": 1}, "confirmed_by"),
    ({"id": 5}, "id"),
    ({"colour": "red"}, "colour"),
    ({"allocations": "BR-1"}, "allocations"),
    ({"allocations": [{"lot": "b_lot", "kg": "1"}]}, "allocations"),
    ({"allocations": [{"lot": 987654321, "kg": "1"}]}, "allocations"),
    ({"allocations": [{"lot": "lot", "kg": "0"}]}, "allocations"),
    ({"allocations": [{"lot": "lot", "kg": "-1"}]}, "allocations"),
    ({"allocations": [{"lot": "lot", "kg": "NaN"}]}, "allocations"),
    ({"allocations": [{"lot": "lot", "kg": "1.0001"}]}, "allocations"),
    ({"allocations": [{"lot": "lot", "kg": "1"}, {"lot": "lot", "kg": "2"}]}, "allocations"),
    ({"allocations": [{"lot": "lot"}]}, "allocations"),
    ({"allocations": [{"lot": "lot", "kg": "1", "price": "2"}]}, "allocations"),
    ({"allocations": [{"lot": "lot", "kg": "1", "lot_code": "X"}]}, "allocations"),
    ({"allocations": [[1, 2]]}, "allocations"),
    ({"allocations": [{"lot": True, "kg": "1"}]}, "allocations"),
    ({"allocations": [{"lot": 10**30, "kg": "1"}]}, "allocations"),
]


@pytest.mark.parametrize(("change", "field"), BAD_SHIPMENTS, ids=[f"{c}"[:50] for c, _ in BAD_SHIPMENTS])
def test_a_bad_shipment_is_400_naming_the_field_and_writes_nothing(api, personas, chain, change, field):
    a_draft(chain, personas, [], reference="S-TAKEN")
    lot = chain.barrel()
    names = {"lot": lot.pk, "b_lot": chain.b_lot.pk}
    api.force_authenticate(personas.manager)
    body = shipment_body(chain, [(lot, "10")])
    for key, value in change.items():
        if key == "allocations" and isinstance(value, list):
            value = [
                {k: names.get(v, v) if k == "lot" and isinstance(v, str) else v for k, v in line.items()}
                if isinstance(line, dict)
                else line
                for line in value
            ]
        elif key in {"buyer", "contract", "product"} and isinstance(value, str):
            value = getattr(chain, value).pk
        body[key] = value
    before = written()
    response = post_json(api, URL, body)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert written() == before


@pytest.mark.parametrize("payload", ["[]", '"shipment"', "42", "null", "{", '{"reference": NaN}', "[{}]"])
def test_a_body_that_is_not_an_object_is_400(api, personas, chain, payload):
    draft = a_draft(chain, personas)
    api.force_authenticate(personas.manager)
    before = written()
    for method, url in [
        ("POST", URL),
        ("PUT", detail(draft.pk, "allocations")),
        ("POST", detail(draft.pk, "pay")),
    ]:
        response = api.generic(method, url, payload, content_type="application/json")
        assert response.status_code == 400, (url, payload)
    assert written() == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "paid_on"),
        ({"paid_on": "soon"}, "paid_on"),
        ({"paid_on": None}, "paid_on"),
        ({"paid_on": "2026-04-01", "amount": "3"}, "amount"),
    ],
)
def test_a_bad_payment_is_400_naming_the_field(api, personas, chain, body, field):
    from chain import services

    draft = a_draft(chain, personas)
    services.shipment_confirm(actor=personas.manager, shipment=draft)
    services.shipment_mark_shipped(actor=personas.manager, shipment=draft)
    api.force_authenticate(personas.manager)
    response = post_json(api, detail(draft.pk, "pay"), body)
    assert response.status_code == 400 and field in response.json()
    draft.refresh_from_db()
    assert draft.status == Shipment.Status.SHIPPED


# --- Idempotent retries ---------------------------------------------------------------------


def test_a_retried_sale_with_the_same_key_is_made_once(api, personas, chain):
    lot = chain.barrel()
    api.force_authenticate(personas.manager)
    body = shipment_body(chain, [(lot, "10")])
    first = post_json(api, URL, body, HTTP_IDEMPOTENCY_KEY="sale-1")
    again = post_json(api, URL, body, HTTP_IDEMPOTENCY_KEY="sale-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Shipment.objects.filter(cooperative=chain.coop).count() == 1
    other = post_json(api, URL, {**body, "reference": "S-2"}, HTTP_IDEMPOTENCY_KEY="sale-1")
    assert other.status_code == 422


def test_a_retried_confirmation_answers_the_first_answer(api, personas, chain):
    draft = a_draft(chain, personas)
    api.force_authenticate(personas.manager)
    first = api.post(detail(draft.pk, "confirm"), HTTP_IDEMPOTENCY_KEY="confirm-1")
    again = api.post(detail(draft.pk, "confirm"), HTTP_IDEMPOTENCY_KEY="confirm-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Lot.objects.get(pk=draft.allocations.get().lot_id).allocated_kg == Decimal("15.000")


# --- Filters, lists and query counts --------------------------------------------------------


def test_filters_narrow_the_list(api, personas, chain):
    from chain import services

    first_lot = chain.barrel()
    first = a_draft(chain, personas, [(first_lot, "5")], reference="S-FT")
    services.shipment_confirm(actor=personas.manager, shipment=first)
    services.shipment_create(
        actor=personas.manager,
        cooperative=chain.coop,
        buyer=chain.local,
        product=chain.honey,
        reference="S-LOCAL",
        shipped_on=SHIPPED.replace(month=5),
        price_per_kg=Decimal("1"),
    )
    api.force_authenticate(personas.staff)

    def listed(query):
        response = api.get(f"{URL}?{query}")
        assert response.status_code == 200, response.content
        return sorted(row["reference"] for row in response.json()["results"])

    assert listed("status=confirmed") == ["S-FT"]
    assert listed("local=true") == ["S-LOCAL"]
    assert listed(f"contract={chain.contract.pk}") == ["S-FT"]
    assert listed(f"buyer={chain.local.pk}") == ["S-LOCAL"]
    assert listed("fair_trade=true") == ["S-FT"]
    assert listed("shipped_after=2026-04-01") == ["S-LOCAL"]
    assert listed("shipped_before=2026-04-01") == ["S-FT"]
    assert listed(f"lot={first_lot.pk}") == ["S-FT"]
    assert listed("search=local") == ["S-LOCAL"]
    assert listed("search=mercado") == ["S-LOCAL"]
    assert [r["reference"] for r in api.get(f"{URL}?ordering=shipped_on").json()["results"]] == [
        "S-FT",
        "S-LOCAL",
    ]


@pytest.mark.parametrize(
    "query",
    [
        "status=lost",
        "buyer=abc",
        f"lot={10**30}",
        "shipped_after=yesterday",
        "search=a%00b",
        "cooperative=a%00b",
    ],
)
def test_bad_filter_values_are_400_never_500(api, personas, chain, query):
    api.force_authenticate(personas.staff)
    response = api.get(f"{URL}?{query}")
    assert response.status_code == 400, response.content
    assert query.split("=")[0] in response.json()


def _sales(chain, personas, n, start=0):
    from chain import services

    for i in range(start, start + n):
        lots = [(chain.barrel(), "1"), (chain.barrel(), "2")]
        shipment = a_draft(chain, personas, lots, reference=f"S-{i:03d}")
        if i % 2:
            services.shipment_confirm(actor=personas.manager, shipment=shipment)


def test_list_queries_do_not_grow_with_the_rows(api, personas, chain):
    api.force_authenticate(personas.staff)
    _sales(chain, personas, 2)
    with CaptureQueriesContext(connection) as few:
        small = api.get(f"{URL}?page_size=200")
    _sales(chain, personas, 18, start=2)
    with CaptureQueriesContext(connection) as many:
        large = api.get(f"{URL}?page_size=200&search=S&ordering=-reference")
    assert (small.json()["count"], large.json()["count"]) == (2, 20)
    assert len(few) == len(many) <= 2, (len(few), len(many))  # COUNT(*) and the page
    assert {row["allocated_kg"] for row in large.json()["results"]} == {"3.000"}


def test_detail_takes_two_queries_whatever_the_lots(api, personas, chain, django_assert_num_queries):
    draft = a_draft(chain, personas, [(chain.barrel(), "1") for _ in range(5)])
    api.force_authenticate(personas.staff)
    with django_assert_num_queries(2):  # the shipment with its totals, and its lots
        assert len(api.get(detail(draft.pk)).json()["allocations"]) == 5


# --- Allocations: read-only, cursor pages ---------------------------------------------------


def test_allocations_page_with_a_cursor_newest_first(api, personas, chain):
    _sales(chain, personas, 13)  # 26 allocations
    api.force_authenticate(personas.auditor)
    page = api.get(f"{ALLOCATIONS}?page_size=10").json()
    assert set(page) == {"next", "previous", "results"}  # no COUNT(*) over millions of rows
    seen = [row["id"] for row in page["results"]]
    while page["next"]:
        page = api.get(page["next"]).json()
        seen += [row["id"] for row in page["results"]]
    mine = Allocation.objects.filter(cooperative=chain.coop)
    assert seen == sorted(mine.values_list("pk", flat=True), reverse=True)
    first = api.get(f"{ALLOCATIONS}{seen[-1]}/").json()
    assert set(first) == {
        "id",
        "cooperative",
        "shipment",
        "shipment_reference",
        "shipment_status",
        "lot",
        "lot_code",
        "kg",
    }
    assert (first["shipment_reference"], first["kg"], first["cooperative"]) == ("S-000", "1.000", "coop-a")


def test_allocation_filters(api, personas, chain):
    _sales(chain, personas, 3)
    shipment = Shipment.objects.get(reference="S-001")
    api.force_authenticate(personas.staff)
    by_shipment = api.get(f"{ALLOCATIONS}?shipment={shipment.pk}").json()["results"]
    assert {row["shipment_reference"] for row in by_shipment} == {"S-001"} and len(by_shipment) == 2
    lot = by_shipment[0]["lot"]
    assert [row["lot"] for row in api.get(f"{ALLOCATIONS}?lot={lot}").json()["results"]] == [lot]
    code = by_shipment[0]["lot_code"]
    assert [row["lot_code"] for row in api.get(f"{ALLOCATIONS}?lot_code={code}").json()["results"]] == [code]
    assert len(api.get(f"{ALLOCATIONS}?shipment_reference=S-002").json()["results"]) == 2
    assert api.get(f"{ALLOCATIONS}?shipment=abc").status_code == 400


def test_allocation_list_queries_do_not_grow(api, personas, chain):
    api.force_authenticate(personas.staff)
    _sales(chain, personas, 1)
    with CaptureQueriesContext(connection) as few:
        assert len(api.get(f"{ALLOCATIONS}?page_size=200").json()["results"]) == 2
    _sales(chain, personas, 20, start=1)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(f"{ALLOCATIONS}?page_size=200").json()["results"]) == 42
    assert len(few) == len(many) == 1


# --- Random bodies: never a 500, never a half-write -----------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)
bad_values = st.one_of(
    json_values,
    st.sampled_from(["0", "-1", "1e999", "NaN", "12.3456", "", " 1 ", "2026-02-30", "USD", "XYZ"]),
    st.integers(min_value=-2, max_value=50),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_shipments_never_answer_500_nor_oversell(api, personas, chain, data):
    api.force_authenticate(personas.manager)
    if not Lot.objects.filter(cooperative=chain.coop, code__startswith="RND").exists():
        for i in range(3):
            chain.barrel(code=f"RND-{i}", kg="50")
    lot_ids = list(Lot.objects.filter(code__startswith="RND").values_list("pk", flat=True))
    ids = st.sampled_from(
        [chain.importer.pk, chain.local.pk, chain.contract.pk, chain.honey.pk, chain.wax.pk]
    )
    lines = st.lists(
        st.fixed_dictionaries(
            {
                "lot": st.sampled_from([*lot_ids, chain.b_lot.pk]) | bad_values,
                "kg": st.decimals(min_value="0.001", max_value="60", places=3).map(str) | bad_values,
            }
        )
        | json_values,
        max_size=3,
    )
    valid = st.fixed_dictionaries(
        {
            "cooperative": st.sampled_from(["coop-a", "coop-a", "coop-b"]),
            "buyer": ids,
            "contract": st.one_of(st.none(), ids),
            "product": ids,
            "reference": st.uuids().map(lambda u: u.hex[:12]),
            "shipped_on": st.dates().map(str),
            "exchange_rate": st.one_of(
                st.none(), st.decimals(min_value="0.000001", max_value=100, places=6).map(str)
            ),
            "allocations": lines,
        },
        optional={
            "price_per_kg": st.decimals(min_value=0, max_value=100, places=4).map(str),
            "currency": st.sampled_from(["BRL", "USD", "EUR", ""]),
            "price_override_reason": st.text(max_size=20),
            "fair_trade": st.booleans(),
            "organic": st.booleans(),
            "invoice_reference": st.text(max_size=20),
        },
    )
    junk = st.dictionaries(
        st.sampled_from(
            ["buyer", "contract", "product", "exchange_rate", "price_per_kg", "currency", "id", "status", "x"]
        ),
        bad_values,
        max_size=2,
    )
    body = data.draw(st.builds(lambda b, j: {**b, **j}, valid, st.one_of(st.just({}), junk)) | json_values)
    before = (Shipment.objects.count(), Allocation.objects.count())
    response = api.post(URL, body, format="json")  # a 500 would raise here
    assert response.status_code in (201, 400), response.content
    event(f"status {response.status_code}")
    if response.status_code == 400:
        assert (Shipment.objects.count(), Allocation.objects.count()) == before
    else:
        shipment = Shipment.objects.get(pk=response.json()["id"])
        # Whatever was accepted as a draft, confirming it never oversells a lot.
        confirmed = api.post(detail(shipment.pk, "confirm"))
        assert confirmed.status_code in (200, 400), confirmed.content
    for lot in Lot.objects.filter(code__startswith="RND"):
        assert Decimal(0) <= lot.allocated_kg <= lot.net_kg


# --- Two managers at once -------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_confirmations_through_the_api_cannot_oversell(personas, chain):
    lot = chain.barrel(code="BR-RACE", kg="30")
    drafts = [a_draft(chain, personas, [(lot, "20")], reference=f"S-RACE-{n}") for n in (1, 2)]
    start, responses = threading.Barrier(2, timeout=10), []

    def confirm(user, shipment):
        client = APIClient()
        client.force_authenticate(user)
        try:
            start.wait()
            responses.append(client.post(detail(shipment.pk, "confirm")))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=confirm, args=pair)
        for pair in zip((personas.manager, personas.admin), drafts, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(r.status_code for r in responses) == [200, 400]
    refused = next(r for r in responses if r.status_code == 400)
    assert "BR-RACE" in refused.json()["allocations"][0] and "10.000" in refused.json()["allocations"][0]
    lot.refresh_from_db()
    assert lot.allocated_kg == Decimal("20.000")
