"""The journeys of issue #8 in a real browser: staff, managers and auditors of a honey and
a babassu co-op doing their work in Portuguese, each journey ending with what the page
shows. The last page of each is kept in screenshots/ (see conftest.py).

The newest pages (advances, settlements, ledger, reports, dashboards) are driven by what
their controls do (a form's action, a link's address) rather than by their words, which
the translators may still change; the older pages by their Portuguese words, as a person
reads them.
"""

import hashlib
import re
import shutil
from decimal import Decimal

import pytest

from chain import services as chain_services
from coop import services as coop_services
from coop.models import Lot
from tests.browser.conftest import CHROMIUM, PHONE, TODAY, log_in, save_screenshot, scroll_width

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs chromium: apt-get install chromium"),
]


def download(page, link) -> bytes:
    """Click `link` to a file the browser saves (an attachment) and return its bytes."""
    with page.expect_download() as info:
        link.click()
    with open(info.value.path(), "rb") as handle:
        return handle.read()


def open_pdf(page, link):
    """Click `link` to a PDF as a person does (chromium shows it in its viewer), then fetch
    the same address with the page's cookies to read the bytes the viewer was given."""
    href = link.get_attribute("href")
    with page.expect_response(lambda response: response.url.endswith(href)) as info:
        link.click()
    assert info.value.ok, (href, info.value.status)
    assert info.value.headers["content-type"] == "application/pdf"
    response = page.request.get(href)
    assert response.body()[:4] == b"%PDF"
    return response


# --- 1. Honey staff records a barrel --------------------------------------------------------


def test_honey_staff_records_a_barrel_sees_the_advance_and_prints_the_label(honey, open_page):
    page = open_page(viewport=PHONE)
    log_in(page, "honey-staff")
    assert page.url.endswith("/c/honey/")  # one co-op: straight to its home, the day's work
    assert page.locator("html").get_attribute("lang") == "pt-br"

    page.click("text=Novo tambor")
    page.wait_for_load_state("networkidle")
    assert scroll_width(page) <= PHONE["width"]
    page.fill("#id_family", "silv")
    match = page.locator("label.match", has_text="F-001")
    expect(match).to_be_visible()
    match.click()
    page.select_option("#id_association", str(honey.room.pk))
    page.fill("#id_net_kg", "19.5")
    page.fill("#id_moisture_pct", "18.4")
    save_screenshot(page, "barrel-form-phone", docs=True, down_to=page.locator("form.record .actions"))
    page.click("button.primary")
    page.wait_for_load_state("networkidle")

    code = page.locator(".lot-code").inner_text()
    assert re.fullmatch(r"BR\d\d-\d{5}", code)
    label = open_pdf(page, page.locator("a", has_text="Imprimir etiqueta"))
    assert code in label.headers["content-disposition"]
    page.go_back()

    # 50% of R$ 12,50 × 19,5 kg = R$ 121,875, rounded half up to the cent.
    page.click("text=Ver o lote")
    advance = page.locator("a[href*='/advances/']", has_text="R$")
    expect(advance).to_have_text("R$ 121,88")
    advance.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_contain_text(code)
    expect(page.locator("dl.facts")).to_contain_text("R$ 121,88")
    expect(page.locator("dl.facts")).to_contain_text("F-001")
    expect(page.locator(".badge.status-due")).to_be_visible()
    assert scroll_width(page) <= PHONE["width"]
    assert page.problems == []


# --- 2. Babassu staff buys nuts at a cantina -------------------------------------------------


def test_babassu_staff_records_a_nut_purchase_and_prints_the_receipt(babassu, open_page):
    page = open_page(babassu.staff, viewport=PHONE)
    page.goto("/c/babassu/")
    page.click("text=Nova compra de amêndoas")
    page.wait_for_load_state("networkidle")
    page.fill("#id_family", "sous")
    match = page.locator("label.match", has_text="B-001")
    expect(match).to_be_visible()
    match.click()
    page.select_option("#id_association", str(babassu.cantina.pk))
    page.fill("#id_net_kg", "42.5")
    page.fill("#id_price_per_kg", "3.20")
    page.click("button.primary")
    page.wait_for_load_state("networkidle")

    code = page.locator(".lot-code").inner_text()
    expect(page.locator(".saved-card .amount")).to_have_text("R$ 136,00")  # 42,5 kg × R$ 3,20
    receipt = open_pdf(page, page.locator("a.primary", has_text="Imprimir recibo"))
    assert code in receipt.headers["content-disposition"]
    page.go_back()

    # The language switcher keeps the page: the same purchase, now in English.
    saved_url = page.url
    page.click(".mainnav summary")  # on a phone the language is in the menu
    page.click("button[value=en]")
    page.wait_for_load_state("networkidle")
    assert page.url == saved_url
    expect(page.locator(".lot-code")).to_have_text(code)
    expect(page.locator("a.primary")).to_have_text("Print receipt")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.problems == []


