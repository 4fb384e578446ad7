"""Numbers as Brazilians write them, in a real browser on a 360 × 740 phone in Portuguese.

Issue 13: "20,4" kg in the barrel form recorded 204 kg; "18,5" % moisture became 185 and
the barrel was rejected as wet. Here they are what was typed, and "204" is asked about.
"""

import re
import shutil
from decimal import Decimal

import pytest

from coop.models import Lot
from tests.browser.conftest import CHROMIUM, save_screenshot, scroll_width

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs chromium: apt-get install chromium"),
]

PHONE_740 = {"width": 360, "height": 740}


def _start_barrel(page, honey):
    page.goto("/c/honey/lots/new/barrel/")
    page.fill("#id_family", "silv")
    match = page.locator("label.match", has_text="F-001")
    expect(match).to_be_visible()
    match.click()
    page.select_option("#id_association", str(honey.room.pk))


def test_staff_types_20_comma_4_kg_and_18_comma_5_moisture_on_a_phone(honey, open_page):
    page = open_page(honey.staff, viewport=PHONE_740, locale="pt-BR")
    _start_barrel(page, honey)
    net = page.locator("#id_net_kg")
    assert net.get_attribute("type") == "text" and net.get_attribute("inputmode") == "decimal"
    net.fill("20,4")
    page.fill("#id_moisture_pct", "18,5")
    page.click("form.record button.primary")
    page.wait_for_load_state("networkidle")

    code = page.locator(".lot-code").inner_text()
    lot = Lot.objects.get(cooperative=honey.coop, code=code)
    assert (lot.net_kg, lot.moisture_pct, lot.status) == (Decimal("20.400"), Decimal("18.50"), "accepted")
    page.click("text=Ver o lote")
    page.wait_for_load_state("networkidle")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("20,4")
    expect(facts).to_contain_text("18,5%")
    expect(page.locator(".badge.status-accepted").first).to_be_visible()
    assert scroll_width(page) <= PHONE_740["width"]
    assert page.problems == []


def test_an_unusual_weight_is_said_in_words_and_confirmed_on_the_second_round(honey, open_page):
    page = open_page(honey.staff, viewport=PHONE_740, locale="pt-BR")
    _start_barrel(page, honey)
    page.fill("#id_net_kg", "204")
    page.fill("#id_moisture_pct", "18,5")
    assert page.locator("#id_confirm_unusual").count() == 0
    page.click("form.record button.primary")
    page.wait_for_load_state("networkidle")

    expect(page.locator(".field-net_kg")).to_contain_text("204 kg — o normal é 15 a 30 kg.")
    box = page.get_by_label("Confirmo que o valor está correto")
    expect(box).to_be_visible()
    assert page.locator("#id_net_kg").input_value() == "204"
    save_screenshot(page, "barrel-unusual-confirm-phone")
    box.check()
    page.click("form.record button.primary")
    page.wait_for_load_state("networkidle")

    code = page.locator(".lot-code").inner_text()
    assert re.fullmatch(r"BR\d\d-\d{5}", code)
    lot = Lot.objects.get(cooperative=honey.coop, code=code)
    assert (lot.net_kg, lot.unusual_confirmed_by) == (Decimal("204.000"), honey.staff)
    assert page.problems == []
