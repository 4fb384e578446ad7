"""Importing families and lots from CSV and XLSX: all rows or none, every problem named by
row and column, lot_record's rules for every row, and queries that do not grow per row."""

import datetime
import zipfile
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from coop.imports import FAMILY_FILE, LOT_FILE, MAX_ROWS, ImportRejected, import_file
from coop.imports import files as import_files
from coop.imports.lots import WRITE_FIELDS, _converters
from coop.models import Family, Lot, LotCodeSequence
from coop.services import FAMILY_FIELDS
from coop.services.production import lot_codes_reserve
from tests.coop.imports_data import (
    FAMILY_HEADER,
    LOT_HEADER,
    barrel,
    barrels,
    csv_bytes,
    family_row,
    honey_world,
    xlsx_bytes,
)
from tests.factories import LotFactory


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def honey(coop_a, coop_b):
    return honey_world(coop_a, coop_b)


def import_lots(actor, coop, data, filename="lots.csv", **kwargs):
    return import_file(actor=actor, cooperative=coop, kind="lots", data=data, filename=filename, **kwargs)


def import_families(actor, coop, data, filename="families.csv", **kwargs):
    return import_file(actor=actor, cooperative=coop, kind="families", data=data, filename=filename, **kwargs)


def problems_of(call) -> list[tuple]:
    with pytest.raises(ImportRejected) as raised:
        call()
    return [(p.row, p.column, p.message) for p in raised.value.problems]


def counts():
    return (
        Lot.objects.count(),
        Lot.history.count(),
        Family.objects.count(),
        Family.history.count(),
        list(LotCodeSequence.objects.values_list("last", flat=True)),
    )


@pytest.fixture
def nothing_written(db):
    """Asserts at the end of the test that no lot, family or history row was written."""
    before = counts()
    yield
    assert counts() == before


# --- Good files ----------------------------------------------------------------------


def test_csv_of_barrels_is_imported_with_codes_history_and_rules(personas, honey, coop_a):
    rows = [
        barrel(1, code="BR-TYPED-1"),
        barrel(2),
        barrel(3, moisture_pct="21,0"),  # over the co-op's 20% limit: kept, as rejected
        barrel(4, family="F-ORGANIC"),  # organic column blank: the family's certification decides
    ]
    result = import_lots(personas.staff, coop_a, csv_bytes(LOT_HEADER, rows))

    assert result.created == 4 and result.counts == {"accepted": 3, "rejected": 1, "new_codes": 3}
    lots = list(Lot.objects.filter(cooperative=coop_a).order_by("id"))
    assert [lot.code for lot in lots] == ["BR-TYPED-1", "BR26-00001", "BR26-00002", "BR26-00003"]
    assert [lot.status for lot in lots] == ["accepted", "accepted", "rejected", "accepted"]
    assert "21.0% is above" in lots[2].rejection_reason
    assert [lot.organic for lot in lots] == [False, False, False, True]
    first = lots[0]
    assert (first.net_kg, first.gross_kg, first.moisture_pct) == (
        Decimal("20.000"),
        Decimal("21.500"),
        Decimal("18.50"),
    )
    assert first.family == honey.active and first.association == honey.honey_room
    assert first.harvested_on == datetime.date(2026, 2, 20) and first.recorded_by == personas.staff
    history = Lot.history.filter(cooperative=coop_a)
    assert history.count() == 4
    assert {(h.history_type, h.history_user) for h in history} == {("+", personas.staff)}
    assert {h.code for h in history} == {lot.code for lot in lots}
    # One block for the three new codes: the counter moved once, by three.
    assert LotCodeSequence.objects.get(cooperative=coop_a, prefix="BR", year=2026).last == 3


def test_history_rows_hold_every_field_of_the_lot(personas, honey, coop_a):
    import_lots(personas.staff, coop_a, csv_bytes(LOT_HEADER, [barrel(1, notes="tampa amassada")]))
    lot = Lot.objects.get(cooperative=coop_a)
    record = lot.history.get()
    for field in Lot._meta.concrete_fields:
        assert getattr(record, field.attname) == getattr(lot, field.attname), field.name


def test_write_fields_cover_every_lot_column():
    # The fast path writes these columns only: a new Lot field must be added to them.
    assert set(WRITE_FIELDS) == {f.attname for f in Lot._meta.concrete_fields} - {"id"}


