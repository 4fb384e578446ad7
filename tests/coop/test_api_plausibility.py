"""/api/v1/lots/: a value outside its usual range needs `"confirm_unusual": true`."""

import pytest

from coop.models import Lot
from tests.coop.api_production_data import barrel, build, nut_purchase

URL = "/api/v1/lots/"


@pytest.fixture
def prod(coop_a, coop_b):
    return build(coop_a, coop_b)


@pytest.fixture(autouse=True)
def _english(api):
    api.credentials(HTTP_ACCEPT_LANGUAGE="en")


def test_an_unusual_barrel_is_400_naming_the_field_and_the_range(api, personas, prod):
    api.force_authenticate(personas.staff)
    response = api.post(URL, barrel(prod, net_kg="204", gross_kg="210"), format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["net_kg"] == ["204 kg — the usual is 15 to 30 kg."]
    assert "confirm_unusual" in body
    assert not Lot.objects.filter(cooperative=prod.coop).exists()


def test_with_the_flag_it_is_201_and_records_who_confirmed(api, personas, prod):
    api.force_authenticate(personas.staff)
    body = barrel(prod, net_kg="204", gross_kg="210", confirm_unusual=True)
    response = api.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["unusual_confirmed_by"] == personas.staff.username
    assert data["unusual_values"] == "204 kg — the usual is 15 to 30 kg."
    assert "confirm_unusual" not in data
    lot = Lot.objects.get(pk=data["id"])
    assert lot.unusual_confirmed_by == personas.staff


def test_a_usual_lot_needs_no_flag(api, personas, prod):
    api.force_authenticate(personas.staff)
    response = api.post(URL, nut_purchase(prod, net_kg="30", price_per_kg="3.20"), format="json")
    assert response.status_code == 201
    assert response.json()["unusual_confirmed_by"] is None


def test_the_flag_must_be_a_boolean(api, personas, prod):
    api.force_authenticate(personas.staff)
    response = api.post(URL, barrel(prod, confirm_unusual="perhaps"), format="json")
    assert response.status_code == 400 and "confirm_unusual" in response.json()


def test_the_api_keeps_json_numbers_with_a_point(api, personas, prod):
    api.force_authenticate(personas.staff)
    response = api.post(URL, barrel(prod, net_kg="20,4"), format="json")
    assert response.status_code == 400 and "net_kg" in response.json()


def test_products_show_their_usual_ranges(api, personas, prod):
    api.force_authenticate(personas.auditor)
    response = api.get("/api/v1/products/", {"cooperative": "coop-a"})
    row = next(row for row in response.json()["results"] if row["code"] == "NUTS")
    assert row["price_tolerance_pct"] == "40.00" and row["usual_net_kg_min"] is None


def test_staff_cannot_change_the_ranges_through_the_api(api, personas, prod):
    api.force_authenticate(personas.staff)
    response = api.patch(f"/api/v1/products/{prod.nuts.pk}/", {"usual_net_kg_max": "500"}, format="json")
    assert response.status_code == 403
    api.force_authenticate(personas.manager)
    response = api.patch(f"/api/v1/products/{prod.nuts.pk}/", {"usual_net_kg_max": "500"}, format="json")
    assert response.status_code == 200 and response.json()["usual_net_kg_max"] == "500.000"
