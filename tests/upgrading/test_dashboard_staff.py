"""Staff's home: the day's work at their place, what waits, and the quick buttons."""

import pytest

from tests.chain import chain_pages
from tests.factories import AssociationFactory
from tests.upgrading import dashboard_data
from tests.upgrading.dashboard_data import Tables, page_text, url

dash = dashboard_data.dash
english = chain_pages.english


def _home(client, user, coop, query=""):
    client.force_login(user)
    response = client.get(url("cooperative_home", coop) + query)
    assert response.status_code == 200
    return response


def test_staff_home_is_the_day_at_the_place_of_their_last_lot(client, personas, dash, coop_a):
    response = _home(client, personas.staff, coop_a)
    assert response.context["board"] == "work"
    assert response.context["place"] == dash.room  # they recorded HR-TODAY-1 there
    text = page_text(response)
    # Two barrels today at the honey room (20 + 25.5 kg); the cantina's purchase is elsewhere.
    assert "45,5 kg" in text
    work = response.context["work"]
    assert (work.today_tally.count, work.week_tally.count) == (2, 2)
    codes = [lot.code for lot in work.today_lots]
    assert sorted(codes) == ["HR-TODAY-1", "HR-TODAY-2"]
    # Waiting: today's received barrel and last month's (25.5 + 18 kg).
    assert "43,5 kg" in text
    assert [lot.code for lot in work.waiting_lots] == ["HR-OLD-1", "HR-TODAY-2"]
    # Advances due there: R$ 150,00 + R$ 250,50 (the paid one is not counted).
    assert "R$ 400,50" in text
    assert "R$ 99,99" not in text
    assert "CT-TODAY-1" not in text


def test_staff_quick_buttons_record_and_print_their_latest_label(client, personas, dash, coop_a):
    html = _home(client, personas.staff, coop_a).content.decode()
    for name in ("lot_record_barrel", "lot_record_purchase", "family_create", "import_upload"):
        assert f'href="{url(name, coop_a)}"' in html, name
    assert f'href="{url("lot_label", coop_a, dash.today_accepted.pk)}"' in html
    assert url("association_create", coop_a) not in html  # managers only


def test_the_whole_co_op_and_another_place_can_be_chosen(client, personas, dash, coop_a):
    everything = _home(client, personas.staff, coop_a, "?place=all")
    assert everything.context["place"] is None
    assert "57,5 kg" in page_text(everything)  # 20 + 25.5 + 12
    cantina = _home(client, personas.staff, coop_a, f"?place={dash.cantina.pk}")
    assert [lot.code for lot in cantina.context["work"].today_lots] == ["CT-TODAY-1"]
    html = cantina.content.decode()
    assert url("lot_receipt", coop_a, dash.purchase.pk) in html  # a nut purchase has a receipt
    assert "R$ 400,50" not in page_text(cantina)  # no advance due at the cantina


def test_another_co_ops_place_is_refused_and_the_whole_co_op_shown(client, personas, dash, coop_a, coop_b):
    elsewhere = AssociationFactory(cooperative=coop_b, code="B-PLACE")
    response = _home(client, personas.staff, coop_a, f"?place={elsewhere.pk}")
    assert response.context["place"] is None
    assert [str(m) for m in response.context["messages"]]


def test_the_place_the_recording_form_remembers_comes_first(client, personas, dash, coop_a):
    client.force_login(personas.staff)
    session = client.session
    session[f"lot-defaults:{coop_a.pk}:nut_purchase"] = {"association": dash.cantina.pk}
    session.save()
    response = client.get(url("cooperative_home", coop_a))
    assert response.context["place"] == dash.cantina


def test_someone_who_never_recorded_sees_the_whole_co_op(client, personas, dash, coop_a):
    response = _home(client, personas.admin, coop_a, "")
    assert response.context["board"] == "overview"
    client.force_login(personas.admin)
    work = client.get(url("dashboard_work", coop_a))
    assert work.status_code == 200 and work.context["place"] is None
    assert work.context["work"].today_tally.count == 3


def test_staff_may_not_open_the_overview_or_the_audit_board(client, personas, dash, coop_a):
    client.force_login(personas.staff)
    for name in ("dashboard_overview", "dashboard_audit"):
        assert client.get(url(name, coop_a)).status_code == 403, name
    html = client.get(url("cooperative_home", coop_a)).content.decode()
    assert url("dashboard_overview", coop_a) not in html  # no tab to a board they cannot open


def test_auditors_have_no_work_board(client, personas, dash, coop_a):
    client.force_login(personas.auditor)
    assert client.get(url("dashboard_work", coop_a)).status_code == 403


def test_an_empty_co_op_explains_what_to_do(client, personas, coop_a, english):
    text = page_text(_home(client, personas.staff, coop_a))
    assert "No lot recorded here today yet. Record the first barrel or nut purchase" in text
    assert "Nothing is waiting" in text
    assert "No advance is due here." in text


def test_english_writes_numbers_and_money_the_english_way(client, personas, dash, coop_a, english):
    text = page_text(_home(client, personas.staff, coop_a))
    assert "R$400.50" in text
    assert "45.5 kg" in text
    assert "1 advance is overdue." in text


def test_tables_become_cards_on_a_phone(client, personas, dash, coop_a):
    tables = Tables(_home(client, personas.staff, coop_a).content.decode()).tables
    assert tables
    for table in tables:
        assert "rows" in table["attrs"].get("class", "")
        for row in table["rows"][1:]:
            for tag, attrs, _text in row:
                assert tag == "th" or attrs.get("data-label"), row


@pytest.mark.parametrize("grow", [10, 100])
def test_the_work_board_costs_the_same_whatever_the_number_of_lots(
    client, personas, dash, coop_a, grow, django_assert_max_num_queries
):
    dashboard_data.add_lots(dash, grow)
    client.force_login(personas.staff)
    # 15: the kinds of delivery the co-op handles (which record buttons it shows) is one.
    with django_assert_max_num_queries(15):
        response = client.get(url("cooperative_home", coop_a))
    assert response.status_code == 200
    assert response.context["work"].today_tally.count == 2 + grow // 2
