"""Recording through the pages: saves go through the services, refusals show by the field."""

import datetime

import pytest
from django.urls import reverse

from coop.models import Association, Family, Member
from tests.factories import MemberFactory


def _family_data(**overrides):
    data = {
        "code": "F-0100",
        "household_name": "Silva",
        "association": "",
        "municipality": "Lago do Junco",
        "joined_on": "2020-05-04",
        "status": "active",
        "land_tenure": "settlement",
        "latitude": "",
        "longitude": "",
        "hives": "",
    }
    return {**data, **overrides}


def _field_error(response, field):
    """The errors shown next to `field`, and check they are linked to the input."""
    form = response.context["form"]
    errors = form.errors.get(field)
    assert errors, f"no error on {field}: {form.errors}"
    html = response.content.decode()
    error_id = f"id_{field}_error"
    assert f'id="{error_id}"' in html
    assert (
        f'aria-describedby="{error_id}"' in html
        or f'aria-describedby="id_{field}_helptext {error_id}"' in html
    )
    return errors


def test_staff_creates_a_family_and_sees_it_with_its_history(client, personas, world, coop_a):
    client.force_login(personas.staff)
    response = client.post(
        reverse("family_create", args=[coop_a.slug]), _family_data(association=world.association_a.pk)
    )
    family = Family.objects.get(cooperative=coop_a, code="F-0100")
    assert response.status_code == 302
    assert response.url == reverse("family_detail", args=[coop_a.slug, family.pk])
    page = client.get(response.url)
    assert page.context["history"][0].user == personas.staff
    assert page.context["history"][0].kind == "+"
    assert "a-staff" in page.content.decode()


def test_staff_edits_a_family_and_the_change_is_in_its_history(client, personas, world, coop_a):
    family = world.family_a
    client.force_login(personas.staff)
    form = client.get(reverse("family_edit", args=[coop_a.slug, family.pk])).context["form"]
    assert form.initial["code"] == family.code
    data = _family_data(
        code=family.code, household_name="Sousa", association=world.association_a.pk, status="suspended"
    )
    response = client.post(reverse("family_edit", args=[coop_a.slug, family.pk]), data)
    assert response.status_code == 302
    family.refresh_from_db()
    assert (family.household_name, family.status) == ("Sousa", "suspended")

    page = client.get(reverse("family_detail", args=[coop_a.slug, family.pk]))
    latest = page.context["history"][0]
    assert latest.user == personas.staff and latest.kind == "~"
    changes = {change.label: (change.old, change.new) for change in latest.changes}
    assert changes["Nome da família"][1] == "Sousa"
    assert changes["Situação"] == ("Ativa", "Suspensa")
    assert "Sousa" in page.content.decode()


def test_family_history_is_read_in_a_fixed_number_of_queries(client, personas, world, coop_a):
    from coop import services

    client.force_login(personas.staff)
    url = reverse("family_detail", args=[coop_a.slug, world.family_a.pk])
    services.family_update(actor=personas.staff, family=world.family_a, association=None)
    client.get(url)  # warm up session and content types

    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count_queries()
    for n in range(30):
        services.family_update(actor=personas.manager, family=world.family_a, household_name=f"Nome {n}")
        services.family_update(
            actor=personas.staff,
            family=world.family_a,
            association=None if n % 2 else world.association_a,
        )
    assert count_queries() == few


@pytest.mark.parametrize(
    "field, value",
    [
        ("household_name", "Sil\x00va"),
        ("hives", "10000000000000000000000"),
        ("hives", "-3"),
        ("joined_on", (datetime.date.today() + datetime.timedelta(days=3)).isoformat()),
        ("joined_on", "31/02/2020"),
        ("code", "no spaces allowed"),
        ("latitude", "91"),
        ("status", "vanished"),
    ],
)
def test_bad_family_input_shows_the_error_by_the_field_and_writes_nothing(
    client, personas, world, coop_a, field, value
):
    client.force_login(personas.staff)
    before = Family.objects.count()
    response = client.post(reverse("family_create", args=[coop_a.slug]), _family_data(**{field: value}))
    assert response.status_code == 200
    _field_error(response, field)
    assert Family.objects.count() == before


def test_duplicate_family_code_is_refused_by_the_service_next_to_the_code(client, personas, world, coop_a):
    client.force_login(personas.staff)
    before = Family.objects.count()
    response = client.post(
        reverse("family_create", args=[coop_a.slug]), _family_data(code=world.family_a.code)
    )
    errors = _field_error(response, "code")
    assert "já é usado" in errors[0]
    assert Family.objects.count() == before


def test_same_code_as_a_family_of_another_co_op_is_fine(client, personas, world, coop_a):
    client.force_login(personas.staff)
    response = client.post(
        reverse("family_create", args=[coop_a.slug]), _family_data(code=world.family_b.code)
    )
    assert response.status_code == 302


def test_forged_association_of_another_co_op_is_refused(client, personas, world, coop_a):
    client.force_login(personas.staff)
    before = Family.objects.count()
    response = client.post(
        reverse("family_create", args=[coop_a.slug]), _family_data(association=world.association_b.pk)
    )
    _field_error(response, "association")
    assert Family.objects.count() == before
    response = client.post(
        reverse("family_edit", args=[coop_a.slug, world.family_a.pk]),
        _family_data(code=world.family_a.code, association=world.association_b.pk),
    )
    _field_error(response, "association")
    world.family_a.refresh_from_db()
    assert world.family_a.association == world.association_a


