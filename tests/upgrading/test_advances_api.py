"""/api/v1/seasons/ and /api/v1/advances/: reading, filtering and totals; paying (staff) and
cancelling (managers), idempotent retries; tenancy, roles, bad input and query counts."""

import json
from decimal import Decimal

import pytest

from tests.upgrading import advances_data
from tests.upgrading.advances_data import DAY, barrel
from upgrading.models import Advance, Season

pytestmark = pytest.mark.django_db

SEASONS = "/api/v1/seasons/"
ADVANCES = "/api/v1/advances/"


@pytest.fixture
def data(coop_a, coop_b, personas):
    data = advances_data.build(coop_a, coop_b, personas)
    data.first = barrel(personas.staff, coop_a, product=data.honey, family=data.silva, kg="20").advance
    data.second = barrel(personas.staff, coop_a, product=data.honey, family=data.sousa, kg="10").advance
    return data


def post_json(api, url, body, **headers):
    return api.post(url, json.dumps(body), content_type="application/json", **headers)


def pay(api, advance, headers=None, **changes):
    body = {"paid_on": DAY.isoformat(), "method": "pix", **changes}
    return post_json(api, f"{ADVANCES}{advance.pk}/pay/", body, **(headers or {}))


# --- Advances: reading -------------------------------------------------------------------------------


def test_advance_list_shows_the_terms_and_amount(api, personas, data):
    api.force_authenticate(personas.auditor)
    response = api.get(ADVANCES)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [data.second.pk, data.first.pk]
    first = rows[1]
    assert (first["kg"], first["rate"], first["reference_price_per_kg"], first["amount"]) == (
        "20.000",
        "0.5000",
        "12.5000",
        "125.00",
    )
    assert (first["currency"], first["status"], first["family_code"], first["season_code"]) == (
        "BRL",
        "due",
        "F-001",
        "HONEY-2026",
    )
    assert first["cooperative"] == "coop-a" and first["lot_code"] == data.first.lot.code


def test_filters_and_totals(api, personas, data):
    api.force_authenticate(personas.staff)
    assert pay(api, data.first).status_code == 200

    def ids(**query):
        return [row["id"] for row in api.get(ADVANCES, query).json()["results"]]

    assert ids(status="paid") == [data.first.pk]
    assert ids(family_code="f-002") == [data.second.pk]
    assert ids(association=data.other_room.pk) == [data.second.pk]
    assert ids(season=data.season.pk, cooperative="coop-a") == [data.second.pk, data.first.pk]
    assert ids(lot_code=data.first.lot.code) == [data.first.pk]
    assert ids(cooperative="coop-b") == []  # not A's: nothing, not B's rows
    totals = api.get(f"{ADVANCES}totals/", {"season": data.season.pk}).json()
    assert totals == [
        {
            "currency": "BRL",
            "statuses": [
                {"status": "due", "count": 1, "kg": "10.000", "amount": "62.50"},
                {"status": "paid", "count": 1, "kg": "20.000", "amount": "125.00"},
            ],
            "advanced": "187.50",
        }
    ]


@pytest.mark.parametrize(
    "query", [{"season": "x"}, {"overdue_days": "-1"}, {"due_after": "31/02"}, {"status": "lost"}]
)
def test_malformed_filters_are_a_400_naming_the_parameter(api, personas, data, query):
    api.force_authenticate(personas.staff)
    response = api.get(ADVANCES, query)
    assert response.status_code == 400
    assert set(query) <= set(response.json())


def test_overdue_filter(api, personas, coop_a, data):
    api.force_authenticate(personas.manager)
    # Delivered on DAY (2026-03-10): overdue by any number of days smaller than the age.
    assert len(api.get(ADVANCES, {"overdue_days": 1}).json()["results"]) == 2
    assert api.get(ADVANCES, {"overdue_days": 3650}).json()["results"] == []


