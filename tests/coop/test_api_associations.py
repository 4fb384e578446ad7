"""/api/v1/associations/: managers and admins keep them; staff and auditors only read."""

import json

import pytest

from coop.models import Association, Role
from tests.factories import AssociationFactory, MembershipFactory

URL = "/api/v1/associations/"


def detail(association):
    return f"{URL}{association.pk}/"


def body(**overrides):
    return {
        "cooperative": "coop-a",
        "code": "CANTINA-1",
        "name": "Cantina do Ludovico",
        "kind": "cantina",
        "municipality": "Lago do Junco",
        "latitude": "-4.609000",
        "longitude": "-45.003000",
        **overrides,
    }


def codes(response):
    return [row["code"] for row in response.json()["results"]]


def test_list_shows_only_the_users_cooperative(api, personas, world):
    api.force_authenticate(personas.auditor)
    response = api.get(URL)
    assert codes(response) == ["A-ASSOC"]
    assert response.json()["results"][0]["family_count"] == 1


@pytest.mark.parametrize("query", ["search=B-ASSOC", "cooperative=coop-b", "kind=association&search=ASSOC"])
def test_search_and_filters_never_reach_another_cooperative(api, personas, world, query):
    api.force_authenticate(personas.staff)
    assert "B-ASSOC" not in codes(api.get(f"{URL}?{query}"))


@pytest.mark.parametrize("method", ["get", "put", "patch"])
def test_another_cooperatives_association_answers_404(api, personas, world, method):
    api.force_authenticate(personas.manager)
    response = getattr(api, method)(detail(world.association_b), body(name="Hacked"), format="json")
    assert response.status_code == 404
    world.association_b.refresh_from_db()
    assert world.association_b.name != "Hacked"


def test_expired_membership_sees_an_empty_list_and_404(api, personas, world):
    api.force_authenticate(personas.expired)
    assert api.get(URL).json()["count"] == 0
    assert api.get(detail(world.association_a)).status_code == 404


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_create_associations(api, personas, world, role):
    api.force_authenticate(getattr(personas, role))
    response = api.post(URL, body(), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["latitude"] == "-4.609000"
    association = Association.objects.get(code="CANTINA-1")
    assert association.cooperative.slug == "coop-a"
    assert association.history.get().history_user == getattr(personas, role)


@pytest.mark.parametrize("role", ["staff", "auditor", "expired", "nobody"])
def test_other_roles_cannot_create_associations(api, personas, world, role):
    api.force_authenticate(getattr(personas, role))
    assert api.post(URL, body(), format="json").status_code == 403
    assert not Association.objects.filter(code="CANTINA-1").exists()


def test_staff_who_manages_another_coop_cannot_create_one_in_theirs(api, personas, world, coop_b):
    MembershipFactory(user=personas.staff, cooperative=coop_b, role=Role.MANAGER)
    api.force_authenticate(personas.staff)
    assert api.post(URL, body(), format="json").status_code == 403
    assert api.post(URL, body(cooperative="coop-b"), format="json").status_code == 201


@pytest.mark.parametrize("role", ["staff", "auditor"])
@pytest.mark.parametrize("method", ["put", "patch"])
def test_staff_and_auditors_cannot_update_associations(api, personas, world, role, method):
    api.force_authenticate(getattr(personas, role))
    response = getattr(api, method)(detail(world.association_a), body(name="Changed"), format="json")
    assert response.status_code == 403
    world.association_a.refresh_from_db()
    assert world.association_a.name != "Changed"


def test_manager_renames_an_association(api, personas, world):
    api.force_authenticate(personas.manager)
    response = api.patch(detail(world.association_a), {"name": "Casa do Mel"}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "Casa do Mel"
    assert response.json()["family_count"] == 1
    world.association_a.refresh_from_db()
    assert world.association_a.name == "Casa do Mel"


def test_duplicate_code_is_400(api, personas, world):
    api.force_authenticate(personas.manager)
    response = api.post(URL, body(code="A-ASSOC"), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["code"]


BAD_VALUES = [
    ("cooperative", "nope"),
    ("cooperative", "coop-b"),
    ("code", ""),
    ("code", "a b"),
    ("code", "x" * 31),
    ("name", ""),
    ("name", "x" * 201),
    ("name", "a\x00b"),
    ("kind", "barn"),
    ("kind", None),
    ("municipality", ""),
    ("latitude", "-91"),
    ("latitude", "1.0000001"),
    ("latitude", "lat"),
    ("longitude", "200"),
    ("longitude", True),
    ("colour", "red"),
]


@pytest.mark.parametrize(("field", "value"), BAD_VALUES, ids=[f"{f}={v!r}"[:40] for f, v in BAD_VALUES])
def test_bad_value_is_400_naming_the_field_and_writes_nothing(api, personas, world, field, value):
    api.force_authenticate(personas.manager)
    before = Association.objects.count()
    response = api.generic("POST", URL, json.dumps(body(**{field: value})), content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Association.objects.count() == before


def test_filters_narrow_the_list(api, personas, world, coop_a):
    AssociationFactory(cooperative=coop_a, code="MEL-1", kind="honey_room", municipality="Simplício Mendes")
    api.force_authenticate(personas.staff)
    assert codes(api.get(f"{URL}?kind=honey_room")) == ["MEL-1"]
    assert codes(api.get(f"{URL}?municipality=simplício mendes")) == ["MEL-1"]
    assert codes(api.get(f"{URL}?ordering=-code")) == ["MEL-1", "A-ASSOC"]
    assert api.get(f"{URL}?kind=barn").status_code == 400
