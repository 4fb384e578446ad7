"""Importing families and lots from CSV or XLSX files: all rows or none.

    files.py     the file as a whole: size, format, encoding, header (read_table)
    cells.py     one cell to one value: numbers with a decimal comma, dates, yes/no, formulas
    families.py  families_import: family_create's rules per row, families_bulk_create writes
    lots.py      lots_import: lot_record's rules per row, one fast bulk write with history
    results.py   ImportRejected (every problem, by row and column) and ImportResult

The page (coop.views.imports) and the commands (import_families, import_lots) call
`import_file`, which reads the file and runs the service of its kind.
"""

from coop.imports.families import FAMILY_FILE, families_import
from coop.imports.files import MAX_FILE_BYTES, MAX_ROWS, read_table
from coop.imports.lots import LOT_FILE, lots_import
from coop.imports.results import ImportRejected, ImportResult, Problem
from coop.tenancy import RECORD, require

KINDS = {
    "families": (FAMILY_FILE, families_import),
    "lots": (LOT_FILE, lots_import),
}


def import_file(
    *,
    actor,
    cooperative,
    kind: str,
    data: bytes,
    filename: str,
    dry_run: bool = False,
    confirm_unusual: bool = False,
) -> ImportResult:
    """Read `data` (the bytes of a .csv or .xlsx file named `filename`) and import it as `kind`.

    `confirm_unusual` confirms the lots' values outside their usual range (see lots_import).
    """
    columns, service = KINDS[kind]
    require(actor, cooperative, RECORD)  # before reading: a refused file must not tell more
    table = read_table(data, filename, columns)
    extra = {"confirm_unusual": confirm_unusual} if kind == "lots" else {}
    return service(actor=actor, cooperative=cooperative, rows=table.rows, dry_run=dry_run, **extra)


__all__ = [
    "FAMILY_FILE",
    "KINDS",
    "LOT_FILE",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "ImportRejected",
    "ImportResult",
    "Problem",
    "families_import",
    "import_file",
    "lots_import",
    "read_table",
]
