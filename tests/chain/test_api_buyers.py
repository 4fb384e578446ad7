"""/api/v1/buyers/: members read, managers and admins write; tenancy, bad input,
idempotent retries and query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chain import services
from chain.models import Buyer
from coop.models import Role
from tests.chain.api_chain_data import build, post_json
from tests.factories import MembershipFactory

URL = "/api/v1/buyers/"


@pytest.fixture
def chain(coop_a, coop_b, personas):
    return build(coop_a, coop_b, personas)


def detail(buyer):
    return f"{URL}{buyer.pk}/"


def body(**overrides):
    return {
        "cooperative": "coop-a",
        "name": "Cosméticos Fair Ltd",
        "country": "gb",
        "kind": "fair_trade",
        "contact_name": "Ann",
        "email": "ann@example.org",
        "phone": "+44 20 0000 0000",
        "notes": "Compra 30% do óleo",
        **overrides,
    }


def names(response):
    return [row["name"] for row in response.json()["results"]]


def buyers_written():
    return list(
        Buyer.objects.order_by("pk").values_list("pk", "cooperative", "name", "country", "kind", "email")
    )


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_add_a_buyer(api, personas, chain, role):
    user = getattr(personas, role)
    api.force_authenticate(user)
    response = post_json(api, URL, body())
    assert response.status_code == 201, response.content
    stored = Buyer.objects.get(pk=response.json()["id"])
    assert response.json() == {
        "id": stored.pk,
        "cooperative": "coop-a",
        "name": "Cosméticos Fair Ltd",
        "country": "GB",
        "kind": "fair_trade",
        "contact_name": "Ann",
        "email": "ann@example.org",
        "phone": "+44 20 0000 0000",
        "notes": "Compra 30% do óleo",
    }
    assert stored.history.get().history_user == user


@pytest.mark.parametrize("role", ["staff", "auditor"])
def test_every_member_reads_buyers(api, personas, chain, role):
    api.force_authenticate(getattr(personas, role))
    assert names(api.get(URL)) == ["Importer", "Mercado local"]
    assert api.get(detail(chain.importer)).json()["country"] == "IT"


@pytest.mark.parametrize("role", ["staff", "auditor", "expired", "nobody"])
def test_others_cannot_write(api, personas, chain, role):
    api.force_authenticate(getattr(personas, role))
    before = buyers_written()
    assert post_json(api, URL, body()).status_code == 403
    assert api.patch(detail(chain.importer), {"name": "Hacked"}, format="json").status_code == 403
    assert api.put(detail(chain.importer), body(name="Hacked"), format="json").status_code == 403
    assert buyers_written() == before


def test_another_cooperatives_buyers_are_invisible(api, personas, chain):
    api.force_authenticate(personas.manager)
    assert "B buyer" not in names(api.get(URL))
    assert names(api.get(f"{URL}?cooperative=coop-b")) == []
    assert names(api.get(f"{URL}?search=B%20buyer")) == []
    for method in ("get", "put", "patch"):
        response = getattr(api, method)(detail(chain.b_buyer), body(name="Hacked"), format="json")
        assert response.status_code == 404
    chain.b_buyer.refresh_from_db()
    assert chain.b_buyer.name == "B buyer"


def test_a_buyer_is_edited_but_never_deleted_nor_moved(api, personas, chain, coop_b):
    MembershipFactory(user=personas.manager, cooperative=coop_b, role=Role.MANAGER)
    api.force_authenticate(personas.manager)
    patched = api.patch(detail(chain.importer), {"email": "compras@importer.it"}, format="json")
    assert patched.status_code == 200 and patched.json()["email"] == "compras@importer.it"
    moved = api.patch(detail(chain.importer), {"cooperative": "coop-b"}, format="json")
    assert moved.status_code == 400 and "cooperative" in moved.json()
    assert api.delete(detail(chain.importer)).status_code == 405
    assert Buyer.objects.get(pk=chain.importer.pk).cooperative.slug == "coop-a"


BAD_BUYERS = [
    ("name", ""),
    ("name", "Importer"),  # taken in this co-op
    ("name", "x" * 201),
    ("name", "a\x00b"),
    ("name", "\ud800"),
    ("name", None),
    ("country", "BRA"),
    ("country", "1X"),
    ("country", "ç1"),
    ("country", ""),
    ("kind", "broker"),
    ("kind", None),
    ("email", "not-an-email"),
    ("notes", "x" * 2001),
    ("cooperative", "coop-b"),
    ("cooperative", None),
    ("id", 3),
    ("colour", "red"),
]


@pytest.mark.parametrize(("field", "value"), BAD_BUYERS, ids=[f"{f}={v!r}"[:40] for f, v in BAD_BUYERS])
def test_a_bad_buyer_is_400_naming_the_field_and_writes_nothing(api, personas, chain, field, value):
    api.force_authenticate(personas.manager)
    before = buyers_written()
    response = post_json(api, URL, body(**{field: value}))
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert buyers_written() == before


def test_renaming_onto_another_buyers_name_is_400(api, personas, chain):
    api.force_authenticate(personas.manager)
    response = api.patch(detail(chain.local), {"name": "Importer"}, format="json")
    assert response.status_code == 400 and "name" in response.json()
    # Names are unique per co-op: B may have its own "Importer".
    services.buyer_create(actor=personas.outsider, cooperative=chain.b_buyer.cooperative, name="Importer",
                          country="BR", kind="local")  # fmt: skip


def test_a_retried_buyer_is_added_once(api, personas, chain):
    api.force_authenticate(personas.manager)
    first = post_json(api, URL, body(), HTTP_IDEMPOTENCY_KEY="buyer-1")
    again = post_json(api, URL, body(), HTTP_IDEMPOTENCY_KEY="buyer-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Buyer.objects.filter(name="Cosméticos Fair Ltd").count() == 1


def test_filters_and_ordering(api, personas, chain):
    api.force_authenticate(personas.staff)
    assert names(api.get(f"{URL}?kind=local")) == ["Mercado local"]
    assert names(api.get(f"{URL}?country=it")) == ["Importer"]
    assert names(api.get(f"{URL}?search=merc")) == ["Mercado local"]
    assert names(api.get(f"{URL}?ordering=-name")) == ["Mercado local", "Importer"]
    assert api.get(f"{URL}?kind=broker").status_code == 400


def test_list_queries_do_not_grow_with_the_rows(api, personas, chain):
    api.force_authenticate(personas.staff)
    with CaptureQueriesContext(connection) as few:
        assert api.get(f"{URL}?page_size=200").json()["count"] == 2
    for i in range(25):
        services.buyer_create(actor=personas.manager, cooperative=chain.coop, name=f"Buyer {i}", country="BR",
                              kind="local")  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        assert api.get(f"{URL}?page_size=200&search=e&ordering=country").json()["count"] == 27
    assert len(few) == len(many) <= 2, (len(few), len(many))
