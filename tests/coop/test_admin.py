"""The Django admin, scoped: staff-flagged members of co-op A see and change only A's rows."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coop.models import Association, Cooperative, Family, Member, Membership, Product, Role
from tests.factories import AssociationFactory, FamilyFactory, MembershipFactory, ProductFactory

CHANGELISTS = {
    "cooperative": Cooperative,
    "membership": Membership,
    "product": Product,
    "association": Association,
    "family": Family,
    "member": Member,
}


@pytest.fixture
def admin_world(personas, world, coop_a, coop_b):
    """Everyone may open the admin (is_staff); what they see depends on their memberships."""
    get_user_model().objects.update(is_staff=True)
    for user in vars(personas).values():
        user.refresh_from_db()
    world.product_a = ProductFactory(cooperative=coop_a, code="A-PROD")
    world.product_b = ProductFactory(cooperative=coop_b, code="B-PROD")
    return world


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "x")


def _changelist(client, model_name, query=""):
    response = client.get(f"/admin/coop/{model_name}/{query}")
    assert response.status_code == 200, (model_name, response.status_code)
    return set(response.context["cl"].queryset)


def _coop_of(row):
    return row if isinstance(row, Cooperative) else row.cooperative


def test_member_of_a_sees_only_a_in_every_changelist(client, personas, admin_world, coop_a):
    client.force_login(personas.manager)
    for model_name, model in CHANGELISTS.items():
        rows = _changelist(client, model_name)
        assert rows, model_name
        assert {_coop_of(row) for row in rows} == {coop_a}, model_name
        assert rows == {r for r in model.objects.all() if _coop_of(r) == coop_a}, model_name


def test_search_never_finds_another_cooperatives_rows(client, personas, admin_world):
    client.force_login(personas.manager)
    assert _changelist(client, "family", "?q=B-0001") == set()
    assert _changelist(client, "family", "?q=A-0001") == {admin_world.family_a}
    assert _changelist(client, "association", "?q=B-ASSOC") == set()
    assert _changelist(client, "member", f"?q={admin_world.member_b.name}") <= {admin_world.member_a}


def test_filters_do_not_name_other_cooperatives(client, personas, admin_world, coop_b):
    client.force_login(personas.admin)
    for model_name in CHANGELISTS:
        response = client.get(f"/admin/coop/{model_name}/")
        assert coop_b.name not in response.content.decode(), model_name


def test_other_cooperatives_rows_are_not_found(client, personas, admin_world, coop_b):
    client.force_login(personas.manager)
    for row in (admin_world.family_b, admin_world.member_b, admin_world.association_b, admin_world.product_b):
        name = row._meta.model_name
        change = client.get(f"/admin/coop/{name}/{row.pk}/change/")
        # The admin answers a row it cannot find with a redirect to its index, as for a
        # row that does not exist at all.
        assert change.status_code == 302 and change.url == "/admin/", name
        assert client.get(f"/admin/coop/{name}/{row.pk}/history/").status_code == 404, name
    assert client.get(f"/admin/coop/cooperative/{coop_b.pk}/change/").status_code == 302


def test_own_rows_open(client, personas, admin_world):
    client.force_login(personas.manager)
    for row in (admin_world.family_a, admin_world.member_a, admin_world.association_a):
        name = row._meta.model_name
        assert client.get(f"/admin/coop/{name}/{row.pk}/change/").status_code == 200, name
        assert client.get(f"/admin/coop/{name}/{row.pk}/history/").status_code == 200, name


def test_foreign_key_choices_offer_only_own_cooperative(client, personas, admin_world, coop_a):
    client.force_login(personas.manager)
    form = client.get("/admin/coop/family/add/").context["adminform"].form
    assert list(form.fields["cooperative"].queryset) == [coop_a]
    assert list(form.fields["association"].queryset) == [admin_world.association_a]
    form = client.get("/admin/coop/member/add/").context["adminform"].form
    assert list(form.fields["family"].queryset) == [admin_world.family_a]


def test_autocomplete_offers_only_own_cooperative(client, personas, admin_world):
    client.force_login(personas.manager)
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "coop", "model_name": "member", "field_name": "family", "term": ""},
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(admin_world.family_a.pk)]


def test_membership_user_choices_are_people_of_own_cooperative(client, personas, admin_world):
    client.force_login(personas.admin)
    form = client.get("/admin/coop/membership/add/").context["adminform"].form
    users = set(form.fields["user"].queryset)
    assert personas.staff in users
    assert personas.outsider not in users and personas.nobody not in users


def test_auditor_views_but_cannot_change(client, personas, admin_world):
    client.force_login(personas.auditor)
    family = admin_world.family_a
    assert _changelist(client, "family") == {family}
    page = client.get(f"/admin/coop/family/{family.pk}/change/")
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert b'name="_save"' not in page.content
    posted = client.post(f"/admin/coop/family/{family.pk}/change/", {"household_name": "Hacked"})
    assert posted.status_code == 403
    assert client.get("/admin/coop/family/add/").status_code == 403
    family.refresh_from_db()
    assert family.household_name != "Hacked"


def test_staff_views_associations_but_only_managers_change_them(client, personas, admin_world):
    client.force_login(personas.staff)
    association = admin_world.association_a
    page = client.get(f"/admin/coop/association/{association.pk}/change/")
    assert page.context["has_change_permission"] is False
    assert client.get("/admin/coop/association/add/").status_code == 403
    assert client.get("/admin/coop/family/add/").status_code == 200


def test_expired_membership_and_no_membership_see_nothing(client, personas, admin_world):
    for user in (personas.expired, personas.nobody):
        client.force_login(user)
        assert client.get("/admin/coop/family/").status_code == 403
        assert client.get("/admin/").context["app_list"] == []


def test_user_without_staff_flag_is_sent_to_admin_login(client, personas, admin_world):
    personas.manager.is_staff = False
    personas.manager.save(update_fields=["is_staff"])
    client.force_login(personas.manager)
    response = client.get("/admin/coop/family/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")


def test_superuser_sees_every_cooperative(client, superuser, admin_world):
    client.force_login(superuser)
    for model_name, model in CHANGELISTS.items():
        assert _changelist(client, model_name) == set(model.objects.all()), model_name


def test_only_superusers_delete(client, personas, admin_world):
    client.force_login(personas.admin)
    assert client.get(f"/admin/coop/family/{admin_world.family_a.pk}/delete/").status_code == 403


def _family_form(coop, association, **extra):
    return {
        "cooperative": coop.pk,
        "code": "A-0099",
        "household_name": "Maria da Conceição Lima",
        "association": association.pk if association else "",
        "municipality": "Lago do Junco",
        "joined_on": "2010-05-04",
        "status": "active",
        "land_tenure": "settlement",
        **extra,
    }


def test_adding_a_family_goes_through_the_service_and_keeps_history(client, personas, admin_world, coop_a):
    client.force_login(personas.staff)
    response = client.post("/admin/coop/family/add/", _family_form(coop_a, admin_world.association_a))
    assert response.status_code == 302
    family = Family.objects.get(cooperative=coop_a, code="A-0099")
    assert family.history.get().history_user == personas.staff


def test_editing_a_family_records_who_changed_it(client, personas, admin_world, coop_a):
    client.force_login(personas.staff)
    family = admin_world.family_a
    form = _family_form(coop_a, admin_world.association_a, code=family.code, household_name="Novo nome")
    del form["cooperative"]  # fixed once the family exists
    response = client.post(f"/admin/coop/family/{family.pk}/change/", form)
    assert response.status_code == 302
    family.refresh_from_db()
    assert family.household_name == "Novo nome"
    assert family.history.latest().history_user == personas.staff


def test_service_rules_show_as_form_errors(client, personas, admin_world, coop_a):
    client.force_login(personas.staff)
    future = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    response = client.post("/admin/coop/family/add/", _family_form(coop_a, None, joined_on=future))
    assert response.status_code == 200
    assert "joined_on" in response.context["adminform"].form.errors
    assert not Family.objects.filter(code="A-0099").exists()


def test_association_of_another_cooperative_is_refused(client, personas, admin_world, coop_a, coop_b):
    # A federation worker records in both co-ops; still, a family of A cannot join B's association.
    MembershipFactory(user=personas.staff, cooperative=coop_b, role=Role.STAFF)
    client.force_login(personas.staff)
    response = client.post("/admin/coop/family/add/", _family_form(coop_a, admin_world.association_b))
    assert response.status_code == 200
    assert "association" in response.context["adminform"].form.errors
    assert not Family.objects.filter(code="A-0099").exists()


def test_forged_cooperative_is_refused(client, personas, admin_world, coop_b):
    client.force_login(personas.staff)
    response = client.post("/admin/coop/family/add/", _family_form(coop_b, None))
    assert response.status_code == 200
    assert "cooperative" in response.context["adminform"].form.errors
    assert not Family.objects.filter(code="A-0099").exists()


def test_co_op_admin_changes_a_role_through_the_service(client, personas, admin_world, coop_a):
    client.force_login(personas.admin)
    membership = Membership.objects.get(user=personas.staff, cooperative=coop_a)
    response = client.post(
        f"/admin/coop/membership/{membership.pk}/change/", {"role": Role.MANAGER, "ends_on": ""}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER
    assert membership.history.latest().history_user == personas.admin


def test_family_changelist_queries_do_not_grow_with_rows(client, personas, admin_world, coop_a):
    client.force_login(personas.manager)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/coop/family/").status_code == 200
        return len(captured)

    few = queries()
    association = AssociationFactory(cooperative=coop_a, code="A-MORE")
    FamilyFactory.create_batch(30, cooperative=coop_a, association=association)
    assert queries() == few <= 15


def test_history_versions_of_other_cooperatives_are_not_found(client, personas, admin_world):
    client.force_login(personas.manager)
    family = admin_world.family_b
    version = family.history.latest()
    assert client.get(f"/admin/coop/family/{family.pk}/history/{version.history_id}/").status_code == 404


def test_auditor_cannot_revert_to_an_old_version(client, personas, admin_world, coop_a):
    client.force_login(personas.auditor)
    family = admin_world.family_a
    version = family.history.earliest()
    form = _family_form(coop_a, admin_world.association_a, code=family.code, household_name="Reverted")
    del form["cooperative"]
    response = client.post(f"/admin/coop/family/{family.pk}/history/{version.history_id}/", form)
    assert response.status_code == 403
    family.refresh_from_db()
    assert family.household_name != "Reverted"
