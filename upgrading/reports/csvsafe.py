"""Cells for spreadsheets that auditors open: text can never run as a formula, numbers
stay numbers.

A text cell starting with `=`, `+`, `-`, `@`, a tab, a carriage return or a line feed is
a formula (or hides one) to Excel, LibreOffice and Google Sheets ("CSV injection"); it
gets a leading apostrophe, which they show as text. Numbers (Decimal, int) are written
as numbers: a negative amount stays `-12.50`, not `'-12.50`. The same rule is applied by
PostgreSQL when a pack's CSV is produced by COPY (`sql_text`), so both paths give the
same bytes. The rule itself lives in `coop.spreadsheets`, shared by every export.
"""

import datetime
import re
from decimal import Decimal

from coop.spreadsheets import spreadsheet_text as neutralise


def utc_iso(value: datetime.datetime) -> str:
    """A moment as `2025-03-10T12:00:00Z` (seconds, UTC): the form both CSV paths write."""
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def csv_value(value) -> str:
    """One CSV cell: text neutralised, numbers as a machine reads them (a dot, no grouping,
    the column's places kept), dates in ISO 8601, booleans `true`/`false`, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.datetime):
        return utc_iso(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return neutralise(str(value))


def xlsx_value(value):
    """One XLSX cell value for openpyxl: numbers and dates as themselves (numeric cells),
    text neutralised (openpyxl would otherwise store a text starting with `=` as a formula)."""
    if value is None or isinstance(value, bool | int | Decimal):
        return value
    if isinstance(value, datetime.datetime):
        # Spreadsheets have no time zones: write UTC, as the CSV files do.
        return value.astimezone(datetime.UTC).replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return value
    return neutralise(str(value))


_QUOTE = re.compile(r'[,"\r\n]')


def csv_field(text: str) -> str:
    """One formatted cell as PostgreSQL's COPY (FORMAT csv) writes it: quoted when it holds
    a comma, a quote, a carriage return or a line feed (Python's csv module leaves a lone
    carriage return unquoted, which spreadsheets read as a new row), or is `\\.`."""
    if _QUOTE.search(text) or text == "\\.":
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(cells) -> str:
    """Formatted cells as one CSV line, ended by a line feed (as COPY ends them)."""
    return ",".join(csv_field(cell) for cell in cells) + "\n"


def csv_bytes(rows) -> bytes:
    """Rows (the header first) as UTF-8 CSV with a byte-order mark, every cell made safe."""
    # The byte-order mark lets Excel read the accents as UTF-8.
    return ("\ufeff" + "".join(csv_line([csv_value(cell) for cell in row]) for row in rows)).encode()


def write_xlsx(stream, *, title: str, rows) -> None:
    """Rows (the header first) as an XLSX workbook written to `stream`, row by row
    (openpyxl's write-only mode keeps memory flat)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for row in rows:
        sheet.append([xlsx_value(cell) for cell in row])
    workbook.save(stream)


# --- The same rule in SQL, for CSV produced by PostgreSQL's COPY ------------------------------

# `chr(9)`, `chr(13)`, `chr(10)`: tab, carriage return, line feed.
_PG_STARTS = ", ".join(
    ["'='", "'+'", "'-'", "'@'", "chr(9)", "chr(13)", "chr(10)"],
)


def sql_text(column: str) -> str:
    """PostgreSQL expression: a text column neutralised as `neutralise` does. An empty text
    becomes NULL, which COPY writes as an empty cell, as Python's csv module does."""
    return (
        f"CASE WHEN left({column}, 1) IN ({_PG_STARTS}) THEN '''' || {column} ELSE NULLIF({column}, '') END"
    )


def sql_bool(column: str) -> str:
    return f"CASE WHEN {column} THEN 'true' WHEN NOT {column} THEN 'false' END"


def sql_timestamp(column: str) -> str:
    return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""
