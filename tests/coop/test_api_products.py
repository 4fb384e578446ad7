"""/api/v1/products/: the co-op's catalogue. Members read it, managers and admins keep it;
a product is made from a product of the same co-op, never (even indirectly) from itself."""

import json

import pytest

from coop.models import Product, Role
from tests.coop.api_production_data import build
from tests.factories import MembershipFactory, ProductFactory

URL = "/api/v1/products/"


@pytest.fixture
def prod(coop_a, coop_b):
    return build(coop_a, coop_b)


def detail(product):
    return f"{URL}{product.pk}/"


def body(**overrides):
    return {"cooperative": "coop-a", "code": "WAX", "name": "Cera", "unit": "kg", **overrides}


def codes(response):
    return [row["code"] for row in response.json()["results"]]


def post_json(api, data):
    return api.generic("POST", URL, json.dumps(data), content_type="application/json")


# --- Tenancy --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "manager", "auditor", "admin"])
def test_every_member_reads_the_catalogue_of_their_coop_only(api, personas, prod, role):
    api.force_authenticate(getattr(personas, role))
    response = api.get(f"{URL}?page_size=100")
    assert response.status_code == 200
    assert sorted(codes(response)) == ["HONEY", "NUTS", "OIL", "SOAP"]
    assert api.get(detail(prod.oil)).json() == {
        "id": prod.oil.pk,
        "cooperative": "coop-a",
        "code": "OIL",
        "name": "Óleo de babaçu",
        "unit": "kg",
        "made_from": prod.nuts.pk,
        "expected_yield": "0.3000",
        "yield_tolerance_pct": "10.00",
        "mass_balance_allowed": False,
        "usual_net_kg_min": None,
        "usual_net_kg_max": None,
        "usual_moisture_min_pct": None,
        "usual_moisture_max_pct": None,
        "reference_price_per_kg": None,
        "price_tolerance_pct": "40.00",
        "delivered_as": "",
    }


@pytest.mark.parametrize("query", ["cooperative=coop-b", "search=B-HONEY", "search=Mel B"])
def test_filters_never_reach_another_cooperative(api, personas, prod, query):
    api.force_authenticate(personas.staff)
    assert codes(api.get(f"{URL}?{query}")) == []


@pytest.mark.parametrize("method", ["get", "put", "patch"])
def test_another_cooperatives_product_answers_404(api, personas, prod, method):
    api.force_authenticate(personas.manager)
    response = getattr(api, method)(detail(prod.b_honey), body(name="Hacked"), format="json")
    assert response.status_code == 404
    prod.b_honey.refresh_from_db()
    assert prod.b_honey.name == "Mel B"


def test_expired_and_strangers_see_nothing(api, personas, prod):
    for user in (personas.expired, personas.nobody):
        api.force_authenticate(user)
        assert api.get(URL).json()["count"] == 0
        assert api.get(detail(prod.honey)).status_code == 404


# --- Roles ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_add_products(api, personas, prod, role):
    api.force_authenticate(getattr(personas, role))
    response = api.post(URL, body(), format="json")
    assert response.status_code == 201, response.json()
    product = Product.objects.get(cooperative=prod.coop, code="WAX")
    assert response.json()["id"] == product.pk
    assert product.history.get().history_user == getattr(personas, role)


@pytest.mark.parametrize("role", ["staff", "auditor", "expired"])
def test_staff_and_auditors_cannot_add_or_change_products(api, personas, prod, role):
    api.force_authenticate(getattr(personas, role))
    assert api.post(URL, body(), format="json").status_code == 403
    assert api.patch(detail(prod.honey), {"name": "X"}, format="json").status_code in (403, 404)
    assert not Product.objects.filter(code="WAX").exists()
    prod.honey.refresh_from_db()
    assert prod.honey.name == "Mel orgânico"


def test_staff_who_manages_another_coop_cannot_add_one_to_theirs(api, personas, prod, coop_b):
    MembershipFactory(user=personas.staff, cooperative=coop_b, role=Role.MANAGER)
    api.force_authenticate(personas.staff)
    assert api.post(URL, body(), format="json").status_code == 403
    assert api.post(URL, body(cooperative="coop-b"), format="json").status_code == 201


def test_products_are_never_deleted(api, personas, prod):
    api.force_authenticate(personas.admin)
    assert api.delete(detail(prod.honey)).status_code == 405
    assert Product.objects.filter(pk=prod.honey.pk).exists()


# --- Recipes: made_from and the expected yield ------------------------------------------


