"""The batch page: pick input lots with what they have left, save, see the yield warning."""

from decimal import Decimal

import pytest

from coop.models import Lot, LotInput
from tests.coop import production_pages
from tests.coop.production_pages import TODAY, purchase, url
from tests.factories import LotFactory

honey = production_pages.honey
babassu = production_pages.babassu
english = production_pages.english
pytestmark = pytest.mark.usefixtures("english")


def _batch_data(babassu, inputs, **overrides):
    data = {
        "product": babassu.oil.pk,
        "q": "",
        "net_kg": "18",
        "collected_on": TODAY.isoformat(),
        "association": "",
        "code": "",
        "notes": "",
        "lot": [lot.pk for lot, _kg in inputs],
        "save": "1",
    }
    data.update({f"kg-{lot.pk}": kg for lot, kg in inputs})
    data.update(overrides)
    return data


def test_the_page_lists_the_lots_an_output_can_be_made_from_with_what_they_have_left(
    client, personas, babassu, honey, coop_b
):
    usable = purchase(babassu, kg="30", consumed_kg="12.500")
    rejected = purchase(babassu, status="rejected")
    received = purchase(babassu, status="received")
    used_up = purchase(babassu, kg="10", consumed_kg="10", status="consumed")
    barrel = LotFactory(cooperative=honey.coop, product=honey.product, family=honey.family)
    other_coop = LotFactory(cooperative=coop_b)
    client.force_login(personas.staff)
    response = client.get(url("lot_batch_create", babassu.coop), {"product": babassu.oil.pk})
    listed = [row["lot"] for row in response.context["rows"]]
    assert listed == [usable]
    assert listed[0].remaining == Decimal("17.5")
    html = response.content.decode()
    assert 'value="17.5"' in html  # kg to take defaults to all that is left
    for lot in (rejected, received, used_up, barrel, other_coop):
        assert lot.code not in html


def test_an_export_batch_of_honey_takes_honey_barrels(client, personas, honey):
    barrel = LotFactory(cooperative=honey.coop, product=honey.product, family=honey.family)
    client.force_login(personas.staff)
    response = client.get(url("lot_batch_create", honey.coop), {"product": honey.product.pk})
    assert [row["lot"] for row in response.context["rows"]] == [barrel]


def test_staff_makes_an_oil_batch_and_sees_its_lineage(client, personas, babassu):
    first, second = purchase(babassu, kg="30"), purchase(babassu, kg="30")
    client.force_login(personas.staff)
    data = _batch_data(babassu, [(first, "30"), (second, "30")])
    response = client.post(url("lot_batch_create", babassu.coop), data, follow=True)
    batch = Lot.objects.get(kind="batch")
    assert response.redirect_chain[-1][0] == url("lot_detail", babassu.coop, batch.pk)
    assert (batch.product, batch.net_kg, batch.yield_warning) == (babassu.oil, Decimal("18"), "")
    assert set(LotInput.objects.filter(output=batch).values_list("source_id", "kg")) == {
        (first.pk, Decimal("30")),
        (second.pk, Decimal("30")),
    }
    first.refresh_from_db()
    assert (first.status, first.remaining_kg) == ("consumed", 0)
    html = response.content.decode()
    assert first.code in html and second.code in html


def test_a_yield_far_from_the_expected_shows_a_warning_after_saving(client, personas, babassu):
    nuts = purchase(babassu, kg="100")
    client.force_login(personas.staff)
    response = client.post(
        url("lot_batch_create", babassu.coop), _batch_data(babassu, [(nuts, "100")], net_kg="45"), follow=True
    )
    batch = Lot.objects.get(kind="batch")
    assert "away from the expected" in batch.yield_warning
    html = response.content.decode()
    assert 'class="message warning"' in html
    assert "Yield warning" in html  # and on the lot page itself, for later readers


def test_taking_more_than_a_lot_has_left_is_refused_naming_the_lot(client, personas, babassu):
    nuts = purchase(babassu, kg="30", consumed_kg="25")
    client.force_login(personas.staff)
    response = client.post(url("lot_batch_create", babassu.coop), _batch_data(babassu, [(nuts, "10")]))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert nuts.code in errors and "5.000 kg left" in errors
    assert nuts.code in response.content.decode()
    assert not Lot.objects.filter(kind="batch").exists()
    nuts.refresh_from_db()
    assert nuts.consumed_kg == Decimal("25")


