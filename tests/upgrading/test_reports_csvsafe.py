"""Spreadsheet safety of every exported cell: text that a spreadsheet would run as a
formula gets a leading apostrophe (CSV and XLSX), numbers stay numbers; PostgreSQL's COPY
path and the Python path write the same bytes."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from chain.api.shipments import spreadsheet_safe
from chain.views.trace import spreadsheet_text
from coop.models import Family
from tests.factories import FamilyFactory, LotFactory
from upgrading.reports import csvsafe, tables
from upgrading.reports.evidence import family_table, lot_table
from upgrading.reports.periods import parse_period

DANGEROUS = ["=1+1", "+55 99", "-2", "@SUM(A1)", "\tx", "\rx", "\n=1", '=HYPERLINK("http://x")']


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_like_text_gets_an_apostrophe(text):
    assert csvsafe.neutralise(text) == "'" + text
    assert csvsafe.csv_value(text) == "'" + text
    assert csvsafe.xlsx_value(text) == "'" + text


@pytest.mark.parametrize("text", ["Silva", "", "a=b", " =x", "'already", "São João"])
def test_ordinary_text_is_left_alone(text):
    assert csvsafe.csv_value(text) == text


def test_numbers_dates_and_booleans_are_written_as_values_not_text():
    assert csvsafe.csv_value(Decimal("-12.50")) == "-12.50"
    assert csvsafe.csv_value(Decimal("20.000")) == "20.000"
    assert csvsafe.csv_value(-3) == "-3"
    assert csvsafe.csv_value(True) == "true"
    assert csvsafe.csv_value(None) == ""
    assert csvsafe.csv_value(datetime.date(2025, 3, 1)) == "2025-03-01"
    moment = datetime.datetime(2025, 3, 1, 9, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=-3)))
    assert csvsafe.csv_value(moment) == "2025-03-01T12:30:00Z"
    assert csvsafe.xlsx_value(Decimal("-12.50")) == Decimal("-12.50")


def test_the_same_starts_as_the_trace_csv():
    # One rule for every export: the pack, the trace page's CSV and the trace API's CSV.
    for start in ("=", "+", "-", "@", "\t", "\r", "\n"):
        expected = f"'{start}1"
        assert csvsafe.neutralise(f"{start}1") == spreadsheet_text(f"{start}1") == expected
        assert spreadsheet_safe(f"{start}1") == expected


def test_csv_bytes_quote_what_needs_quoting_and_start_with_a_bom():
    data = csvsafe.csv_bytes([["name", "kg"], ['Silva, "Zé"', Decimal("-1.500")], ["=cmd", Decimal("2.000")]])
    assert data.decode() == '\ufeffname,kg\n"Silva, ""Zé""",-1.500\n\'=cmd,2.000\n'


def test_a_lone_carriage_return_is_quoted_as_copy_does():
    # Python's csv module would leave it bare, and a spreadsheet would start a new row there.
    assert csvsafe.csv_line(["a\rb", "c"]) == '"a\rb",c\n'
    assert csvsafe.csv_line(["\\."]) == '"\\."\n'


def test_xlsx_cells_are_text_or_numbers_never_formulas():
    buffer = io.BytesIO()
    csvsafe.write_xlsx(
        buffer,
        title="findings",
        rows=[["record", "kg", "day"], ['=HYPERLINK("x")', Decimal("-2.5"), datetime.date(2025, 1, 2)]],
    )
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    text, number, day = sheet[2]
    assert text.value == '\'=HYPERLINK("x")' and text.data_type == "s"
    assert number.value == -2.5 and number.data_type == "n"
    assert day.value.date() == datetime.date(2025, 1, 2)


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (20, "decimal:3", "20.000"),
        (20.5, "decimal:3", "20.500"),
        (Decimal("0.1"), "decimal:2", "0.10"),
        (1, "bool", "true"),
        (0, "bool", "false"),
        ("2025-03-10", "date", "2025-03-10"),
        ("2025-03-10 12:00:00.123456", "timestamp", "2025-03-10T12:00:00Z"),
        ("2025-03-10 12:00:00.123456", "timestamp_us", "2025-03-10T12:00:00.123456Z"),
        ("-x", "text", "'-x"),
        (None, "text", ""),
        (7, "int", "7"),
    ],
)
def test_python_cells_as_sqlite_hands_them_back(value, kind, expected):
    assert tables.python_cell(value, kind) == expected


TRICKY_NAMES = [
    'Silva, "Zé"',
    "=1+1",
    "-Souza",
    "@home",
    "\ttab",
    "line\nbreak",
    "carriage\rreturn",
    "",
    "Conceição",
    "plain",
    "'quoted",
]


@pytest.mark.postgres
@pytest.mark.django_db
def test_copy_and_python_paths_write_the_same_bytes(coop_a):
    for index, name in enumerate(TRICKY_NAMES):
        family = FamilyFactory(
            cooperative=coop_a,
            code=f"F-{index:02d}",
            household_name=name,
            municipality="" if index % 2 else "Picos",
            hives=None if index % 3 else index,
            status=Family.Status.ACTIVE,
        )
        LotFactory(
            cooperative=coop_a,
            family=family,
            code=f"L-{index:02d}",
            collected_on=datetime.date(2025, 3, index + 1),
            net_kg=f"{index + 1}.5",
            moisture_pct=None if index % 2 else "18.25",
            organic=bool(index % 2),
            rejection_reason=name,
        )
    period = parse_period("2025")
    for table in (family_table(coop_a, period), lot_table(coop_a, period)):
        by_copy, by_python = io.BytesIO(), io.BytesIO()
        assert tables.write_table(table, by_copy, use_copy=True) == len(TRICKY_NAMES)
        assert tables.write_table(table, by_python, use_copy=False) == len(TRICKY_NAMES)
        assert by_copy.getvalue() == by_python.getvalue(), table.name
    assert b"'=1+1" in by_copy.getvalue() and b'"line\nbreak"' in by_copy.getvalue()
