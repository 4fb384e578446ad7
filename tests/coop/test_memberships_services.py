"""Opening a co-op and deciding who has access: the services' rules and their history."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from coop import services
from coop.models import Cooperative, Membership, Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
TODAY = timezone.localdate


def coop_data(**overrides):
    return {
        "slug": "mel",
        "name": "Cooperativa do Mel",
        "municipality": "Simplício Mendes",
        "state": "PI",
        **overrides,
    }


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def root():
    return User.objects.create_superuser("root", "root@example.org", "x")


def test_onboarding_opens_the_coop_with_a_new_admin_without_password(root):
    onboarding = services.cooperative_onboard(actor=root, manager_email=" Ana@Example.org ", **coop_data())
    assert onboarding.user_created
    user = onboarding.membership.user
    assert (user.username, user.email, user.has_usable_password()) == (
        "ana@example.org",
        "ana@example.org",
        False,
    )
    assert (onboarding.membership.role, onboarding.membership.ends_on) == (Role.ADMIN, None)
    record = onboarding.membership.history.get()
    assert (record.history_user, record.history_change_reason) == (root, "co-operative opened")
    assert onboarding.cooperative.history.get().history_user == root


def test_onboarding_reuses_an_account_with_that_email(root):
    existing = UserFactory(username="ana", email="ana@example.org")
    onboarding = services.cooperative_onboard(actor=root, manager_email="ANA@example.org", **coop_data())
    assert not onboarding.user_created
    assert onboarding.membership.user == existing
    assert existing.has_usable_password()


def test_onboarding_from_the_command_line_records_no_user_but_the_reason():
    onboarding = services.cooperative_onboard(
        actor=services.COMMAND_LINE, manager_email="ana@example.org", **coop_data()
    )
    record = onboarding.membership.history.get()
    assert record.history_user is None
    assert record.history_change_reason == "co-operative opened"


@pytest.mark.parametrize("role", ["staff", "manager", "auditor", "admin"])
def test_only_platform_operators_open_a_cooperative(personas, role):
    with pytest.raises(PermissionDenied):
        services.cooperative_onboard(
            actor=getattr(personas, role), manager_email="ana@example.org", **coop_data()
        )
    assert not Cooperative.objects.filter(slug="mel").exists()


def test_onboarding_reports_every_problem_at_once_and_writes_nothing(root, coop_a):
    with pytest.raises(ValidationError) as refused:
        services.cooperative_onboard(
            actor=root,
            manager_email="not-an-email",
            **coop_data(slug="coop-a", state="XX", base_currency="ZZZ"),
        )
    assert set(refused.value.message_dict) == {"manager_email", "slug", "state", "base_currency"}
    assert "already used" in refused.value.message_dict["slug"][0]
    assert not User.objects.filter(email="not-an-email").exists()
    assert Cooperative.objects.count() == 1


# --- Inviting ----------------------------------------------------------------------------


def test_admin_invites_a_new_person(personas, coop_a):
    invitation = services.membership_invite(
        actor=personas.admin, cooperative=coop_a, email="Bia@Example.org", role=Role.STAFF, name="Bia"
    )
    assert invitation.user_created
    membership = invitation.membership
    assert (membership.user.username, membership.user.first_name, membership.role) == (
        "bia@example.org",
        "Bia",
        Role.STAFF,
    )
    record = membership.history.get()
    assert (record.history_user, record.history_change_reason, record.role) == (
        personas.admin,
        "invited",
        "staff",
    )


@pytest.mark.parametrize("role", ["staff", "manager", "auditor", "expired", "outsider"])
def test_only_admins_invite(personas, coop_a, role):
    with pytest.raises(PermissionDenied):
        services.membership_invite(
            actor=getattr(personas, role), cooperative=coop_a, email="bia@example.org", role=Role.STAFF
        )
    assert not User.objects.filter(email="bia@example.org").exists()


def test_inviting_someone_who_has_access_is_refused(personas, coop_a):
    with pytest.raises(ValidationError) as refused:
        services.membership_invite(
            actor=personas.admin, cooperative=coop_a, email=personas.staff.email, role=Role.MANAGER
        )
    assert "change their role" in refused.value.message_dict["email"][0]
    assert Membership.objects.get(user=personas.staff, cooperative=coop_a).role == Role.STAFF


def test_inviting_someone_whose_access_ended_gives_it_back(personas, coop_a):
    invitation = services.membership_invite(
        actor=personas.admin, cooperative=coop_a, email=personas.expired.email, role=Role.AUDITOR
    )
    assert not invitation.user_created
    assert (invitation.membership.role, invitation.membership.ends_on) == (Role.AUDITOR, None)
    assert Membership.objects.filter(user=personas.expired).count() == 1


def test_a_member_of_another_coop_is_invited_with_their_own_account(personas, coop_a):
    invitation = services.membership_invite(
        actor=personas.admin, cooperative=coop_a, email=personas.outsider.email, role=Role.AUDITOR
    )
    assert invitation.membership.user == personas.outsider
    assert not invitation.user_created


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("email", {"email": "nope"}),
        ("email", {"email": ""}),
        ("role", {"role": "owner"}),
        ("ends_on", {"ends_on": datetime.date(2000, 1, 1)}),
    ],
)
def test_bad_invitations_name_the_field(personas, coop_a, field, values):
    data = {"email": "bia@example.org", "role": Role.STAFF, **values}
    with pytest.raises(ValidationError) as refused:
        services.membership_invite(actor=personas.admin, cooperative=coop_a, **data)
    assert field in refused.value.message_dict
    assert not User.objects.filter(email="bia@example.org").exists()


def test_an_email_two_accounts_share_is_refused(personas, coop_a):
    UserFactory(username="twin1", email="twin@example.org")
    UserFactory(username="twin2", email="TWIN@example.org")
    with pytest.raises(ValidationError) as refused:
        services.membership_invite(
            actor=personas.admin, cooperative=coop_a, email="twin@example.org", role="staff"
        )
    assert "Several accounts" in refused.value.message_dict["email"][0]


# --- Changing and ending ------------------------------------------------------------------


def membership(user, coop):
    return Membership.objects.get(user=user, cooperative=coop)


def test_admin_changes_a_role_and_the_history_says_who(personas, coop_a):
    changed = services.membership_change(
        actor=personas.admin, membership=membership(personas.staff, coop_a), role=Role.MANAGER
    )
    assert changed.role == Role.MANAGER
    latest = changed.history.order_by("-history_id").first()
    assert (latest.history_user, latest.history_change_reason, latest.role) == (
        personas.admin,
        "role changed",
        "manager",
    )


def test_changing_refuses_unknown_fields_and_past_end_dates(personas, coop_a):
    staff = membership(personas.staff, coop_a)
    with pytest.raises(ValidationError) as refused:
        services.membership_change(actor=personas.admin, membership=staff, cooperative=1)
    assert "cooperative" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.membership_change(
            actor=personas.admin, membership=staff, ends_on=TODAY() - datetime.timedelta(2)
        )
    assert "ends_on" in refused.value.message_dict


def test_ending_takes_effect_at_once(personas, coop_a):
    ended = services.membership_end(actor=personas.admin, membership=membership(personas.staff, coop_a))
    assert ended.ends_on == TODAY() - datetime.timedelta(days=1)
    assert not Membership.objects.active().filter(pk=ended.pk).exists()
    assert ended.history.order_by("-history_id").first().history_change_reason == "ended"
    with pytest.raises(ValidationError, match="already ended"):
        services.membership_end(actor=personas.admin, membership=ended)


def test_ending_on_a_later_day_keeps_access_until_then(personas, coop_a):
    day = TODAY() + datetime.timedelta(days=30)
    ended = services.membership_end(
        actor=personas.admin, membership=membership(personas.auditor, coop_a), ends_on=day
    )
    assert ended.ends_on == day
    assert Membership.objects.active().filter(pk=ended.pk).exists()


@pytest.mark.parametrize("role", ["staff", "manager", "auditor"])
def test_other_roles_cannot_change_or_end(personas, coop_a, role):
    target = membership(personas.staff, coop_a)
    with pytest.raises(PermissionDenied):
        services.membership_change(actor=getattr(personas, role), membership=target, role=Role.ADMIN)
    with pytest.raises(PermissionDenied):
        services.membership_end(actor=getattr(personas, role), membership=target)
    target.refresh_from_db()
    assert (target.role, target.ends_on) == (Role.STAFF, None)


# --- The co-op keeps an administrator -------------------------------------------------------


def test_the_last_admin_cannot_end_their_own_access(personas, coop_a):
    own = membership(personas.admin, coop_a)
    with pytest.raises(ValidationError, match="last administrator"):
        services.membership_end(actor=personas.admin, membership=own)
    with pytest.raises(ValidationError, match="last administrator"):
        services.membership_change(actor=personas.admin, membership=own, role=Role.MANAGER)
    with pytest.raises(ValidationError, match="last administrator"):
        services.membership_change(
            actor=personas.admin, membership=own, ends_on=TODAY() + datetime.timedelta(9)
        )
    own.refresh_from_db()
    assert (own.role, own.ends_on) == (Role.ADMIN, None)


def test_with_a_second_admin_one_may_step_down(personas, coop_a):
    MembershipFactory(user=UserFactory(username="a-admin-2"), cooperative=coop_a, role=Role.ADMIN)
    own = membership(personas.admin, coop_a)
    assert (
        services.membership_change(actor=personas.admin, membership=own, role=Role.MANAGER).role
        == Role.MANAGER
    )


def test_an_admin_whose_access_ends_does_not_count_as_the_one_left(personas, coop_a):
    day = TODAY() + datetime.timedelta(days=5)
    MembershipFactory(user=UserFactory(username="leaving"), cooperative=coop_a, role=Role.ADMIN, ends_on=day)
    with pytest.raises(ValidationError, match="last administrator"):
        services.membership_end(actor=personas.admin, membership=membership(personas.admin, coop_a))


def test_the_admin_page_grant_keeps_the_rule(personas, coop_a):
    with pytest.raises(ValidationError, match="last administrator"):
        services.membership_grant(
            actor=personas.admin, cooperative=coop_a, user=personas.admin, role=Role.STAFF
        )
