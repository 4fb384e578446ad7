"""Fixtures of the browser journeys: one chromium for the whole package, a small honey
co-op and a small babassu co-op built through the services, a page per persona, and the
screenshots CI keeps.

The live server reads the test database from another thread, so these tests are
transactional: every table is emptied after each one. The data is therefore built per
test, and kept small (a few families, barrels and users) so the package runs in well
under two minutes on two cores.

Set MUTIRAO_DOCS_SCREENSHOTS=1 to refresh the README's pictures in docs/screenshots/.
"""

import datetime
import io
import os
import re
import shutil
import warnings
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from chain import services as chain_services
from chain.models import Buyer
from coop import services as coop_services
from coop.models import Association, Lot, Role
from tests.factories import (
    AssociationFactory,
    CertificationFactory,
    CooperativeFactory,
    FamilyFactory,
    MembershipFactory,
    ProductFactory,
    UserFactory,
)
from upgrading.models import Advance
from upgrading.services import advances as advance_services
from upgrading.services import ledger as ledger_services

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 360, "height": 740}  # the phone of issue 13
LAPTOP = {"width": 1280, "height": 860}
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"  # git-ignored; CI keeps it as an artifact
DOCS_SHOTS = ROOT / "docs" / "screenshots"  # the few the README shows (committed)
DOCS_MAX_BYTES = 150_000
DOCS_WIDTH = 960

TODAY = timezone.localdate()  # the co-op's day, as the pages date deliveries
DELIVERED = TODAY - datetime.timedelta(days=30)
# The current honey season holds today; the previous one is over and ready to settle.
SEASON_STARTS, SEASON_ENDS = TODAY - datetime.timedelta(days=120), TODAY + datetime.timedelta(days=60)
LAST_SEASON_STARTS, LAST_SEASON_ENDS = (
    TODAY - datetime.timedelta(days=480),
    TODAY - datetime.timedelta(days=300),
)
LAST_SEASON_DAY = LAST_SEASON_STARTS + datetime.timedelta(days=30)
# A contract in its first year, 60 days in: the pace line has something to show.
CONTRACT_STARTS = TODAY - datetime.timedelta(days=60)
CONTRACT_ENDS = CONTRACT_STARTS.replace(year=CONTRACT_STARTS.year + 2) - datetime.timedelta(days=1)


# --- The browser --------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser():
    """One chromium for every journey of the package; each test opens its own contexts.

    While Playwright's sync API is running, its event loop is set as the thread's running
    loop and Django refuses ORM calls from this thread (SynchronousOnlyOperation). The
    tests build their data and the runner empties the tables in this same thread, between
    browser calls, never concurrently with a loop callback, so the check is lifted for as
    long as the browser lives, and put back before any other package's tests run.
    """
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.skip("needs chromium: apt-get install chromium")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_api.sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def open_page(browser, live_server, request):
    """`open_page(user=None, viewport=LAPTOP, locale="pt-BR")`: a fresh browser context on
    the live server (relative URLs work), logged in as `user` by a session cookie when given
    (journeys that test the login form log in through it instead).

    Each page collects console errors and uncaught exceptions in `page.problems` (a CSP
    violation shows there). After the test, the last page opened is saved to
    screenshots/<test name>.png, pass or fail.
    """
    contexts, pages = [], []

    def open_page(user=None, *, viewport=LAPTOP, locale="pt-BR"):
        context = browser.new_context(
            viewport=viewport, locale=locale, base_url=live_server.url, accept_downloads=True
        )
        contexts.append(context)
        if user is not None:
            context.add_cookies([session_cookie(user, live_server.url)])
        page = context.new_page()
        page.problems = []
        page.on("console", lambda message: _is_problem(message) and page.problems.append(message.text))
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        page.on(
            "response",
            lambda response: (
                _is_broken(response) and page.problems.append(f"{response.status} {response.url}")
            ),
        )
        pages.append(page)
        return page

    yield open_page
    from playwright.sync_api import Error

    try:
        if pages:
            save_screenshot(pages[-1], request.node.name)
    except Error as error:  # a crashed page: the test's own failure says more
        warnings.warn(f"no screenshot of {request.node.name}: {error}", stacklevel=1)
    finally:
        for context in contexts:
            context.close()


def _is_problem(message) -> bool:
    # A failed load is judged by `_is_broken` instead: a page may answer 400 or 404 on
    # purpose (a refused form, another co-op's address), which chromium logs as an error.
    return message.type == "error" and not message.text.startswith("Failed to load resource")


def _is_broken(response) -> bool:
    """A script, stylesheet, image or htmx request of the page that failed. Chromium's PDF
    viewer asks for /favicon.ico, which the app does not serve (its pages carry an empty
    icon)."""
    return (
        response.status >= 400
        and response.request.resource_type != "document"
        and not response.url.endswith("/favicon.ico")
    )


