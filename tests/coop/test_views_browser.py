"""The pages in a real browser (Debian's chromium through Playwright) on a 360px phone:
no sideways scrolling, no CSP violation, live search, and the language switch."""

import re
import shutil

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs chromium: apt-get install chromium"),
]

PHONE = {"width": 360, "height": 780}


@pytest.fixture
def phone(live_server, personas, world):
    # The data is made first: Playwright runs an event loop in this thread, and Django
    # refuses ORM calls from a thread with a running loop.
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


def test_pages_fit_a_phone_without_errors(phone, live_server, personas, world, coop_a):
    _log_in(phone, live_server.url, "a-staff")
    slug = coop_a.slug
    for path in (
        f"/c/{slug}/",
        f"/c/{slug}/associations/",
        f"/c/{slug}/families/",
        f"/c/{slug}/families/{world.family_a.pk}/",
        f"/c/{slug}/families/new/",
        f"/c/{slug}/members/",
        f"/c/{slug}/members/{world.member_a.pk}/",
    ):
        phone.goto(live_server.url + path)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    assert phone.problems == []


def test_live_search_and_language_switch_keep_the_page(phone, live_server, personas, world, coop_a):
    _log_in(phone, live_server.url, "a-staff")
    phone.goto(f"{live_server.url}/c/{coop_a.slug}/families/")
    assert phone.locator("h1").inner_text() == "Famílias"
    phone.fill("#id_q", "no such family")
    # (expect() polls without eval, which the CSP forbids; wait_for_function would need it)
    sync_api.expect(phone.locator(".count")).to_have_text(re.compile(r"^0 "))
    assert "q=no%20such%20family" in phone.url  # the address follows the search

    phone.click(".mainnav summary")  # on a phone the language is in the menu
    phone.click("button[value=en]")
    phone.wait_for_load_state("networkidle")
    assert phone.locator("h1").inner_text() == "Families"
    assert "q=no%20such%20family" in phone.url
    assert phone.input_value("#id_q") == "no such family"
    assert phone.problems == []