def test_nut_purchases_and_deliveries_with_semicolons_bom_and_decimal_commas(personas, honey, coop_a):
    rows = [
        {
            "kind": "nut_purchase",
            "family": "F-ACTIVE",
            "association": "CANT-1",
            "product": "NUTS",
            "collected_on": "05/03/2026",
            "net_kg": "12,5",
            "price_per_kg": "3,20",
            "organic": "não",
        },
        {
            "kind": "Other delivery",
            "family": "F-ACTIVE",
            "product": "HONEY",
            "collected_on": "2026-03-05",
            "net_kg": "7",
        },
    ]
    result = import_lots(personas.staff, coop_a, csv_bytes(LOT_HEADER, rows, delimiter=";", bom=True))
    assert result.created == 2
    purchase = Lot.objects.get(kind="nut_purchase")
    assert purchase.code == "NP26-00001"
    assert (purchase.price_per_kg, purchase.amount_paid, purchase.currency) == (
        Decimal("3.2000"),
        Decimal("40.00"),
        "BRL",
    )
    assert Lot.objects.get(kind="delivery").code == "DL26-00001"


def test_xlsx_of_barrels_with_numbers_and_dates_as_cells(personas, honey, coop_a):
    rows = [
        barrel(
            n,
            code=f"X-{n}",
            collected_on=datetime.date(2026, 3, 2),
            harvested_on=datetime.datetime(2026, 2, 1),
            net_kg=20.5,
            gross_kg=22,
            moisture_pct=18.25,
            organic=False,
        )
        for n in range(3)
    ]
    result = import_lots(personas.staff, coop_a, xlsx_bytes(LOT_HEADER, rows), "barris.xlsx")
    assert result.created == 3
    lot = Lot.objects.get(code="X-0")
    assert (lot.net_kg, lot.gross_kg, lot.moisture_pct) == (
        Decimal("20.500"),
        Decimal("22.000"),
        Decimal("18.25"),
    )
    assert lot.collected_on == datetime.date(2026, 3, 2) and lot.harvested_on == datetime.date(2026, 2, 1)


def test_generated_codes_skip_numbers_already_taken(personas, honey, coop_a):
    LotFactory(cooperative=coop_a, product=honey.honey, family=honey.active, code="BR26-00002")
    rows = [barrel(1, code="BR26-00003"), barrel(2), barrel(3)]
    import_lots(personas.staff, coop_a, csv_bytes(LOT_HEADER, rows))
    codes = set(Lot.objects.filter(cooperative=coop_a).values_list("code", flat=True))
    assert codes == {"BR26-00001", "BR26-00002", "BR26-00003", "BR26-00004"}


def test_dry_run_checks_everything_and_writes_nothing(personas, honey, coop_a, nothing_written):
    result = import_lots(personas.staff, coop_a, csv_bytes(LOT_HEADER, barrels(3)), dry_run=True)
    assert (result.rows, result.created, result.dry_run) == (3, 0, True)
    assert result.preview[0]["family"] == "F-ACTIVE" and result.preview[0]["code"] == ""
    assert result.preview[0]["row"] == 2


def test_families_csv_and_xlsx(personas, honey, coop_a):
    rows = [
        family_row("N-1", hives="12", latitude="-7,8512", longitude="-41.9081", land_tenure="settlement"),
        family_row("N-2", status="Suspensa", association="", joined_on="2015-06-30"),
    ]
    result = import_families(personas.staff, coop_a, csv_bytes(FAMILY_HEADER, rows))
    assert result.created == 2 and result.counts["active"] == 1 and result.counts["suspended"] == 1
    first, second = Family.objects.get(code="N-1"), Family.objects.get(code="N-2")
    assert (first.hives, first.latitude, first.association) == (12, Decimal("-7.851200"), honey.honey_room)
    assert first.land_tenure == "settlement" and first.joined_on == datetime.date(2012, 3, 1)
    assert (second.status, second.association, second.joined_on) == (
        "suspended",
        None,
        datetime.date(2015, 6, 30),
    )
    assert {h.history_user for h in Family.history.filter(code__startswith="N-")} == {personas.staff}

    rows = [family_row("X-1", hives=3, joined_on=datetime.date(2020, 1, 2))]
    import_families(personas.staff, coop_a, xlsx_bytes(FAMILY_HEADER, rows), "familias.xlsx")
    assert Family.objects.get(code="X-1").hives == 3


# --- Bad rows: every one named, nothing written ------------------------------------------


