"""Cells a spreadsheet can never run as a formula, for every CSV and XLSX the apps write.

Auditors open exports in spreadsheet software, which runs a cell starting with `=`, `+`,
`-`, `@`, a tab, a carriage return or a line feed as a formula: such text gets a leading
apostrophe. Numbers are not text and stay numeric.
"""

import csv
from decimal import Decimal

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_text(value) -> str:
    """`value` as text a spreadsheet shows as it is (None: empty)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def spreadsheet_safe(value):
    """Text neutralised as `spreadsheet_text` does; anything else (numbers) unchanged."""
    if value is None:
        return ""
    return spreadsheet_text(value) if isinstance(value, str) else value


class SpreadsheetCSV:
    """How a CSV download is written for the reader's spreadsheet.

    In Portuguese (pt-BR) the spreadsheet expects `;` between cells and a decimal comma,
    since the comma is the decimal mark there: a file with `,` and `20.5` opens as one
    column of text. So a reader of the pages in Portuguese gets `;` and `20,5`; in English,
    `,` and `20.5`. Both are UTF-8 with a byte-order mark (so Excel reads the accents)
    and never group thousands. Text still goes through `spreadsheet_text`; numbers written
    by `number` stay numbers in both dialects. The API and the evidence packs keep the
    machine form (`,` and `.`) whatever the language: programs read those.
    """

    BOM = "\ufeff"

    def __init__(self, language: str | None):
        self.brazilian = (language or "").lower().startswith("pt")
        self.delimiter = ";" if self.brazilian else ","

    def writer(self, stream):
        return csv.writer(stream, delimiter=self.delimiter)

    def number(self, value, *, normalize: bool = False) -> str:
        """A Decimal (or int) as this spreadsheet reads a number: no grouping; empty for None."""
        if value is None or value == "":
            return ""
        number = Decimal(value)
        text = format(number.normalize() if normalize else number, "f")
        return text.replace(".", ",") if self.brazilian else text

    def response(self, filename: str) -> HttpResponse:
        """An attachment response with the byte-order mark already written."""
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response.write(self.BOM)
        return response