def test_manager_creates_and_edits_an_association(client, personas, coop_a):
    client.force_login(personas.manager)
    data = {"code": "CANT-1", "name": "Cantina Centro", "kind": "cantina", "municipality": "Lago do Junco"}
    response = client.post(reverse("association_create", args=[coop_a.slug]), data)
    association = Association.objects.get(cooperative=coop_a, code="CANT-1")
    assert response.url == reverse("association_detail", args=[coop_a.slug, association.pk])
    data.update(name="Cantina Nova", latitude="-4.61", longitude="-44.98")
    response = client.post(reverse("association_edit", args=[coop_a.slug, association.pk]), data)
    assert response.status_code == 302
    association.refresh_from_db()
    assert association.name == "Cantina Nova"
    assert str(association.latitude) == "-4.610000"
    assert association.history.first().history_user == personas.manager


def test_duplicate_association_code_shows_by_the_code(client, personas, world, coop_a):
    client.force_login(personas.manager)
    data = {"code": world.association_a.code, "name": "X", "kind": "cantina", "municipality": "Y"}
    response = client.post(reverse("association_create", args=[coop_a.slug]), data)
    _field_error(response, "code")
    assert Association.objects.filter(cooperative=coop_a).count() == 1


def _member_data(family, **overrides):
    data = {
        "family": family.pk,
        "name": "Maria da Conceição",
        "gender": "female",
        "birth_year": "1975",
        "role_in_family": "head",
        "literacy": "basic",
        "national_id": "",
    }
    return {**data, **overrides}


def test_add_member_from_the_family_page_preselects_the_family(client, personas, world, coop_a):
    client.force_login(personas.staff)
    url = reverse("member_create", args=[coop_a.slug]) + f"?family={world.family_a.pk}"
    response = client.get(url)
    assert response.context["form"]["family"].value() == str(world.family_a.pk)
    assert response.context["cancel_url"] == reverse("family_detail", args=[coop_a.slug, world.family_a.pk])
    response = client.post(url, _member_data(world.family_a))
    member = Member.objects.get(name="Maria da Conceição")
    assert member.family == world.family_a and member.cooperative == coop_a
    assert response.url == reverse("member_detail", args=[coop_a.slug, member.pk])


@pytest.mark.parametrize(
    "field, value",
    [
        ("national_id", "12345678900"),
        ("birth_year", str(datetime.date.today().year + 1)),
        ("birth_year", "99999999999"),
        ("name", "Ma\x00ria"),
        ("gender", ""),
    ],
)
def test_bad_member_input_shows_the_error_by_the_field(client, personas, world, coop_a, field, value):
    client.force_login(personas.staff)
    before = Member.objects.count()
    response = client.post(
        reverse("member_create", args=[coop_a.slug]), _member_data(world.family_a, **{field: value})
    )
    _field_error(response, field)
    assert Member.objects.count() == before


def test_member_of_a_family_of_another_co_op_is_refused(client, personas, world, coop_a):
    client.force_login(personas.staff)
    response = client.post(reverse("member_create", args=[coop_a.slug]), _member_data(world.family_b))
    _field_error(response, "family")
    assert not Member.objects.filter(name="Maria da Conceição").exists()


def test_duplicate_cpf_is_refused_next_to_the_cpf(client, personas, world, coop_a):
    MemberFactory(family=world.family_a, national_id="52998224725")
    client.force_login(personas.staff)
    response = client.post(
        reverse("member_create", args=[coop_a.slug]), _member_data(world.family_a, national_id="52998224725")
    )
    _field_error(response, "national_id")


def test_staff_edits_a_member_without_seeing_or_losing_the_cpf(client, personas, world, coop_a):
    member = MemberFactory(family=world.family_a, national_id="52998224725")
    client.force_login(personas.staff)
    url = reverse("member_edit", args=[coop_a.slug, member.pk])
    page = client.get(url)
    assert "52998224725" not in page.content.decode()
    response = client.post(url, _member_data(world.family_a, name="Maria Nova", national_id=""))
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.name, member.national_id) == ("Maria Nova", "52998224725")


def test_admin_sees_the_cpf_in_the_form_and_may_clear_it(client, personas, world, coop_a):
    member = MemberFactory(family=world.family_a, national_id="52998224725")
    client.force_login(personas.admin)
    url = reverse("member_edit", args=[coop_a.slug, member.pk])
    assert "52998224725" in client.get(url).content.decode()
    client.post(url, _member_data(world.family_a, national_id=""))
    member.refresh_from_db()
    assert member.national_id == ""


def test_forms_carry_the_csrf_token_and_labels_for_every_input(client, personas, coop_a):
    client.force_login(personas.manager)
    for name in ("association_create", "family_create", "member_create"):
        response = client.get(reverse(name, args=[coop_a.slug]))
        html = response.content.decode()
        assert "csrfmiddlewaretoken" in html
        for field in response.context["form"].visible_fields():
            assert f'<label for="{field.id_for_label}"' in html, (name, field.name)


def test_a_post_without_csrf_token_is_refused(personas, coop_a):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.staff)
    response = client.post(reverse("family_create", args=[coop_a.slug]), _family_data())
    assert response.status_code == 403
    assert not Family.objects.filter(code="F-0100").exists()
