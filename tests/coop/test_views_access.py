"""The "People with access" pages: a co-op's administrators invite people, change roles
and end access; other roles get 403, other co-ops 404."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from coop.models import Membership, Role
from tests.factories import MembershipFactory, UserFactory

TODAY = timezone.localdate


def membership(user, coop):
    return Membership.objects.get(user=user, cooperative=coop)


def urls(slug, pk):
    return {
        "list": reverse("membership_list", args=[slug]),
        "invite": reverse("membership_invite", args=[slug]),
        "detail": reverse("membership_detail", args=[slug, pk]),
        "end": reverse("membership_end", args=[slug, pk]),
        "resend": reverse("membership_resend", args=[slug, pk]),
    }


def test_admin_sees_who_has_access(client, personas, coop_a, django_assert_max_num_queries):
    for number in range(20):
        MembershipFactory(user=UserFactory(username=f"extra-{number}"), cooperative=coop_a)
    client.force_login(personas.admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("membership_list", args=["coop-a"]))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("a-staff", "a-manager", "a-auditor", "a-admin", "a-expired", "extra-19"):
        assert name in html
    assert "b-manager" not in html


def test_the_list_filters_by_role(client, personas):
    client.force_login(personas.admin)
    response = client.get(reverse("membership_list", args=["coop-a"]) + "?role=auditor")
    assert [m.user.username for m in response.context["object_list"]] == ["a-auditor"]


@pytest.mark.parametrize("role", ["staff", "manager", "auditor"])
def test_other_roles_get_403(client, personas, coop_a, role):
    client.force_login(getattr(personas, role))
    target = membership(personas.staff, coop_a)
    for name, url in urls("coop-a", target.pk).items():
        method = client.post if name in ("end", "resend") else client.get
        assert method(url).status_code == 403, name
    assert (
        client.post(
            urls("coop-a", target.pk)["invite"], {"email": "x@example.org", "role": "admin"}
        ).status_code
        == 403
    )
    target.refresh_from_db()
    assert target.ends_on is None
    assert not Membership.objects.filter(user__email="x@example.org").exists()


@pytest.mark.parametrize("role", ["outsider", "expired", "nobody"])
def test_people_outside_the_coop_get_404(client, personas, coop_a, role):
    client.force_login(getattr(personas, role))
    target = membership(personas.staff, coop_a)
    for name, url in urls("coop-a", target.pk).items():
        method = client.post if name in ("end", "resend") else client.get
        assert method(url).status_code == 404, name


def test_admin_of_b_cannot_reach_a_membership_of_a_through_b(client, personas, coop_a, coop_b):
    admin_b = UserFactory(username="b-admin")
    MembershipFactory(user=admin_b, cooperative=coop_b, role=Role.ADMIN)
    client.force_login(admin_b)
    target = membership(personas.staff, coop_a)
    assert client.get(reverse("membership_detail", args=["coop-b", target.pk])).status_code == 404
    assert client.post(reverse("membership_end", args=["coop-b", target.pk])).status_code == 404
    target.refresh_from_db()
    assert target.ends_on is None


def test_admin_invites_a_person_who_gets_the_link_by_email_and_on_the_page(
    client, personas, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(personas.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("membership_invite", args=["coop-a"]),
            {"email": "bia@example.org", "name": "Bia", "role": "staff"},
            follow=True,
        )
    assert response.redirect_chain[-1][0] == reverse("membership_list", args=["coop-a"])
    shown = re.search(r"http://testserver/accounts/reset/[^\s<]+/", response.content.decode()).group(0)
    assert mailoutbox[0].to == ["bia@example.org"]
    assert shown in mailoutbox[0].body
    created = Membership.objects.get(user__email="bia@example.org")
    assert (created.role, created.cooperative.slug) == (Role.STAFF, "coop-a")


def test_inviting_someone_with_a_password_sends_no_link(
    client, personas, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(personas.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("membership_invite", args=["coop-a"]),
            {"email": personas.outsider.email, "role": "auditor"},
            follow=True,
        )
    assert "/accounts/reset/" not in response.content.decode()
    assert "/accounts/reset/" not in mailoutbox[0].body
    assert "/accounts/login/" in mailoutbox[0].body


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "nope", "role": "staff"}, "email"),
        ({"email": "a-staff@example.org", "role": "staff"}, "email"),
    ],
)
def test_a_refused_invitation_shows_the_problem_next_to_the_field(client, personas, data, field):
    client.force_login(personas.admin)
    response = client.post(reverse("membership_invite", args=["coop-a"]), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]


def test_admin_changes_a_role(client, personas, coop_a):
    client.force_login(personas.admin)
    target = membership(personas.staff, coop_a)
    day = TODAY() + datetime.timedelta(days=20)
    response = client.post(
        reverse("membership_detail", args=["coop-a", target.pk]),
        {"role": "manager", "ends_on": day.isoformat()},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.role, target.ends_on) == (Role.MANAGER, day)


def test_the_detail_page_shows_the_history(client, personas, coop_a, django_assert_max_num_queries):
    client.force_login(personas.admin)
    target = membership(personas.staff, coop_a)
    client.post(reverse("membership_detail", args=["coop-a", target.pk]), {"role": "manager"})
    with django_assert_max_num_queries(14):
        response = client.get(reverse("membership_detail", args=["coop-a", target.pk]))
    assert response.status_code == 200
    assert len(response.context["history"]) == 2
    assert response.context["history"][0].user == personas.admin


def test_admin_ends_a_persons_access(client, personas, coop_a):
    client.force_login(personas.admin)
    target = membership(personas.staff, coop_a)
    response = client.post(reverse("membership_end", args=["coop-a", target.pk]))
    assert response.status_code == 302
    client.force_login(personas.staff)
    assert client.get(reverse("family_list", args=["coop-a"])).status_code == 404


def test_the_last_admin_cannot_end_their_own_access(client, personas, coop_a):
    client.force_login(personas.admin)
    own = membership(personas.admin, coop_a)
    response = client.post(reverse("membership_end", args=["coop-a", own.pk]), follow=True)
    assert "última pessoa administradora" in response.content.decode()
    own.refresh_from_db()
    assert own.ends_on is None


def test_an_admin_who_ends_their_own_access_leaves_the_coop(client, personas, coop_a):
    MembershipFactory(user=UserFactory(username="a-admin-2"), cooperative=coop_a, role=Role.ADMIN)
    client.force_login(personas.admin)
    own = membership(personas.admin, coop_a)
    response = client.post(reverse("membership_end", args=["coop-a", own.pk]))
    assert response.url == reverse("home")


def test_a_new_link_only_for_someone_without_a_password(
    client, personas, coop_a, django_capture_on_commit_callbacks, mailoutbox
):
    pending = UserFactory(username="pending@example.org", email="pending@example.org")
    pending.set_unusable_password()
    pending.save()
    invited = MembershipFactory(user=pending, cooperative=coop_a)
    client.force_login(personas.admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("membership_resend", args=["coop-a", invited.pk]))
        client.post(reverse("membership_resend", args=["coop-a", membership(personas.staff, coop_a).pk]))
    assert [message.to for message in mailoutbox] == [["pending@example.org"]]


def test_the_home_links_admins_to_the_page(client, personas):
    url = reverse("membership_list", args=["coop-a"])
    client.force_login(personas.admin)
    assert url in client.get(reverse("cooperative_home", args=["coop-a"])).content.decode()
    client.force_login(personas.manager)
    assert url not in client.get(reverse("cooperative_home", args=["coop-a"])).content.decode()


def test_the_page_is_in_portuguese(client, personas):
    client.force_login(personas.admin)
    html = client.get(
        reverse("membership_list", args=["coop-a"]), HTTP_ACCEPT_LANGUAGE="pt-br"
    ).content.decode()
    assert "Pessoas com acesso" in html
