"""Production pages in a real browser on a 360px phone: a staff member records a barrel
with the live family search, and opens its label; every production page fits the screen.

Set MUTIRAO_SCREENSHOTS=<folder> to keep a screenshot of each page.
"""

import os
import re
from pathlib import Path

import pytest

from tests.coop import production_pages, test_views_browser
from tests.coop.production_pages import purchase

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = test_views_browser.pytestmark

honey = production_pages.honey
babassu = production_pages.babassu
phone = test_views_browser.phone
PHONE = test_views_browser.PHONE
SHOTS = os.environ.get("MUTIRAO_SCREENSHOTS")


def _shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _fits(page, label):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], label


def test_staff_records_a_barrel_on_a_phone_and_opens_its_label(honey, phone, live_server, coop_a):
    test_views_browser._log_in(phone, live_server.url, "a-staff")
    phone.goto(f"{live_server.url}/c/{coop_a.slug}/lots/")
    phone.click("text=Novo tambor")
    phone.wait_for_load_state("networkidle")
    _fits(phone, "new barrel")

    # The live search shows the family as a choice to tap.
    phone.fill("#id_family", "silv")
    match = phone.locator("label.match", has_text="F-001")
    sync_api.expect(match).to_be_visible()
    _shot(phone, "barrel-search")
    match.click()
    phone.select_option("#id_association", str(honey.room.pk))
    phone.fill("#id_net_kg", "19.5")
    phone.fill("#id_moisture_pct", "18.4")
    phone.click("button.primary")
    phone.wait_for_load_state("networkidle")

    sync_api.expect(phone.locator(".lot-code")).to_have_text(re.compile(r"^BR\d\d-\d{5}$"))
    code = phone.locator(".lot-code").inner_text()
    _fits(phone, "saved")
    _shot(phone, "barrel-saved")

    label = phone.locator("a", has_text="Imprimir etiqueta")
    response = phone.request.get(live_server.url + label.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    assert code in response.headers["content-disposition"]

    # "Record another" starts a fresh form at the same honey room.
    phone.click("text=Registrar outro")
    phone.wait_for_load_state("networkidle")
    assert phone.locator("#id_association").input_value() == str(honey.room.pk)
    assert phone.problems == []


@pytest.fixture
def two_purchases(babassu):
    # Made before the browser starts: Django refuses ORM calls once Playwright's loop runs.
    return purchase(babassu, code="NP-AAA"), purchase(babassu, code="NP-BBB")


def test_production_pages_fit_a_phone(two_purchases, honey, babassu, phone, live_server, coop_a, world):
    lot = two_purchases[0]
    slug = coop_a.slug
    test_views_browser._log_in(phone, live_server.url, "a-manager")
    for name, path in (
        ("lot-list", f"/c/{slug}/lots/"),
        ("new-purchase", f"/c/{slug}/lots/new/purchase/"),
        ("new-batch", f"/c/{slug}/lots/new/batch/?product={babassu.oil.pk}"),
        ("lot-detail", f"/c/{slug}/lots/{lot.pk}/"),
        ("certifications", f"/c/{slug}/certifications/"),
        ("inspections", f"/c/{slug}/inspections/"),
        ("new-inspection", f"/c/{slug}/inspections/new/"),
        ("family", f"/c/{slug}/families/{babassu.family.pk}/"),
        ("home", f"/c/{slug}/"),
    ):
        phone.goto(live_server.url + path)
        phone.wait_for_load_state("networkidle")
        _fits(phone, path)
        _shot(phone, name)
    assert phone.problems == []


def test_batch_page_keeps_ticks_when_searching(two_purchases, babassu, phone, live_server, coop_a):
    first, second = two_purchases
    test_views_browser._log_in(phone, live_server.url, "a-staff")
    phone.goto(f"{live_server.url}/c/{coop_a.slug}/lots/new/batch/?product={babassu.oil.pk}")
    phone.check(f"#lot-{first.pk}")
    phone.fill("#id_q", "NP-BBB")
    sync_api.expect(phone.locator(f"#lot-{second.pk}")).to_be_visible()
    sync_api.expect(phone.locator(f"#lot-{first.pk}")).to_be_checked()  # kept, though not a match
    _shot(phone, "batch-search")
    assert phone.problems == []
