"""A honey co-op (co-op A) with a day of work and a season of money, for the dashboard tests.

Every figure the dashboards show is known here, so the tests assert the numbers in the
HTML (in pt-BR, the default language: "R$ 400,50", "1,61×"). Use the fixtures by
assigning them in a test module (`dash = dashboard_data.dash`), as the chain tests do.

- the honey room HR-A: today two barrels (20 kg accepted, recorded by the staff persona;
  25.5 kg received), a received barrel from 30 days ago (18 kg) waiting for acceptance;
- the cantina CT-A: one nut purchase today (12 kg);
- sales: 600 kg to the fair-trade importer under contract FT-A (US$ 3.00 × 5.10 =
  R$ 15,30/kg → R$ 9.180,00) and 400 kg to a local buyer at R$ 9,50 (R$ 3.800,00): the
  importer takes 70,72% of the revenue; the fair-trade price is 1,61× the local one;
- advances: R$ 150,00 due in a week, R$ 250,50 overdue (due 3 days ago), R$ 99,99 paid;
- premium fund: R$ 612,00 received, R$ 400,00 allocated to schooling, R$ 150,00 spent;
- settlement SET-A draft with a pool of R$ 5.000,00;
- a compliance report with one failed check (advances overdue), one warning, one pass;
  an organic evidence pack with its SHA-256;
- ledger: literate adults 60 → 72 % (a 70 corrected to 72), safety incidents 3 → 5
  (fewer is better: worse), women on the board 40 % (a first value).
"""

import datetime
import hashlib
import html
import json
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from chain import services as chain_services
from chain.models import Buyer
from coop.models import Association
from tests.chain import chain_pages
from tests.chain.chain_pages import DELIVERED, TODAY
from tests.factories import AssociationFactory, LotFactory, ProductFactory
from upgrading.models import (
    Advance,
    Assembly,
    Decision,
    Indicator,
    PremiumAllocation,
    PremiumFund,
    Report,
    Season,
    Settlement,
)
from upgrading.services.ledger import ledger_append

PACK_SHA256 = hashlib.sha256(b"organic evidence pack").hexdigest()
sales_b = chain_pages.sales_b


def url(name, coop, *args):
    return reverse(name, args=[coop.slug, *args])


def _advance(site, lot, amount, due_on, status=Advance.Status.DUE):
    return Advance.objects.create(
        cooperative=site.coop,
        lot=lot,
        family=lot.family,
        kg=lot.net_kg,
        rate=Decimal("0.5000"),
        reference_price_per_kg=Decimal("7.6500"),
        amount=Decimal(amount),
        currency="BRL",
        due_on=due_on,
        status=status,
        paid_on=due_on if status == Advance.Status.PAID else None,
    )


def _catalogue():
    """The seeded indicators: migration 0003 loads them, but a transactional test earlier in
    the run empties every table, catalogue included."""
    from upgrading.services import ledger

    install = getattr(ledger, "catalogue_install", None)
    if install is not None:
        install()
        return
    from upgrading.catalogue import CATALOGUE

    existing = set(Indicator.objects.values_list("code", flat=True))
    for row in CATALOGUE:
        if row["code"] not in existing:
            bounds = {
                key: Decimal(row[key]) if row[key] is not None else None for key in ("min_value", "max_value")
            }
            Indicator.objects.create(**{**row, **bounds})


def _ledger(site, manager):
    _catalogue()

    def entry(code, year, value, **extra):
        return ledger_append(
            actor=manager,
            cooperative=site.coop,
            indicator=code,
            period_from=datetime.date(year, 1, 1),
            period_to=datetime.date(year, 12, 31),
            value=value,
            **extra,
        )

    this_year = TODAY.year
    entry("literate_adults", this_year - 2, "60")
    wrong = entry("literate_adults", this_year - 1, "70")
    entry("literate_adults", this_year - 1, "72", supersedes=wrong, note="Recounted")
    entry("safety_incidents", this_year - 2, "3")
    entry("safety_incidents", this_year - 1, "5")
    entry("women_board_share", this_year - 1, "40")


