"""Lineage endpoints: from a lot to the lots and families it came from, and from a lot or a
family to everything made from it; right on a two-level chain (nut purchases → oil batch →
soap batch), scoped to the co-op, and in a fixed number of queries whatever the chain."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coop import services
from coop.models import Lot, LotInput
from tests.coop.api_production_data import DAY, barrel, batch, build, nut_purchase
from tests.factories import FamilyFactory

LOTS = "/api/v1/lots/"
FAMILIES = "/api/v1/families/"


@pytest.fixture
def prod(coop_a, coop_b):
    return build(coop_a, coop_b)


@pytest.fixture
def chain(api, personas, prod):
    """Two nut purchases → an oil batch → a soap batch, recorded through the API; a
    second oil batch from the rest of the second purchase; a honey barrel aside."""
    api.force_authenticate(personas.staff)

    def post(url, data):
        response = api.post(url, data, format="json")
        assert response.status_code == 201, response.content
        return response.json()["id"]

    first = post(LOTS, nut_purchase(prod, net_kg="30"))
    second = post(LOTS, nut_purchase(prod, family=prod.other_breaker.pk, net_kg="30"))
    oil = post(f"{LOTS}batches/", batch(prod.oil, [(first, "30"), (second, "10")], "12"))
    soap = post(f"{LOTS}batches/", batch(prod.soap, [(oil, "12")], "24"))
    more_oil = post(f"{LOTS}batches/", batch(prod.oil, [(second, "20")], "6"))
    honey = post(LOTS, barrel(prod))
    api.force_authenticate(None)
    return {"first": first, "second": second, "oil": oil, "soap": soap, "more_oil": more_oil, "honey": honey}


def lineage(api, url):
    response = api.get(url)
    assert response.status_code == 200, response.content
    answer = response.json()
    ids = {row["id"] for row in answer["lots"]}
    links = {(link["source"], link["output"], link["kg"]) for link in answer["links"]}
    return answer, ids, links


def test_the_sources_of_a_soap_batch_reach_every_purchase_and_family(api, personas, prod, chain):
    api.force_authenticate(personas.auditor)
    answer, ids, links = lineage(api, f"{LOTS}{chain['soap']}/sources/")
    assert answer["lot"] == chain["soap"]
    assert ids == {chain["oil"], chain["first"], chain["second"]}
    assert {family["code"] for family in answer["families"]} == {"B-001", "B-002"}
    assert links == {
        (chain["oil"], chain["soap"], "12.000"),
        (chain["first"], chain["oil"], "30.000"),
        (chain["second"], chain["oil"], "10.000"),
    }
    oil = next(row for row in answer["lots"] if row["id"] == chain["oil"])
    assert (oil["kind"], oil["product_code"], oil["family"], oil["net_kg"]) == (
        "batch",
        "OIL",
        None,
        "12.000",
    )


def test_a_delivery_comes_from_its_own_family_only(api, personas, prod, chain):
    api.force_authenticate(personas.staff)
    answer, ids, links = lineage(api, f"{LOTS}{chain['first']}/sources/")
    assert (ids, links) == (set(), set())
    assert [family["code"] for family in answer["families"]] == ["B-001"]


def test_everything_made_from_a_purchase(api, personas, prod, chain):
    api.force_authenticate(personas.staff)
    _, ids, links = lineage(api, f"{LOTS}{chain['first']}/products/")
    assert ids == {chain["oil"], chain["soap"]}
    assert links == {(chain["first"], chain["oil"], "30.000"), (chain["oil"], chain["soap"], "12.000")}

    _, ids, _ = lineage(api, f"{LOTS}{chain['second']}/products/")
    assert ids == {chain["oil"], chain["soap"], chain["more_oil"]}

    _, ids, links = lineage(api, f"{LOTS}{chain['soap']}/products/")
    assert (ids, links) == (set(), set())


def test_everything_made_from_a_familys_deliveries(api, personas, prod, chain):
    api.force_authenticate(personas.staff)
    answer, ids, links = lineage(api, f"{FAMILIES}{prod.breaker.pk}/products/")
    assert answer["family"] == prod.breaker.pk
    assert ids == {chain["oil"], chain["soap"]}
    assert links == {(chain["first"], chain["oil"], "30.000"), (chain["oil"], chain["soap"], "12.000")}

    _, ids, links = lineage(api, f"{FAMILIES}{prod.other_breaker.pk}/products/")
    assert ids == {chain["oil"], chain["soap"], chain["more_oil"]}
    assert (chain["second"], chain["more_oil"], "20.000") in links

    _, ids, links = lineage(api, f"{FAMILIES}{prod.beekeeper.pk}/products/")  # a barrel not yet used
    assert (ids, links) == (set(), set())


# --- Tenancy --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["sources", "products"])
def test_another_cooperatives_lineage_answers_404(api, personas, prod, path):
    api.force_authenticate(personas.manager)
    assert api.get(f"{LOTS}{prod.b_lot.pk}/{path}/").status_code == 404
    assert api.get(f"{FAMILIES}{prod.b_family.pk}/products/").status_code == 404


@pytest.mark.parametrize("user", ["expired", "nobody"])
def test_no_lineage_without_a_membership(api, personas, prod, chain, user):
    api.force_authenticate(getattr(personas, user))
    assert api.get(f"{LOTS}{chain['soap']}/sources/").status_code == 404
    assert api.get(f"{FAMILIES}{prod.breaker.pk}/products/").status_code == 404


def test_lineage_shows_nothing_of_another_cooperative_even_through_a_bad_link(api, personas, prod, chain):
    """batch_create never links across co-ops; were a row to do so, A would still not see B."""
    LotInput.objects.create(cooperative=prod.coop, output_id=chain["soap"], source=prod.b_lot, kg="1")
    api.force_authenticate(personas.staff)
    answer, ids, links = lineage(api, f"{LOTS}{chain['soap']}/sources/")
    assert prod.b_lot.pk not in ids
    assert prod.b_lot.pk not in {link["source"] for link in answer["links"]}
    assert "B-F-001" not in {family["code"] for family in answer["families"]}


def test_lineage_is_read_only(api, personas, prod, chain):
    api.force_authenticate(personas.admin)
    assert api.post(f"{LOTS}{chain['soap']}/sources/").status_code == 405
    assert api.post(f"{FAMILIES}{prod.breaker.pk}/products/").status_code == 405


# --- Queries: a fixed number, whatever the width and depth of the chain ---------------------


def honey_chain(personas, prod, *, width, depth):
    """`width` barrels from as many families, homogenised `depth` times over (honey may go
    into honey batches, so a chain can be as deep as one likes)."""
    barrels = []
    for _ in range(width):
        family = FamilyFactory(cooperative=prod.coop, association=prod.room)
        lot = services.lot_record(
            actor=personas.staff,
            cooperative=prod.coop,
            kind=Lot.Kind.BARREL,
            product=prod.honey,
            family=family,
            association=prod.room,
            collected_on=DAY,
            net_kg="20",
            moisture_pct=Decimal("18"),
        )
        barrels.append(lot)
    inputs, kg = [(lot, "20") for lot in barrels], Decimal(20 * width)
    for _ in range(depth):
        made = services.batch_create(
            actor=personas.staff,
            cooperative=prod.coop,
            product=prod.honey,
            inputs=inputs,
            net_kg=kg,
            collected_on=DAY,
        )
        inputs = [(made, kg)]
    return barrels[0], made


def _queries(api, url):
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "path, budget",
    [("{top}/sources/", 7), ("{bottom}/products/", 5), ("family/{family}/products/", 5)],
)
def test_lineage_runs_a_fixed_number_of_queries(
    api, personas, prod, path, budget, django_assert_max_num_queries
):
    counts = []
    for width, depth in [(2, 1), (25, 6)]:
        bottom, top = honey_chain(personas, prod, width=width, depth=depth)
        url = path.format(top=top.pk, bottom=bottom.pk, family=bottom.family_id)
        url = f"{FAMILIES}{url.removeprefix('family/')}" if url.startswith("family/") else f"{LOTS}{url}"
        api.force_authenticate(personas.auditor)
        with django_assert_max_num_queries(budget):
            answer = api.get(url).json()
        assert len(answer["lots"]) in {width + depth - 1, depth}
        counts.append(_queries(api, url))
    assert counts[0] == counts[1], counts
