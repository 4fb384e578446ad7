"""The reports pages in a real browser (Debian's chromium through Playwright) on a 360px
phone: no sideways scrolling, no CSP violation or script error; a manager asks for a
report and, with no broker, finds it done.

Set MUTIRAO_SCREENSHOTS=<dir> to keep a full-page screenshot of every page visited.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.urls import reverse

from tests.upgrading import reports_data
from tests.upgrading.reports_data import request_and_run
from upgrading.models import Report

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs chromium: apt-get install chromium"),
]

PHONE = {"width": 360, "height": 780}

honey = reports_data.honey
media = reports_data.media


@pytest.fixture
def scene(honey):
    honey.compliance = request_and_run(honey.coop, Report.Kind.COMPLIANCE, "2025")
    honey.pack = request_and_run(honey.coop, Report.Kind.CERTIFICATION, "2025", scheme="fair_trade")
    return honey


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


def url(name, coop, *args):
    return reverse(name, args=[coop.slug, *args])


def test_report_pages_fit_a_phone_without_errors(phone, live_server, scene):
    _log_in(phone, live_server.url, "a-manager")
    coop = scene.coop
    pages = {
        "reports": url("report_list", coop),
        "packs": url("report_packs", coop),
        "compliance": url("report_detail", coop, scene.compliance.pk),
        "pack": url("report_detail", coop, scene.pack.pk),
    }
    too_wide = {}
    for name, path in pages.items():
        response = phone.goto(live_server.url + path)
        assert response.status == 200, name
        _shot(phone, f"report-{name}")
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[name] = width
    assert too_wide == {}
    assert phone.problems == []


def test_manager_asks_for_a_report_on_a_phone(phone, live_server, scene, settings):
    _log_in(phone, live_server.url, "a-manager")
    phone.goto(live_server.url + url("report_list", scene.coop))
    phone.select_option("#id_kind", "compliance")
    phone.fill("#id_period", "2025-13")
    phone.click("form.stacked button.primary")
    sync_api.expect(phone.locator(".field.has-error #id_period")).to_be_visible()
    phone.problems.clear()  # the browser logs the refused form's 400 answer
    phone.fill("#id_period", "2025-11")
    phone.click("form.stacked button.primary")
    phone.wait_for_url(f"**{url('report_list', scene.coop)}*/", timeout=60_000)
    # No broker: the report was made before the page answered, so it can be downloaded.
    sync_api.expect(phone.locator("a[href$='/download/']")).to_have_count(1)
    sync_api.expect(phone.locator("h1")).to_contain_text("2025-11")
    _shot(phone, "report-requested")
    assert phone.problems == []