def session_cookie(user, url: str) -> dict:
    """A session of `user`, made the way Django's test client logs in, as a browser cookie."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": url,
    }


def log_in(page, username: str, password: str = "demo") -> None:
    """Through the real login form, as a person would."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button.primary")
    page.wait_for_load_state("networkidle")


def save_screenshot(page, name: str, *, docs: bool = False, down_to=None) -> Path:
    """The whole page into screenshots/<name>.png.

    With `docs` and MUTIRAO_DOCS_SCREENSHOTS set, also a picture for the README into
    docs/screenshots/<name>.png: the window, or the page from its top down to the element
    `down_to`, at most DOCS_WIDTH pixels wide and reduced to a 256-colour palette, so the
    committed files stay small.
    """
    SHOTS.mkdir(exist_ok=True)
    name = re.sub(r"[^\w.-]+", "-", name).strip("-")
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if docs and os.environ.get("MUTIRAO_DOCS_SCREENSHOTS"):
        from PIL import Image

        if down_to is not None:
            box = down_to.bounding_box()
            scrolled = page.evaluate("window.scrollY")
            bottom = box["y"] + scrolled + box["height"] + 16
            width = page.viewport_size["width"]
            picture = page.screenshot(full_page=True, clip={"x": 0, "y": 0, "width": width, "height": bottom})
        else:
            picture = page.screenshot(full_page=False)
        image = Image.open(io.BytesIO(picture)).convert("RGB")
        if image.width > DOCS_WIDTH:
            height = round(image.height * DOCS_WIDTH / image.width)
            image = image.resize((DOCS_WIDTH, height), Image.Resampling.LANCZOS)
        image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        target = DOCS_SHOTS / f"{name}.png"
        image.save(target, optimize=True)
        assert target.stat().st_size < DOCS_MAX_BYTES, f"{target} is too big for the README"
    return path


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


# --- The co-operatives ----------------------------------------------------------------------


def _user(coop, role, username):
    user = UserFactory(username=username)  # password "demo"
    MembershipFactory(user=user, cooperative=coop, role=role)
    return user


def _certify(family, *schemes):
    for scheme in schemes:
        CertificationFactory(
            family=family,
            scheme=scheme,
            valid_from=TODAY - datetime.timedelta(days=500),
            valid_to=TODAY + datetime.timedelta(days=365),
            approved_by__inspected_on=TODAY - datetime.timedelta(days=510),
        )


