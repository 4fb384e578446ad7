"""/api/v1/members/: the co-op comes from the family, and the CPF never comes back."""

import datetime
import json

import pytest

from coop.models import Member, Role
from tests.factories import FamilyFactory, MemberFactory, MembershipFactory

URL = "/api/v1/members/"
CPF = "52998224725"  # a valid CPF (check digits right)
OTHER_CPF = "11144477735"


def detail(member):
    return f"{URL}{member.pk}/"


def body(family, **overrides):
    return {
        "family": family.pk,
        "name": "Maria do Socorro",
        "gender": "female",
        "birth_year": 1972,
        "role_in_family": "head",
        "literacy": "basic",
        **overrides,
    }


def names(response):
    return [row["name"] for row in response.json()["results"]]


# --- Tenant isolation -----------------------------------------------------------------


def test_list_shows_only_the_users_cooperative(api, personas, world):
    api.force_authenticate(personas.staff)
    response = api.get(URL)
    assert names(response) == [world.member_a.name]
    assert response.json()["results"][0]["cooperative"] == "coop-a"


@pytest.mark.parametrize(
    "query",
    ["search={name}", "search=B-0001", "family={family}", "association={association}", "cooperative=coop-b"],
)
def test_search_and_filters_never_reach_another_cooperative(api, personas, world, query):
    api.force_authenticate(personas.staff)
    query = query.format(
        name=world.member_b.name, family=world.family_b.pk, association=world.association_b.pk
    )
    response = api.get(f"{URL}?{query}")
    assert response.status_code == 200
    assert world.member_b.name not in names(response)


@pytest.mark.parametrize("method", ["get", "put", "patch"])
def test_another_cooperatives_member_answers_404(api, personas, world, method):
    api.force_authenticate(personas.manager)
    response = getattr(api, method)(
        detail(world.member_b), body(world.family_a, name="Hacked"), format="json"
    )
    assert response.status_code == 404
    world.member_b.refresh_from_db()
    assert world.member_b.name != "Hacked"


def test_expired_membership_sees_an_empty_list_and_404(api, personas, world):
    api.force_authenticate(personas.expired)
    assert api.get(URL).json()["count"] == 0
    assert api.get(detail(world.member_a)).status_code == 404


# --- Roles ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "manager", "admin"])
def test_recording_roles_add_a_member_to_a_family(api, personas, world, role):
    api.force_authenticate(getattr(personas, role))
    response = api.post(URL, body(world.family_a), format="json")
    assert response.status_code == 201, response.json()
    member = Member.objects.get(name="Maria do Socorro")
    assert (member.cooperative, member.family) == (world.family_a.cooperative, world.family_a)
    assert response.json()["cooperative"] == "coop-a"
    assert response.json()["family_code"] == "A-0001"
    assert member.history.get().history_user == getattr(personas, role)


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_auditor_cannot_write_members(api, personas, world, method):
    api.force_authenticate(personas.auditor)
    url = URL if method == "post" else detail(world.member_a)
    response = getattr(api, method)(url, body(world.family_a, name="Changed"), format="json")
    assert response.status_code == 403
    assert not Member.objects.filter(name="Changed").exists()


def test_auditor_of_a_who_records_in_b_cannot_add_to_a_family_of_a(api, personas, world, coop_b):
    MembershipFactory(user=personas.auditor, cooperative=coop_b, role=Role.STAFF)
    api.force_authenticate(personas.auditor)
    response = api.post(URL, body(world.family_a), format="json")
    assert response.status_code == 403
    assert not Member.objects.filter(name="Maria do Socorro").exists()
    assert api.post(URL, body(world.family_b), format="json").status_code == 201


