"""families_bulk_create / members_bulk_create: family_create's rules for every row, one
transaction, history with the actor, and a number of queries that does not grow per row."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from coop.models import Family, Member
from coop.services import families_bulk_create, members_bulk_create


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _family(code, association, **extra):
    return {
        "code": code,
        "household_name": f"Família {code}",
        "association": association,
        "municipality": "Lago do Junco",
        "joined_on": datetime.date(2012, 3, 1),
        **extra,
    }


def _families(count, association, start=1):
    return [_family(f"N{number:04d}", association) for number in range(start, start + count)]


def test_creates_families_with_history_by_the_actor(personas, world, coop_a):
    created = families_bulk_create(
        actor=personas.staff, cooperative=coop_a, rows=_families(3, world.association_a)
    )
    assert [f.code for f in created] == ["N0001", "N0002", "N0003"]
    assert all(f.pk for f in created)
    history = Family.history.filter(code__startswith="N")
    assert history.count() == 3
    assert {h.history_user for h in history} == {personas.staff}
    assert {h.history_type for h in history} == {"+"}


def test_queries_do_not_grow_with_rows(personas, world, coop_a):
    def queries(rows):
        with CaptureQueriesContext(connection) as captured:
            families_bulk_create(actor=personas.staff, cooperative=coop_a, rows=rows)
        return len(captured)

    few = queries(_families(2, world.association_a))
    many = queries(_families(200, world.association_a, start=100))
    # Not one per row; SQLite alone splits a long INSERT to stay under its parameter limit.
    assert many <= few + (6 if connection.vendor == "sqlite" else 0)


def test_a_bad_row_names_the_row_and_field_and_writes_nothing(personas, world, coop_a):
    rows = _families(3, world.association_a)
    rows[1]["status"] = "vanished"
    rows[2]["joined_on"] = datetime.date.today() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as raised:
        families_bulk_create(actor=personas.staff, cooperative=coop_a, rows=rows)
    errors = raised.value.message_dict
    assert errors["status"][0].startswith("Row 2:")
    assert errors["joined_on"][0].startswith("Row 3:")
    assert not Family.objects.filter(code__startswith="N").exists()
    assert not Family.history.filter(code__startswith="N").exists()


def test_codes_must_be_new_and_distinct(personas, world, coop_a):
    rows = [*_families(2, world.association_a), _family("N0001", world.association_a)]
    rows.append(_family(world.family_a.code, world.association_a))
    with pytest.raises(ValidationError) as raised:
        families_bulk_create(actor=personas.staff, cooperative=coop_a, rows=rows)
    assert [m.split(":")[0] for m in raised.value.message_dict["code"]] == ["Row 3", "Row 4"]


def test_association_of_another_cooperative_is_refused(personas, world, coop_a):
    with pytest.raises(ValidationError) as raised:
        families_bulk_create(
            actor=personas.staff, cooperative=coop_a, rows=[_family("N0001", world.association_b)]
        )
    assert "association" in raised.value.message_dict


def test_unknown_fields_are_refused(personas, world, coop_a):
    with pytest.raises(ValidationError) as raised:
        families_bulk_create(
            actor=personas.staff, cooperative=coop_a, rows=[_family("N0001", None, cooperative=1)]
        )
    assert "cooperative" in raised.value.message_dict


@pytest.mark.parametrize("who", ["auditor", "outsider", "expired", "nobody"])
def test_only_recording_roles_may_bulk_create(personas, world, coop_a, who):
    with pytest.raises(PermissionDenied):
        families_bulk_create(actor=getattr(personas, who), cooperative=coop_a, rows=_families(1, None))
    with pytest.raises(PermissionDenied):
        members_bulk_create(actor=getattr(personas, who), cooperative=coop_a, rows=[])


def _member(family, **extra):
    return {"family": family, "name": "Raimunda Lima", "gender": "female", "birth_year": 1970, **extra}


def test_creates_members_with_history_without_the_cpf(personas, world, coop_a):
    rows = [_member(world.family_a, national_id="52998224725"), _member(world.family_a, name="José Lima")]
    created = members_bulk_create(actor=personas.staff, cooperative=coop_a, rows=rows)
    assert len(created) == 2 and all(m.pk for m in created)
    history = Member.history.filter(id__in=[m.pk for m in created])
    assert history.count() == 2 and {h.history_user for h in history} == {personas.staff}
    assert not hasattr(history.first(), "national_id")


def test_member_rules_hold_for_every_row(personas, world, coop_a):
    rows = [
        _member(world.family_b),  # another co-op's family
        _member(world.family_a, national_id="12345678900"),  # bad check digits
        _member(world.family_a, national_id="52998224725"),
        _member(world.family_a, national_id="52998224725"),  # the same CPF twice
        _member(world.family_a, birth_year=datetime.date.today().year + 1),
        {"name": "Sem família", "gender": "female"},
    ]
    with pytest.raises(ValidationError) as raised:
        members_bulk_create(actor=personas.staff, cooperative=coop_a, rows=rows)
    errors = raised.value.message_dict
    assert [m.split(":")[0] for m in errors["family"]] == ["Row 1", "Row 6"]
    assert [m.split(":")[0] for m in errors["national_id"]] == ["Row 2", "Row 4"]
    assert [m.split(":")[0] for m in errors["birth_year"]] == ["Row 5"]
    assert not Member.objects.filter(family=world.family_a).exclude(pk=world.member_a.pk).exists()


def test_cpf_already_in_the_cooperative_is_refused(personas, world, coop_a):
    Member.objects.filter(pk=world.member_a.pk).update(national_id="52998224725")
    with pytest.raises(ValidationError) as raised:
        members_bulk_create(
            actor=personas.staff,
            cooperative=coop_a,
            rows=[_member(world.family_a, national_id="52998224725")],
        )
    assert "national_id" in raised.value.message_dict