@pytest.fixture
def media(settings, tmp_path):
    """Report files and evidence in a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def honey(transactional_db, media):
    """A honey co-op of three families at one honey room, its staff, manager and auditor.

    - Silva (F-001) and Sousa (F-002) are certified organic and fair trade; Lima (F-003)
      is not.
    - The current season advances 50% of R$ 12,50/kg; the last one (over) advances
      50% of R$ 10,00/kg, all paid.
    - An Italian importer's fair-trade organic contract FT-2026: US$ 3,00/kg, at least
      10.800 kg a year; one shipment of 600 kg confirmed under it. Barrels BR-0201/BR-0202
      (Silva, Sousa, 300 kg each) are free to sell, BR-0299 (Lima, 300 kg) may not be sold
      as fair trade.
    """
    ledger_services.catalogue_install()  # the previous test's flush emptied it
    coop = CooperativeFactory(
        name="Cooperativa Mista dos Apicultores da Microrregião de Simplício Mendes",
        short_name="COMAPI",
        slug="honey",
        state="PI",
        municipality="Simplício Mendes",
    )
    staff = _user(coop, Role.STAFF, "honey-staff")
    manager = _user(coop, Role.MANAGER, "honey-manager")
    auditor = _user(coop, Role.AUDITOR, "honey-auditor")
    product = ProductFactory(cooperative=coop, code="HONEY", name="Mel orgânico", delivered_as="barrel")
    room = AssociationFactory(
        cooperative=coop, code="HR-01", name="Casa do Mel Boa Esperança", kind=Association.Kind.HONEY_ROOM
    )
    silva = FamilyFactory(cooperative=coop, association=room, code="F-001", household_name="Silva")
    sousa = FamilyFactory(cooperative=coop, association=room, code="F-002", household_name="Sousa")
    lima = FamilyFactory(cooperative=coop, association=room, code="F-003", household_name="Lima")
    for family in (silva, sousa):
        _certify(family, "organic", "fair_trade")

    season = advance_services.season_create(
        actor=manager,
        cooperative=coop,
        product=product,
        code=f"MEL-{TODAY.year}",
        name=f"Safra de mel {TODAY.year}",
        starts_on=SEASON_STARTS,
        ends_on=SEASON_ENDS,
        advance_rate=Decimal("0.5"),
        reference_price_per_kg=Decimal("12.50"),
    )
    last_season = advance_services.season_create(
        actor=manager,
        cooperative=coop,
        product=product,
        code="MEL-ANTERIOR",
        name="Safra de mel anterior",
        starts_on=LAST_SEASON_STARTS,
        ends_on=LAST_SEASON_ENDS,
        advance_rate=Decimal("0.5"),
        reference_price_per_kg=Decimal("10.00"),
    )

    def barrel(family, kg, code, day=DELIVERED):
        return coop_services.lot_record(
            actor=staff,
            cooperative=coop,
            kind=Lot.Kind.BARREL,
            product=product,
            family=family,
            association=room,
            collected_on=day,
            net_kg=kg,
            moisture_pct="18.0",
            code=code,
            confirm_unusual=True,  # hundreds of kg per "barrel" keep the figures round
        )

    # Last season: delivered, advanced and paid; nothing stands in the way of settling it.
    for family, kg, code in ((silva, "300", "BR-0001"), (sousa, "200", "BR-0002"), (lima, "100", "BR-0003")):
        lot = barrel(family, kg, code, day=LAST_SEASON_DAY)
        advance_services.advance_pay(
            actor=staff, advance=lot.advance, paid_on=LAST_SEASON_DAY, method=Advance.Method.PIX
        )

    buyer = chain_services.buyer_create(
        actor=manager, cooperative=coop, name="Importatore Equo", country="IT", kind=Buyer.Kind.FAIR_TRADE
    )
    contract = chain_services.contract_create(
        actor=manager,
        cooperative=coop,
        buyer=buyer,
        product=product,
        reference="FT-2026",
        starts_on=CONTRACT_STARTS,
        ends_on=CONTRACT_ENDS,
        price_per_kg=Decimal("3.0000"),
        currency="USD",
        premium_per_kg=Decimal("0.2000"),
        fair_trade=True,
        organic=True,
        max_moisture_pct=Decimal("19.00"),
        minimum_kg=Decimal("10800"),
    )
    sold = [barrel(silva, "300", "BR-0101"), barrel(sousa, "300", "BR-0102")]
    first = chain_services.shipment_create(
        actor=manager,
        cooperative=coop,
        buyer=buyer,
        contract=contract,
        product=product,
        reference="EXP-2026-01",
        shipped_on=TODAY - datetime.timedelta(days=20),
        exchange_rate=Decimal("5.10"),
        allocations=[(lot, lot.net_kg) for lot in sold],
    )
    chain_services.shipment_confirm(actor=manager, shipment=first)
    return SimpleNamespace(
        coop=coop,
        staff=staff,
        manager=manager,
        auditor=auditor,
        product=product,
        room=room,
        silva=silva,
        sousa=sousa,
        lima=lima,
        season=season,
        last_season=last_season,
        buyer=buyer,
        contract=contract,
        first_shipment=first,
        free=[barrel(silva, "300", "BR-0201"), barrel(sousa, "300", "BR-0202")],
        uncertified=barrel(lima, "300", "BR-0299"),
    )


@pytest.fixture
def honey_ledger(honey):
    """A few years of the honey co-op's indicators in its ledger, emptied again afterwards:
    the ledger is append-only (database triggers), and the runner's flush needs it empty."""
    from tests.upgrading.ledger_data import clear_ledger

    def entry(code, year, value):
        return ledger_services.ledger_append(
            actor=honey.manager,
            cooperative=honey.coop,
            indicator=code,
            period_from=datetime.date(year, 1, 1),
            period_to=datetime.date(year, 12, 31),
            value=value,
        )

    entries = [
        entry("literate_adults", TODAY.year - 2, "60"),
        entry("literate_adults", TODAY.year - 1, "72"),
        entry("women_board_share", TODAY.year - 1, "40"),
    ]
    yield entries
    clear_ledger()


@pytest.fixture
def babassu(transactional_db):
    """A babassu co-op: one cantina buying kernels from two families, its staff and manager."""
    coop = CooperativeFactory(
        name="Cooperativa dos Pequenos Produtores Agroextrativistas de Lago do Junco",
        short_name="COPPALJ",
        slug="babassu",
        state="MA",
        municipality="Lago do Junco",
    )
    nuts = ProductFactory(
        cooperative=coop, code="NUTS", name="Amêndoa de babaçu", delivered_as="nut_purchase"
    )
    cantina = AssociationFactory(
        cooperative=coop, code="CAN-01", name="Cantina Centro do Aguiar", kind=Association.Kind.CANTINA
    )
    return SimpleNamespace(
        coop=coop,
        staff=_user(coop, Role.STAFF, "babassu-staff"),
        manager=_user(coop, Role.MANAGER, "babassu-manager"),
        nuts=nuts,
        cantina=cantina,
        sousa=FamilyFactory(cooperative=coop, association=cantina, code="B-001", household_name="Sousa"),
        pereira=FamilyFactory(cooperative=coop, association=cantina, code="B-002", household_name="Pereira"),
    )
