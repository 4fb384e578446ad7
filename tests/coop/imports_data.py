"""Files and co-op data for the import tests: CSV and XLSX built in memory."""

import csv
import datetime
import io
from types import SimpleNamespace

from openpyxl import Workbook

from coop.models import Association, Family
from tests.factories import AssociationFactory, CertificationFactory, FamilyFactory, ProductFactory

LOT_HEADER = [
    "kind",
    "code",
    "family",
    "association",
    "product",
    "harvested_on",
    "collected_on",
    "gross_kg",
    "net_kg",
    "moisture_pct",
    "organic",
    "price_per_kg",
    "notes",
]
FAMILY_HEADER = [
    "code",
    "household_name",
    "association",
    "municipality",
    "joined_on",
    "status",
    "land_tenure",
    "hives",
    "latitude",
    "longitude",
]


def csv_bytes(header, rows, *, delimiter=",", bom=False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header] if isinstance(row, dict) else row)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode()


def xlsx_bytes(header, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(column) for column in header] if isinstance(row, dict) else row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def barrel(number: int, family="F-ACTIVE", **extra) -> dict:
    return {
        "kind": "barrel",
        "family": family,
        "association": "HR-1",
        "product": "HONEY",
        "harvested_on": "2026-02-20",
        "collected_on": "2026-03-01",
        "gross_kg": "21,5",
        "net_kg": "20.0",
        "moisture_pct": "18,5",
        **extra,
    }


def barrels(count: int, **extra) -> list[dict]:
    return [barrel(number, **extra) for number in range(count)]


def family_row(code: str, **extra) -> dict:
    return {
        "code": code,
        "household_name": f"Família {code}",
        "association": "HR-1",
        "municipality": "Simplício Mendes",
        "joined_on": "01/03/2012",
        **extra,
    }


def honey_world(coop_a, coop_b) -> SimpleNamespace:
    """Co-op A's honey room, honey, an active, a suspended and a certified family; B's family."""
    honey_room = AssociationFactory(cooperative=coop_a, code="HR-1", kind=Association.Kind.HONEY_ROOM)
    cantina = AssociationFactory(cooperative=coop_a, code="CANT-1", kind=Association.Kind.CANTINA)
    certified = FamilyFactory(cooperative=coop_a, code="F-ORGANIC", association=honey_room)
    CertificationFactory(
        family=certified, valid_from=datetime.date(2026, 1, 1), valid_to=datetime.date(2026, 12, 31)
    )
    return SimpleNamespace(
        honey_room=honey_room,
        cantina=cantina,
        honey=ProductFactory(cooperative=coop_a, code="HONEY", name="Mel"),
        nuts=ProductFactory(cooperative=coop_a, code="NUTS", name="Amêndoas"),
        active=FamilyFactory(cooperative=coop_a, code="F-ACTIVE", association=honey_room),
        suspended=FamilyFactory(
            cooperative=coop_a, code="F-SUSP", association=honey_room, status=Family.Status.SUSPENDED
        ),
        certified=certified,
        other_coop=FamilyFactory(cooperative=coop_b, code="F-OTHER"),
        other_product=ProductFactory(cooperative=coop_b, code="B-HONEY"),
    )
