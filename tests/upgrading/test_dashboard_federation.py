"""A federation's auditor sees the key figures of each co-op they audit, side by side."""

import pytest
from django.urls import reverse

from coop.models import Family
from tests.factories import CooperativeFactory, FamilyFactory, MembershipFactory
from tests.upgrading import dashboard_data
from tests.upgrading.dashboard_data import Tables, chart_data, page_text

dash = dashboard_data.dash
sales_b = dashboard_data.sales_b
FEDERATION = "/dashboard/federation/"


@pytest.fixture
def federation_auditor(personas, coop_a, coop_b):
    MembershipFactory(user=personas.auditor, cooperative=coop_b, role="auditor")
    return personas.auditor


def _rows(response):
    [table] = [
        t for t in Tables(response.content.decode()).tables if "federation" in t["attrs"].get("class", "")
    ]
    return {row[0][2].strip(): [" ".join(cell[2].split()) for cell in row[1:]] for row in table["rows"][1:]}


def test_the_address(federation_auditor):
    assert reverse("federation_dashboard") == FEDERATION


def test_each_co_op_side_by_side(client, federation_auditor, dash, sales_b, coop_a, coop_b):
    client.force_login(federation_auditor)
    response = client.get(FEDERATION)
    assert response.status_code == 200
    rows = _rows(response)
    assert list(rows) == ["Cooperativa A", "Cooperativa B"]
    a, b = rows["Cooperativa A"], rows["Cooperativa B"]
    figures = {row.cooperative.slug: row for row in response.context["rows"]}
    # A: one certified family (F-CERT-A), 1,000 kg sold of which 600 under fair trade.
    active = Family.objects.filter(cooperative=coop_a, status="active").count()
    assert (figures["coop-a"].active_families, figures["coop-a"].certified_families) == (active, 1)
    assert a[0] == str(active)
    assert figures["coop-a"].sold_kg == 1000 and figures["coop-a"].fair_trade_kg == 600
    assert "60%" in a[4]  # fair-trade share
    assert "R$ 400,50" in a[5]  # advances due
    assert "R$ 212,00" in a[6]  # premium fund not yet allocated
    assert a[7].startswith("#6 ")  # ledger head
    assert "SET-A" in a[8]
    assert "1" in a[9]  # one failed check
    # B: its own contract's shipment (10 kg, confirmed), nothing else.
    assert figures["coop-b"].sold_kg == 10 and figures["coop-b"].advances_due_count == 0
    assert b[6] == "—" and b[7] == "—" and b[8] == "—" and b[9] == "—"
    data = chart_data(response, "federation")
    assert data["labels"] == ["Cooperativa A", "Cooperativa B"]
    assert data["datasets"][1]["data"] == ["1000.000", "10.000"]


def test_one_sees_only_the_co_ops_one_belongs_to(client, personas, dash, sales_b):
    client.force_login(personas.auditor)
    response = client.get(FEDERATION)
    assert response.status_code == 200
    assert "Cooperativa B" not in page_text(response)
    assert [row.cooperative.slug for row in response.context["rows"]] == ["coop-a"]


def test_without_a_co_op_there_is_nothing_to_see(client, personas):
    client.force_login(personas.nobody)
    assert client.get(FEDERATION).status_code == 404
    client.logout()
    response = client.get(FEDERATION)
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_an_expired_membership_shows_nothing(client, personas, coop_a):
    client.force_login(personas.expired)
    assert client.get(FEDERATION).status_code == 404


def _more_coops(count, auditor):
    for i in range(count):
        coop = CooperativeFactory(name=f"Cooperativa Z{i:02d}", slug=f"coop-z{i:02d}")
        FamilyFactory(cooperative=coop)
        MembershipFactory(user=auditor, cooperative=coop, role="auditor")


@pytest.mark.parametrize("extra", [1, 8])
def test_the_same_number_of_queries_for_two_co_ops_or_ten(
    client, federation_auditor, dash, sales_b, extra, django_assert_max_num_queries
):
    _more_coops(extra, federation_auditor)
    client.force_login(federation_auditor)
    with django_assert_max_num_queries(13):
        response = client.get(FEDERATION)
    assert len(response.context["rows"]) == 2 + extra


def test_the_side_by_side_view_is_linked_for_people_of_several_co_ops(client, federation_auditor, coop_a):
    client.force_login(federation_auditor)
    listing = client.get("/")  # several co-ops: the list of them
    assert listing.status_code == 200
    assert f'href="{FEDERATION}"' in listing.content.decode()
    page = client.get(f"/c/{coop_a.slug}/")  # and in the co-op switcher
    assert f'href="{FEDERATION}"' in page.content.decode()
