"""Reading an uploaded CSV or XLSX file into numbered rows, or refusing it with a reason.

CSV goes through the standard library's `csv` reader, XLSX through openpyxl in read-only
mode (rows are streamed, never the whole sheet in memory). Everything about the file as
a whole is checked here (size, format, encoding, header); the values of each cell are
the import services' business. A malformed file is an `ImportRejected`, never a crash.
"""

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from coop.imports.results import ImportRejected, Problem

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 100
# An XLSX is a zip: a small file may unpack to gigabytes (a "zip bomb").
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
EXTENSIONS = (".csv", ".xlsx")


@dataclass(frozen=True)
class Columns:
    """The columns one kind of file may have; `required` ones must be in the header.

    `portuguese` names each column in Portuguese, as the import template writes it: a
    header may use either name ("código" or "code"), accents and capitals optional.
    """

    names: tuple[str, ...]
    required: frozenset[str]
    portuguese: dict = field(default_factory=dict)

    def canonical(self, name: str) -> str:
        """The column a normalised header cell names (its English name), or itself."""
        if name in self.names:
            return name
        return self.aliases().get(name, name)

    def aliases(self) -> dict[str, str]:
        return {_normalise(alias): name for name, aliases in self.portuguese.items() for alias in aliases}

    def headers(self, language: str | None) -> list[str]:
        """The header row of a template in `language`: Portuguese names, or the English ones."""
        if (language or "").lower().startswith("pt"):
            return [self.portuguese.get(name, (name,))[0] for name in self.names]
        return list(self.names)


@dataclass
class Table:
    columns: list[str]  # the header's column names, normalised, in file order
    rows: Iterator[tuple[int, dict]]  # (spreadsheet row number, {column: cell}); blank rows skipped


def refuse(message: str, *, row: int | None = None, column: str | None = None):
    raise ImportRejected([Problem(row, column, message)])


def read_table(data: bytes, filename: str, columns: Columns) -> Table:
    """Check the file and its header now; its rows are read as they are iterated."""
    name = (filename or "").lower()
    if not name.endswith(EXTENSIONS):
        if name.endswith((".xls", ".ods")):
            refuse(
                _("Save the spreadsheet as .xlsx (Excel) or .csv; %(name)s files are not read.")
                % {"name": name.rsplit(".", 1)[-1]}
            )
        refuse(_("Upload a .csv or .xlsx file."))
    if not data:
        refuse(_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        refuse(
            _("The file is larger than %(mb)s MB; split it into smaller files.")
            % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    records = _xlsx_records(data) if name.endswith(".xlsx") else _csv_records(data)
    header = next(records, None)
    if header is None or not any(_blank(cell) is False for cell in header):
        refuse(_("The file has no header row: its first row must name the columns."))
    names = _check_header(header, columns)
    return Table(columns=names, rows=_rows(records, names))


def _blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _blank_row(cells) -> bool:
    for cell in cells:  # stops at the first filled cell, usually the first
        if cell is not None and cell != "" and not (type(cell) is str and cell.isspace()):
            return False
    return True


def _normalise(cell) -> str:
    # "Kg líquido" and "kg_liquido" name the same column: accents, case, spaces and dashes aside.
    text = unicodedata.normalize("NFKD", str(cell).strip().lower())
    text = "".join(char for char in text if not unicodedata.combining(char))
    return text.replace(" ", "_").replace("-", "_")


def _check_header(header: list, columns: Columns) -> list[str]:
    cells = list(header)
    while cells and _blank(cells[-1]):  # spreadsheets often carry empty cells on the right
        cells.pop()
    if len(cells) > MAX_COLUMNS:
        refuse(_("The file has more than %(count)s columns.") % {"count": MAX_COLUMNS})
    names = [columns.canonical(_normalise(cell)) if not _blank(cell) else "" for cell in cells]
    problems = []
    for position, name in enumerate(names, start=1):
        if not name:
            problems.append(Problem(1, None, _("Column %(n)s has no name.") % {"n": position}))
        elif name not in columns.names:
            problems.append(
                Problem(
                    1,
                    name,
                    _("Unknown column. The columns are: %(names)s.") % {"names": ", ".join(columns.names)},
                )
            )
        elif names.index(name) != position - 1:
            problems.append(Problem(1, name, _("This column appears twice.")))
    for name in columns.names:
        if name in columns.required and name not in names:
            problems.append(Problem(1, name, _("This column is required but missing from the header.")))
    if problems:
        raise ImportRejected(problems)
    return names


def _rows(records: Iterator[list], names: list[str]) -> Iterator[tuple[int, dict]]:
    width, count = len(names), 0
    for number, cells in enumerate(records, start=2):
        if _blank_row(cells):
            continue
        count += 1
        if count > MAX_ROWS:
            refuse(
                _("The file has more than %(count)s rows; split it into smaller files.")
                % {"count": f"{MAX_ROWS:,}"}
            )
        if len(cells) > width and not _blank_row(cells[width:]):
            refuse(_("This row has more cells than the header has columns."), row=number)
        if len(cells) < width:
            cells = [*cells, *([None] * (width - len(cells)))]
        yield number, dict(zip(names, cells, strict=False))


# --- CSV ----------------------------------------------------------------------------


def _csv_records(data: bytes) -> Iterator[list]:
    if b"\x00" in data:
        refuse(_("This is not a text (CSV) file."))
    try:
        text = data.decode("utf-8-sig")  # with or without the byte-order mark Excel writes
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        refuse(
            _(
                "The file is not UTF-8 text (line %(line)s). In Excel or LibreOffice save it as "
                "'CSV UTF-8' and upload it again."
            )
            % {"line": line}
        )
    first_line = text.split("\n", 1)[0]
    # Brazilian spreadsheets write ';' between cells (the comma is the decimal mark).
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        yield from reader
    except csv.Error as error:
        refuse(
            _("The CSV file is malformed near line %(line)s: %(error)s")
            % {
                "line": reader.line_num,
                "error": error,
            }
        )


# --- XLSX ---------------------------------------------------------------------------


def _xlsx_records(data: bytes) -> Iterator[list]:
    from openpyxl import load_workbook  # only imports that read spreadsheets pay for it

    stream = io.BytesIO(data)
    if not zipfile.is_zipfile(stream):
        refuse(_("This is not a valid .xlsx file."))
    try:
        with zipfile.ZipFile(stream) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        refuse(_("This is not a valid .xlsx file."))
    if unpacked > MAX_UNPACKED_BYTES:
        refuse(_("The spreadsheet is too large once unpacked; split it into smaller files."))
    try:
        # data_only=False: a formula cell reads as its formula text ("=SUM(...)"), which
        # the services refuse, instead of a cached value that may be stale or missing.
        workbook = load_workbook(stream, read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds of errors on a damaged file
        refuse(_("This is not a valid .xlsx file."))
    try:
        for row in sheet.iter_rows(values_only=True):
            yield [cell.date() if _is_midnight(cell) else cell for cell in row]
    except Exception:  # noqa: BLE001 - as above, for a sheet that breaks half-way
        refuse(_("The spreadsheet is damaged and cannot be read to the end."))
    finally:
        workbook.close()


def _is_midnight(cell) -> bool:
    # Date cells come back as datetimes at midnight; keep those as plain dates.
    return isinstance(cell, datetime) and cell.time() == datetime.min.time()