@pytest.mark.parametrize("kg", ["", "0", "-1", "abc", "1.0001"])
def test_bad_input_kg_is_shown_on_its_row_and_nothing_is_written(client, personas, babassu, kg):
    nuts = purchase(babassu)
    client.force_login(personas.staff)
    response = client.post(url("lot_batch_create", babassu.coop), _batch_data(babassu, [(nuts, kg)]))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Lot.objects.filter(kind="batch").exists()
    rows = {row["lot"].pk: row for row in response.context["rows"]}
    assert rows[nuts.pk]["checked"]
    if kg not in ("0", "-1"):  # zero and negative are the service's refusal, for the whole form
        assert rows[nuts.pk]["errors"]


def test_no_input_ticked_is_refused(client, personas, babassu):
    purchase(babassu)
    client.force_login(personas.staff)
    response = client.post(url("lot_batch_create", babassu.coop), _batch_data(babassu, []))
    assert "Tick at least one" in " ".join(response.context["form"].non_field_errors())
    assert not Lot.objects.filter(kind="batch").exists()


def test_a_lot_of_another_co_op_cannot_be_taken(client, personas, babassu, coop_b):
    theirs = LotFactory(cooperative=coop_b)
    client.force_login(personas.staff)
    response = client.post(url("lot_batch_create", babassu.coop), _batch_data(babassu, [(theirs, "5")]))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Lot.objects.filter(kind="batch").exists()
    theirs.refresh_from_db()
    assert theirs.consumed_kg == 0


def test_a_lot_of_the_wrong_product_is_refused_naming_it(client, personas, babassu, honey):
    barrel = LotFactory(cooperative=honey.coop, product=honey.product, family=honey.family)
    client.force_login(personas.staff)
    response = client.post(url("lot_batch_create", babassu.coop), _batch_data(babassu, [(barrel, "5")]))
    assert barrel.code in " ".join(response.context["form"].non_field_errors())
    assert not Lot.objects.filter(kind="batch").exists()


def test_show_lots_rereads_the_list_keeping_what_was_ticked_and_saves_nothing(client, personas, babassu):
    ticked, other = purchase(babassu, code="NP-A"), purchase(babassu, code="NP-B")
    client.force_login(personas.staff)
    data = _batch_data(babassu, [(ticked, "7")], q="NP-B", refresh="1")
    del data["save"]
    response = client.post(url("lot_batch_create", babassu.coop), data)
    assert response.status_code == 200
    rows = {row["lot"].code: row for row in response.context["rows"]}
    assert set(rows) == {"NP-A", "NP-B"}  # the search found B, and A stays because it is ticked
    assert rows["NP-A"]["checked"] and rows["NP-A"]["kg"] == "7"
    assert not rows["NP-B"]["checked"]
    assert not response.context["form"].errors
    assert not Lot.objects.filter(kind="batch").exists()
    other.refresh_from_db()


def test_auditor_may_not_make_batches(client, personas, babassu):
    nuts = purchase(babassu)
    client.force_login(personas.auditor)
    assert client.get(url("lot_batch_create", babassu.coop)).status_code == 403
    assert (
        client.post(url("lot_batch_create", babassu.coop), _batch_data(babassu, [(nuts, "5")])).status_code
        == 403
    )
    assert not Lot.objects.filter(kind="batch").exists()


def test_the_batch_page_reads_a_fixed_number_of_queries(
    client, personas, babassu, django_assert_max_num_queries
):
    client.force_login(personas.staff)
    page = url("lot_batch_create", babassu.coop) + f"?product={babassu.oil.pk}"
    for _ in range(3):
        purchase(babassu)
    with django_assert_max_num_queries(12) as small:
        client.get(page)
    for _ in range(40):
        purchase(babassu)
    with django_assert_max_num_queries(12) as large:
        response = client.get(page)
    assert len(response.context["rows"]) == 43
    assert len(large.captured_queries) == len(small.captured_queries)