def test_every_bad_lot_row_is_listed_with_row_and_column(personas, honey, coop_a, nothing_written):
    rows = [
        barrel(0),  # row 2: fine
        barrel(1, net_kg="0"),  # row 3
        barrel(2, net_kg="-5"),  # row 4
        barrel(3, net_kg="2000"),  # row 5: absurd for a barrel
        barrel(4, moisture_pct="101"),  # row 6
        barrel(5, moisture_pct="-1"),  # row 7
        barrel(6, harvested_on="2026-03-05", collected_on="2026-03-01"),  # row 8
        barrel(7, family="F-OTHER"),  # row 9: another co-op's family is not found
        barrel(8, family="F-SUSP"),  # row 10
        barrel(9, code="DUP-1"),  # row 11
        barrel(10, code="DUP-1"),  # row 12
        barrel(11, product="B-HONEY"),  # row 13: another co-op's product
        barrel(12, net_kg="vinte"),  # row 14
        barrel(13, collected_on="31/02/2026"),  # row 15
        barrel(14, organic="sim"),  # row 16: not certified
        barrel(15, gross_kg="19"),  # row 17: gross under net
        barrel(16, kind="batch"),  # row 18
        barrel(17, net_kg="20.1234"),  # row 19: four decimals
        barrel(18, moisture_pct=""),  # row 20: a barrel needs its moisture
        barrel(19, association="CANT-1"),  # row 21: a cantina is not a honey room
    ]
    found = problems_of(lambda: import_lots(personas.staff, coop_a, csv_bytes(LOT_HEADER, rows)))
    by_row = {(row, column): message for row, column, message in found}
    assert by_row[(3, "net_kg")] == "Net weight must be more than zero."
    assert by_row[(4, "net_kg")] == "Net weight must be more than zero."
    assert "not plausible" in by_row[(5, "net_kg")]
    assert by_row[(6, "moisture_pct")] == "Moisture is a percentage between 0 and 100."
    assert by_row[(7, "moisture_pct")] == "Moisture is a percentage between 0 and 100."
    assert by_row[(8, "collected_on")] == "Delivery cannot come before the harvest."
    assert by_row[(9, "family")] == "No family with code F-OTHER in this co-operative."
    assert by_row[(10, "family")] == "Family F-SUSP is suspended and cannot deliver."
    assert by_row[(12, "code")] == "This code is also on row 11."
    assert by_row[(13, "product")] == "No product with code B-HONEY in this co-operative."
    assert by_row[(14, "net_kg")].startswith("Enter a number")
    assert by_row[(15, "collected_on")] == "This date does not exist."
    assert "no valid organic certification" in by_row[(16, "organic")]
    assert by_row[(17, "gross_kg")] == "Gross weight cannot be less than net weight."
    assert by_row[(18, "kind")] == "Record batches with the batch form."
    assert "3 decimal places" in by_row[(19, "net_kg")]
    assert "moisture" in by_row[(20, "moisture_pct")]
    assert "not a collection point" in by_row[(21, "association")]
    assert {row for row, _, _ in found} == set(range(3, 22)) - {11}


def test_a_code_already_in_the_co_op_is_refused(personas, honey, coop_a, coop_b):
    LotFactory(cooperative=coop_a, product=honey.honey, family=honey.active, code="OLD-1")
    LotFactory(cooperative=coop_b, code="B-ONLY")  # another co-op's code is free here
    before = counts()
    found = problems_of(
        lambda: import_lots(
            personas.staff, coop_a, csv_bytes(LOT_HEADER, [barrel(1, code="OLD-1"), barrel(2, code="B-ONLY")])
        )
    )
    assert found == [(2, "code", "This code is already used in this co-operative.")]
    assert counts() == before


def test_required_cells_and_future_dates(personas, honey, coop_a, nothing_written):
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    rows = [
        barrel(1, family="", product="", net_kg="", collected_on=""),
        barrel(2, kind="", collected_on=tomorrow, harvested_on=""),
    ]
    found = problems_of(lambda: import_lots(personas.staff, coop_a, csv_bytes(LOT_HEADER, rows)))
    assert {(row, column) for row, column, _ in found} == {
        (2, "family"),
        (2, "product"),
        (2, "net_kg"),
        (2, "collected_on"),
        (3, "kind"),
    }


