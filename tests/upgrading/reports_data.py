"""Data for the reports tests: co-op A's honey in 2025, sold under a fair-trade and
organic contract, with the problems an auditor would find planted through the ORM
(bypassing the services, as a bug or a hand edit in the database would), and a little
of the same in co-op B, which must never appear in A's reports.

Planted problems (period 2025, or 2025-11 for the monthly report):
- an uncertified family's barrel allocated to the fair-trade shipment (ORM insert);
- an advance due on 1 October and unpaid (more than 30 days before 30 November);
- a barrel over the moisture limit still in stock;
- a certified family never inspected within 12 months;
- a fair-trade certificate ending on 20 January 2026, without renewal, and a barrel
  delivered as organic in November by a family whose organic certificate ended in June.
"""

import datetime
import io
import zipfile
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection

from chain import services as chain_services
from chain.models import Allocation, Buyer
from coop.models import Association
from tests.factories import (
    AssociationFactory,
    CertificationFactory,
    FamilyFactory,
    InspectionFactory,
    LotFactory,
    MemberFactory,
    ProductFactory,
)
from upgrading.models import Advance, Report

YEAR = 2025
DELIVERED = datetime.date(2025, 3, 10)
SHIPPED = datetime.date(2025, 4, 1)
TODAY = datetime.date(2026, 1, 15)  # after the period: checks look from its last day
FORMULA_NAME = '=HYPERLINK("http://evil.example/x","click")'


@pytest.fixture
def media(settings, tmp_path, db):
    """Report files in a folder of their own, removed after the test; and the seeded
    indicators, which a transactional test earlier in the run may have emptied."""
    from upgrading.services.ledger import catalogue_install

    catalogue_install()
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _certify(family, scheme, start, end, inspector, inspected_on=datetime.date(2025, 2, 1)):
    return CertificationFactory(
        family=family,
        scheme=scheme,
        valid_from=start,
        valid_to=end,
        approved_by__inspected_on=inspected_on,
        approved_by__inspector=inspector,
    )


