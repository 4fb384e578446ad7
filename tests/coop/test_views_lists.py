"""List pages: search, filters, pagination, and a query count that does not grow with the rows."""

import pytest
from django.urls import reverse

from coop.models import Family
from tests.factories import AssociationFactory, FamilyFactory, MemberFactory


def _fill(coop, n):
    """`n` associations, families and members in `coop`, spread over a few associations."""
    associations = [AssociationFactory(cooperative=coop) for _ in range(3)]
    for i in range(n):
        AssociationFactory(cooperative=coop)
        family = FamilyFactory(cooperative=coop, association=associations[i % 3])
        MemberFactory(family=family)


# Session, user, co-op, role, co-ops for the switcher, filter choices, count, page rows:
# whatever the number of rows, a list page stays within this.
LIST_QUERY_BOUND = 8


@pytest.mark.parametrize("name", ["association_list", "family_list", "member_list"])
def test_list_pages_run_the_same_bounded_queries_for_5_or_60_rows(
    client, personas, coop_a, django_assert_max_num_queries, name
):
    client.force_login(personas.manager)
    url = reverse(name, args=[coop_a.slug])
    _fill(coop_a, 5)
    with django_assert_max_num_queries(LIST_QUERY_BOUND) as small:
        assert client.get(url).status_code == 200
    _fill(coop_a, 55)
    with django_assert_max_num_queries(LIST_QUERY_BOUND) as large:
        response = client.get(url)
    assert len(response.context["object_list"]) >= 50
    assert len(large.captured_queries) == len(small.captured_queries)


def test_lists_are_paginated_by_50(client, personas, coop_a):
    _fill(coop_a, 60)
    client.force_login(personas.staff)
    url = reverse("family_list", args=[coop_a.slug])
    first = client.get(url)
    assert len(first.context["object_list"]) == 50
    assert first.context["paginator"].count == 60
    second = client.get(url + "?page=2")
    assert len(second.context["object_list"]) == 10
    assert not set(first.context["object_list"]) & set(second.context["object_list"])


def test_pagination_keeps_the_search(client, personas, coop_a):
    for i in range(55):
        FamilyFactory(cooperative=coop_a, household_name=f"Ferreira {i}")
    client.force_login(personas.staff)
    html = client.get(reverse("family_list", args=[coop_a.slug]) + "?q=Ferreira").content.decode()
    assert "?q=Ferreira&amp;page=2" in html


def test_family_search_matches_code_name_and_municipality(client, personas, coop_a):
    by_code = FamilyFactory(
        cooperative=coop_a, code="MA-777", household_name="Lima", municipality="Pedreiras"
    )
    by_name = FamilyFactory(
        cooperative=coop_a, code="MA-001", household_name="Oliveira", municipality="Bacabal"
    )
    by_town = FamilyFactory(
        cooperative=coop_a, code="MA-002", household_name="Costa", municipality="Esperantinópolis"
    )
    client.force_login(personas.staff)

    def search(q):
        response = client.get(reverse("family_list", args=[coop_a.slug]), {"q": q})
        return set(response.context["object_list"])

    assert search("777") == {by_code}
    assert search("olive") == {by_name}
    assert search("esperantin") == {by_town}


def test_member_search_matches_the_family_name(client, personas, coop_a):
    family = FamilyFactory(cooperative=coop_a, household_name="Nascimento")
    member = MemberFactory(family=family, name="Raimunda")
    MemberFactory(family=FamilyFactory(cooperative=coop_a, household_name="Pereira"), name="Joana")
    client.force_login(personas.staff)
    response = client.get(reverse("member_list", args=[coop_a.slug]), {"q": "nascim"})
    assert list(response.context["object_list"]) == [member]


def test_family_filters_by_status_and_association(client, personas, coop_a):
    association = AssociationFactory(cooperative=coop_a)
    wanted = FamilyFactory(cooperative=coop_a, association=association, status=Family.Status.SUSPENDED)
    FamilyFactory(cooperative=coop_a, association=association, status=Family.Status.ACTIVE)
    FamilyFactory(cooperative=coop_a, status=Family.Status.SUSPENDED)
    client.force_login(personas.auditor)
    response = client.get(
        reverse("family_list", args=[coop_a.slug]), {"status": "suspended", "association": association.pk}
    )
    assert list(response.context["object_list"]) == [wanted]


def test_association_filter_by_kind(client, personas, coop_a):
    cantina = AssociationFactory(cooperative=coop_a, kind="cantina")
    AssociationFactory(cooperative=coop_a, kind="honey_room")
    client.force_login(personas.auditor)
    response = client.get(reverse("association_list", args=[coop_a.slug]), {"kind": "cantina"})
    assert list(response.context["object_list"]) == [cantina]


@pytest.mark.parametrize(
    "query",
    [
        {"q": "a\x00b"},
        {"q": "x" * 5000},
        {"status": "nonsense"},
        {"association": "abc"},
        {"association": "999999"},
        {"gender": "<script>"},
    ],
)
def test_bad_filter_values_are_ignored_not_errors(client, personas, world, coop_a, query):
    client.force_login(personas.staff)
    for name in ("family_list", "member_list", "association_list"):
        response = client.get(reverse(name, args=[coop_a.slug]), query)
        assert response.status_code == 200, (name, query)
        assert len(response.context["object_list"]) == 1


def test_search_form_updates_results_with_htmx_and_still_works_without(client, personas, world, coop_a):
    client.force_login(personas.staff)
    html = client.get(reverse("family_list", args=[coop_a.slug])).content.decode()
    assert 'method="get"' in html and 'hx-get="/c/coop-a/families/"' in html
    assert 'hx-select="#results"' in html and 'id="results"' in html
    response = client.get(reverse("family_list", args=[coop_a.slug]), {"q": "A-0001"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="results"' in response.content.decode()
