"""A superuser opens a co-operative and names its first administrator from the admin."""

import re

import pytest
from django.contrib.auth import get_user_model

from coop.models import Cooperative, Membership, Role

ADD_URL = "/admin/coop/cooperative/add/"


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "x")


def form(**overrides):
    return {
        "name": "Cooperativa do Mel",
        "slug": "mel",
        "country": "BR",
        "state": "PI",
        "municipality": "Simplício Mendes",
        "base_currency": "BRL",
        "moisture_limit_pct": "20.00",
        "manager_email": "ana@example.org",
        "manager_name": "Ana",
        **overrides,
    }


def test_superuser_opens_a_coop_with_its_first_administrator(
    client, superuser, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(superuser)
    page = client.get(ADD_URL)
    assert page.status_code == 200
    assert "manager_email" in page.context["adminform"].form.fields
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ADD_URL, form(), follow=True)
    assert response.status_code == 200
    cooperative = Cooperative.objects.get(slug="mel")
    membership = Membership.objects.get(cooperative=cooperative)
    assert (membership.user.username, membership.user.first_name, membership.role) == (
        "ana@example.org",
        "Ana",
        Role.ADMIN,
    )
    assert membership.history.get().history_user == superuser
    link = re.search(r"http://testserver/accounts/reset/[^\s<]+/", response.content.decode()).group(0)
    assert link in mailoutbox[0].body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"manager_email": "not-an-email"}, "manager_email"), ({"manager_email": ""}, "manager_email")],
)
def test_bad_input_shows_on_the_form_and_creates_nothing(client, superuser, overrides, field):
    client.force_login(superuser)
    response = client.post(ADD_URL, form(**overrides))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Cooperative.objects.filter(slug="mel").exists()


def test_a_slug_in_use_is_refused_on_the_form(client, superuser, coop_a):
    client.force_login(superuser)
    response = client.post(ADD_URL, form(slug="coop-a"))
    assert "slug" in response.context["adminform"].form.errors
    assert Cooperative.objects.count() == 1
    assert not get_user_model().objects.filter(email="ana@example.org").exists()


def test_the_change_form_does_not_ask_for_a_manager(client, superuser, coop_a):
    client.force_login(superuser)
    response = client.get(f"/admin/coop/cooperative/{coop_a.pk}/change/")
    assert "manager_email" not in response.context["adminform"].form.fields


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_co_op_administrators_cannot_open_a_coop(client, personas, role):
    user = getattr(personas, role)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    assert client.get(ADD_URL).status_code == 403
    assert client.post(ADD_URL, form()).status_code == 403
    assert not Cooperative.objects.filter(slug="mel").exists()


def test_the_last_admin_demoting_themselves_in_the_admin_gets_a_form_error(client, personas, coop_a):
    user = personas.admin
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    own = Membership.objects.get(user=user, cooperative=coop_a)
    response = client.post(f"/admin/coop/membership/{own.pk}/change/", {"role": Role.STAFF, "ends_on": ""})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["role"]
    own.refresh_from_db()
    assert own.role == Role.ADMIN