def test_bad_family_rows(personas, honey, coop_a, world, nothing_written):
    rows = [
        family_row("N-1"),
        family_row("N-1"),  # duplicate in the file
        family_row(world.family_a.code),  # already in the co-op
        family_row("N-3", association="B-ASSOC"),  # co-op B's association
        family_row("N-4", status="vanished", hives="-2", latitude="95"),
        family_row("N-5", household_name="", joined_on="2099-01-01"),
        family_row("bad code!"),
    ]
    found = problems_of(lambda: import_families(personas.staff, coop_a, csv_bytes(FAMILY_HEADER, rows)))
    by_row = {(row, column): message for row, column, message in found}
    assert by_row[(3, "code")] == "This code is also on row 2."
    assert by_row[(4, "code")] == "This code is already used in this co-operative."
    assert by_row[(5, "association")] == "No association with code B-ASSOC in this co-operative."
    assert "vanished" in by_row[(6, "status")]
    assert (6, "hives") in by_row and (6, "latitude") in by_row
    assert (7, "household_name") in by_row and (7, "joined_on") in by_row
    assert (8, "code") in by_row


# --- Formulas and CSV injection --------------------------------------------------------


def test_formula_text_is_refused_with_row_and_column(personas, honey, coop_a, nothing_written):
    rows = [
        family_row("N-1", household_name='=HYPERLINK("http://evil.example","clique")'),
        family_row("N-2", municipality="+55 cidade"),
        family_row("N-3", household_name="@SUM(A1)"),
        family_row("N-4", household_name="-2+3"),
    ]
    found = problems_of(lambda: import_families(personas.staff, coop_a, csv_bytes(FAMILY_HEADER, rows)))
    assert [(row, column) for row, column, _ in found] == [
        (2, "household_name"),
        (3, "municipality"),
        (4, "household_name"),
        (5, "household_name"),
    ]
    assert all("formula" in message.lower() for _, _, message in found)


def test_formula_cells_in_xlsx_are_refused(personas, honey, coop_a, nothing_written):
    rows = [barrel(1, net_kg="=10+10", notes='=HYPERLINK("http://evil.example")')]
    found = problems_of(lambda: import_lots(personas.staff, coop_a, xlsx_bytes(LOT_HEADER, rows), "l.xlsx"))
    assert [(row, column) for row, column, _ in found] == [(2, "net_kg"), (2, "notes")]
    assert all("Formulas are not accepted" in message for _, _, message in found)


def test_negative_numbers_are_numbers_not_formulas(personas, honey, coop_a):
    rows = [family_row("N-1", latitude="-7.5", longitude="-41,25")]
    import_families(personas.staff, coop_a, csv_bytes(FAMILY_HEADER, rows))
    assert Family.objects.get(code="N-1").longitude == Decimal("-41.250000")


# --- Malformed and oversized files -------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"", "lots.csv", "The file is empty."),
        (b"\x00\x01\x02binary\xff", "lots.csv", "This is not a text (CSV) file."),
        ("kind,família\n".encode("latin-1"), "lots.csv", "not UTF-8"),
        (b"\n\n", "lots.csv", "no header row"),
        (b"this is,not,a header\n1,2,3\n", "lots.csv", "Unknown column"),
        (b"PK\x03\x04 not really a zip", "lots.xlsx", "not a valid .xlsx"),
        (b"kind,family\n", "lots.xlsx", "not a valid .xlsx"),
        (b"whatever", "lots.pdf", "Upload a .csv or .xlsx file."),
        (b"\xd0\xcf\x11\xe0", "lots.xls", "Save the spreadsheet as .xlsx"),
        (b'kind,family\n"barrel,F\n', "lots.csv", None),  # unterminated quote
    ],
)
def test_malformed_files_are_refused_clearly(
    personas, honey, coop_a, nothing_written, data, filename, expected
):
    found = problems_of(lambda: import_lots(personas.staff, coop_a, data, filename))
    assert found
    if expected:
        assert any(expected in message for _, _, message in found), found


def test_header_must_name_known_columns_once_and_the_required_ones(personas, honey, coop_a, nothing_written):
    data = b"kind,kind,family,weight\nbarrel,barrel,F-ACTIVE,20\n"
    found = problems_of(lambda: import_lots(personas.staff, coop_a, data))
    columns = {(column, message.split(".")[0]) for _, column, message in found}
    assert ("kind", "This column appears twice") in columns
    assert ("weight", "Unknown column") in columns
    assert {"product", "collected_on", "net_kg"} <= {column for column, _ in columns}


def test_header_only_file_is_refused(personas, honey, coop_a):
    found = problems_of(lambda: import_lots(personas.staff, coop_a, csv_bytes(LOT_HEADER, [])))
    assert found == [(None, None, "The file has a header but no rows.")]


def test_row_with_more_cells_than_the_header(personas, honey, coop_a, nothing_written):
    data = csv_bytes(LOT_HEADER, [[*barrel(1).values(), "", "", "", "", "extra"]])
    found = problems_of(lambda: import_lots(personas.staff, coop_a, data))
    assert found[0][0] == 2 and "more cells" in found[0][2]