def test_list_query_count_does_not_grow_with_rows(api, personas, coop_a, data, django_assert_max_num_queries):
    api.force_authenticate(personas.staff)
    with django_assert_max_num_queries(8) as few:
        api.get(ADVANCES)
    for _ in range(25):
        barrel(personas.staff, coop_a, product=data.honey, family=data.silva)
    with django_assert_max_num_queries(8) as many:
        response = api.get(ADVANCES)
    assert len(response.json()["results"]) == 27
    assert len(many.captured_queries) == len(few.captured_queries)


def test_cursor_pages(api, personas, coop_a, data):
    for _ in range(5):
        barrel(personas.staff, coop_a, product=data.honey, family=data.silva)
    api.force_authenticate(personas.staff)
    first = api.get(ADVANCES, {"page_size": 4}).json()
    second = api.get(first["next"]).json()
    seen = [row["id"] for row in first["results"] + second["results"]]
    assert len(seen) == len(set(seen)) == 7


# --- Advances: paying and cancelling -----------------------------------------------------------------------


def test_staff_pays_once(api, personas, data):
    api.force_authenticate(personas.staff)
    response = pay(api, data.first, payment_reference="PIX-9")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["paid_by"], response.json()["payment_reference"]) == (
        "paid",
        "a-staff",
        "PIX-9",
    )
    again = pay(api, data.first, method="cash")
    assert again.status_code == 400 and "status" in again.json()
    data.first.refresh_from_db()
    assert data.first.method == "pix"


def test_pay_is_idempotent_with_a_key(api, personas, data):
    api.force_authenticate(personas.staff)
    key = {"HTTP_IDEMPOTENCY_KEY": "pay-1"}
    first = pay(api, data.first, headers=key)
    again = pay(api, data.first, headers=key)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert data.first.history.filter(status="paid").count() == 1
    other = pay(api, data.first, headers=key, method="cash")
    assert other.status_code == 422


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"paid_on": "2026-03-09", "method": "pix"}, "paid_on"),
        ({"paid_on": "2999-01-01", "method": "pix"}, "paid_on"),
        ({"paid_on": "yesterday", "method": "pix"}, "paid_on"),
        ({"paid_on": "2026-03-10", "method": "gold"}, "method"),
        ({"paid_on": "2026-03-10"}, "method"),
        ({"paid_on": "2026-03-10", "method": "pix", "payment_reference": "P\x00"}, "payment_reference"),
        ({"paid_on": "2026-03-10", "method": "pix", "payment_reference": "x" * 500}, "payment_reference"),
        ({"paid_on": "2026-03-10", "method": "pix", "amount": "1000.00"}, "amount"),
        ({"paid_on": ["2026-03-10"], "method": 7}, "paid_on"),
    ],
)
def test_bad_payments_are_400_naming_the_field(api, personas, data, body, field):
    api.force_authenticate(personas.staff)
    response = post_json(api, f"{ADVANCES}{data.first.pk}/pay/", body)
    assert response.status_code == 400
    assert field in response.json()
    data.first.refresh_from_db()
    assert data.first.status == Advance.Status.DUE


def test_auditor_cannot_pay_staff_cannot_cancel(api, personas, data):
    api.force_authenticate(personas.auditor)
    assert pay(api, data.first).status_code == 403
    api.force_authenticate(personas.staff)
    cancel = post_json(api, f"{ADVANCES}{data.first.pk}/cancel/", {"cancelled_reason": "twice"})
    assert cancel.status_code == 403
    api.force_authenticate(personas.manager)
    cancel = post_json(api, f"{ADVANCES}{data.first.pk}/cancel/", {"cancelled_reason": "twice"})
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"


def test_outsider_sees_none_of_as_advances(api, personas, data):
    api.force_authenticate(personas.outsider)
    assert [row["id"] for row in api.get(ADVANCES).json()["results"]] == [data.b_advance.pk]
    assert api.get(f"{ADVANCES}{data.first.pk}/").status_code == 404
    assert pay(api, data.first).status_code == 404
    assert api.get(f"{SEASONS}{data.season.pk}/").status_code == 404
    totals = api.get(f"{ADVANCES}totals/").json()
    assert totals[0]["advanced"] == "80.00"  # B's one barrel: 0.4 × 10 × 20


