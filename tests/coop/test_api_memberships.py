"""/api/v1/memberships/: a co-op's administrators invite people, change roles and end
access; every other role gets 403, another co-op's membership 404."""

import datetime

import pytest
from django.utils import timezone

from coop.models import Membership, Role
from tests.factories import MembershipFactory, UserFactory

URL = "/api/v1/memberships/"
TODAY = timezone.localdate


def detail(membership, suffix=""):
    return f"{URL}{membership.pk}/{suffix}"


def membership(user, coop):
    return Membership.objects.get(user=user, cooperative=coop)


@pytest.fixture
def admin_b(coop_b):
    user = UserFactory(username="b-admin")
    MembershipFactory(user=user, cooperative=coop_b, role=Role.ADMIN)
    return user


def test_admin_lists_the_memberships_of_their_coop_only(
    api, personas, admin_b, django_assert_max_num_queries
):
    api.force_authenticate(personas.admin)
    with django_assert_max_num_queries(6):
        response = api.get(URL)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {row["cooperative"] for row in rows} == {"coop-a"}
    assert {row["username"] for row in rows} == {"a-staff", "a-manager", "a-auditor", "a-admin", "a-expired"}
    expired = next(row for row in rows if row["username"] == "a-expired")
    assert (expired["active"], expired["invitation_pending"]) == (False, False)


def test_the_list_costs_the_same_for_many_people(api, personas, coop_a, django_assert_max_num_queries):
    for number in range(30):
        MembershipFactory(user=UserFactory(username=f"extra-{number}"), cooperative=coop_a)
    api.force_authenticate(personas.admin)
    with django_assert_max_num_queries(6):
        assert api.get(URL + "?page_size=100").json()["count"] == 35


@pytest.mark.parametrize(
    ("query", "expected"),
    [("role=auditor", {"a-auditor"}), ("active=false", {"a-expired"}), ("search=a-man", {"a-manager"})],
)
def test_filters_and_search(api, personas, query, expected):
    api.force_authenticate(personas.admin)
    assert {row["username"] for row in api.get(f"{URL}?{query}").json()["results"]} == expected


@pytest.mark.parametrize("role", ["staff", "manager", "auditor", "expired", "outsider", "nobody"])
def test_other_roles_get_403_on_every_method(api, personas, coop_a, role):
    api.force_authenticate(getattr(personas, role))
    target = membership(personas.staff, coop_a)
    assert api.get(URL).status_code == 403
    assert api.get(detail(target)).status_code == 403
    invite = {"cooperative": "coop-a", "email": "x@example.org", "role": "admin"}
    assert api.post(URL, invite, format="json").status_code == 403
    assert api.patch(detail(target), {"role": "admin"}, format="json").status_code == 403
    assert api.post(detail(target, "end/"), {}, format="json").status_code == 403
    target.refresh_from_db()
    assert (target.role, target.ends_on) == (Role.STAFF, None)
    assert not Membership.objects.filter(user__email="x@example.org").exists()


def test_anonymous_gets_401(api):
    assert api.get(URL).status_code == 401


def test_admin_of_another_coop_gets_404_and_cannot_invite_into_it(api, personas, coop_a, admin_b):
    api.force_authenticate(admin_b)
    target = membership(personas.staff, coop_a)
    assert api.get(detail(target)).status_code == 404
    assert api.patch(detail(target), {"role": "admin"}, format="json").status_code == 404
    assert api.post(detail(target, "end/"), {}, format="json").status_code == 404
    response = api.post(
        URL, {"cooperative": "coop-a", "email": "x@example.org", "role": "staff"}, format="json"
    )
    assert response.status_code == 400
    assert "cooperative" in response.json()
    target.refresh_from_db()
    assert (target.role, target.ends_on) == (Role.STAFF, None)


def test_staff_of_a_who_administers_b_cannot_invite_into_a_nor_read_its_memberships(
    api, personas, coop_a, coop_b
):
    MembershipFactory(user=personas.staff, cooperative=coop_b, role=Role.ADMIN)
    api.force_authenticate(personas.staff)
    response = api.post(
        URL, {"cooperative": "coop-a", "email": "x@example.org", "role": "admin"}, format="json"
    )
    assert response.status_code == 403
    assert api.get(detail(membership(personas.manager, coop_a))).status_code == 404
    assert {row["cooperative"] for row in api.get(URL).json()["results"]} == {"coop-b"}