# --- 3. and 4. The honey manager sells under the contract ------------------------------------


def _fulfilment(page):
    """The delivered kg of contract FT-2026 on the manager's dashboard (its <meter>)."""
    meter = page.locator("article.contract-pace", has_text="FT-2026").locator("meter")
    return meter.get_attribute("value")


def _draft_under_the_contract(page, honey, reference):
    page.select_option("#id_contract", str(honey.contract.pk))
    # Choosing the contract fills its price and currency in (htmx), without saving.
    expect(page.locator("#id_currency")).to_have_value("USD")
    page.fill("#id_reference", reference)
    page.fill("#id_exchange_rate", "5.2")
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/shipments/\d+/$"))


def _allocate(page, search, count):
    page.click("text=Alocar lotes")
    page.wait_for_load_state("networkidle")
    page.fill("#id_q", search)
    expect(page.locator("#allocation-rows tbody tr")).to_have_count(count)
    for box in page.locator("#allocation-rows input[name=lot]").all():
        box.check()
    page.click("button[name=save]")
    page.wait_for_url(re.compile(r"/shipments/\d+/$"))


def test_honey_manager_sells_under_the_contract_and_sees_its_fulfilment_move(honey, open_page):
    page = open_page(honey.manager)
    page.goto("/c/honey/")
    assert _fulfilment(page) == "600"  # the first shipment's two barrels

    page.click(".quick-actions a[href$='/shipments/new/']")
    _draft_under_the_contract(page, honey, "EXP-2026-02")
    _allocate(page, "BR-020", 2)  # BR-0201 and BR-0202, both certified
    expect(page.locator("dl.facts")).to_contain_text("600 kg")
    page.click("text=Confirmar embarque")
    page.click("text=Sim, confirmar o embarque")  # the step that says what happens
    page.wait_for_load_state("networkidle")
    expect(page.locator(".badge.status-confirmed").first).to_be_visible()

    page.click(".coop-name a")  # back to the co-op's home
    page.wait_for_load_state("networkidle")
    assert _fulfilment(page) == "1200"
    contract = page.locator("article.contract-pace", has_text="FT-2026")
    expect(contract.locator(".bar-figures strong").first).to_have_text("1.200 kg")
    save_screenshot(page, "manager-dashboard", docs=True, down_to=contract)
    assert page.problems == []


