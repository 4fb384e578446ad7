"""Issue 13 on a 360 × 740 phone: the staff home's record buttons on the first screen, the
save button of every capture form in sight, the first lot of Lotes on the first screen,
the menu that opens on demand, and the weight of a staff page on slow 3G.

Measured, not guessed: bounding boxes from the browser, transferred bytes from CDP's
Network.loadingFinished (encodedDataLength: what came over the wire, headers included),
time to usable from the Navigation Timing of the throttled page."""

import shutil

import pytest
from django.db import connections

from coop.models import Lot
from tests.browser.conftest import CHROMIUM, PHONE, TODAY, save_screenshot, scroll_width, session_cookie
from tests.factories import ProductFactory

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs chromium: apt-get install chromium"),
]

FIRST_SCREEN = PHONE["height"]
STAFF_PAGE_MAX_BYTES = 100_000
FORM_USABLE_MAX_MS = 2_000
# Chrome DevTools' "Slow 3G"-like profile of issue 13: 400 kbit/s down, 400 ms round trip.
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}
CPU_SLOWDOWN = 4
# Usable: the document parsed (its forms work without script) and painted with its
# stylesheet (first contentful paint waits for it), in ms from the start of navigation.
USABLE_AT = """Math.max(
    performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd,
    performance.getEntriesByName("first-contentful-paint")[0].startTime)"""


def bottom(locator) -> float:
    box = locator.bounding_box()
    assert box is not None, locator
    return box["y"] + box["height"]


# --- The first screen ---------------------------------------------------------------------------


def test_the_staff_home_has_its_record_buttons_on_the_first_screen(honey, open_page):
    page = open_page(honey.staff, viewport=PHONE)
    page.goto("/c/honey/")
    buttons = page.locator(".record-actions a.button.primary")
    expect(buttons).to_have_count(1)  # a honey co-op: barrels only
    expect(buttons.first).to_have_text("Novo tambor")
    assert bottom(buttons.first) <= FIRST_SCREEN
    assert page.get_by_text("Nova compra de amêndoas").count() == 0
    # The header is one compact row: the short name and the role.
    expect(page.locator(".coop-name a")).to_have_text("COMAPI")
    assert bottom(page.locator(".topbar-row")) <= 60
    assert bottom(page.locator(".mainnav")) <= 110
    assert scroll_width(page) <= PHONE["width"]
    save_screenshot(page, "phone-staff-home")
    assert page.problems == []


def test_the_babassu_home_offers_nut_purchases_and_no_barrel(babassu, open_page):
    page = open_page(babassu.staff, viewport=PHONE)
    page.goto("/c/babassu/")
    buttons = page.locator(".record-actions a.button.primary")
    expect(buttons).to_have_text(["Nova compra de amêndoas"])
    assert bottom(buttons.first) <= FIRST_SCREEN
    response = page.goto("/c/babassu/lots/new/barrel/")
    assert response.status == 404
    expect(page.locator(".alert")).to_contain_text("não registra")


def _save_in_sight(page, path: str, button: str) -> None:
    response = page.goto(path)
    assert response.status == 200, path
    page.wait_for_load_state("networkidle")
    save = page.locator(button)
    expect(save).to_be_visible()
    assert bottom(save) <= FIRST_SCREEN, path
    # Opening the optional fields does not push it away either.
    more = page.locator("details.more summary")
    if more.count():
        more.click()
        assert bottom(save) <= FIRST_SCREEN, path
    assert scroll_width(page) <= PHONE["width"], path


def test_every_capture_form_has_its_save_button_in_sight(honey, babassu, open_page):
    ProductFactory(cooperative=honey.coop, code="WAX", name="Cera de abelha", delivered_as="delivery")
    page = open_page(honey.staff, viewport=PHONE)
    _save_in_sight(page, "/c/honey/lots/new/barrel/", "form.record button.primary")
    save_screenshot(page, "phone-barrel-form")
    _save_in_sight(page, "/c/honey/lots/new/delivery/", "form.record button.primary")
    _save_in_sight(page, f"/c/honey/lots/new/batch/?product={honey.product.pk}", "button[name=save]")
    assert page.locator("#batch-inputs tbody tr").count() >= 3  # a long list above the button
    assert page.problems == []
    page = open_page(babassu.staff, viewport=PHONE)
    _save_in_sight(page, "/c/babassu/lots/new/purchase/", "form.record button.primary")
    assert page.problems == []


def test_the_first_lot_of_lotes_is_on_the_first_screen(honey, open_page):
    page = open_page(honey.staff, viewport=PHONE)
    page.goto("/c/honey/lots/")
    first = page.locator("#results table.rows tbody tr").first
    expect(first).to_be_visible()
    assert bottom(first) <= FIRST_SCREEN
    # The filters beyond the search box are folded, and open on demand.
    kind = page.locator("#id_kind")
    expect(kind).to_be_hidden()
    page.click("details.more-filters summary")
    expect(kind).to_be_visible()
    assert page.problems == []


