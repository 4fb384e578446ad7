"""/api/v1/lots/: recording deliveries and batches, accepting and rejecting, tenancy,
roles, every bad input of issue 3, idempotent retries, cursor pages and query counts."""

import datetime
import json
import threading
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from coop.models import IdempotencyKey, Lot, LotInput, Role
from tests.coop.api_production_data import DAY, HARVEST, barrel, batch, build, nut_purchase
from tests.factories import CertificationFactory, FamilyFactory, LotFactory, MembershipFactory

URL = "/api/v1/lots/"
BATCHES = "/api/v1/lots/batches/"
YY = DAY.year % 100


@pytest.fixture
def prod(coop_a, coop_b):
    return build(coop_a, coop_b)


def detail(lot_id, action=""):
    return f"{URL}{lot_id}/" + (f"{action}/" if action else "")


def post_json(api, url, data, **headers):
    # Serialised here (ASCII escapes) so NULs and lone surrogates reach the server as JSON allows.
    return api.generic("POST", url, json.dumps(data), content_type="application/json", **headers)


def codes(response):
    return [row["code"] for row in response.json()["results"]]


def record(api, data):
    response = api.post(URL, data, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def purchases(api, prod, *kgs):
    return [record(api, nut_purchase(prod, net_kg=str(kg)))["id"] for kg in kgs]


# --- Tenant isolation -----------------------------------------------------------------


def test_list_shows_only_the_users_cooperative(api, personas, prod):
    LotFactory(cooperative=prod.coop, product=prod.honey, family=prod.beekeeper, code="A-LOT-1")
    api.force_authenticate(personas.auditor)
    response = api.get(URL)
    assert response.status_code == 200
    assert codes(response) == ["A-LOT-1"]


@pytest.mark.parametrize(
    "query",
    [
        "cooperative=coop-b",
        "search=B-LOT",
        "code=B-LOT-1",
        "family={family}",
        "family_code=B-F-001",
        "product={product}",
        "association={association}",
    ],
)
def test_filters_never_reach_another_cooperative(api, personas, prod, query):
    api.force_authenticate(personas.manager)
    query = query.format(family=prod.b_family.pk, product=prod.b_honey.pk, association=prod.b_room.pk)
    response = api.get(f"{URL}?{query}")
    assert response.status_code == 200
    assert codes(response) == []


@pytest.mark.parametrize("action", ["", "sources", "products"])
def test_another_cooperatives_lot_answers_404(api, personas, prod, action):
    api.force_authenticate(personas.manager)
    assert api.get(detail(prod.b_lot.pk, action)).status_code == 404


@pytest.mark.parametrize("action", ["accept", "reject"])
def test_another_cooperatives_lot_cannot_be_accepted_or_rejected(api, personas, prod, action):
    Lot.objects.filter(pk=prod.b_lot.pk).update(status=Lot.Status.RECEIVED)
    api.force_authenticate(personas.manager)
    assert api.post(detail(prod.b_lot.pk, action), {"reason": "x"}, format="json").status_code == 404
    prod.b_lot.refresh_from_db()
    assert prod.b_lot.status == Lot.Status.RECEIVED


def test_expired_membership_and_strangers_see_nothing(api, personas, prod):
    lot = LotFactory(cooperative=prod.coop, product=prod.honey, family=prod.beekeeper)
    for user in (personas.expired, personas.nobody):
        api.force_authenticate(user)
        assert api.get(URL).json()["results"] == []
        assert api.get(detail(lot.pk)).status_code == 404
    assert api.post(URL, barrel(prod), format="json").status_code == 403
    assert not Lot.objects.filter(kind="barrel", cooperative=prod.coop).exclude(pk=lot.pk).exists()


def test_anonymous_requests_are_refused(api, prod):
    assert api.get(URL).status_code in (401, 403)
    assert api.post(URL, barrel(prod), format="json").status_code in (401, 403)


# --- Roles ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "manager", "admin"])
def test_recording_roles_record_a_barrel(api, personas, prod, role):
    user = getattr(personas, role)
    api.force_authenticate(user)
    lot = record(api, barrel(prod, notes="Tambor novo"))
    stored = Lot.objects.get(pk=lot["id"])
    assert lot == {
        "id": stored.pk,
        "cooperative": "coop-a",
        "kind": "barrel",
        "code": f"BR{YY:02d}-00001",
        "product": prod.honey.pk,
        "product_code": "HONEY",
        "family": prod.beekeeper.pk,
        "family_code": "F-001",
        "association": prod.room.pk,
        "harvested_on": HARVEST.isoformat(),
        "collected_on": DAY.isoformat(),
        "gross_kg": "21.500",
        "net_kg": "20.000",
        "moisture_pct": "18.50",
        "organic": False,
        "status": "accepted",
        "rejection_reason": "",
        "price_per_kg": None,
        "currency": "",
        "amount_paid": None,
        "consumed_kg": "0.000",
        "allocated_kg": "0.000",
        "remaining_kg": "20.000",
        "yield_warning": "",
        "inputs": [],
        "notes": "Tambor novo",
        "recorded_by": user.username,
        "recorded_at": lot["recorded_at"],
        "unusual_values": "",
        "unusual_confirmed_by": None,
    }
    assert stored.history.get().history_user == user  # written by the service


def test_auditor_cannot_record_anything(api, personas, prod):
    api.force_authenticate(personas.auditor)
    assert api.post(URL, barrel(prod), format="json").status_code == 403
    nuts = LotFactory(cooperative=prod.coop, product=prod.nuts, family=prod.breaker, kind="nut_purchase")
    assert api.post(BATCHES, batch(prod.oil, [(nuts.pk, 10)], 3), format="json").status_code == 403
    assert not Lot.objects.exclude(pk__in=[nuts.pk, prod.b_lot.pk]).exists()


@pytest.mark.parametrize("action", ["accept", "reject"])
def test_auditor_cannot_accept_or_reject(api, personas, prod, action):
    lot = LotFactory(cooperative=prod.coop, product=prod.honey, family=prod.beekeeper, status="received")
    api.force_authenticate(personas.auditor)
    assert api.post(detail(lot.pk, action), {"reason": "x"}, format="json").status_code == 403
    lot.refresh_from_db()
    assert lot.status == "received"


def test_auditor_of_a_who_manages_b_cannot_record_in_a(api, personas, prod, coop_b):
    MembershipFactory(user=personas.auditor, cooperative=coop_b, role=Role.MANAGER)
    api.force_authenticate(personas.auditor)
    assert api.post(URL, barrel(prod), format="json").status_code == 403
    assert not Lot.objects.filter(cooperative=prod.coop).exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_lot_is_never_edited_nor_deleted(api, personas, prod, method):
    lot = LotFactory(cooperative=prod.coop, product=prod.honey, family=prod.beekeeper)
    api.force_authenticate(personas.admin)
    response = getattr(api, method)(detail(lot.pk), {"net_kg": "1"}, format="json")
    assert response.status_code == 405
    lot.refresh_from_db()
    assert lot.net_kg == Decimal("20.000")


# --- Recording ------------------------------------------------------------------------


def test_a_wet_barrel_is_recorded_as_rejected_with_the_reason(api, personas, prod):
    api.force_authenticate(personas.staff)
    lot = record(api, barrel(prod, moisture_pct="21.00"))
    assert lot["status"] == "rejected"
    assert "21.00" in lot["rejection_reason"] and "20.00" in lot["rejection_reason"]
    assert Lot.objects.get(pk=lot["id"]).status == Lot.Status.REJECTED


def test_typed_codes_are_kept_and_the_sequence_skips_them(api, personas, prod):
    api.force_authenticate(personas.staff)
    assert record(api, barrel(prod, code=f"BR{YY:02d}-00001"))["code"] == f"BR{YY:02d}-00001"
    assert record(api, barrel(prod))["code"] == f"BR{YY:02d}-00002"
    assert record(api, barrel(prod, code=""))["code"] == f"BR{YY:02d}-00003"


def test_a_nut_purchase_is_paid_in_the_base_currency_to_the_cent(api, personas, prod):
    api.force_authenticate(personas.staff)
    lot = record(api, nut_purchase(prod, net_kg="12.345"))
    assert (lot["amount_paid"], lot["currency"], lot["price_per_kg"]) == ("39.50", "BRL", "3.2000")
    assert lot["code"].startswith(f"NP{YY:02d}-")


def test_organic_follows_the_familys_certification(api, personas, prod):
    api.force_authenticate(personas.staff)
    assert record(api, barrel(prod))["organic"] is False
    CertificationFactory(family=prod.beekeeper, valid_from=HARVEST, valid_to=DAY)
    assert record(api, barrel(prod))["organic"] is True
    assert record(api, barrel(prod, organic=None))["organic"] is True
    assert record(api, barrel(prod, organic=False))["organic"] is False


def test_a_lot_recorded_as_received_is_accepted_later(api, personas, prod):
    api.force_authenticate(personas.staff)
    lot = record(api, barrel(prod, accept=False))
    assert lot["status"] == "received"
    response = api.post(detail(lot["id"], "accept"))
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    again = api.post(detail(lot["id"], "accept"))
    assert again.status_code == 400
    assert "status" in again.json()


def test_accept_takes_no_body_fields(api, personas, prod):
    api.force_authenticate(personas.staff)
    lot = record(api, barrel(prod, accept=False))
    response = api.post(detail(lot["id"], "accept"), {"status": "accepted"}, format="json")
    assert response.status_code == 400
    assert "status" in response.json()
    assert Lot.objects.get(pk=lot["id"]).status == Lot.Status.RECEIVED


def test_reject_keeps_the_lot_with_the_reason(api, personas, prod):
    api.force_authenticate(personas.staff)
    lot = record(api, barrel(prod))
    response = api.post(detail(lot["id"], "reject"), {"reason": "Barril sujo"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["rejection_reason"]) == ("rejected", "Barril sujo")
    stored = Lot.objects.get(pk=lot["id"])
    assert stored.history.first().history_user == personas.staff


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "reason"),
        ({"reason": ""}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 301}, "reason"),
        ({"reason": "a\x00b"}, "reason"),
        ({"reason": ["x"]}, "reason"),
        ({"reason": "ok", "status": "accepted"}, "status"),
    ],
)
def test_a_bad_rejection_is_400_naming_the_field(api, personas, prod, body, field):
    api.force_authenticate(personas.staff)
    lot = record(api, barrel(prod))
    response = post_json(api, detail(lot["id"], "reject"), body)
    assert response.status_code == 400
    assert field in response.json()
    assert Lot.objects.get(pk=lot["id"]).status == Lot.Status.ACCEPTED


