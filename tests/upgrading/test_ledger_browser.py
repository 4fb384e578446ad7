"""The indicator and ledger pages in a real browser (Debian's chromium through Playwright)
on a 360px phone: no sideways scrolling, no CSP violation, the trend chart drawn by
Chart.js from the page's JSON, and staff recording an entry with a file from the phone.

Set MUTIRAO_SCREENSHOTS=<dir> to keep a full-page screenshot of every page visited.
"""

import concurrent.futures
import os
import shutil
from pathlib import Path

import pytest

from tests.upgrading import ledger_data
from tests.upgrading.ledger_data import PDF_BYTES, append, chain, clear_ledger, year
from upgrading.models import LedgerEntry

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs chromium: apt-get install chromium"),
]

PHONE = {"width": 360, "height": 780}

media = ledger_data.media
catalogue = ledger_data.catalogue


@pytest.fixture
def scene(coop_a, personas, world, media):
    entries = chain(personas.staff, coop_a, 5)
    append(personas.staff, coop_a, "women_board_share", "57.1429", evidence=[ledger_data.pdf()])
    append(personas.staff, coop_a, "family_children_in_school", "2", family=world.family_a)
    append(personas.manager, coop_a, value="53", period=year(0), supersedes=entries[-1], note="Correção")
    yield coop_a
    # The live server's test empties every table afterwards, which the triggers refuse.
    clear_ledger()


@pytest.fixture
def phone(live_server, personas, scene):
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


def in_thread(read):
    """Django refuses ORM calls from the thread running Playwright's event loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(read).result()


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
        page.screenshot(path=str(Path(folder) / f"ledger-{name}.png"), full_page=True)


def test_ledger_pages_fit_a_phone_and_draw_the_chart(phone, live_server, scene):
    _log_in(phone, live_server.url, "a-auditor")
    base = f"{live_server.url}/c/{scene.slug}"
    pages = {
        "indicators": "/indicators/",
        "indicator": "/indicators/literate_adults/",
        "family-indicator": "/indicators/family_children_in_school/",
        "ledger": "/ledger/",
        "entry": "/ledger/6/",
        "corrected": "/ledger/5/",
        "verify": "/ledger/verify/?verify=1",
    }
    too_wide = {}
    for name, path in pages.items():
        response = phone.goto(base + path)
        assert response.status == 200, name
        phone.wait_for_load_state("networkidle")
        _shot(phone, name)
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[name] = width
        if name == "indicator":
            drawn = phone.evaluate(
                "() => { const c = document.querySelector('canvas[data-chart]');"
                " const chart = window.Chart && window.Chart.getChart(c);"
                " return chart ? chart.data.datasets[0].data : null; }"
            )
            assert drawn == [40, 43, 46, 49, 53]  # the correction's value, not the corrected one
    assert too_wide == {}
    assert phone.problems == []


def test_staff_record_an_entry_with_a_file_from_the_phone(phone, live_server, scene, tmp_path):
    survey = tmp_path / "levantamento.pdf"
    survey.write_bytes(PDF_BYTES + b"% 2026\n")
    _log_in(phone, live_server.url, "a-staff")
    phone.goto(f"{live_server.url}/c/{scene.slug}/ledger/new/?indicator=children_in_school")
    first, last = year(0)
    phone.fill("#id_period_from", first.isoformat())
    phone.fill("#id_period_to", last.isoformat())
    phone.fill("#id_value", "91,5")
    phone.fill("#id_note", "Declarações de matrícula")
    phone.set_input_files("#id_evidence", str(survey))
    _shot(phone, "form")
    phone.click("button.primary")
    phone.wait_for_load_state("networkidle")
    entry, name = in_thread(
        lambda: [
            (e, e.evidence.get().name)
            for e in LedgerEntry.objects.filter(cooperative=scene, indicator__code="children_in_school")
        ][0]
    )
    assert phone.url.endswith(f"/ledger/{entry.sequence}/")
    assert str(entry.value) == "91.5000" and name == "levantamento.pdf"
    assert entry.hash in phone.content()
    assert phone.problems == []
