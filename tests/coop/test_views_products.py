"""The products page: every member reads the usual values, managers edit them."""

from decimal import Decimal

import pytest

from tests.coop import production_pages
from tests.coop.production_pages import url
from tests.factories import ProductFactory

honey = production_pages.honey
english = production_pages.english


def test_every_member_reads_the_products_and_their_usual_values(client, personas, honey):
    honey.product.usual_net_kg_min, honey.product.usual_net_kg_max = Decimal("18"), Decimal("25")
    honey.product.save()
    for user in (personas.staff, personas.auditor, personas.manager):
        client.force_login(user)
        response = client.get(url("product_list", honey.coop))
        assert response.status_code == 200
        assert "Mel orgânico" in response.content.decode() and "18 – 25" in response.content.decode()
    assert url("product_ranges_edit", honey.coop, honey.product.pk) in response.content.decode()


def test_staff_and_auditors_see_no_edit_link_and_get_403(client, personas, honey):
    for user in (personas.staff, personas.auditor):
        client.force_login(user)
        page = client.get(url("product_list", honey.coop)).content.decode()
        assert url("product_ranges_edit", honey.coop, honey.product.pk) not in page
        edit = url("product_ranges_edit", honey.coop, honey.product.pk)
        assert client.get(edit).status_code == 403
        assert client.post(edit, {"usual_net_kg_max": "500", "price_tolerance_pct": "40"}).status_code == 403
    honey.product.refresh_from_db()
    assert honey.product.usual_net_kg_max is None


def test_another_coops_product_answers_404(client, personas, honey, coop_b):
    other = ProductFactory(cooperative=coop_b, code="B-HONEY")
    client.force_login(personas.manager)
    assert client.get(url("product_ranges_edit", honey.coop, other.pk)).status_code == 404
    assert client.get(url("product_list", coop_b)).status_code == 404
    client.force_login(personas.outsider)
    assert client.get(url("product_ranges_edit", honey.coop, honey.product.pk)).status_code == 404


def test_a_manager_edits_the_ranges_in_pt_br_with_history(client, personas, honey):
    client.force_login(personas.manager)
    edit = url("product_ranges_edit", honey.coop, honey.product.pk)
    form = client.get(edit).content.decode()
    assert 'name="usual_net_kg_min"' in form and 'name="price_tolerance_pct" value="40"' in form
    response = client.post(
        edit,
        {
            "usual_net_kg_min": "18,5",
            "usual_net_kg_max": "25",
            "usual_moisture_min_pct": "",
            "usual_moisture_max_pct": "21",
            "reference_price_per_kg": "",
            "price_tolerance_pct": "30",
        },
    )
    assert response.status_code == 302 and response["Location"] == url("product_list", honey.coop)
    product = honey.product
    product.refresh_from_db()
    assert (product.usual_net_kg_min, product.usual_net_kg_max, product.price_tolerance_pct) == (
        Decimal("18.5"),
        Decimal("25"),
        Decimal("30"),
    )
    assert product.history.first().history_user == personas.manager


@pytest.mark.usefixtures("english")
def test_a_range_upside_down_is_refused_on_its_field(client, personas, honey):
    client.force_login(personas.manager)
    response = client.post(
        url("product_ranges_edit", honey.coop, honey.product.pk),
        {"usual_net_kg_min": "30", "usual_net_kg_max": "15", "price_tolerance_pct": "40"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["usual_net_kg_max"] == [
        "The end of the range cannot be below its start."
    ]


def test_the_products_page_costs_the_same_for_many_products(
    client, personas, honey, django_assert_max_num_queries
):
    client.force_login(personas.manager)
    with django_assert_max_num_queries(12) as few:
        client.get(url("product_list", honey.coop))
    for number in range(20):
        ProductFactory(cooperative=honey.coop, code=f"P-{number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url("product_list", honey.coop))
