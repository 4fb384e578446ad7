"""Seasons, advances and assemblies in the Django admin: scoped like the co-op's models;
seasons written by managers through the services; advances and assemblies read-only."""

import pytest

from tests.upgrading import advances_data
from tests.upgrading.advances_data import barrel
from upgrading.models import Season

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(coop_a, coop_b, personas):
    for user in (personas.manager, personas.staff, personas.outsider):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    data = advances_data.build(coop_a, coop_b, personas)
    data.advance = barrel(personas.staff, coop_a, product=data.honey, family=data.silva).advance
    return data


def test_changelists_show_only_the_users_coops(client, personas, data):
    client.force_login(personas.manager)
    for model, own, other in (
        ("season", data.season, data.b_season),
        ("advance", data.advance, data.b_advance),
        ("assembly", None, data.b_assembly),
    ):
        response = client.get(f"/admin/upgrading/{model}/")
        assert response.status_code == 200, model
        shown = {row.pk for row in response.context["cl"].result_list}
        assert other.pk not in shown
        if own is not None:
            assert own.pk in shown
    assert client.get(f"/admin/upgrading/advance/{data.b_advance.pk}/change/").status_code in (302, 404)


def test_advances_are_read_only(client, personas, data):
    client.force_login(personas.manager)
    page = client.get(f"/admin/upgrading/advance/{data.advance.pk}/change/")
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert client.get("/admin/upgrading/advance/add/").status_code == 403


def test_manager_edits_a_season_through_the_service(client, personas, data):
    client.force_login(personas.manager)
    body = {
        "product": data.honey.pk,
        "code": "HONEY-2026",
        "name": "Renamed",
        "starts_on": "2026-01-01",
        "ends_on": "2026-06-30",
        "advance_rate": "0.6",
        "reference_price_per_kg": "12.5",
        "reference_exchange_rate": "",
    }
    response = client.post(f"/admin/upgrading/season/{data.season.pk}/change/", body)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    data.season.refresh_from_db()
    assert data.season.name == "Renamed"
    assert data.season.history.order_by("-history_id").first().history_user == personas.manager
    overlap = client.post(
        "/admin/upgrading/season/add/",
        {**body, "cooperative": data.season.cooperative_id, "code": "HONEY-B", "starts_on": "2026-06-01"},
    )
    assert overlap.status_code == 200
    assert "starts_on" in overlap.context["adminform"].form.errors
    assert not Season.objects.filter(code="HONEY-B").exists()


def test_staff_reads_seasons_but_cannot_change_them(client, personas, data):
    client.force_login(personas.staff)
    page = client.get(f"/admin/upgrading/season/{data.season.pk}/change/")
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert client.get("/admin/upgrading/season/add/").status_code == 403