# --- The menu ---------------------------------------------------------------------------------------


def test_staff_see_five_entries_and_the_rest_on_demand(honey, open_page):
    page = open_page(honey.staff, viewport=PHONE)
    page.goto("/c/honey/lots/")
    row = page.locator(".nav-primary > li")
    expect(row).to_have_count(5)
    expect(page.locator(".nav-primary > li > a")).to_have_text(["Início", "Registrar", "Lotes", "Famílias"])
    tops = {round(row.nth(i).bounding_box()["y"]) for i in range(5)}
    assert len(tops) == 1  # one row
    expect(page.locator(".nav-primary a[aria-current=page]")).to_have_text("Lotes")
    panel = page.locator(".menu-panel")
    expect(panel).to_be_hidden()
    page.click(".mainnav summary")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("link", name="Importar")).to_be_visible()
    expect(panel.locator("button[value=en]")).to_be_visible()
    panel.get_by_role("link", name="Associações").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/c/honey/associations/")
    assert page.problems == []


def test_a_manager_opens_the_grouped_menu_on_demand(honey, open_page):
    page = open_page(honey.manager, viewport=PHONE)
    page.goto("/c/honey/")
    page.wait_for_load_state("networkidle")
    save_screenshot(page, "phone-manager-home")
    assert bottom(page.locator(".mainnav")) <= 110
    page.click(".mainnav summary")
    groups = page.locator(".menu-group h2")
    expect(groups.first).to_be_visible()
    assert groups.count() >= 5
    page.locator(".menu-panel").get_by_role("link", name="Rateios").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/c/honey/settlements/")
    assert page.problems == []


# --- Weight ---------------------------------------------------------------------------------------------


@pytest.fixture
def plain_server():
    """The app as production serves it: static files through WhiteNoise and the middleware
    (compressed), not through the test server's own uncompressed static handler."""
    from django.test.testcases import LiveServerThread

    shared = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
    thread = LiveServerThread("localhost", lambda app: app, connections_override=shared)
    thread.daemon = True
    for connection in shared.values():
        connection.inc_thread_sharing()
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://localhost:{thread.port}"
    thread.terminate()
    for connection in shared.values():
        connection.dec_thread_sharing()


def _cold_page(browser, user, base_url, *, throttled: bool):
    context = browser.new_context(viewport=PHONE, locale="pt-BR", base_url=base_url)
    context.add_cookies([session_cookie(user, base_url)])
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if throttled:
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    received = {}
    cdp.on(
        "Network.loadingFinished",
        lambda event: received.update({event["requestId"]: event["encodedDataLength"]}),
    )
    return context, page, received


def test_a_staff_page_weighs_under_100_kb_and_the_form_is_usable_within_2_s_on_slow_3g(
    honey, browser, plain_server
):
    for number in range(15):  # a busy day at the honey room: the home lists today's lots
        _barrel(honey, f"BR-T{number:02d}")
    context, page, received = _cold_page(browser, honey.staff, plain_server, throttled=False)
    page.goto("/c/honey/", wait_until="networkidle")
    home_bytes = sum(received.values())
    html = page.content()
    assert "chart.umd" not in html
    context.close()
    assert home_bytes <= STAFF_PAGE_MAX_BYTES, home_bytes

    # Three cold loads, the best one judged: other processes on the machine only ever add
    # time (the test machines share their two cores), never take it away.
    timings = []
    for _attempt in range(3):
        context, page, received = _cold_page(browser, honey.staff, plain_server, throttled=True)
        page.goto("/c/honey/lots/new/barrel/", wait_until="domcontentloaded")
        expect(page.locator("form.record button.primary")).to_be_visible()
        page.wait_for_function("performance.getEntriesByName('first-contentful-paint').length > 0")
        timings.append(page.evaluate(USABLE_AT))
        page.wait_for_load_state("networkidle")
        form_bytes = sum(received.values())
        context.close()
    usable_ms = min(timings)
    print(
        f"\nstaff home: {home_bytes:,} bytes; barrel form: {form_bytes:,} bytes, usable in "
        + ", ".join(f"{ms:.0f}" for ms in timings)
        + " ms (slow 3G, CPU 4x slower)"
    )
    assert usable_ms <= FORM_USABLE_MAX_MS, usable_ms


def _barrel(honey, code):
    from coop import services

    return services.lot_record(
        actor=honey.staff,
        cooperative=honey.coop,
        kind=Lot.Kind.BARREL,
        product=honey.product,
        family=honey.silva,
        association=honey.room,
        collected_on=TODAY,
        net_kg="20",
        moisture_pct="18.0",
        code=code,
        accept=False,
    )