def test_a_product_made_from_another_carries_its_yield(api, personas, prod):
    api.force_authenticate(personas.manager)
    response = api.post(
        URL,
        body(
            code="CAKE", name="Torta", made_from=prod.nuts.pk, expected_yield="0.65", yield_tolerance_pct="5"
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["made_from"], response.json()["expected_yield"]) == (prod.nuts.pk, "0.6500")


def test_manager_updates_a_recipe(api, personas, prod):
    api.force_authenticate(personas.manager)
    response = api.patch(
        detail(prod.oil), {"expected_yield": "0.28", "mass_balance_allowed": True}, format="json"
    )
    assert response.status_code == 200, response.json()
    prod.oil.refresh_from_db()
    assert (str(prod.oil.expected_yield), prod.oil.mass_balance_allowed) == ("0.2800", True)
    assert prod.oil.history.first().history_user == personas.manager


def test_made_from_of_another_of_the_users_cooperatives_is_400(api, personas, prod, coop_b):
    MembershipFactory(user=personas.manager, cooperative=coop_b, role=Role.MANAGER)
    api.force_authenticate(personas.manager)
    response = api.post(URL, body(made_from=prod.b_honey.pk), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["made_from"]
    assert not Product.objects.filter(code="WAX").exists()


def test_a_recipe_cannot_loop_back(api, personas, prod):
    api.force_authenticate(personas.manager)
    for made_from in (prod.oil, prod.soap):  # nuts from oil, or from soap made from oil from nuts
        response = api.patch(detail(prod.nuts), {"made_from": made_from.pk}, format="json")
        assert response.status_code == 400
        assert list(response.json()) == ["made_from"]
    prod.nuts.refresh_from_db()
    assert prod.nuts.made_from is None


def test_a_product_cannot_move_to_another_cooperative(api, personas, prod, coop_b):
    MembershipFactory(user=personas.manager, cooperative=coop_b, role=Role.MANAGER)
    api.force_authenticate(personas.manager)
    response = api.patch(detail(prod.honey), {"cooperative": "coop-b"}, format="json")
    assert response.status_code == 400
    assert "cooperative" in response.json()


BAD_VALUES = [
    ("cooperative", "coop-b"),
    ("cooperative", None),
    ("code", ""),
    ("code", "HONEY"),  # taken in the co-op
    ("code", "a b"),
    ("code", "x" * 31),
    ("code", "n\x00l"),
    ("name", ""),
    ("name", "x" * 121),
    ("name", "a\x00b"),
    ("unit", "ton"),
    ("made_from", "b_honey"),
    ("made_from", 10**30),
    ("made_from", "abc"),
    ("expected_yield", "0.3"),  # without made_from
    ("expected_yield", "0"),
    ("expected_yield", "-1"),
    ("expected_yield", "101"),
    ("expected_yield", "NaN"),
    ("expected_yield", "0.12345"),
    ("yield_tolerance_pct", "101"),
    ("yield_tolerance_pct", "-1"),
    ("mass_balance_allowed", "perhaps"),
    ("id", 3),
    ("colour", "red"),
]


@pytest.mark.parametrize(("field", "value"), BAD_VALUES, ids=[f"{f}={v!r}"[:40] for f, v in BAD_VALUES])
def test_bad_value_is_400_naming_the_field_and_writes_nothing(api, personas, prod, field, value):
    if field == "made_from" and isinstance(value, str) and hasattr(prod, value):
        value = getattr(prod, value).pk
    api.force_authenticate(personas.manager)
    before = Product.objects.count()
    response = post_json(api, body(**{field: value}))
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Product.objects.count() == before


def test_filters_narrow_the_list(api, personas, prod):
    api.force_authenticate(personas.staff)
    assert codes(api.get(f"{URL}?made_from={prod.nuts.pk}")) == ["OIL"]
    assert codes(api.get(f"{URL}?search=babaçu&ordering=code")) == ["NUTS", "OIL"]
    assert api.get(f"{URL}?unit=ton").status_code == 400
    assert api.get(f"{URL}?made_from=x").status_code == 400


def test_list_queries_do_not_grow_with_the_rows(api, personas, prod, coop_a, django_assert_num_queries):
    api.force_authenticate(personas.staff)
    with django_assert_num_queries(2):  # COUNT(*) and the page
        small = api.get(f"{URL}?page_size=100")
    for _ in range(36):
        ProductFactory(cooperative=coop_a, made_from=prod.nuts, expected_yield="0.5")
    with django_assert_num_queries(2):
        large = api.get(f"{URL}?page_size=100")
    assert (small.json()["count"], large.json()["count"]) == (4, 40)