def test_a_confirmation_refused_for_an_uncertified_family_names_the_lot_and_why(honey, open_page):
    page = open_page(honey.manager)
    page.goto("/c/honey/shipments/new/")
    _draft_under_the_contract(page, honey, "EXP-2026-03")
    # The allocation page already warns, next to the lot, that its family is not certified.
    page.click("text=Alocar lotes")
    page.fill("#id_q", "BR-0299")
    row = page.locator("#allocation-rows tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("não é comércio justo")
    row.locator("input[name=lot]").check()
    page.click("button[name=save]")
    page.wait_for_url(re.compile(r"/shipments/\d+/$"))

    page.click("text=Confirmar embarque")
    page.click("text=Sim, confirmar o embarque")  # the step that says what happens
    page.wait_for_load_state("networkidle")
    reasons = page.locator(".alert .step-errors li", has_text="BR-0299")
    expect(reasons.first).to_contain_text("famílias não certificadas")
    expect(page.locator(".alert")).not_to_contain_text("BR-0201")
    expect(page.locator(".badge.status-draft").first).to_be_visible()  # nothing was confirmed
    expect(page.locator("table.rows tbody tr", has_text="BR-0299").first).to_be_visible()
    # ...and the reason again right under the lot's own row.
    beside = page.locator("tr.refused + tr.refusal")
    expect(beside).to_have_count(1)
    expect(beside).to_contain_text("BR-0299")
    expect(beside).to_contain_text("famílias não certificadas")
    assert page.problems == []


# --- 5. The honey manager settles last season -----------------------------------------------


def test_honey_manager_previews_and_approves_a_settlement_and_prints_a_statement(honey, open_page):
    page = open_page(honey.manager)
    page.goto("/c/honey/settlements/")
    page.click("a[href$='/settlements/new/']")
    page.wait_for_load_state("networkidle")
    page.select_option("#id_season", str(honey.last_season.pk))
    page.fill("#id_reference", "SET-MEL-ANTERIOR")
    page.fill("#id_pool", "6000.00")
    page.click("form.stacked button.primary")
    page.wait_for_url(re.compile(r"/settlements/\d+/$"))

    # The preview: 600 kg share R$ 6.000,00; each family's advances (50% of R$ 10,00/kg,
    # paid) come off its share. Nothing is final yet.
    expect(page.locator(".badge.status-draft").first).to_be_visible()
    silva = page.locator("#lines tbody tr", has_text="F-001")
    expect(silva).to_contain_text("300")
    expect(silva).to_contain_text("R$ 3.000,00")  # gross share
    expect(silva).to_contain_text("R$ 1.500,00")  # advances paid, and the net
    expect(page.locator("#lines tbody tr")).to_have_count(3)
    expect(page.locator("#lines tfoot")).to_contain_text("R$ 6.000,00")
    save_screenshot(page, "settlement-preview", docs=True, down_to=page.locator("#lines table"))

    page.click("form[action$='/approve/'] button")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".badge.status-approved").first).to_be_visible()
    assert page.locator("form[action$='/approve/']").count() == 0  # approved lines never change

    statement = page.locator(f"a[href$='/families/{honey.silva.pk}/statement.pdf']")
    response = open_pdf(page, statement)
    assert "F-001" in response.headers["content-disposition"]
    assert page.problems == []


# --- 6. The honey auditor checks the evidence -----------------------------------------------

# Pages an auditor reads; none may offer a way to change anything.
AUDITED_PAGES = (
    "/c/honey/",
    "/c/honey/families/",
    "/c/honey/families/{silva}/",
    "/c/honey/lots/",
    "/c/honey/lots/{lot}/",
    "/c/honey/shipments/",
    "/c/honey/shipments/{shipment}/",
    "/c/honey/contracts/{contract}/",
    "/c/honey/advances/",
    "/c/honey/advances/{advance}/",
    "/c/honey/settlements/",
    "/c/honey/premium/",
    "/c/honey/indicators/",
    "/c/honey/ledger/",
    "/c/honey/ledger/1/",
    "/c/honey/reports/packs/",
)
# Forms every page has: the language switcher and logging out.
HARMLESS_POSTS = "form[method=post]:not(.language):not(.logout)"
WRITE_LINKS = "main a[href$='/edit/'], main a[href*='/new/'], main a[href*='supersedes=']"


def test_honey_auditor_downloads_an_evidence_pack_sees_the_ledger_intact_and_cannot_edit(
    honey, honey_ledger, open_page
):
    page = open_page(honey.auditor)
    page.goto("/c/honey/")  # the auditor's home: the evidence
    expect(page.locator(".ledger-intact")).to_be_visible()

    # Auditors may ask for an evidence pack (and nothing else); it is made at once here.
    page.goto("/c/honey/reports/")
    page.select_option("#id_kind", "certification")
    page.fill("#id_period", str(honey.contract.starts_on.year))
    page.select_option("#id_scheme", "organic")
    page.click("form[method=post]:not(.language):not(.logout) button.primary")
    page.wait_for_url(re.compile(r"/reports/\d+/$"))
    pack = download(page, page.locator("a.primary[href$='/download/']"))
    assert pack[:2] == b"PK"  # a ZIP
    shown = page.locator("dl.facts div.wide", has_text="SHA-256").locator("dd").inner_text()
    assert hashlib.sha256(pack).hexdigest() == shown.strip()

    page.goto("/c/honey/ledger/verify/")
    page.click("form.stacked button.primary")
    page.wait_for_load_state("networkidle")
    verdict = page.locator(".verdict.intact")
    expect(verdict).to_be_visible()
    expect(verdict).to_contain_text("3")  # entries checked
    save_screenshot(page, "ledger-verified", docs=True)

    ids = {
        "silva": honey.silva.pk,
        "lot": honey.free[0].pk,
        "shipment": honey.first_shipment.pk,
        "contract": honey.contract.pk,
        "advance": honey.free[0].advance.pk,
    }
    offered = {}
    for path in AUDITED_PAGES:
        path = path.format(**ids)
        response = page.goto(path)
        assert response.status == 200, path
        controls = page.locator(f"{HARMLESS_POSTS}, {WRITE_LINKS}")
        if controls.count():
            offered[path] = [control.evaluate("e => e.outerHTML.slice(0, 120)") for control in controls.all()]
    assert offered == {}
    assert page.problems == []


