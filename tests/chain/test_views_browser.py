"""The value-chain pages in a real browser (Debian's chromium through Playwright) on a
360px phone: no sideways scrolling, no CSP violation (the fulfilment bar has no inline
style), and a manager's journey: a draft from a contract, lots allocated, confirmed.

Set MUTIRAO_SCREENSHOTS=<dir> to keep a full-page screenshot of every page visited.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

from chain import services
from tests.chain import chain_pages
from tests.chain.chain_pages import confirmed, url

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs chromium: apt-get install chromium"),
]

PHONE = {"width": 360, "height": 780}

sales = chain_pages.sales


@pytest.fixture
def scene(sales, personas):
    """A contract on its way, a confirmed sale traced to two families, a draft and a local sale."""
    first = confirmed(sales, [(sales.barrel(kg="600", code="BR-0001"), "600")], reference="EXP-2026-01")
    services.shipment_mark_shipped(actor=personas.manager, shipment=first)
    sales.shipment([(sales.barrel(code="BR-0002"), "20")], reference="EXP-2026-02")
    local = services.buyer_create(
        actor=personas.manager, cooperative=sales.coop, name="Mercado Municipal", country="BR", kind="local"
    )
    local_sale = sales.shipment(
        [(sales.barrel(family=sales.uncertified, kg="400", code="BR-0003"), "400")],
        reference="LOCAL-2026-01",
        buyer=local,
        contract=None,
        price_per_kg="9.50",
        fair_trade=False,
        organic=False,
    )
    services.shipment_confirm(actor=personas.manager, shipment=local_sale)
    sales.barrel(code="BR-0004")
    sales.barrel(family=sales.uncertified, code="BR-0005")
    sales.first = first
    return sales


@pytest.fixture
def phone(live_server, personas, scene):
    # The data is made first: Django refuses ORM calls from a thread running an event loop.
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport=PHONE, locale="pt-BR")
        page = context.new_page()
        page.problems = []
        page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        yield page
        browser.close()


def _log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo")
    page.click("button.primary")
    page.wait_for_load_state("networkidle")


def _shot(page, name):
    folder = os.environ.get("MUTIRAO_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_chain_pages_fit_a_phone_without_errors(phone, live_server, scene):
    _log_in(phone, live_server.url, "a-manager")
    coop = scene.coop
    pages = {
        "buyers": url("buyer_list", coop),
        "buyer": url("buyer_detail", coop, scene.buyer.pk),
        "buyer-new": url("buyer_create", coop),
        "contracts": url("contract_list", coop),
        "contract": url("contract_detail", coop, scene.contract.pk),
        "contract-new": url("contract_create", coop),
        "shipments": url("shipment_list", coop),
        "shipment": url("shipment_detail", coop, scene.first.pk),
        "shipment-new": url("shipment_create", coop) + f"?contract={scene.contract.pk}",
        "trace": url("shipment_trace", coop, scene.first.pk),
        "family-shipments": url("family_shipments", coop, scene.certified.pk),
        "market": url("market_position", coop),
    }
    too_wide = {}
    for name, path in pages.items():
        response = phone.goto(live_server.url + path)
        assert response.status == 200, name
        _shot(phone, name)
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[name] = width
    assert too_wide == {}
    assert phone.problems == []


def test_manager_sells_from_a_contract_on_a_phone(phone, live_server, scene):
    _log_in(phone, live_server.url, "a-manager")
    phone.goto(live_server.url + url("shipment_create", scene.coop))
    assert phone.locator("h1").inner_text() == "Novo embarque"
    # Choosing the contract fills its price and currency in (htmx), without saving.
    phone.select_option("#id_contract", str(scene.contract.pk))
    sync_api.expect(phone.locator("#id_currency")).to_have_value("USD")
    sync_api.expect(phone.locator("#id_price_per_kg")).to_have_value("3")
    phone.fill("#id_reference", "EXP-2026-09")
    phone.fill("#id_exchange_rate", "0")
    phone.click("button.primary")
    sync_api.expect(phone.locator(".field.has-error #id_exchange_rate")).to_be_visible()
    _shot(phone, "shipment-new-error")
    phone.fill("#id_exchange_rate", "5.2")
    phone.click("button.primary")
    phone.wait_for_url(re.compile(r"/shipments/\d+/$"))

    phone.click("text=Alocar lotes")
    phone.wait_for_load_state("networkidle")
    phone.fill("#id_q", "BR-0004")
    sync_api.expect(phone.locator("#allocation-rows tbody tr")).to_have_count(1)
    _shot(phone, "allocate")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.check("input[name=lot]")
    phone.click("button[name=save]")
    phone.wait_for_url(re.compile(r"/shipments/\d+/$"))

    phone.click("text=Confirmar embarque")
    phone.click("text=Sim, confirmar o embarque")  # the step that says what happens
    phone.wait_for_load_state("networkidle")
    sync_api.expect(phone.locator(".badge.status-confirmed").first).to_be_visible()
    _shot(phone, "shipment-confirmed")
    assert phone.problems == []


def test_a_refused_confirmation_shows_the_lot_on_a_phone(phone, live_server, scene):
    _log_in(phone, live_server.url, "a-manager")
    phone.goto(live_server.url + url("shipment_create", scene.coop) + f"?contract={scene.contract.pk}")
    phone.fill("#id_reference", "EXP-2026-10")
    phone.fill("#id_exchange_rate", "5.2")
    phone.click("button.primary")
    phone.wait_for_url(re.compile(r"/shipments/\d+/$"))
    phone.click("text=Alocar lotes")
    phone.fill("#id_q", "BR-0005")
    sync_api.expect(phone.locator("#allocation-rows tbody tr")).to_have_count(1)
    phone.check("input[name=lot]")
    phone.click("button[name=save]")
    phone.wait_for_url(re.compile(r"/shipments/\d+/$"))
    phone.click("text=Confirmar embarque")
    phone.click("text=Sim, confirmar o embarque")  # the step that says what happens
    sync_api.expect(phone.locator(".alert")).to_contain_text("BR-0005")
    _shot(phone, "shipment-refused")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
