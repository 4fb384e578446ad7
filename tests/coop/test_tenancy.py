import datetime

from coop.models import Family
from coop.tenancy import MANAGE, RECORD, can, cooperatives_for, role_of, scope


def test_member_sees_only_their_cooperative(personas, world, coop_a):
    assert list(cooperatives_for(personas.staff)) == [coop_a]
    assert list(scope(Family.objects.all(), personas.staff)) == [world.family_a]


def test_outsider_sees_nothing_of_a(personas, world, coop_b):
    assert list(scope(Family.objects.all(), personas.outsider)) == [world.family_b]


def test_expired_membership_grants_nothing(personas, world, coop_a):
    assert not cooperatives_for(personas.expired).exists()
    assert not scope(Family.objects.all(), personas.expired).exists()
    assert role_of(personas.expired, coop_a) is None


def test_membership_ending_today_still_counts(personas, coop_a):
    personas.expired.memberships.update(ends_on=datetime.date.today())
    assert role_of(personas.expired, coop_a) == "manager"


def test_user_without_membership_sees_nothing(personas, world):
    assert not scope(Family.objects.all(), personas.nobody).exists()


def test_inactive_user_sees_nothing(personas, world):
    personas.manager.is_active = False
    assert not scope(Family.objects.all(), personas.manager).exists()


def test_auditor_may_read_but_not_record(personas, coop_a):
    assert role_of(personas.auditor, coop_a) == "auditor"
    assert not can(personas.auditor, coop_a, RECORD)


def test_staff_records_but_does_not_manage(personas, coop_a):
    assert can(personas.staff, coop_a, RECORD)
    assert not can(personas.staff, coop_a, MANAGE)


def test_scope_runs_one_query(personas, world, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(scope(Family.objects.all(), personas.staff))


def test_queryset_for_user_defaults_to_every_role(personas, world):
    assert list(Family.objects.for_user(personas.auditor)) == [world.family_a]
    assert not Family.objects.for_user(personas.auditor, roles=RECORD).exists()