def test_a_used_lot_cannot_be_rejected(api, personas, prod):
    api.force_authenticate(personas.staff)
    (nuts,) = purchases(api, prod, 30)
    assert api.post(BATCHES, batch(prod.oil, [(nuts, 10)], 3), format="json").status_code == 201
    response = api.post(detail(nuts, "reject"), {"reason": "late"}, format="json")
    assert response.status_code == 400
    assert "status" in response.json()


# --- Bad input: 400 naming the field, nothing written ----------------------------------

# Far enough ahead that a run crossing midnight still sees it in the future.
NEXT_MONTH = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()

BAD_DELIVERIES = [
    # Zero, negative and absurd kilograms.
    ("net_kg", "0"),
    ("net_kg", "-5"),
    ("net_kg", "2000"),  # a 20 kg barrel typed with two zeros too many
    ("net_kg", "1e30"),
    ("net_kg", "9" * 40),
    ("net_kg", "NaN"),
    ("net_kg", "Infinity"),
    ("net_kg", "-Infinity"),
    ("net_kg", "abc"),
    ("net_kg", "20.0001"),
    ("net_kg", None),
    ("net_kg", [20]),
    ("net_kg", True),
    ("gross_kg", "19"),
    ("gross_kg", "-1"),
    # Moisture outside 0–100, or missing on a barrel.
    ("moisture_pct", "101"),
    ("moisture_pct", "-0.01"),
    ("moisture_pct", "NaN"),
    ("moisture_pct", None),
    ("moisture_pct", "18.555"),
    # Dates.
    ("collected_on", (HARVEST - datetime.timedelta(days=1)).isoformat()),  # delivered before the harvest
    ("collected_on", NEXT_MONTH),
    ("collected_on", "2026-02-30"),
    ("collected_on", "yesterday"),
    ("collected_on", None),
    ("harvested_on", "soon"),
    # References: another co-op's rows are as good as missing.
    ("family", "b_family"),
    ("family", "suspended"),
    ("family", None),
    ("family", 10**30),
    ("family", "twelve"),
    ("family", 1.5),
    ("product", "b_honey"),
    ("product", None),
    ("product", 0),
    ("association", "b_room"),
    ("association", "cantina"),  # not a honey room
    ("cooperative", "coop-b"),
    ("cooperative", "nope"),
    ("cooperative", "coop\x00-a"),
    # Codes, kinds, flags, text.
    ("code", "BR-DUP"),  # taken, see below
    ("code", "has space"),
    ("code", "x" * 41),
    ("code", "nul\x00"),
    ("kind", "batch"),
    ("kind", "drum"),
    ("kind", None),
    ("organic", "maybe"),
    ("organic", True),  # the family is not certified
    ("accept", "perhaps"),
    ("notes", "bad\x00byte"),
    ("notes", "\ud800"),
    ("notes", "x" * 2001),
    ("price_per_kg", "-1"),
    ("price_per_kg", "NaN"),
    # Fields a client may not send.
    ("status", "accepted"),
    ("amount_paid", "1.00"),
    ("id", 7),
    ("colour", "red"),
]


