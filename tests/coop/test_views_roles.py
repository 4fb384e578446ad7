"""Roles in the pages: auditors read and get no form; staff record but do not manage."""

import pytest
from django.urls import reverse

from coop.models import Association, Family, Member


def _write_urls(slug, world):
    return [
        reverse("association_create", args=[slug]),
        reverse("association_edit", args=[slug, world.association_a.pk]),
        reverse("family_create", args=[slug]),
        reverse("family_edit", args=[slug, world.family_a.pk]),
        reverse("member_create", args=[slug]),
        reverse("member_edit", args=[slug, world.member_a.pk]),
    ]


def _read_urls(slug, world):
    return [
        reverse("cooperative_home", args=[slug]),
        reverse("association_list", args=[slug]),
        reverse("association_detail", args=[slug, world.association_a.pk]),
        reverse("family_list", args=[slug]),
        reverse("family_detail", args=[slug, world.family_a.pk]),
        reverse("member_list", args=[slug]),
        reverse("member_detail", args=[slug, world.member_a.pk]),
    ]


def test_auditor_gets_403_and_no_form_on_every_write_page(client, personas, world, coop_a):
    client.force_login(personas.auditor)
    counts = (Association.objects.count(), Family.objects.count(), Member.objects.count())
    for url in _write_urls(coop_a.slug, world):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "form" not in (response.context or {}), url
        post = client.post(url, {"code": "NEW", "name": "Nova", "household_name": "Nova"})
        assert post.status_code == 403, url
    assert (Association.objects.count(), Family.objects.count(), Member.objects.count()) == counts
    world.family_a.refresh_from_db()
    assert world.family_a.household_name != "Nova"


def test_auditor_reads_every_page_without_edit_or_create_buttons(client, personas, world, coop_a):
    client.force_login(personas.auditor)
    write_urls = _write_urls(coop_a.slug, world) + [
        reverse("member_create", args=[coop_a.slug]) + f"?family={world.family_a.pk}"
    ]
    for url in _read_urls(coop_a.slug, world):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for write_url in write_urls:
            assert f'href="{write_url}"' not in html, (url, write_url)


def test_staff_sees_record_buttons_but_not_association_ones(client, personas, world, coop_a):
    client.force_login(personas.staff)
    html = client.get(reverse("family_detail", args=[coop_a.slug, world.family_a.pk])).content.decode()
    assert reverse("family_edit", args=[coop_a.slug, world.family_a.pk]) in html
    assert reverse("member_create", args=[coop_a.slug]) + f"?family={world.family_a.pk}" in html
    html = client.get(reverse("association_detail", args=[coop_a.slug, world.association_a.pk])).content
    assert reverse("association_edit", args=[coop_a.slug, world.association_a.pk]) not in html.decode()


@pytest.mark.parametrize("name", ["association_create", "association_edit"])
def test_staff_may_not_manage_associations(client, personas, world, coop_a, name):
    client.force_login(personas.staff)
    args = [coop_a.slug] if name.endswith("create") else [coop_a.slug, world.association_a.pk]
    assert client.get(reverse(name, args=args)).status_code == 403
    assert client.post(reverse(name, args=args), {"code": "X"}).status_code == 403


def test_forbidden_page_uses_the_layout_and_names_no_data(client, personas, world, coop_a):
    client.force_login(personas.auditor)
    response = client.get(reverse("family_edit", args=[coop_a.slug, world.family_a.pk]))
    assert "403.html" in [t.name for t in response.templates]
    assert world.family_a.household_name not in response.content.decode()