def test_family_of_another_cooperative_is_400_naming_family(api, personas, world):
    api.force_authenticate(personas.manager)
    response = api.post(URL, body(world.family_b), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["family"]
    assert not Member.objects.filter(name="Maria do Socorro").exists()


def test_a_member_cannot_move_to_a_family_of_another_cooperative(api, personas, world, coop_b):
    MembershipFactory(user=personas.manager, cooperative=coop_b, role=Role.MANAGER)
    api.force_authenticate(personas.manager)
    response = api.patch(detail(world.member_a), {"family": world.family_b.pk}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["family"]
    world.member_a.refresh_from_db()
    assert world.member_a.family == world.family_a


def test_a_member_may_move_to_another_family_of_the_same_cooperative(api, personas, world, coop_a):
    other = FamilyFactory(cooperative=coop_a, code="A-0002")
    api.force_authenticate(personas.staff)
    response = api.patch(detail(world.member_a), {"family": other.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["family_code"] == "A-0002"


def test_the_cooperative_of_a_member_is_not_written_by_the_client(api, personas, world):
    api.force_authenticate(personas.manager)
    response = api.post(URL, body(world.family_a, cooperative="coop-b"), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["cooperative"]


# --- The CPF --------------------------------------------------------------------------


def test_the_cpf_is_stored_but_never_returned(api, personas, world):
    api.force_authenticate(personas.staff)
    created = api.post(URL, body(world.family_a, national_id=CPF), format="json")
    assert created.status_code == 201
    member = Member.objects.get(pk=created.json()["id"])
    assert member.national_id == CPF
    responses = [
        created,
        api.get(URL),
        api.get(detail(member)),
        api.get(f"{URL}?search=Maria"),
        api.patch(detail(member), {"literacy": "literate"}, format="json"),
    ]
    for response in responses:
        assert response.status_code in (200, 201)
        assert CPF not in response.content.decode()
        assert "national_id" not in json.dumps(response.json()).replace("national_id_masked", "")
    assert created.json()["national_id_masked"] == "•••.•••.247-••"


def test_a_put_without_the_cpf_keeps_it(api, personas, world):
    world.member_a.national_id = CPF
    world.member_a.save()
    api.force_authenticate(personas.staff)
    response = api.put(detail(world.member_a), body(world.family_a), format="json")
    assert response.status_code == 200
    world.member_a.refresh_from_db()
    assert world.member_a.national_id == CPF


def test_the_cpf_can_be_cleared_explicitly(api, personas, world):
    world.member_a.national_id = CPF
    world.member_a.save()
    api.force_authenticate(personas.staff)
    assert api.patch(detail(world.member_a), {"national_id": ""}, format="json").status_code == 200
    world.member_a.refresh_from_db()
    assert world.member_a.national_id == ""


def test_a_cpf_already_in_the_cooperative_is_400(api, personas, world):
    MemberFactory(family=world.family_a, national_id=CPF)
    api.force_authenticate(personas.staff)
    response = api.post(URL, body(world.family_a, national_id=CPF), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["national_id"]


def test_the_same_cpf_may_be_in_another_cooperative(api, personas, world):
    MemberFactory(family=world.family_b, national_id=CPF)
    api.force_authenticate(personas.staff)
    assert api.post(URL, body(world.family_a, national_id=CPF), format="json").status_code == 201


# --- Bad input ------------------------------------------------------------------------

NEXT_YEAR = datetime.date.today().year + 1

BAD_VALUES = [
    ("family", None),
    ("family", "one"),
    ("family", 1.5),
    ("family", True),
    ("family", 0),
    ("family", 10**30),
    ("family", 987654321),
    ("family", {"id": 1}),
    ("name", ""),
    ("name", " "),
    ("name", "x" * 201),
    ("name", "Ma\x00ria"),
    ("name", ["Maria"]),
    ("gender", "f"),
    ("gender", None),
    ("gender", ""),
    ("birth_year", NEXT_YEAR),
    ("birth_year", 1899),
    ("birth_year", 2101),
    ("birth_year", -1980),
    ("birth_year", 10**30),
    ("birth_year", "nineteen"),
    ("birth_year", 1980.5),
    ("birth_year", False),
    ("role_in_family", "aunt"),
    ("literacy", "fluent"),
    ("national_id", "12345678901"),  # wrong check digits
    ("national_id", "11111111111"),  # all the same digit
    ("national_id", "529.982.247-25"),  # punctuation: too long
    ("national_id", "5299822472"),
    ("national_id", "5299822472a"),
    ("national_id", "٥٢٩٩٨٢٢٤٧٢٥"),  # Arabic-Indic digits
    ("national_id", "5299822\x00725"),
    ("national_id", 52998224725),
    ("national_id", None),
]


@pytest.mark.parametrize(("field", "value"), BAD_VALUES, ids=[f"{f}={v!r}"[:40] for f, v in BAD_VALUES])
def test_bad_value_is_400_naming_the_field_and_writes_nothing(api, personas, world, field, value):
    api.force_authenticate(personas.staff)
    before = Member.objects.count()
    data = json.dumps({**body(world.family_a), field: value})
    response = api.generic("POST", URL, data, content_type="application/json")
    if (field, value) == ("national_id", 52998224725):
        # A number is read as its digits, like any text field: a valid CPF.
        assert response.status_code == 201
        return
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Member.objects.count() == before


@pytest.mark.parametrize(("field", "value"), BAD_VALUES, ids=[f"{f}={v!r}"[:40] for f, v in BAD_VALUES])
def test_bad_value_in_an_update_is_400_and_changes_nothing(api, personas, world, field, value):
    if (field, value) == ("national_id", 52998224725):
        pytest.skip("a valid CPF written as a number")
    api.force_authenticate(personas.staff)
    before = Member.objects.values().get(pk=world.member_a.pk)
    data = json.dumps({field: value})
    response = api.generic("PATCH", detail(world.member_a), data, content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Member.objects.values().get(pk=world.member_a.pk) == before


def test_unknown_and_read_only_fields_are_400_naming_each(api, personas, world):
    api.force_authenticate(personas.staff)
    extra = {"id": 9, "family_code": "A-0001", "national_id_masked": "x", "cpf": CPF}
    response = api.post(URL, body(world.family_a, **extra), format="json")
    assert response.status_code == 400
    assert set(response.json()) == set(extra)


def test_filters_narrow_the_list(api, personas, world, coop_a):
    other = FamilyFactory(cooperative=coop_a, code="A-0002")
    MemberFactory(family=other, name="José", gender="male", birth_year=2001)
    api.force_authenticate(personas.staff)
    assert names(api.get(f"{URL}?gender=male")) == ["José"]
    assert names(api.get(f"{URL}?family={other.pk}")) == ["José"]
    assert names(api.get(f"{URL}?born_after=2000")) == ["José"]
    assert names(api.get(f"{URL}?association={world.association_a.pk}")) == [world.member_a.name]
    assert names(api.get(f"{URL}?search=A-0002")) == ["José"]
    assert api.get(f"{URL}?gender=man").status_code == 400