def test_oversized_file_is_refused(personas, honey, coop_a, nothing_written, monkeypatch):
    monkeypatch.setattr(import_files, "MAX_FILE_BYTES", 1000)
    found = problems_of(lambda: import_lots(personas.staff, coop_a, csv_bytes(LOT_HEADER, barrels(40))))
    assert "larger than" in found[0][2]


def test_too_many_rows_is_refused(personas, honey, coop_a, nothing_written, monkeypatch):
    monkeypatch.setattr(import_files, "MAX_ROWS", 5)
    found = problems_of(lambda: import_lots(personas.staff, coop_a, csv_bytes(LOT_HEADER, barrels(6))))
    assert "more than 5 rows" in found[0][2]
    assert MAX_ROWS == 200_000


def test_zip_bomb_xlsx_is_refused(personas, honey, coop_a, nothing_written, monkeypatch):
    monkeypatch.setattr(import_files, "MAX_UNPACKED_BYTES", 10_000)
    data = xlsx_bytes(LOT_HEADER, barrels(200))
    assert sum(i.file_size for i in zipfile.ZipFile(BytesIO(data)).infolist()) > 10_000
    found = problems_of(lambda: import_lots(personas.staff, coop_a, data, "lots.xlsx"))
    assert "too large once unpacked" in found[0][2]


# --- Roles, tenancy, queries -------------------------------------------------------------


def test_auditor_cannot_import(personas, honey, coop_a, nothing_written):
    with pytest.raises(PermissionDenied):
        import_lots(personas.auditor, coop_a, csv_bytes(LOT_HEADER, barrels(1)))


def test_outsider_cannot_import_into_a_co_op_they_are_not_in(personas, honey, coop_a, nothing_written):
    with pytest.raises(PermissionDenied):
        import_lots(personas.outsider, coop_a, csv_bytes(LOT_HEADER, barrels(1)))


def test_queries_do_not_grow_with_rows(personas, honey, coop_a):
    def queries(count, start):
        rows = [barrel(n, code=f"Q-{start + n}") for n in range(count // 2)]
        rows += barrels(count - len(rows))  # half with codes to generate
        with CaptureQueriesContext(connection) as captured:
            import_lots(personas.staff, coop_a, csv_bytes(LOT_HEADER, rows))
        return len(captured)

    few = queries(50, 0)
    many = queries(500, 1000)
    # SQLite alone splits bulk inserts by its parameter limit; PostgreSQL writes with COPY.
    assert many <= few + (30 if connection.vendor == "sqlite" else 0)


def test_family_queries_do_not_grow_with_rows(personas, honey, coop_a):
    def queries(count, start):
        rows = [family_row(f"Q-{start + n}") for n in range(count)]
        with CaptureQueriesContext(connection) as captured:
            import_families(personas.staff, coop_a, csv_bytes(FAMILY_HEADER, rows))
        return len(captured)

    few = queries(50, 0)
    many = queries(500, 1000)
    # SQLite splits each INSERT (families, then history) by its parameter limit.
    assert many <= few + (14 if connection.vendor == "sqlite" else 0)


def test_reserved_codes_cross_to_six_digits_and_skip_saved_ones(honey, coop_a):
    LotCodeSequence.objects.create(cooperative=coop_a, prefix="BR", year=2026, last=99_997)
    for code in ("BR26-99999", "BR26-100001", "BR26-99999X"):
        LotFactory(cooperative=coop_a, product=honey.honey, family=honey.active, code=code)
    with transaction.atomic():
        codes = lot_codes_reserve(
            cooperative=coop_a, kind="barrel", year=2026, count=3, taken={"BR26-100002"}
        )
    assert codes == ["BR26-99998", "BR26-100000", "BR26-100003"]
    assert LotCodeSequence.objects.get(cooperative=coop_a, prefix="BR", year=2026).last == 100_003


def test_family_file_columns_are_the_fields_family_create_takes():
    assert set(FAMILY_FILE.names) == set(FAMILY_FIELDS) and set(FAMILY_HEADER) == set(FAMILY_FIELDS)


def test_first_pass_reads_the_columns_in_file_order():
    assert tuple(column for column, _ in _converters()) == LOT_FILE.names


def test_the_role_is_checked_before_the_file_is_read(personas, coop_a):
    with pytest.raises(PermissionDenied):
        import_lots(personas.auditor, coop_a, b"not a csv at all\x00")
