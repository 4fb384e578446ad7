"""Every list endpoint: `page_size` honoured and capped, and a query count that does not
grow with the page (no N+1)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.rest import MAX_PAGE_SIZE
from coop.models import Association, Family, Member, Role
from tests.factories import (
    CooperativeFactory,
    FamilyFactory,
    MemberFactory,
    MembershipFactory,
)

LISTS = ["cooperatives", "associations", "families", "members"]
QUERY_BUDGET = 2  # COUNT(*) and the page; scoping and counts are sub-selects and joins in them


def add_rows(resource, user, coop_a, n):
    """n more rows of `resource` visible to `user`, each with its relations filled in."""
    for i in range(n):
        if resource == "cooperatives":
            coop = CooperativeFactory()
            MembershipFactory(user=user, cooperative=coop, role=Role.STAFF)
        elif resource == "associations":
            family = FamilyFactory(cooperative=coop_a)  # its own association, with a family
            MemberFactory(family=family)
        elif resource == "families":
            MemberFactory(family=FamilyFactory(cooperative=coop_a, hives=i))
        else:
            MemberFactory(family=FamilyFactory(cooperative=coop_a))


def count_queries(api, url):
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url)
    assert response.status_code == 200
    return response, len(queries)


@pytest.mark.parametrize("resource", LISTS)
def test_list_queries_do_not_grow_with_the_rows(api, personas, world, coop_a, resource):
    api.force_authenticate(personas.staff)
    url = f"/api/v1/{resource}/?page_size=100"
    add_rows(resource, personas.staff, coop_a, 2)
    small, queries_for_3 = count_queries(api, url)
    add_rows(resource, personas.staff, coop_a, 37)
    large, queries_for_40 = count_queries(api, url)

    assert (small.json()["count"], large.json()["count"]) == (3, 40)
    assert queries_for_3 == queries_for_40 <= QUERY_BUDGET, (queries_for_3, queries_for_40)


@pytest.mark.parametrize("resource", LISTS)
def test_list_stays_within_budget_with_search_filters_and_ordering(
    api, personas, world, coop_a, resource, django_assert_max_num_queries
):
    api.force_authenticate(personas.staff)
    add_rows(resource, personas.staff, coop_a, 30)
    query = {
        "cooperatives": "search=Coop&ordering=-name",
        "associations": "search=A&kind=association&ordering=-family_count",
        "families": "search=F&status=active&ordering=-member_count",
        "members": "search=a&gender=female&ordering=-birth_year",
    }[resource]
    with django_assert_max_num_queries(QUERY_BUDGET):
        assert api.get(f"/api/v1/{resource}/?{query}&page_size=200").status_code == 200


def test_detail_and_write_answers_take_few_queries(api, personas, world, django_assert_max_num_queries):
    api.force_authenticate(personas.staff)
    with django_assert_max_num_queries(2):
        api.get(f"/api/v1/families/{world.family_a.pk}/")
    with django_assert_max_num_queries(2):
        api.get(f"/api/v1/members/{world.member_a.pk}/")


@pytest.fixture
def many_families(coop_a):
    Family.objects.bulk_create(
        Family(cooperative=coop_a, code=f"F{i:04d}", household_name="Silva", municipality="Lago do Junco",
               joined_on=datetime.date(2015, 1, 1))
        for i in range(MAX_PAGE_SIZE + 10)
    )  # fmt: skip


def test_default_page_size_is_fifty(api, personas, many_families):
    api.force_authenticate(personas.staff)
    page = api.get("/api/v1/families/").json()
    assert (page["count"], len(page["results"])) == (MAX_PAGE_SIZE + 10, 50)
    assert "page=2" in page["next"]


def test_page_size_is_honoured(api, personas, many_families):
    api.force_authenticate(personas.staff)
    page = api.get("/api/v1/families/?page_size=7&page=3").json()
    assert [row["code"] for row in page["results"]] == [f"F{i:04d}" for i in range(14, 21)]


def test_page_size_is_capped(api, personas, many_families):
    api.force_authenticate(personas.staff)
    page = api.get("/api/v1/families/?page_size=100000").json()
    assert len(page["results"]) == MAX_PAGE_SIZE


@pytest.mark.parametrize("value", ["0", "-3", "many", "1e3", "%00"])
def test_a_bad_page_size_falls_back_to_the_default(api, personas, many_families, value):
    api.force_authenticate(personas.staff)
    page = api.get(f"/api/v1/families/?page_size={value}").json()
    assert len(page["results"]) == 50


@pytest.mark.parametrize("page", ["999", "0", "x", "%00"])
def test_a_page_beyond_the_end_is_404_not_500(api, personas, many_families, page):
    api.force_authenticate(personas.staff)
    assert api.get(f"/api/v1/families/?page={page}").status_code == 404


@pytest.mark.parametrize("resource", ["associations", "families", "members"])
def test_unknown_ordering_fields_are_ignored_not_500(api, personas, world, resource):
    api.force_authenticate(personas.staff)
    for ordering in ["national_id", "cooperative__memberships__user__password", "-", "%00"]:
        assert api.get(f"/api/v1/{resource}/?ordering={ordering}").status_code == 200


def test_counts_in_lists_are_right(api, personas, world, coop_a):
    FamilyFactory(cooperative=coop_a, association=world.association_a)
    MemberFactory(family=world.family_a)
    api.force_authenticate(personas.staff)
    association = api.get("/api/v1/associations/").json()["results"][0]
    family = api.get(f"/api/v1/families/{world.family_a.pk}/").json()
    assert association["family_count"] == Association.objects.get(pk=world.association_a.pk).families.count()
    assert family["member_count"] == Member.objects.filter(family=world.family_a).count() == 2


@pytest.mark.parametrize("resource", LISTS)
def test_options_and_the_browsable_api_render(api, personas, world, resource):
    api.force_authenticate(personas.manager)
    pk = {"cooperatives": "coop-a", "associations": world.association_a.pk}.get(resource)
    pk = pk or {"families": world.family_a.pk, "members": world.member_a.pk}[resource]
    for url in [f"/api/v1/{resource}/", f"/api/v1/{resource}/{pk}/"]:
        assert api.options(url).status_code == 200
        page = api.get(url, HTTP_ACCEPT="text/html")
        assert page.status_code == 200
        html = page.content.decode()
        assert "B-0001" not in html and "B-ASSOC" not in html and "coop-b" not in html


@pytest.mark.parametrize("url", ["/api/v1/lots/", "/api/v1/ledger/", "/api/v1/advances/"])
@pytest.mark.parametrize(
    "cursor",
    [
        "cD1hYmM=",  # "p=abc": decodes, but the position is no id (was a 500 ValueError)
        "not-base64!",
        "cD0xLjU=",  # "p=1.5"
    ],
)
def test_a_malformed_cursor_is_a_400_in_json(api, personas, url, cursor):
    api.force_authenticate(personas.manager)
    response = api.get(f"{url}?cursor={cursor}")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    assert "cursor" in response.json()


def test_a_well_formed_cursor_still_pages(api, personas):
    api.force_authenticate(personas.manager)
    assert api.get("/api/v1/lots/?cursor=cj0xJnA9MQ==").status_code == 200  # "r=1&p=1"