def build(coop, personas):
    """Co-op A's day and season (see the module's docstring); returns the namespace."""
    site = chain_pages._site(coop, personas.manager, "A")
    cantina = AssociationFactory(
        cooperative=coop, code="CT-A", name="Cantina Centro", kind=Association.Kind.CANTINA
    )
    nuts = ProductFactory(cooperative=coop, code="NUTS", name="Amêndoa de babaçu")

    site.today_accepted = LotFactory(
        cooperative=coop,
        product=site.product,
        family=site.certified,
        association=site.room,
        code="HR-TODAY-1",
        collected_on=TODAY,
        net_kg="20.000",
        recorded_by=personas.staff,
    )
    site.today_received = LotFactory(
        cooperative=coop,
        product=site.product,
        family=site.uncertified,
        association=site.room,
        code="HR-TODAY-2",
        collected_on=TODAY,
        net_kg="25.500",
        status="received",
    )
    site.old_received = LotFactory(
        cooperative=coop,
        product=site.product,
        family=site.certified,
        association=site.room,
        code="HR-OLD-1",
        collected_on=DELIVERED,
        net_kg="18.000",
        status="received",
    )
    site.purchase = LotFactory(
        cooperative=coop,
        product=nuts,
        kind="nut_purchase",
        family=site.certified,
        association=cantina,
        code="CT-TODAY-1",
        collected_on=TODAY,
        net_kg="12.000",
        moisture_pct=None,
    )
    site.rejected = LotFactory(
        cooperative=coop,
        product=site.product,
        family=site.uncertified,
        association=site.room,
        code="HR-WET-1",
        collected_on=DELIVERED,
        net_kg="20.000",
        moisture_pct="23.00",
        status="rejected",
    )

    # Sales: the contract's importer and a local buyer.
    exported = site.barrel(kg="600", code="HR-EXP-1")
    site.export = chain_pages.confirmed(site, [(exported, "600")], reference="EXP-A-1")
    local = chain_services.buyer_create(
        actor=personas.manager, cooperative=coop, name="Mercado Local", country="BR", kind=Buyer.Kind.LOCAL
    )
    sold_locally = site.barrel(family=site.uncertified, kg="400", code="HR-LOCAL-1")
    site.local_sale = site.shipment(
        [(sold_locally, "400")],
        reference="LOCAL-A-1",
        buyer=local,
        contract=None,
        price_per_kg=Decimal("9.50"),
        currency="BRL",
        exchange_rate=Decimal("1"),
        fair_trade=False,
        organic=False,
    )
    chain_services.shipment_confirm(actor=personas.manager, shipment=site.local_sale)
    site.local_buyer = local

    # Advances: one due next week, one overdue, one paid.
    site.advance_due = _advance(site, site.today_accepted, "150.00", TODAY + datetime.timedelta(days=7))
    site.advance_overdue = _advance(site, site.old_received, "250.50", TODAY - datetime.timedelta(days=3))
    site.advance_paid = _advance(site, exported, "99.99", DELIVERED, status=Advance.Status.PAID)

    # The premium fund and one project of the premium plan.
    PremiumFund.objects.create(
        cooperative=coop,
        currency="BRL",
        received=Decimal("612.00"),
        allocated=Decimal("400.00"),
        spent=Decimal("150.00"),
    )
    assembly = Assembly.objects.create(
        cooperative=coop, held_on=DELIVERED, members_present=40, women_present=22, quorum_reached=True
    )
    decision = Decision.objects.create(
        cooperative=coop, assembly=assembly, number=1, text="Premium plan: school transport", votes_for=38
    )
    PremiumAllocation.objects.create(
        cooperative=coop,
        project="Transporte escolar",
        category=PremiumAllocation.Category.SCHOOLING,
        decision=decision,
        allocated_on=DELIVERED,
        amount=Decimal("400.00"),
        spent=Decimal("150.00"),
        created_by=personas.manager,
    )

    season = Season.objects.create(
        cooperative=coop,
        product=site.product,
        code="MEL-A",
        name="Safra de mel A",
        starts_on=TODAY - datetime.timedelta(days=200),
        ends_on=TODAY - datetime.timedelta(days=20),
    )
    site.settlement = Settlement.objects.create(
        cooperative=coop,
        season=season,
        reference="SET-A",
        pool_source=Settlement.PoolSource.ENTERED,
        pool=Decimal("5000.00"),
        currency="BRL",
        created_by=personas.manager,
    )

    site.compliance = Report.objects.create(
        cooperative=coop,
        kind=Report.Kind.COMPLIANCE,
        period=str(TODAY.year),
        period_start=datetime.date(TODAY.year, 1, 1),
        period_end=datetime.date(TODAY.year, 12, 31),
        status=Report.Status.DONE,
        finished_at=datetime.datetime.now(datetime.UTC),
        summary={
            "overall": "fail",
            "checks": [
                {
                    "code": "inspections",
                    "status": "pass",
                    "summary": "Every certified family was inspected.",
                    "count": 0,
                    "findings": [],
                },
                {
                    "code": "advances_overdue",
                    "status": "fail",
                    "summary": "1 advance due and unpaid for more than 30 days.",
                    "count": 3,
                    "findings": [
                        {
                            "label": "HR-OLD-1",
                            "detail": "R$ 250,50",
                            "url": url("lot_detail", coop, site.old_received.pk),
                        },
                        {"label": "EVIL-LINK", "detail": "", "url": "https://evil.example.org/x"},
                    ],
                },
                {
                    "code": "settlements_unapproved",
                    "status": "warning",
                    "summary": "1 closed season without an approved settlement.",
                    "count": 1,
                    "findings": [{"label": "MEL-A", "detail": "", "url": ""}],
                },
            ],
        },
    )
    site.pack = Report.objects.create(
        cooperative=coop,
        kind=Report.Kind.CERTIFICATION,
        scheme="organic",
        period=str(TODAY.year - 1),
        period_start=datetime.date(TODAY.year - 1, 1, 1),
        period_end=datetime.date(TODAY.year - 1, 12, 31),
        status=Report.Status.DONE,
        sha256=PACK_SHA256,
        size=123456,
        ledger_head="6:" + "c" * 64,
    )
    _ledger(site, personas.manager)
    site.cantina = cantina
    site.nuts = nuts
    return site


