"""A co-op's administrator gives a person access on a phone, and that person chooses their
password through the link and starts working: the onboarding pages in a real browser."""

import re
import shutil

import pytest

from coop.models import Membership, Role
from tests.browser.conftest import CHROMIUM, PHONE, _user, log_in, save_screenshot, scroll_width
from tests.factories import CooperativeFactory, ProductFactory

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs chromium: apt-get install chromium"),
]


def test_an_administrator_gives_access_and_the_person_sets_their_password(transactional_db, open_page):
    coop = CooperativeFactory(name="Cooperativa do Mel", slug="mel", state="PI")
    ProductFactory(cooperative=coop, code="MEL", delivered_as="barrel")  # honey comes in barrels
    admin = _user(coop, Role.ADMIN, "mel-admin")

    page = open_page(viewport=PHONE)
    log_in(page, "mel-admin")
    page.goto("/c/mel/")
    page.click("main a[href='/c/mel/access/']")  # also in the menu, folded
    expect(page.locator("h1")).to_have_text("Pessoas com acesso")
    page.click("a[href='/c/mel/access/invite/']")
    page.fill("#id_email", "joana@example.org")
    page.fill("#id_name", "Joana")
    page.select_option("#id_role", "staff")
    page.click("button.primary")
    page.wait_for_load_state("networkidle")
    link = page.locator("#new-link").input_value()
    assert re.fullmatch(r"https?://\S+/accounts/reset/\S+/", link)
    expect(page.locator("table.rows")).to_contain_text("Joana")
    assert scroll_width(page) <= PHONE["width"]
    save_screenshot(page, "access-list-after-invitation")
    assert page.problems == []

    joana = open_page(viewport=PHONE)
    joana.goto(link)
    expect(joana.locator("h1")).to_have_text("Escolha sua senha")
    expect(joana.locator("main")).to_contain_text("joana@example.org")
    joana.fill("#id_new_password1", "colmeia-forte-31")
    joana.fill("#id_new_password2", "colmeia-forte-31")
    joana.click("button.primary")
    expect(joana.locator("h1")).to_have_text("Senha salva")
    log_in(joana, "joana@example.org", "colmeia-forte-31")
    joana.goto("/c/mel/lots/new/barrel/")
    expect(joana.locator("form.record")).to_be_visible()
    assert joana.problems == []
    assert Membership.objects.get(user__username="joana@example.org").history.get().history_user == admin