def _resolve(prod, field, value):
    if field in {"family", "product", "association"} and isinstance(value, str) and hasattr(prod, value):
        return getattr(prod, value).pk
    return value


@pytest.mark.parametrize(
    ("field", "value"), BAD_DELIVERIES, ids=[f"{f}={v!r}"[:40] for f, v in BAD_DELIVERIES]
)
def test_a_bad_delivery_is_400_naming_the_field_and_writes_nothing(api, personas, prod, field, value):
    LotFactory(cooperative=prod.coop, product=prod.honey, family=prod.beekeeper, code="BR-DUP")
    api.force_authenticate(personas.staff)
    before = Lot.objects.count()
    response = post_json(api, URL, barrel(prod, **{field: _resolve(prod, field, value)}))
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert Lot.objects.count() == before


def test_a_suspended_familys_error_names_the_family(api, personas, prod):
    api.force_authenticate(personas.staff)
    response = api.post(URL, barrel(prod, family=prod.suspended.pk), format="json")
    assert response.status_code == 400
    assert "F-SUSP" in response.json()["family"][0]


def test_a_family_of_another_of_the_users_cooperatives_is_400(api, personas, prod, coop_b):
    # Visible to the user (they manage B too), but the lot is for A.
    MembershipFactory(user=personas.staff, cooperative=coop_b, role=Role.MANAGER)
    api.force_authenticate(personas.staff)
    response = api.post(URL, barrel(prod, family=prod.b_family.pk), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["family"]
    assert not Lot.objects.filter(cooperative=prod.coop).exists()


def test_a_nut_purchase_without_a_price_is_400(api, personas, prod):
    api.force_authenticate(personas.staff)
    response = api.post(URL, nut_purchase(prod, price_per_kg=None), format="json")
    assert response.status_code == 400
    assert "price_per_kg" in response.json()


def test_unknown_fields_are_named_together_with_bad_values(api, personas, prod):
    api.force_authenticate(personas.staff)
    response = api.post(URL, barrel(prod, colour="red", net_kg="-1", status="x"), format="json")
    assert response.status_code == 400
    assert {"colour", "status"} <= set(response.json())


@pytest.mark.parametrize("payload", ["[]", '"lot"', "42", "null", "{", '{"net_kg": NaN}', "[{}]"])
def test_a_body_that_is_not_an_object_is_400(api, personas, prod, payload):
    api.force_authenticate(personas.staff)
    for url in (URL, BATCHES):
        response = api.generic("POST", url, payload, content_type="application/json")
        assert response.status_code == 400, (url, payload)
    assert not Lot.objects.filter(cooperative=prod.coop).exists()


# --- Batches --------------------------------------------------------------------------


def test_an_oil_batch_takes_part_of_its_inputs_and_records_them(api, personas, prod):
    api.force_authenticate(personas.staff)
    first, second = purchases(api, prod, 30, 30)
    response = api.post(BATCHES, batch(prod.oil, [(first, "30"), (second, "12.5")], "12.75"), format="json")
    assert response.status_code == 201, response.json()
    made = response.json()
    assert (made["kind"], made["product_code"], made["net_kg"], made["status"]) == (
        "batch",
        "OIL",
        "12.750",
        "accepted",
    )
    assert made["code"] == f"BT{YY:02d}-00001"
    assert made["inputs"] == [
        {"lot": first, "code": f"NP{YY:02d}-00001", "kg": "30.000"},
        {"lot": second, "code": f"NP{YY:02d}-00002", "kg": "12.500"},
    ]
    assert made["yield_warning"] == ""  # 42.5 kg × 0.30 = 12.75 kg
    left = {
        row["id"]: (row["status"], row["remaining_kg"])
        for row in api.get(f"{URL}?kind=nut_purchase").json()["results"]
    }
    assert left == {first: ("consumed", "0.000"), second: ("accepted", "17.500")}


def test_a_batch_far_from_the_expected_yield_is_recorded_with_a_warning(api, personas, prod):
    api.force_authenticate(personas.staff)
    (nuts,) = purchases(api, prod, 100)
    response = api.post(BATCHES, batch(prod.oil, [(nuts, 100)], 45), format="json")
    assert response.status_code == 201
    assert "50.0%" in response.json()["yield_warning"]


def _setup_inputs(api, prod):
    nuts = purchases(api, prod, 30)[0]
    honey = record(api, barrel(prod))["id"]
    wet = record(api, barrel(prod, moisture_pct="25"))["id"]
    return {"nuts": nuts, "honey": honey, "wet": wet, "b_lot": prod.b_lot.pk}


BAD_BATCHES = [
    ({"inputs": [("nuts", "30.001")]}, "inputs"),  # more than the lot has left
    ({"inputs": [("honey", "10")]}, "inputs"),  # honey cannot go into oil
    ({"inputs": [("wet", "10")]}, "inputs"),  # a rejected lot
    ({"inputs": [("b_lot", "10")]}, "inputs"),  # another co-op's lot
    ({"inputs": [("nuts", "10"), ("nuts", "5")]}, "inputs"),  # listed twice
    ({"inputs": [("nuts", "0")]}, "inputs"),
    ({"inputs": [("nuts", "-3")]}, "inputs"),
    ({"inputs": [("nuts", "NaN")]}, "inputs"),
    ({"inputs": [("nuts", "1.0001")]}, "inputs"),
    ({"inputs": []}, "inputs"),
    ({"inputs": "nuts"}, "inputs"),
    ({"inputs": [{"lot": "nuts"}]}, "inputs"),
    ({"inputs": [{"lot": "nuts", "kg": "1", "extra": 1}]}, "inputs"),
    ({"inputs": [[1, 2]]}, "inputs"),
    ({"net_kg": "0"}, "net_kg"),
    ({"net_kg": "-9"}, "net_kg"),
    ({"net_kg": "2000000"}, "net_kg"),
    ({"net_kg": "NaN"}, "net_kg"),
    ({"collected_on": NEXT_MONTH}, "collected_on"),
    ({"product": "b_honey"}, "product"),
    ({"cooperative": "coop-b"}, "cooperative"),
    ({"association": "b_room"}, "association"),
    ({"code": "BR-DUP"}, "code"),
    ({"code": "bad code"}, "code"),
    ({"kind": "barrel"}, "kind"),
    ({"family": "beekeeper"}, "family"),
]


@pytest.mark.parametrize(("change", "field"), BAD_BATCHES, ids=[f"{c}"[:50] for c, _ in BAD_BATCHES])
def test_a_bad_batch_is_400_naming_the_field_and_writes_nothing(api, personas, prod, change, field):
    LotFactory(cooperative=prod.coop, product=prod.honey, family=prod.beekeeper, code="BR-DUP")
    api.force_authenticate(personas.staff)
    ids = _setup_inputs(api, prod)
    data = batch(prod.oil, [(ids["nuts"], 9)], "3")
    for key, value in change.items():
        if key == "inputs" and isinstance(value, list):
            value = [
                {"lot": ids[item[0]], "kg": item[1]}
                if isinstance(item, tuple)
                else {k: ids.get(v, v) for k, v in item.items()}
                if isinstance(item, dict)
                else item
                for item in value
            ]
        elif key in {"product", "association", "family"}:
            value = getattr(prod, value).pk
        data[key] = value
    lots_before = list(Lot.objects.order_by("pk").values_list("pk", "consumed_kg", "status"))
    response = post_json(api, BATCHES, data)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert list(Lot.objects.order_by("pk").values_list("pk", "consumed_kg", "status")) == lots_before
    assert not LotInput.objects.exists()


def test_over_consumption_names_the_lot_and_what_it_has_left(api, personas, prod):
    api.force_authenticate(personas.staff)
    (nuts,) = purchases(api, prod, 30)
    assert api.post(BATCHES, batch(prod.oil, [(nuts, 20)], 6), format="json").status_code == 201
    response = api.post(BATCHES, batch(prod.oil, [(nuts, "10.001")], 3), format="json")
    assert response.status_code == 400
    (message,) = response.json()["inputs"]
    assert f"NP{YY:02d}-00001" in message and "10.000" in message
    assert Lot.objects.filter(kind="batch").count() == 1


def test_a_missing_input_lot_is_named_by_its_position(api, personas, prod):
    api.force_authenticate(personas.staff)
    (nuts,) = purchases(api, prod, 30)
    response = api.post(
        BATCHES, batch(prod.oil, [(nuts, 1), (prod.b_lot.pk, 1), (987654, 1)], 1), format="json"
    )
    assert response.status_code == 400
    errors = response.json()["inputs"]
    assert errors[0] == {}
    assert str(prod.b_lot.pk) in errors[1]["lot"][0] and "987654" in errors[2]["lot"][0]


# --- Idempotent retries -----------------------------------------------------------------


def test_a_retried_delivery_with_the_same_key_records_one_lot(api, personas, prod):
    api.force_authenticate(personas.staff)
    first = api.post(URL, barrel(prod), format="json", HTTP_IDEMPOTENCY_KEY="barrel-1")
    again = api.post(URL, barrel(prod), format="json", HTTP_IDEMPOTENCY_KEY="barrel-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Lot.objects.filter(cooperative=prod.coop).count() == 1
    other = api.post(URL, barrel(prod, net_kg="19"), format="json", HTTP_IDEMPOTENCY_KEY="barrel-1")
    assert other.status_code == 422
    assert Lot.objects.filter(cooperative=prod.coop).count() == 1


def test_a_retried_batch_consumes_its_inputs_once(api, personas, prod):
    api.force_authenticate(personas.staff)
    (nuts,) = purchases(api, prod, 30)
    data = batch(prod.oil, [(nuts, 10)], 3)
    first = api.post(BATCHES, data, format="json", HTTP_IDEMPOTENCY_KEY="batch-1")
    again = api.post(BATCHES, data, format="json", HTTP_IDEMPOTENCY_KEY="batch-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Lot.objects.get(pk=nuts).consumed_kg == Decimal("10.000")
    assert Lot.objects.filter(kind="batch").count() == 1


@pytest.mark.parametrize("action, body", [("accept", {}), ("reject", {"reason": "Sujo"})])
def test_retried_accept_and_reject_answer_the_first_answer(api, personas, prod, action, body):
    api.force_authenticate(personas.staff)
    lot = record(api, barrel(prod, accept=False))
    first = api.post(detail(lot["id"], action), body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    again = api.post(detail(lot["id"], action), body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Lot.objects.get(pk=lot["id"]).history.count() == 2  # recorded, then one change


def test_a_failed_batch_keeps_no_key(api, personas, prod):
    api.force_authenticate(personas.staff)
    (nuts,) = purchases(api, prod, 30)
    bad = api.post(BATCHES, batch(prod.oil, [(nuts, 31)], 9), format="json", HTTP_IDEMPOTENCY_KEY="b")
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.exists()
    good = api.post(BATCHES, batch(prod.oil, [(nuts, 30)], 9), format="json", HTTP_IDEMPOTENCY_KEY="b")
    assert good.status_code == 201


# --- Filters ----------------------------------------------------------------------------


def test_filters_narrow_the_list(api, personas, prod):
    api.force_authenticate(personas.staff)
    honey = record(api, barrel(prod, code="H-1"))
    wet = record(api, barrel(prod, code="H-WET", moisture_pct="22"))
    nuts = record(api, nut_purchase(prod, code="N-1", collected_on=HARVEST.isoformat()))
    other = record(api, nut_purchase(prod, code="N-2", family=prod.other_breaker.pk))
    CertificationFactory(family=prod.beekeeper, valid_from=HARVEST, valid_to=DAY)
    organic = record(api, barrel(prod, code="H-ORG"))

    def listed(query):
        response = api.get(f"{URL}?{query}")
        assert response.status_code == 200, response.content
        return sorted(codes(response))

    assert listed("kind=nut_purchase") == ["N-1", "N-2"]
    assert listed(f"family={prod.other_breaker.pk}") == ["N-2"]
    assert listed("family_code=B-001") == ["N-1"]
    assert listed(f"association={prod.room.pk}") == ["H-1", "H-ORG", "H-WET"]
    assert listed(f"product={prod.nuts.pk}") == ["N-1", "N-2"]
    assert listed("status=rejected") == ["H-WET"]
    assert listed("organic=true") == ["H-ORG"]
    assert listed(f"collected_before={HARVEST}") == ["N-1"]
    assert listed(f"collected_after={DAY}&kind=nut_purchase") == ["N-2"]
    assert listed("code=H-1") == ["H-1"]
    assert listed("search=wet") == ["H-WET"]
    assert listed("search=B-002") == ["N-2"]
    assert listed("cooperative=coop-a&kind=barrel&status=accepted&organic=false") == ["H-1"]
    assert {honey["id"], wet["id"], nuts["id"], other["id"], organic["id"]} == set(
        Lot.objects.filter(cooperative=prod.coop).values_list("pk", flat=True)
    )


@pytest.mark.parametrize(
    "query",
    [
        "kind=drum",
        "status=lost",
        "family=abc",
        f"family={10**30}",
        "product=1.5",
        "association=-1",
        "collected_after=yesterday",
        "collected_before=2026-02-30",
        "code=a%00b",
        "family_code=a%00b",
        "cooperative=a%00b",
        "search=a%00b",
        "search=" + "x" * 101,
    ],
)
def test_bad_filter_values_are_400_never_500(api, personas, prod, query):
    api.force_authenticate(personas.staff)
    response = api.get(f"{URL}?{query}")
    assert response.status_code == 400, response.content
    assert query.split("=")[0] in response.json()


# --- Cursor pagination and query counts ------------------------------------------------


@pytest.fixture
def many_lots(prod):
    return [
        LotFactory(cooperative=prod.coop, product=prod.honey, family=prod.beekeeper, code=f"L{i:03d}").pk
        for i in range(260)
    ]


def test_lists_page_with_a_cursor_newest_first(api, personas, many_lots):
    api.force_authenticate(personas.staff)
    page = api.get(f"{URL}?page_size=100").json()
    assert set(page) == {"next", "previous", "results"}  # no count: no COUNT(*) on millions of lots
    seen = [row["id"] for row in page["results"]]
    while page["next"]:
        assert "cursor=" in page["next"] and "page_size=100" in page["next"]
        page = api.get(page["next"]).json()
        seen += [row["id"] for row in page["results"]]
    assert seen == sorted(many_lots, reverse=True)


def test_default_page_size_and_cap(api, personas, many_lots):
    api.force_authenticate(personas.staff)
    assert len(api.get(URL).json()["results"]) == 50
    assert len(api.get(f"{URL}?page_size=7").json()["results"]) == 7
    assert len(api.get(f"{URL}?page_size=100000").json()["results"]) == 200
    assert len(api.get(f"{URL}?page_size=-1").json()["results"]) == 50


def test_the_previous_link_goes_back(api, personas, many_lots):
    api.force_authenticate(personas.staff)
    first = api.get(f"{URL}?page_size=10").json()
    second = api.get(first["next"]).json()
    back = api.get(second["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in first["results"]]


@pytest.mark.parametrize("cursor", ["garbage", "%00", "cD0xMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTA="])
def test_a_bad_cursor_is_400_not_500(api, personas, many_lots, cursor):
    # A cursor that decodes to nothing ("%00") is the first page; any other bad one is a 400.
    api.force_authenticate(personas.staff)
    assert api.get(f"{URL}?cursor={cursor}").status_code in (200, 400)


def _add_lots(prod, n):
    """n lots, every fifth a batch with two inputs, so the list prefetches something."""
    for _ in range(n):
        lot = LotFactory(
            cooperative=prod.coop, product=prod.honey, family=FamilyFactory(cooperative=prod.coop)
        )
        if lot.pk % 5 == 0:
            made = LotFactory(
                cooperative=prod.coop, product=prod.honey, kind="batch", family=None, net_kg="5"
            )
            LotInput.objects.create(cooperative=prod.coop, output=made, source=lot, kg="5")


def test_list_queries_do_not_grow_with_the_rows(api, personas, prod, django_assert_num_queries):
    api.force_authenticate(personas.staff)
    _add_lots(prod, 3)
    with django_assert_num_queries(2):  # the page, and the batches' inputs
        small = api.get(f"{URL}?page_size=200")
    _add_lots(prod, 37)
    with django_assert_num_queries(2):
        large = api.get(f"{URL}?page_size=200&search=L&cooperative=coop-a&kind=barrel")
    assert len(small.json()["results"]) < len(large.json()["results"])


def test_detail_takes_few_queries(api, personas, prod, django_assert_max_num_queries):
    api.force_authenticate(personas.staff)
    lot = LotFactory(cooperative=prod.coop, product=prod.honey, family=prod.beekeeper)
    with django_assert_max_num_queries(2):
        assert api.get(detail(lot.pk)).status_code == 200


def test_options_and_the_browsable_api_render_without_other_coops(api, personas, prod):
    lot = LotFactory(cooperative=prod.coop, product=prod.honey, family=prod.beekeeper)
    api.force_authenticate(personas.manager)
    for url in [URL, detail(lot.pk), BATCHES, detail(lot.pk, "sources")]:
        assert api.options(url).status_code == 200
        page = api.get(url, HTTP_ACCEPT="text/html")
        assert page.status_code in (200, 405)
        assert "B-LOT-1" not in page.content.decode() and "B-F-001" not in page.content.decode()


@pytest.mark.parametrize("pk", ["abc", "%00", "1.5", "-1", str(10**30)])
def test_a_malformed_or_huge_id_in_the_url_is_404(api, personas, prod, pk):
    api.force_authenticate(personas.manager)
    assert api.get(f"{URL}{pk}/").status_code == 404
    assert api.post(f"{URL}{pk}/accept/").status_code == 404


# --- Random bodies: never a 500, never a half-write ----------------------------------------

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
kgs = st.decimals(min_value="0.001", max_value="400", places=3).map(str)
bad_kgs = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(),
    st.sampled_from(["0", "-1", "1e999", "NaN", "12.3456", "", " 1 "]),
)
past_dates = st.dates(min_value=DAY - datetime.timedelta(days=3000), max_value=DAY).map(str)
bad_values = st.one_of(json_values, bad_kgs, st.dates().map(str), st.integers(min_value=-2, max_value=80))
lot_codes = st.one_of(st.just(""), st.uuids().map(lambda u: u.hex[:16]))


def spoiled(valid_bodies, fields):
    """Valid bodies, half of them with one or two fields replaced or added at random."""
    junk = st.dictionaries(st.sampled_from([*fields, "extra", "id", "status"]), bad_values, max_size=2)
    return st.builds(lambda body, bad: {**body, **bad}, valid_bodies, st.one_of(st.just({}), junk))


def delivery_bodies(prod):
    common = {
        "cooperative": st.just("coop-a"),
        "collected_on": past_dates,
        "net_kg": kgs,
        "code": lot_codes,
        "notes": st.text(max_size=30),
        "organic": st.sampled_from([None, False]),
        "accept": st.booleans(),
        "confirm_unusual": st.booleans(),
    }
    barrels = st.fixed_dictionaries(
        {
            **common,
            "kind": st.just("barrel"),
            "product": st.just(prod.honey.pk),
            "family": st.just(prod.beekeeper.pk),
            "association": st.sampled_from([prod.room.pk, None]),
            "moisture_pct": st.decimals(min_value=0, max_value=100, places=2).map(str),
        }
    )
    purchases = st.fixed_dictionaries(
        {
            **common,
            "kind": st.just("nut_purchase"),
            "product": st.just(prod.nuts.pk),
            "family": st.sampled_from([prod.breaker.pk, prod.other_breaker.pk]),
            "association": st.sampled_from([prod.cantina.pk, None]),
            "price_per_kg": st.decimals(min_value="0.01", max_value=10, places=2).map(str),
        }
    )
    fields = [*common, "kind", "product", "family", "association", "moisture_pct", "price_per_kg", "gross_kg"]
    return spoiled(barrels | purchases, fields)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_deliveries_never_answer_500_nor_half_write(api, personas, prod, data):
    body = data.draw(delivery_bodies(prod))
    api.force_authenticate(personas.staff)
    before = Lot.objects.count()
    response = api.post(URL, body, format="json")  # a 500 would raise here
    assert response.status_code in (201, 400), response.content
    event(f"status {response.status_code}")
    if response.status_code == 400:
        assert Lot.objects.count() == before
        assert set(response.json()) - {"non_field_errors"}, "a 400 names the fields"
    else:
        assert Lot.objects.count() == before + 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_batches_never_answer_500_nor_over_consume(api, personas, prod, data):
    api.force_authenticate(personas.staff)
    if not Lot.objects.filter(kind="nut_purchase").exists():
        for family in (prod.breaker, prod.other_breaker):
            # 5 t of nuts to draw batches from: far above a purchase's usual 100 kg, so confirmed.
            record(api, nut_purchase(prod, family=family.pk, net_kg="5000", confirm_unusual=True))
    nut_lots = list(Lot.objects.filter(kind="nut_purchase").values_list("pk", flat=True))
    any_lot = st.integers(min_value=1, max_value=300)
    small_kgs = st.decimals(min_value="0.001", max_value="40", places=3).map(str)
    inputs = st.lists(
        st.fixed_dictionaries({"lot": st.sampled_from(nut_lots), "kg": small_kgs}),
        min_size=1,
        max_size=2,
        unique_by=lambda row: row["lot"],
    )
    junk_inputs = st.lists(
        st.one_of(
            json_values, st.fixed_dictionaries({"lot": any_lot | bad_values, "kg": small_kgs | bad_kgs})
        ),
        max_size=3,
    )
    batches = st.fixed_dictionaries(
        {
            "cooperative": st.just("coop-a"),
            "product": st.just(prod.oil.pk),
            "inputs": st.one_of(inputs, inputs, inputs, junk_inputs),
            "net_kg": st.decimals(min_value="0.001", max_value="30", places=3).map(str),
            "collected_on": past_dates,
            "code": lot_codes,
            "notes": st.text(max_size=20),
        }
    )
    body = data.draw(
        spoiled(batches, ["cooperative", "product", "inputs", "net_kg", "collected_on", "association"])
    )
    before = (Lot.objects.count(), LotInput.objects.count())
    response = api.post(BATCHES, body, format="json")
    assert response.status_code in (201, 400), response.content
    event(f"status {response.status_code}")
    if response.status_code == 400:
        assert (Lot.objects.count(), LotInput.objects.count()) == before
        assert set(response.json()) - {"non_field_errors"}, "a 400 names the fields"
    else:
        assert Lot.objects.count() == before[0] + 1
    for lot in Lot.objects.all():
        assert Decimal(0) <= lot.consumed_kg <= lot.net_kg


# --- Two staff at once ----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_batches_cannot_over_consume_a_lot(personas, prod):
    """Two connections take 20 kg each of a 30 kg purchase: one batch is made, the other
    is refused naming the lot, whatever the order the row lock lets them in."""
    nuts = LotFactory(
        cooperative=prod.coop, product=prod.nuts, family=prod.breaker, kind="nut_purchase", net_kg="30"
    )
    start, responses = threading.Barrier(2, timeout=10), []

    def take(user):
        client = APIClient()
        client.force_authenticate(user)
        try:
            start.wait()
            responses.append(client.post(BATCHES, batch(prod.oil, [(nuts.pk, 20)], 6), format="json"))
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(user,)) for user in (personas.staff, personas.manager)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(r.status_code for r in responses) == [201, 400]
    refused = next(r for r in responses if r.status_code == 400)
    assert "10.000" in refused.json()["inputs"][0]
    nuts.refresh_from_db()
    assert nuts.consumed_kg == Decimal("20.000")
    assert Lot.objects.filter(kind="batch").count() == 1
