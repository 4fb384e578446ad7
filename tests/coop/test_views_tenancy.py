"""Tenant isolation in the pages: another co-op's rows answer 404 and never show up."""

import pytest
from django.urls import reverse

from tests.factories import AssociationFactory, FamilyFactory, MemberFactory


def _object_urls(slug, world, suffix):
    """Detail and edit URLs of co-op `suffix`'s rows, under the co-op `slug`."""
    association = getattr(world, f"association_{suffix}")
    family = getattr(world, f"family_{suffix}")
    member = getattr(world, f"member_{suffix}")
    urls = []
    for name, pk in (("association", association.pk), ("family", family.pk), ("member", member.pk)):
        urls += [reverse(f"{name}_detail", args=[slug, pk]), reverse(f"{name}_edit", args=[slug, pk])]
    return urls


def _coop_urls(slug):
    return [reverse("cooperative_home", args=[slug])] + [
        reverse(f"{name}_{page}", args=[slug])
        for name in ("association", "family", "member")
        for page in ("list", "create")
    ]


def test_user_of_a_gets_404_for_every_page_of_b(client, personas, world, coop_b):
    client.force_login(personas.manager)
    for url in _coop_urls(coop_b.slug) + _object_urls(coop_b.slug, world, "b"):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"code": "X", "name": "X"}).status_code == 404, url


def test_rows_of_b_answer_404_under_the_url_of_a(client, personas, world, coop_a):
    # A's slug with B's primary keys: the row is looked up in A only.
    client.force_login(personas.manager)
    for url in _object_urls(coop_a.slug, world, "a"):
        assert client.get(url).status_code == 200, url
    for url in _object_urls(coop_a.slug, world, "b"):
        assert client.get(url).status_code == 404, url
        if url.endswith("/edit/"):
            assert client.post(url, {"household_name": "taken over"}).status_code == 404, url
    world.family_b.refresh_from_db()
    assert world.family_b.household_name != "taken over"


def test_lists_and_search_never_show_rows_of_b(client, personas, world, coop_a):
    AssociationFactory(cooperative=world.association_b.cooperative, code="SHARED", name="Shared name")
    FamilyFactory(cooperative=world.family_b.cooperative, code="SHARED-1", household_name="Shared name")
    client.force_login(personas.manager)
    for name in ("association_list", "family_list", "member_list"):
        for query in ("", "?q=Shared", f"?q={world.family_b.code}", f"?q={world.member_b.name}"):
            response = client.get(reverse(name, args=[coop_a.slug]) + query)
            assert response.status_code == 200
            rows = list(response.context["object_list"])
            assert all(row.cooperative_id == coop_a.pk for row in rows), (name, query)
            html = response.content.decode()
            for row in (world.association_b, world.family_b, world.member_b):
                link = reverse(f"{row._meta.model_name}_detail", args=[coop_a.slug, row.pk])
                assert f'href="{link}"' not in html, (name, query)


def test_filter_by_an_association_of_b_is_ignored(client, personas, world, coop_a):
    client.force_login(personas.manager)
    url = reverse("family_list", args=[coop_a.slug]) + f"?association={world.association_b.pk}"
    response = client.get(url)
    assert response.status_code == 200
    assert list(response.context["object_list"]) == [world.family_a]


def test_co_op_switcher_links_only_to_the_users_co_ops(client, personas, world, coop_a, coop_b):
    client.force_login(personas.manager)
    response = client.get(reverse("family_list", args=[coop_a.slug]))
    assert response.context["coop_switch"] == []
    assert coop_b.name not in response.content.decode()


def test_co_op_switcher_keeps_the_section(client, personas, world, coop_a, coop_b):
    from tests.factories import MembershipFactory

    MembershipFactory(user=personas.auditor, cooperative=coop_b, role="auditor")
    client.force_login(personas.auditor)
    response = client.get(reverse("member_list", args=[coop_a.slug]))
    assert response.context["coop_switch"] == [(coop_b, reverse("member_list", args=[coop_b.slug]))]
    assert reverse("member_list", args=[coop_b.slug]) in response.content.decode()


@pytest.mark.parametrize("persona", ["expired", "nobody"])
def test_expired_or_absent_membership_sees_nothing(client, personas, world, coop_a, persona):
    client.force_login(getattr(personas, persona))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["cooperatives"] == []
    for url in _coop_urls(coop_a.slug) + _object_urls(coop_a.slug, world, "a"):
        assert client.get(url).status_code == 404, url


def test_member_form_offers_only_families_of_the_co_op(client, personas, world, coop_a):
    MemberFactory(family=world.family_b)
    client.force_login(personas.staff)
    form = client.get(reverse("member_create", args=[coop_a.slug])).context["form"]
    assert list(form.fields["family"].queryset) == [world.family_a]


def test_family_form_offers_only_associations_of_the_co_op(client, personas, world, coop_a):
    client.force_login(personas.staff)
    form = client.get(reverse("family_create", args=[coop_a.slug])).context["form"]
    assert list(form.fields["association"].queryset) == [world.association_a]
