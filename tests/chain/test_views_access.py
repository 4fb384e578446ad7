"""Who may see and do what in the value-chain pages: another co-op's buyers, contracts,
shipments, traces and CSVs answer 404; staff and auditors read everything, see no
button that writes, and get 403 on every write URL (GET or POST), with nothing written."""

import pytest

from chain.models import Allocation, Buyer, Contract, ContractMinimum, Shipment
from tests.chain import chain_pages
from tests.chain.chain_pages import url

sales = chain_pages.sales
sales_b = chain_pages.sales_b


@pytest.fixture
def draft(sales):
    return sales.shipment([(sales.barrel(code="BR-DRAFT"), "10")], reference="S-DRAFT")


def _object_urls(site, shipment, coop=None):
    """Pages of `site`'s rows, under `coop`'s slug (by default their own)."""
    coop = coop or site.coop
    return [
        url("buyer_detail", coop, site.buyer.pk),
        url("buyer_edit", coop, site.buyer.pk),
        url("contract_detail", coop, site.contract.pk),
        url("contract_edit", coop, site.contract.pk),
        url("shipment_detail", coop, shipment.pk),
        url("shipment_edit", coop, shipment.pk),
        url("shipment_allocate", coop, shipment.pk),
        url("shipment_trace", coop, shipment.pk),
        url("shipment_trace_csv", coop, shipment.pk),
        url("family_shipments", coop, site.certified.pk),
    ]


def _post_urls(site, shipment, coop=None):
    coop = coop or site.coop
    return [
        url("contract_minimum", coop, site.contract.pk),
        url("shipment_confirm", coop, shipment.pk),
        url("shipment_shipped", coop, shipment.pk),
        url("shipment_paid", coop, shipment.pk),
    ]


def _coop_urls(coop):
    return [
        url(name, coop)
        for name in (
            "buyer_list",
            "buyer_create",
            "contract_list",
            "contract_create",
            "shipment_list",
            "shipment_create",
            "market_position",
        )
    ]


def _counts():
    return (
        Buyer.objects.count(),
        Contract.objects.count(),
        ContractMinimum.objects.count(),
        Shipment.objects.count(),
        Allocation.objects.count(),
        list(Shipment.objects.order_by("pk").values_list("status", flat=True)),
    )


# --- Tenancy ----------------------------------------------------------------------------------


def test_manager_of_a_gets_404_for_every_chain_page_of_b(client, personas, sales, sales_b, coop_b):
    client.force_login(personas.manager)
    before = _counts()
    for page in _coop_urls(coop_b) + _object_urls(sales_b, sales_b.confirmed):
        assert client.get(page).status_code == 404, page
        assert client.post(page, {"name": "Taken", "country": "BR", "kind": "local"}).status_code == 404, page
    for page in _post_urls(sales_b, sales_b.confirmed):
        assert client.post(page, {"paid_on": "2030-01-01"}).status_code == 404, page
    assert _counts() == before


def test_rows_of_b_answer_404_under_the_url_of_a(client, personas, sales, sales_b, coop_a, draft):
    client.force_login(personas.manager)
    for page in _object_urls(sales, draft):
        assert client.get(page).status_code == 200, page
    before = _counts()
    for page in _object_urls(sales_b, sales_b.confirmed, coop=coop_a):
        assert client.get(page).status_code == 404, page
        if page.endswith(("/edit/", "/lots/")):
            assert (
                client.post(page, {"name": "Taken", "country": "BR", "kind": "local"}).status_code == 404
            ), page
    for page in _post_urls(sales_b, sales_b.confirmed, coop=coop_a):
        assert client.post(page, {"paid_on": "2030-01-01"}).status_code == 404, page
    assert _counts() == before
    sales_b.buyer.refresh_from_db()
    assert sales_b.buyer.name == "Importer B"


def test_lists_and_forms_never_offer_rows_of_b(client, personas, sales, sales_b, coop_a):
    client.force_login(personas.manager)
    for name in ("buyer_list", "contract_list", "shipment_list", "shipment_create", "contract_create"):
        html = client.get(url(name, coop_a)).content.decode()
        for text in ("Importer B", "FT-B", "S-B"):
            assert text not in html, (name, text)


def test_a_shipment_cannot_take_a_lot_of_b(client, personas, sales, sales_b, coop_a, draft):
    client.force_login(personas.manager)
    lot_b = sales_b.barrel(code="B-LOT-2")
    response = client.post(
        url("shipment_allocate", coop_a, draft.pk), {"lot": [lot_b.pk], f"kg-{lot_b.pk}": "5"}
    )
    assert response.status_code == 400
    assert list(draft.allocations.values_list("lot__code", flat=True)) == ["BR-DRAFT"]


def test_outsiders_and_expired_members_see_nothing(client, personas, sales, draft):
    for user in (personas.nobody, personas.expired):
        client.force_login(user)
        for page in _coop_urls(sales.coop) + _object_urls(sales, draft):
            assert client.get(page).status_code == 404, (user, page)


def test_anonymous_visitors_are_sent_to_log_in(client, sales, draft):
    for page in _coop_urls(sales.coop) + _object_urls(sales, draft):
        response = client.get(page)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], page


# --- Roles ----------------------------------------------------------------------------------


def _write_urls(site, shipment):
    coop = site.coop
    return [
        url("buyer_create", coop),
        url("buyer_edit", coop, site.buyer.pk),
        url("contract_create", coop),
        url("contract_edit", coop, site.contract.pk),
        url("shipment_create", coop),
        url("shipment_edit", coop, shipment.pk),
        url("shipment_allocate", coop, shipment.pk),
    ]


@pytest.mark.parametrize("role", ["staff", "auditor"])
def test_staff_and_auditors_get_403_on_every_write_and_nothing_changes(client, personas, sales, draft, role):
    client.force_login(getattr(personas, role))
    before = _counts()
    for page in _write_urls(sales, draft):
        response = client.get(page)
        assert response.status_code == 403, page
        assert "form" not in (response.context or {}), page
        post = client.post(page, {"name": "Nova", "country": "BR", "kind": "local", "reference": "X"})
        assert post.status_code == 403, page
    for page in _post_urls(sales, draft):
        assert client.post(page, {"paid_on": "2030-01-01", "minimum_kg": "1"}).status_code == 403, page
    assert _counts() == before


@pytest.mark.parametrize("role", ["staff", "auditor"])
def test_staff_and_auditors_read_every_page_without_write_buttons(client, personas, sales, draft, role):
    client.force_login(getattr(personas, role))
    write_urls = _write_urls(sales, draft) + _post_urls(sales, draft)
    for page in _coop_urls(sales.coop)[::2] + [url("shipment_list", sales.coop)] + _object_urls(sales, draft):
        if page in write_urls:
            continue
        response = client.get(page)
        assert response.status_code == 200, page
        if page.endswith(".csv"):
            continue
        html = response.content.decode()
        for write_url in write_urls:
            assert f'"{write_url}' not in html, (page, write_url)
        assert 'method="post" action="/c/' not in html.split("</header>", 1)[1], page


def test_managers_see_the_write_buttons(client, personas, sales, draft):
    client.force_login(personas.manager)
    html = client.get(url("shipment_detail", sales.coop, draft.pk)).content.decode()
    for name in ("shipment_edit", "shipment_allocate", "shipment_confirm"):
        assert url(name, sales.coop, draft.pk) in html, name
    html = client.get(url("contract_detail", sales.coop, sales.contract.pk)).content.decode()
    assert url("contract_minimum", sales.coop, sales.contract.pk) in html
    assert url("contract_edit", sales.coop, sales.contract.pk) in html
