"""`manage.py seed_demo`: the two reference co-operatives, their people and the demo users.

The demo is loaded once for this module, inside a transaction rolled back at its end (as
Django's setUpTestData does); each test runs in a savepoint within it.
"""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.http import HttpRequest
from django.test.utils import override_settings

from coop.demo import people, places
from coop.demo.seed import DEMO_USERS
from coop.models import Association, Cooperative, Family, Member, Membership
from coop.tenancy import role_of
from coop.units import validate_cpf

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", "--force", verbosity=0)
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(seeded, db):
    return {c.slug: c for c in Cooperative.objects.all()}


def _row_counts() -> dict[str, int]:
    """Rows in every table, history tables included."""
    return {
        model._meta.db_table: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


def test_loads_the_two_reference_cooperatives(demo):
    assert set(demo) == {"babassu", "honey"}
    babassu, honey = demo["babassu"], demo["honey"]
    assert (babassu.state, babassu.municipality, babassu.base_currency) == ("MA", "Lago do Junco", "BRL")
    assert (honey.state, honey.municipality, honey.base_currency) == ("PI", "Simplício Mendes", "BRL")
    assert set(babassu.products.values_list("code", flat=True)) == {"NUTS", "OIL", "SOAP"}
    assert set(honey.products.values_list("code", flat=True)) == {"HONEY", "PROPOLIS", "WAX"}


def test_babassu_has_cantinas_a_production_centre_and_about_a_thousand_families(demo):
    babassu = demo["babassu"]
    kinds = dict(babassu.associations.values_list("kind").annotate(n=Count("id")))
    assert kinds == {Association.Kind.CANTINA: 10, Association.Kind.PRODUCTION_CENTRE: 1}
    families = Family.objects.filter(cooperative=babassu)
    assert families.count() == 1000
    assert not families.filter(hives__isnull=False).exists()
    heads = Member.objects.filter(cooperative=babassu, role_in_family=Member.FamilyRole.HEAD)
    assert heads.count() == 1000
    # The nut-breakers are women: they head most households.
    assert heads.filter(gender=Member.Gender.FEMALE).count() > 800


def test_honey_has_32_associations_930_families_and_22000_hives(demo):
    honey = demo["honey"]
    assert honey.associations.filter(kind=Association.Kind.ASSOCIATION).count() == 32
    families = Family.objects.filter(cooperative=honey)
    assert families.count() == 930
    assert families.aggregate(total=Sum("hives"))["total"] == 22_000
    assert 33 <= families.values("municipality").distinct().count() <= 35
    # Every association has families delivering honey to its honey room.
    per_association = families.values("association").annotate(n=Count("id"))
    assert len(per_association) == 32
    assert min(row["n"] for row in per_association) >= 10


def test_every_family_has_one_head_and_one_to_four_members(demo):
    sizes = Family.objects.annotate(
        n=Count("members"), heads=Count("members", filter=Q(members__role_in_family="head"))
    )
    assert not sizes.filter(n=0).exists()
    assert not sizes.exclude(n__lte=4).exists()
    assert not sizes.exclude(heads=1).exists()
    assert set(sizes.values_list("n", flat=True).distinct()) == {1, 2, 3, 4}


def test_families_belong_to_an_association_of_their_own_cooperative(demo):
    assert not Family.objects.exclude(association__cooperative=F("cooperative")).exists()
    assert not Member.objects.exclude(family__cooperative=F("cooperative")).exists()


def test_members_have_realistic_literacy_land_and_valid_cpfs(demo):
    literacy = dict(Member.objects.values_list("literacy").annotate(n=Count("id")))
    assert set(literacy) == {"illiterate", "basic", "literate", "unknown"}
    assert literacy["illiterate"] > literacy["unknown"]
    tenure = set(Family.objects.values_list("land_tenure", flat=True).distinct())
    assert {"settlement", "owner", "communal", "squatter"} <= tenure
    cpfs = list(Member.objects.exclude(national_id="").values_list("national_id", flat=True))
    assert 0.2 * Member.objects.count() < len(cpfs) < 0.7 * Member.objects.count()
    for cpf in cpfs:
        validate_cpf(cpf)


def test_demo_users_have_their_roles(demo):
    expected = {
        "babassu-staff": {"babassu": "staff"},
        "babassu-manager": {"babassu": "manager"},
        "babassu-auditor": {"babassu": "auditor"},
        "honey-staff": {"honey": "staff"},
        "honey-manager": {"honey": "manager"},
        "honey-auditor": {"honey": "auditor"},
        "federation-auditor": {"babassu": "auditor", "honey": "auditor"},
    }
    users = {u.username: u for u in get_user_model().objects.filter(username__in=expected)}
    assert set(users) == set(expected) == set(DEMO_USERS)
    for username, roles in expected.items():
        granted = dict(
            Membership.objects.filter(user=users[username]).values_list("cooperative__slug", "role")
        )
        assert granted == roles, username
        assert role_of(users[username], demo["babassu"]) == roles.get("babassu")
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff


@pytest.mark.parametrize("username", ["admin", *DEMO_USERS])
def test_demo_users_log_in_with_password_demo(demo, client, username):
    assert client.login(request=HttpRequest(), username=username, password="demo")


def test_demo_user_logs_in_through_the_login_form(demo, client):
    response = client.post("/accounts/login/", {"username": "honey-manager", "password": "demo"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(get_user_model().objects.get(username="honey-manager").pk)


def test_second_run_changes_nothing(demo):
    before = _row_counts()
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    assert _row_counts() == before
    assert "nothing new" in out.getvalue()


def test_generated_people_are_the_same_every_run():
    # Idempotency rests on this: the second run must generate exactly the same families.
    first = people.families(places.HONEY, seed=1994)
    second = people.families(places.HONEY, seed=1994)
    assert [(f.row, f.members) for f in first] == [(f.row, f.members) for f in second]


def test_missing_demo_rows_are_put_back_and_dry_run_writes_nothing(demo):
    get_user_model().objects.filter(username="honey-auditor").delete()
    out = StringIO()
    call_command("seed_demo", "--force", "--dry-run", stdout=out)
    assert "Would create: 1 users, 1 memberships" in out.getvalue()
    assert not get_user_model().objects.filter(username="honey-auditor").exists()

    call_command("seed_demo", "--force", verbosity=0)
    auditor = get_user_model().objects.get(username="honey-auditor")
    assert role_of(auditor, demo["honey"]) == "auditor"


def test_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", verbosity=0)


def test_force_runs_with_debug_off(demo, settings):
    settings.DEBUG = False
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    assert "nothing new" in out.getvalue()


def test_verbosity_zero_prints_nothing(demo):
    out = StringIO()
    call_command("seed_demo", "--force", verbosity=0, stdout=out)
    assert out.getvalue() == ""