# --- 7. Another co-op's pages are not there ---------------------------------------------------


def test_nobody_reaches_another_coops_pages_by_editing_the_url(honey, babassu, open_page):
    purchase = coop_services.lot_record(
        actor=babassu.staff,
        cooperative=babassu.coop,
        kind=Lot.Kind.NUT_PURCHASE,
        product=babassu.nuts,
        family=babassu.sousa,
        association=babassu.cantina,
        collected_on=TODAY,
        net_kg="30",
        price_per_kg="3.00",
    )
    barrel = honey.free[0]
    honey_pages = (
        "/c/honey/",
        f"/c/honey/lots/{barrel.pk}/",
        f"/c/honey/lots/{barrel.pk}/label.pdf",
        f"/c/honey/families/{honey.silva.pk}/",
        f"/c/honey/advances/{barrel.advance.pk}/",
        f"/c/honey/shipments/{honey.first_shipment.pk}/",
        "/c/honey/settlements/",
        "/c/honey/ledger/verify/",
        "/c/honey/reports/packs/",
    )
    page = open_page(babassu.staff)
    page.goto(f"/c/babassu/lots/{purchase.pk}/")  # their own purchase is there
    expect(page.locator("h1")).to_contain_text(purchase.code)
    answers = {path: page.goto(path).status for path in honey_pages}
    assert answers == dict.fromkeys(honey_pages, 404)

    # The honey manager, with a babassu purchase's number under either co-op's address.
    page = open_page(honey.manager)
    for path in (
        f"/c/honey/lots/{purchase.pk}/",
        f"/c/babassu/lots/{purchase.pk}/",
        f"/c/babassu/lots/{purchase.pk}/receipt.pdf",
        "/c/babassu/",
    ):
        assert page.goto(path).status == 404, path
    expect(page.locator("h1")).to_have_text("Página não encontrada")
    assert purchase.code not in page.content()
    assert page.problems == []


# --- 8. Phones: nothing scrolls sideways -----------------------------------------------------


def test_dashboards_and_recording_pages_fit_a_360px_phone(honey, babassu, open_page):
    draft = chain_services.shipment_create(
        actor=honey.manager,
        cooperative=honey.coop,
        buyer=honey.buyer,
        contract=honey.contract,
        product=honey.product,
        reference="EXP-2026-09",
        shipped_on=TODAY,
        exchange_rate=Decimal("5.2"),
        allocations=[(honey.free[0], "300")],
    )
    visits = {
        honey.staff: (
            "/c/honey/",
            "/c/honey/lots/new/barrel/",
            f"/c/honey/advances/{honey.free[1].advance.pk}/",
        ),
        babassu.staff: ("/c/babassu/", "/c/babassu/lots/new/purchase/"),
        honey.manager: (
            "/c/honey/",
            "/c/honey/shipments/new/",
            f"/c/honey/shipments/{draft.pk}/lots/",
            "/c/honey/settlements/new/",
            "/c/honey/ledger/new/",
            "/c/honey/reports/",
        ),
        honey.auditor: ("/c/honey/", "/c/honey/ledger/verify/?verify=1"),
    }
    too_wide = {}
    for user, paths in visits.items():
        page = open_page(user, viewport=PHONE)
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, (user.username, path)
            page.wait_for_load_state("networkidle")  # the charts drawn
            save_screenshot(page, f"phone-{user.username}-{path}")
            width = scroll_width(page)
            if width > PHONE["width"]:
                too_wide[f"{user.username} {path}"] = width
        assert page.problems == [], user.username
    assert too_wide == {}
