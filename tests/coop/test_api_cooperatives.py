"""/api/v1/cooperatives/: read-only, by slug, only the user's own co-ops."""

import pytest

from coop.models import Role
from tests.factories import MembershipFactory, UserFactory

URL = "/api/v1/cooperatives/"


def slugs(response):
    return [row["slug"] for row in response.json()["results"]]


def test_member_sees_their_cooperative_and_role(api, personas):
    api.force_authenticate(personas.auditor)
    response = api.get(URL)
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "slug": "coop-a",
            "name": "Cooperativa A",
            "short_name": "",
            "country": "BR",
            "state": "MA",
            "municipality": "Lago do Junco",
            "base_currency": "BRL",
            "role": "auditor",
        }
    ]


def test_federation_auditor_sees_both_with_a_role_in_each(api, personas, coop_a, coop_b):
    federation = UserFactory(username="federation")
    MembershipFactory(user=federation, cooperative=coop_a, role=Role.AUDITOR)
    MembershipFactory(user=federation, cooperative=coop_b, role=Role.MANAGER)
    api.force_authenticate(federation)
    rows = api.get(URL).json()["results"]
    assert [(row["slug"], row["role"]) for row in rows] == [("coop-a", "auditor"), ("coop-b", "manager")]


def test_detail_is_looked_up_by_slug(api, personas):
    api.force_authenticate(personas.staff)
    response = api.get(f"{URL}coop-a/")
    assert response.status_code == 200
    assert response.json()["role"] == "staff"


@pytest.mark.parametrize("slug", ["coop-b", "no-such-coop"])
def test_another_or_unknown_cooperative_answers_404(api, personas, slug):
    api.force_authenticate(personas.manager)
    assert api.get(f"{URL}{slug}/").status_code == 404


@pytest.mark.parametrize("query", ["search=Cooperativa B", "search=coop-b", "state=PI"])
def test_search_and_filters_never_reach_another_cooperative(api, personas, query):
    api.force_authenticate(personas.manager)
    assert "coop-b" not in slugs(api.get(f"{URL}?{query}"))


@pytest.mark.parametrize("persona", ["expired", "nobody"])
def test_no_membership_in_force_sees_no_cooperative(api, personas, persona):
    api.force_authenticate(getattr(personas, persona))
    assert api.get(URL).json()["count"] == 0
    assert api.get(f"{URL}coop-a/").status_code == 404


def test_superuser_sees_every_cooperative_as_admin(api, personas):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    api.force_authenticate(root)
    rows = api.get(URL).json()["results"]
    assert [(row["slug"], row["role"]) for row in rows] == [("coop-a", "admin"), ("coop-b", "admin")]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_cooperatives_are_read_only_through_the_api(api, personas, method):
    api.force_authenticate(personas.admin)
    url = URL if method == "post" else f"{URL}coop-a/"
    response = getattr(api, method)(url, {"name": "Renamed"}, format="json")
    assert response.status_code == 405
    personas.admin.memberships.get().cooperative.refresh_from_db()
    assert personas.admin.memberships.get().cooperative.name == "Cooperativa A"
