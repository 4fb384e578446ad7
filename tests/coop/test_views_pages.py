"""Every page renders, for the people who may see it; login, lock-out and error pages too."""

import pytest
from django.urls import reverse

from tests.factories import MemberFactory


def _pages(coop, world):
    slug = coop.slug
    return [
        reverse("cooperative_home", args=[slug]),
        reverse("association_list", args=[slug]),
        reverse("association_create", args=[slug]),
        reverse("association_detail", args=[slug, world.association_a.pk]),
        reverse("association_edit", args=[slug, world.association_a.pk]),
        reverse("family_list", args=[slug]),
        reverse("family_create", args=[slug]),
        reverse("family_detail", args=[slug, world.family_a.pk]),
        reverse("family_edit", args=[slug, world.family_a.pk]),
        reverse("member_list", args=[slug]),
        reverse("member_create", args=[slug]),
        reverse("member_create", args=[slug]) + f"?family={world.family_a.pk}",
        reverse("member_detail", args=[slug, world.member_a.pk]),
        reverse("member_edit", args=[slug, world.member_a.pk]),
    ]


def test_every_page_renders_for_a_manager(client, personas, world, coop_a):
    client.force_login(personas.manager)
    for url in _pages(coop_a, world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"<h1>" in response.content, url


def test_pages_carry_no_inline_script_or_style(client, personas, world, coop_a):
    # The CSP forbids both; anything inline would silently stop working.
    client.force_login(personas.manager)
    for url in _pages(coop_a, world):
        html = client.get(url).content.decode()
        assert "style=" not in html, url
        assert "<script>" not in html and "<style" not in html, url


def test_home_with_one_cooperative_goes_straight_to_it(client, personas, coop_a):
    client.force_login(personas.staff)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("cooperative_home", args=[coop_a.slug])


def test_home_with_several_cooperatives_lists_them(client, personas, coop_a, coop_b):
    from tests.factories import MembershipFactory

    MembershipFactory(user=personas.staff, cooperative=coop_b, role="auditor")
    client.force_login(personas.staff)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert [(c.slug, role) for c, role in response.context["cooperatives"]] == [
        ("coop-a", "Equipe"),
        ("coop-b", "Auditor(a)"),
    ]


def test_anonymous_user_is_sent_to_login(client, world, coop_a):
    for url in [reverse("home"), reverse("family_list", args=[coop_a.slug])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_login_page_renders_and_logs_in(client, personas):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "a-staff", "password": "demo"})
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_wrong_password_shows_the_error_on_the_login_page(client, personas):
    response = client.post(reverse("login"), {"username": "a-staff", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_repeated_failures_show_the_locked_out_page(client, personas, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "a-staff", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "a-staff", "password": "demo"})
    assert response.status_code in (403, 429)
    assert "registration/locked_out.html" in [t.name for t in response.templates]


def test_logout_is_a_post(client, personas):
    client.force_login(personas.staff)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302  # back to login


def test_not_found_page_uses_the_layout(client, personas):
    client.force_login(personas.staff)
    response = client.get("/c/no-such-coop/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]


@pytest.mark.parametrize("role", ["staff", "manager", "auditor", "admin"])
def test_member_page_masks_the_cpf_except_for_admins(client, personas, world, coop_a, role):
    member = MemberFactory(family=world.family_a, national_id="52998224725")
    client.force_login(getattr(personas, role))
    html = client.get(reverse("member_detail", args=[coop_a.slug, member.pk])).content.decode()
    if role == "admin":
        assert "52998224725" in html
    else:
        assert "52998224725" not in html
        assert member.national_id_masked in html