def build(coop, manager, key="A", *, violation=True):
    """Honey of `coop` in 2025 through the services, then the planted problems."""
    honey = ProductFactory(cooperative=coop, code=f"HONEY-{key}", name="Mel orgânico")
    room = AssociationFactory(
        cooperative=coop, code=f"HR-{key}", name=f"Casa do Mel {key}", kind=Association.Kind.HONEY_ROOM
    )
    certified = FamilyFactory(
        cooperative=coop, association=room, code=f"F-CERT-{key}", household_name="Silva"
    )
    uncertified = FamilyFactory(
        cooperative=coop, association=room, code=f"F-NONE-{key}", household_name=FORMULA_NAME
    )
    expiring = FamilyFactory(cooperative=coop, association=room, code=f"F-EXP-{key}", household_name="Lima")
    forgotten = FamilyFactory(cooperative=coop, association=room, code=f"F-OLD-{key}", household_name="Rocha")
    head = MemberFactory(family=certified, name="Maria da Silva", national_id="52998224725")
    inspector = MemberFactory(family=certified, name="Ana Inspetora")
    for scheme in ("organic", "fair_trade"):
        _certify(certified, scheme, datetime.date(2024, 6, 1), datetime.date(2026, 6, 30), inspector)
    _certify(expiring, "fair_trade", datetime.date(2024, 1, 20), datetime.date(2026, 1, 20), inspector)
    _certify(expiring, "organic", datetime.date(2024, 7, 1), datetime.date(2025, 6, 30), inspector)
    # Certified, but its only inspection is the one of 2023 that approved it.
    _certify(
        forgotten,
        "organic",
        datetime.date(2023, 6, 1),
        datetime.date(2026, 5, 31),
        inspector,
        datetime.date(2023, 5, 1),
    )
    InspectionFactory(family=uncertified, inspector=inspector, inspected_on=datetime.date(2025, 6, 1))

    buyer = chain_services.buyer_create(
        actor=manager, cooperative=coop, name=f"Importer {key}", country="it", kind=Buyer.Kind.FAIR_TRADE
    )
    contract = chain_services.contract_create(
        actor=manager,
        cooperative=coop,
        buyer=buyer,
        product=honey,
        reference=f"FT-{key}",
        starts_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
        price_per_kg=Decimal("3.0000"),
        currency="USD",
        premium_per_kg=Decimal("0.2000"),
        fair_trade=True,
        organic=True,
        max_moisture_pct=Decimal("19.00"),
        minimum_kg=Decimal("10800"),
    )

    def barrel(family=certified, kg="20.000", moisture="18.00", code=None, day=DELIVERED, **extra):
        return LotFactory(
            cooperative=coop,
            product=honey,
            family=family,
            association=room,
            net_kg=kg,
            moisture_pct=moisture,
            collected_on=day,
            **({"code": code} if code else {}),
            **extra,
        )

    sold = [barrel(code=f"B-{key}-001"), barrel(code=f"B-{key}-002")]
    shipment = chain_services.shipment_create(
        actor=manager,
        cooperative=coop,
        buyer=buyer,
        contract=contract,
        product=honey,
        reference=f"S-FT-{key}",
        shipped_on=SHIPPED,
        exchange_rate=Decimal("5.10"),
        allocations=[(lot, "20") for lot in sold],
    )
    shipment = chain_services.shipment_confirm(actor=manager, shipment=shipment)
    stranger = barrel(family=uncertified, code=f"B-{key}-NONE")
    if violation:
        # What the services refuse, written straight into the database.
        Allocation.objects.create(cooperative=coop, shipment=shipment, lot=stranger, kg=Decimal("20.000"))
    wet = barrel(code=f"B-{key}-WET", moisture="21.50")
    # Delivered as organic in November, after the family's organic certificate ended in June.
    late = barrel(family=expiring, code=f"B-{key}-EXP", day=datetime.date(2025, 11, 3), organic=True)

    def advance(lot, due_on, status=Advance.Status.DUE, **extra):
        return Advance.objects.create(
            cooperative=coop,
            lot=lot,
            family=lot.family,
            kg=lot.net_kg,
            rate=Decimal("0.5000"),
            reference_price_per_kg=Decimal("12.5000"),
            amount=Decimal("125.00"),
            currency=coop.base_currency,
            due_on=due_on,
            status=status,
            **extra,
        )

    overdue = advance(
        barrel(code=f"B-{key}-ADV1", day=datetime.date(2025, 9, 28)), datetime.date(2025, 10, 1)
    )
    recent = advance(
        barrel(code=f"B-{key}-ADV2", day=datetime.date(2025, 11, 18)), datetime.date(2025, 11, 20)
    )
    paid = advance(
        barrel(code=f"B-{key}-ADV3", day=datetime.date(2025, 8, 28)),
        datetime.date(2025, 9, 1),
        status=Advance.Status.PAID,
        paid_on=datetime.date(2025, 9, 2),
    )
    return SimpleNamespace(
        coop=coop,
        manager=manager,
        honey=honey,
        room=room,
        certified=certified,
        uncertified=uncertified,
        expiring=expiring,
        forgotten=forgotten,
        head=head,
        buyer=buyer,
        contract=contract,
        shipment=shipment,
        sold=sold,
        stranger=stranger,
        wet=wet,
        late=late,
        overdue=overdue,
        recent=recent,
        paid=paid,
        barrel=barrel,
    )


@pytest.fixture
def honey(coop_a, personas, media):
    return build(coop_a, personas.manager, "A")


@pytest.fixture
def honey_b(coop_b, personas, media):
    return build(coop_b, personas.outsider, "B")


def run(report, today=TODAY):
    from upgrading.reports import service

    return service.report_run(report_id=report.pk, today=today)


def request_and_run(coop, kind, period, *, scheme="", today=TODAY, **extra) -> Report:
    from upgrading.reports import service

    report, _created = service.report_request(
        actor=None, cooperative=coop, kind=kind, period=period, scheme=scheme, enqueue=False, **extra
    )
    return run(report, today)


def check(report, code) -> dict:
    return next(c for c in report.summary["checks"] if c["code"] == code)


def open_pack(report) -> zipfile.ZipFile:
    with report.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def pack_folder(pack: zipfile.ZipFile) -> str:
    return pack.namelist()[0].split("/")[0]


def read_csv(pack: zipfile.ZipFile, name: str) -> list[list[str]]:
    import csv

    text = pack.read(f"{pack_folder(pack)}/{name}").decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def on_postgres() -> bool:
    return connection.vendor == "postgresql"
