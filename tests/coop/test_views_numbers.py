"""Numbers typed the Brazilian way in the recording forms, and unusual values confirmed.

Issue 13: "20,4" kg in the barrel form recorded 204 kg, and "18,5" % moisture became 185
and the barrel was rejected as wet.
"""

from decimal import Decimal

import pytest
from django.utils import translation

from coop.models import Lot
from tests.coop import production_pages
from tests.coop.production_pages import TODAY, url

honey = production_pages.honey
babassu = production_pages.babassu
english = production_pages.english


def _barrel_data(honey, **overrides):
    data = {
        "family": honey.family.pk,
        "family_q": "",
        "net_kg": "20,4",
        "moisture_pct": "18,5",
        "collected_on": TODAY.isoformat(),
        "association": honey.room.pk,
        "product": honey.product.pk,
    }
    return {**data, **overrides}


def _purchase_data(babassu, **overrides):
    data = {
        "family": babassu.family.pk,
        "net_kg": "30",
        "price_per_kg": "3,20",
        "collected_on": TODAY.isoformat(),
        "association": babassu.cantina.pk,
        "product": babassu.nuts.pk,
    }
    return {**data, **overrides}


def test_20_comma_4_kg_and_18_comma_5_moisture_are_what_was_typed(client, personas, honey):
    client.force_login(personas.staff)
    response = client.post(url("lot_record_barrel", honey.coop), _barrel_data(honey))
    assert response.status_code == 302
    lot = Lot.objects.get()
    assert (lot.net_kg, lot.moisture_pct, lot.status) == (Decimal("20.4"), Decimal("18.5"), "accepted")
    assert lot.unusual_confirmed_by is None


@pytest.mark.usefixtures("english")
def test_english_input_with_a_point_works_too(client, personas, honey):
    client.force_login(personas.staff)
    response = client.post(url("lot_record_barrel", honey.coop), _barrel_data(honey, net_kg="20.4"))
    assert response.status_code == 302
    assert Lot.objects.get().net_kg == Decimal("20.4")


@pytest.mark.parametrize(
    "net_kg, words",
    [
        ("20,4,1", "use the comma only for decimals"),
        ("1,204.5", "mixes comma and dot"),
        ("20kg", "type only digits"),
        ("-20", "cannot be negative"),
        ("1.204", "could be read two ways"),
        ("9" * 50, "too long"),
        ("20\x004", "type only digits"),
    ],
)
@pytest.mark.usefixtures("english")
def test_bad_numbers_are_refused_naming_the_field_and_write_nothing(client, personas, honey, net_kg, words):
    client.force_login(personas.staff)
    response = client.post(url("lot_record_barrel", honey.coop), _barrel_data(honey, net_kg=net_kg))
    assert response.status_code == 200
    errors = response.context["form"].errors["net_kg"]
    assert errors[0].startswith("Net kg: ") and words in errors[0]
    assert not Lot.objects.exists()


def test_number_inputs_are_text_with_the_decimal_keypad_and_show_pt_br(client, personas, honey):
    client.force_login(personas.staff)
    response = client.post(
        url("lot_record_barrel", honey.coop), _barrel_data(honey, family="", family_q="zz")
    )
    html = response.content.decode()
    assert 'type="text" name="net_kg" value="20,4" inputmode="decimal"' in html
    assert 'name="moisture_pct" value="18,5"' in html
    assert 'type="number"' not in html


def test_the_remembered_price_comes_back_in_pt_br(client, personas, babassu):
    client.force_login(personas.staff)
    assert client.post(url("lot_record_purchase", babassu.coop), _purchase_data(babassu)).status_code == 302
    html = client.get(url("lot_record_purchase", babassu.coop)).content.decode()
    assert 'name="price_per_kg" value="3,2"' in html


def test_an_unusual_barrel_is_shown_in_words_and_confirmed_on_the_second_round(client, personas, honey):
    client.force_login(personas.staff)
    data = _barrel_data(honey, net_kg="204")
    first = client.post(url("lot_record_barrel", honey.coop), data)
    html = first.content.decode()
    assert first.status_code == 200 and not Lot.objects.exists()
    assert "204 kg — o normal é 15 a 30 kg." in html
    assert "Confirmo que o valor está correto" in html
    seen = first.context["form"].data["unusual_seen"]
    assert seen

    second = client.post(
        url("lot_record_barrel", honey.coop), {**data, "unusual_seen": seen, "confirm_unusual": "on"}
    )
    assert second.status_code == 302
    lot = Lot.objects.get()
    assert (lot.net_kg, lot.unusual_confirmed_by) == (Decimal("204"), personas.staff)
    assert "204 kg" in lot.unusual_values
    detail = client.get(url("lot_detail", honey.coop, lot.pk)).content.decode()
    assert "204 kg — o normal é 15 a 30 kg." in detail and personas.staff.username in detail


def test_the_confirmation_box_is_absent_on_the_first_round(client, personas, honey):
    client.force_login(personas.staff)
    html = client.get(url("lot_record_barrel", honey.coop)).content.decode()
    assert 'name="confirm_unusual"' not in html


def test_a_confirmation_covers_only_the_values_it_was_shown(client, personas, honey):
    client.force_login(personas.staff)
    first = client.post(url("lot_record_barrel", honey.coop), _barrel_data(honey, net_kg="204"))
    seen = first.context["form"].data["unusual_seen"]
    # The thumb slips again: 240, with the box ticked for 204. It is asked again.
    again = client.post(
        url("lot_record_barrel", honey.coop),
        _barrel_data(honey, net_kg="240", unusual_seen=seen, confirm_unusual="on"),
    )
    assert again.status_code == 200 and not Lot.objects.exists()
    assert "240 kg — o normal é 15 a 30 kg." in again.content.decode()


def test_an_unusual_purchase_warns_before_saving(client, personas, babassu):
    client.force_login(personas.staff)
    with translation.override("pt-br"):
        response = client.post(
            url("lot_record_purchase", babassu.coop), _purchase_data(babassu, net_kg="325")
        )
    assert response.status_code == 200 and not Lot.objects.exists()
    assert "325 kg — o normal é 0,5 a 100 kg." in response.content.decode()


def test_recording_pages_cost_the_same_queries(client, personas, honey, django_assert_max_num_queries):
    client.force_login(personas.staff)
    with django_assert_max_num_queries(12):
        client.get(url("lot_record_barrel", honey.coop))