def test_advances_are_not_created_or_deleted_by_hand(api, personas, data):
    api.force_authenticate(personas.manager)
    assert post_json(api, ADVANCES, {"lot": data.first.lot_id}).status_code == 405
    assert api.delete(f"{ADVANCES}{data.first.pk}/").status_code == 405
    assert api.patch(f"{ADVANCES}{data.first.pk}/", {"amount": "1"}, format="json").status_code == 405


def test_anonymous_gets_nothing(api, data):
    assert api.get(ADVANCES).status_code in (401, 403)


# --- Seasons ----------------------------------------------------------------------------------------------


def season_body(data, **changes):
    return {
        "cooperative": "coop-a",
        "product": data.wax.pk,
        "code": "WAX-2026",
        "name": "Cera 2026",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "advance_rate": "0.4",
        "reference_price_per_kg": "30.50",
        **changes,
    }


def test_manager_creates_and_changes_a_season(api, personas, data):
    api.force_authenticate(personas.manager)
    response = post_json(api, SEASONS, season_body(data))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["advance_rate"], body["reference_price_per_kg"], body["product_code"]) == (
        "0.4000",
        "30.5000",
        "WAX",
    )
    changed = api.patch(f"{SEASONS}{body['id']}/", {"advance_rate": None}, format="json")
    assert changed.status_code == 200 and changed.json()["advance_rate"] is None
    assert api.get(SEASONS, {"active_on": "2026-03-01", "product": data.wax.pk}).json()["count"] == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"advance_rate": "1.5"}, "advance_rate"),
        ({"advance_rate": "abc"}, "advance_rate"),
        ({"reference_exchange_rate": "0"}, "reference_exchange_rate"),
        ({"reference_price_per_kg": "-1"}, "reference_price_per_kg"),
        ({"reference_price_per_kg": "1e400"}, "reference_price_per_kg"),
        ({"ends_on": "2025-01-01"}, "ends_on"),
        ({"code": "HONEY-2026"}, "code"),
        ({"product": 10**30}, "product"),
        ({"name": "x\x00"}, "name"),
        ({"colour": "red"}, "colour"),
        ({"cooperative": "coop-b"}, "cooperative"),
    ],
)
def test_bad_seasons_are_400_naming_the_field(api, personas, data, changes, field):
    api.force_authenticate(personas.manager)
    response = post_json(api, SEASONS, season_body(data, **changes))
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Season.objects.filter(code="WAX-2026").exists()


def test_overlapping_season_is_refused(api, personas, data):
    api.force_authenticate(personas.manager)
    response = post_json(api, SEASONS, season_body(data, product=data.honey.pk))
    assert response.status_code == 400 and "starts_on" in response.json()


def test_another_coops_product_is_not_found(api, personas, data):
    api.force_authenticate(personas.manager)
    response = post_json(api, SEASONS, season_body(data, product=data.b_honey.pk))
    assert response.status_code == 400 and "product" in response.json()


@pytest.mark.parametrize("who", ["staff", "auditor"])
def test_staff_and_auditors_cannot_write_seasons(api, personas, data, who):
    api.force_authenticate(getattr(personas, who))
    assert api.get(SEASONS).status_code == 200
    assert post_json(api, SEASONS, season_body(data)).status_code == 403
    assert api.patch(f"{SEASONS}{data.season.pk}/", {"name": "x"}, format="json").status_code == 403
    data.season.refresh_from_db()
    assert data.season.name == "Safra de mel 2026"


def test_season_list_query_count(api, personas, coop_a, data, django_assert_max_num_queries):
    api.force_authenticate(personas.staff)
    with django_assert_max_num_queries(6):
        response = api.get(SEASONS)
    assert [row["code"] for row in response.json()["results"]] == ["HONEY-2026"]
    assert Decimal(response.json()["results"][0]["advance_rate"]) == Decimal("0.5")