@pytest.fixture
def dash(coop_a, personas):
    return build(coop_a, personas)


def add_lots(site, count: int, *, start: int = 0) -> None:
    """`count` more of everything that grows with a co-op's life: barrels today (half
    received), older barrels month by month, their advances due, and sales."""
    for i in range(start, start + count):
        day = TODAY if i % 2 else TODAY - datetime.timedelta(days=30 * (1 + i % 11))
        lot = LotFactory(
            cooperative=site.coop,
            product=site.product,
            family=site.certified,
            association=site.room,
            code=f"GROW-{i:05d}",
            collected_on=day,
            net_kg="20.000",
            status="received" if i % 4 == 1 else "accepted",
        )
        _advance(site, lot, "10.00", TODAY + datetime.timedelta(days=i % 5))
    # A few more confirmed sales under the contract and locally.
    for i in range(start, start + max(1, count // 10)):
        barrel = site.barrel(kg="20", code=f"GROW-EXP-{i:05d}")
        chain_pages.confirmed(site, [(barrel, "20")], reference=f"GROW-EXP-{i:05d}")


# --- Reading the pages ---------------------------------------------------------------------


def page_text(response) -> str:
    """The visible text of a page's <main>, tags removed and spaces collapsed (for numbers)."""
    content = response.content.decode()
    main = content[content.index("<main") :]
    main = re.sub(r"<script\b.*?</script>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main)))


def chart_data(response, chart_id: str) -> dict:
    """The JSON a chart is drawn from (Django's json_script)."""
    match = re.search(
        rf'<script id="{re.escape(chart_id)}-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        flags=re.S,
    )
    assert match, f"no data for chart {chart_id}"
    return json.loads(match.group(1))


class Tables(HTMLParser):
    """Every <table> of a page: its attributes and its rows, each cell as (tag, attrs, text)."""

    def __init__(self, content: str):
        super().__init__()
        self.tables: list[dict] = []
        self._cell = None
        self.feed(content)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append({"attrs": attrs, "rows": [], "caption": ""})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]["rows"]:
            self._cell = [tag, attrs, ""]
            self.tables[-1]["rows"][-1].append(self._cell)
        elif tag == "caption" and self.tables:
            self._cell = ["caption", attrs, ""]

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._cell = None
        elif tag == "caption" and self._cell and self.tables:
            self.tables[-1]["caption"] = self._cell[2].strip()
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[2] += data

    def named(self, caption: str) -> list[list[str]]:
        """The body rows (cell texts) of the table whose caption is `caption`."""
        for table in self.tables:
            if table["caption"] == caption:
                return [[" ".join(cell[2].split()) for cell in row] for row in table["rows"][1:]]
        raise AssertionError(f"no table captioned {caption!r}")