def test_admin_invites_by_email_and_the_person_gets_a_link(
    api, personas, django_capture_on_commit_callbacks, mailoutbox
):
    api.force_authenticate(personas.admin)
    body = {"cooperative": "coop-a", "email": "Bia@example.org", "role": "staff", "name": "Bia"}
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    row = response.json()
    assert (row["username"], row["role"], row["active"], row["invitation_pending"]) == (
        "bia@example.org",
        "staff",
        True,
        True,
    )
    assert "link" not in str(row)  # the link goes to the person, never into a stored answer
    assert mailoutbox[0].to == ["bia@example.org"]
    assert "/accounts/reset/" in mailoutbox[0].body


def test_a_retried_invitation_with_the_same_key_invites_once(
    api, personas, mailoutbox, django_capture_on_commit_callbacks
):
    api.force_authenticate(personas.admin)
    body = {"cooperative": "coop-a", "email": "bia@example.org", "role": "staff"}
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="invite-bia")
        second = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="invite-bia")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Membership.objects.filter(user__email="bia@example.org").count() == 1
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"role": "owner"}, "role"),
        ({"ends_on": "2000-01-01"}, "ends_on"),
        ({"is_superuser": True}, "is_superuser"),
    ],
)
def test_bad_invitations_are_400_naming_the_field(api, personas, body, field):
    api.force_authenticate(personas.admin)
    response = api.post(
        URL, {"cooperative": "coop-a", "email": "x@example.org", "role": "staff", **body}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Membership.objects.filter(user__email="x@example.org").exists()


def test_admin_changes_a_role_with_patch(api, personas, coop_a):
    api.force_authenticate(personas.admin)
    target = membership(personas.staff, coop_a)
    last_day = (TODAY() + datetime.timedelta(days=10)).isoformat()
    response = api.patch(detail(target), {"role": "manager", "ends_on": last_day}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["role"], response.json()["ends_on"]) == ("manager", last_day)
    target.refresh_from_db()
    assert target.role == Role.MANAGER
    assert target.history.order_by("-history_id").first().history_user == personas.admin


@pytest.mark.parametrize("body", [{"cooperative": "coop-b"}, {"user": 1}, {"email": "x@example.org"}])
def test_patch_changes_only_role_and_last_day(api, personas, coop_a, body):
    api.force_authenticate(personas.admin)
    response = api.patch(detail(membership(personas.staff, coop_a)), body, format="json")
    assert response.status_code == 400
    assert set(body) <= set(response.json())


def test_put_and_delete_are_not_offered(api, personas, coop_a):
    api.force_authenticate(personas.admin)
    target = membership(personas.staff, coop_a)
    assert api.put(detail(target), {"role": "manager"}, format="json").status_code == 405
    assert api.delete(detail(target)).status_code == 405


def test_admin_ends_a_membership(api, personas, coop_a):
    api.force_authenticate(personas.admin)
    target = membership(personas.staff, coop_a)
    response = api.post(detail(target, "end/"), {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["active"] is False
    api.force_authenticate(personas.staff)
    assert api.get("/api/v1/families/").json()["count"] == 0


def test_the_last_admin_cannot_end_their_own_membership(api, personas, coop_a):
    api.force_authenticate(personas.admin)
    own = membership(personas.admin, coop_a)
    response = api.post(detail(own, "end/"), {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "last administrator" in str(response.json())
    response = api.patch(detail(own), {"role": "staff"}, format="json")
    assert response.status_code == 400 and "role" in response.json()
    own.refresh_from_db()
    assert (own.role, own.ends_on) == (Role.ADMIN, None)


def test_superuser_sees_every_coops_memberships(api, personas, admin_b):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", "root@example.org", "x")
    api.force_authenticate(root)
    assert {row["cooperative"] for row in api.get(URL).json()["results"]} == {"coop-a", "coop-b"}
