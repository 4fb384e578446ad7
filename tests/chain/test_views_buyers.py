"""Buyer pages: list and search, detail, creating and editing through the service."""

import pytest

from chain import services
from chain.models import Buyer
from tests.chain import chain_pages
from tests.chain.chain_pages import url

sales = chain_pages.sales
english = chain_pages.english


def test_manager_creates_a_buyer_and_lands_on_its_page(client, personas, coop_a, english):
    client.force_login(personas.manager)
    response = client.post(
        url("buyer_create", coop_a),
        {"name": "Sabão da Vila", "country": "br", "kind": "soap_maker", "contact_name": "Dona Maria"},
    )
    buyer = Buyer.objects.get(name="Sabão da Vila")
    assert response.status_code == 302 and response["Location"] == url("buyer_detail", coop_a, buyer.pk)
    assert (buyer.cooperative, buyer.country, buyer.kind) == (coop_a, "BR", "soap_maker")
    page = client.get(response["Location"]).content.decode()
    assert "Sabão da Vila" in page and "Soap maker" in page and "Dona Maria" in page


def test_a_buyer_name_is_unique_in_the_coop(client, personas, sales, english):
    client.force_login(personas.manager)
    response = client.post(
        url("buyer_create", sales.coop), {"name": sales.buyer.name, "country": "IT", "kind": "fair_trade"}
    )
    assert response.status_code == 200
    assert "already exists" in str(response.context["form"].errors)
    assert Buyer.objects.filter(name=sales.buyer.name).count() == 1


@pytest.mark.parametrize("country", ["", "B", "123", "BRA"])
def test_a_bad_country_code_is_refused_next_to_the_field(client, personas, coop_a, country):
    client.force_login(personas.manager)
    response = client.post(url("buyer_create", coop_a), {"name": "X", "country": country, "kind": "local"})
    assert response.status_code == 200
    assert "country" in response.context["form"].errors
    assert not Buyer.objects.exists()


def test_errors_are_in_portuguese_by_default(client, personas, coop_a):
    client.force_login(personas.manager)
    response = client.post(url("buyer_create", coop_a), {"name": "", "country": "BR", "kind": "local"})
    assert "Este campo é obrigatório." in response.content.decode()


def test_editing_a_buyer_keeps_its_history(client, personas, sales, english):
    client.force_login(personas.manager)
    edit = url("buyer_edit", sales.coop, sales.buyer.pk)
    form = client.get(edit).context["form"]
    assert form.initial["name"] == "Importer A"
    response = client.post(edit, {**form.initial, "name": "Importer A Srl", "email": "buy@example.it"})
    assert response.status_code == 302
    sales.buyer.refresh_from_db()
    assert (sales.buyer.name, sales.buyer.email) == ("Importer A Srl", "buy@example.it")
    page = client.get(url("buyer_detail", sales.coop, sales.buyer.pk)).content.decode()
    assert "Importer A Srl" in page and "FT-A" in page  # its contract
    assert sales.buyer.history.count() == 2


def test_buyer_list_searches_and_filters_by_kind(client, personas, sales):
    services.buyer_create(
        actor=personas.manager, cooperative=sales.coop, name="Sabão Local", country="BR", kind="soap_maker"
    )
    client.force_login(personas.staff)

    def names(query):
        response = client.get(url("buyer_list", sales.coop) + query)
        return [buyer.name for buyer in response.context["object_list"]]

    assert names("") == ["Importer A", "Sabão Local"]
    assert names("?q=sab") == ["Sabão Local"]
    assert names("?kind=fair_trade") == ["Importer A"]
    assert names("?kind=bogus") == ["Importer A", "Sabão Local"]  # an invalid filter is ignored


LIST_QUERY_BOUND = 9


def test_buyer_list_runs_the_same_queries_for_2_or_30_buyers(
    client, personas, sales, django_assert_max_num_queries
):
    client.force_login(personas.manager)
    page = url("buyer_list", sales.coop)
    with django_assert_max_num_queries(LIST_QUERY_BOUND) as small:
        assert client.get(page).status_code == 200
    for n in range(30):
        services.buyer_create(
            actor=personas.manager, cooperative=sales.coop, name=f"Local {n}", country="BR", kind="local"
        )
    with django_assert_max_num_queries(LIST_QUERY_BOUND) as large:
        assert len(client.get(page).context["object_list"]) == 31
    assert len(large.captured_queries) == len(small.captured_queries)
