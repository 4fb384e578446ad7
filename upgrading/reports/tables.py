"""CSV tables streamed from the database, byte for byte the same on PostgreSQL and SQLite.

A `Table` is a SELECT (compiled from a queryset or written by hand) and the kind of each
of its columns. It is written in one of two ways:

- on PostgreSQL, by `COPY (SELECT …) TO STDOUT (FORMAT csv)`: the database formats the
  rows (text neutralised against spreadsheet formulas, booleans as `true`/`false`,
  numbers with their column's places, moments in UTC) and the bytes go straight into
  the open ZIP entry, a block at a time;
- elsewhere, rows are fetched a few thousand at a time and formatted by `csvsafe`.

Either way memory stays flat however many rows there are; a test checks that both
paths write the same bytes.
"""

import datetime
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from upgrading.reports import csvsafe

FETCH_ROWS = 2000
FLUSH_BYTES = 256 * 1024

# Column kinds: "text", "int", "date", "bool", "timestamp" (seconds), "timestamp_us"
# (microseconds, as the ledger hashes them) and "decimal:N" (N places).


@dataclass(frozen=True)
class Table:
    name: str
    columns: list[tuple[str, str]]  # (header, kind)
    sql: str
    params: list

    @property
    def headers(self) -> list[str]:
        return [header for header, _kind in self.columns]


def from_queryset(name: str, queryset, columns: list[tuple[str, str, object]]) -> Table:
    """A table of `queryset` with one column per (header, kind, field path or expression).
    Every column is an annotation, so the SELECT lists them in this order."""
    from django.db.models import F

    annotations = {
        f"c{index}": F(source) if isinstance(source, str) else source
        for index, (_header, _kind, source) in enumerate(columns)
    }
    rows = queryset.annotate(**annotations).values_list(*annotations)
    sql, params = rows.query.sql_with_params()
    return Table(name, [(header, kind) for header, kind, _source in columns], sql, list(params))


# --- Formatting in Python ---------------------------------------------------------------------


def _places(kind: str) -> Decimal:
    return Decimal(1).scaleb(-int(kind.split(":")[1]))


def _parse_moment(value) -> datetime.datetime:
    if isinstance(value, str):  # SQLite keeps moments as UTC text
        value = datetime.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


def python_cell(value, kind: str) -> str:
    """One cell as the COPY path writes it (see `sql_cell`)."""
    if value is None:
        return ""
    if kind == "text":
        return csvsafe.neutralise(str(value))
    if kind == "int":
        return str(int(value))
    if kind == "bool":
        return "true" if value else "false"
    if kind == "date":
        return value if isinstance(value, str) else value.isoformat()
    if kind == "timestamp":
        return csvsafe.utc_iso(_parse_moment(value))
    if kind == "timestamp_us":
        return _parse_moment(value).astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if kind.startswith("decimal:"):
        # SQLite hands numbers back as int or float; their repr is the number Django stored.
        number = value if isinstance(value, Decimal) else Decimal(repr(value))
        return format(number.quantize(_places(kind), rounding=ROUND_HALF_UP), "f")
    raise ValueError(f"unknown column kind {kind!r}")


# --- Formatting in PostgreSQL -----------------------------------------------------------------


def sql_cell(column: str, kind: str) -> str:
    """PostgreSQL expression formatting `column` as `python_cell` does."""
    if kind == "text":
        return csvsafe.sql_text(f"{column}::text")
    if kind == "int":
        return column
    if kind == "bool":
        return csvsafe.sql_bool(column)
    if kind == "date":
        return f"to_char({column}, 'YYYY-MM-DD')"
    if kind == "timestamp":
        return csvsafe.sql_timestamp(column)
    if kind == "timestamp_us":
        return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
    if kind.startswith("decimal:"):
        return f"round({column}::numeric, {int(kind.split(':')[1])})"
    raise ValueError(f"unknown column kind {kind!r}")


def copy_sql(table: Table) -> str:
    names = [f"c{index}" for index in range(len(table.columns))]
    cells = ", ".join(
        sql_cell(f"t.{name}", kind) for name, (_h, kind) in zip(names, table.columns, strict=True)
    )
    return f"COPY (SELECT {cells} FROM ({table.sql}) AS t({', '.join(names)})) TO STDOUT WITH (FORMAT csv)"


# --- Writing ----------------------------------------------------------------------------------


class _Sink(io.RawIOBase):
    """Forwards bytes to `target` (a ZIP entry, a file) without ever closing it."""

    def __init__(self, target):
        self.target = target

    def writable(self):
        return True

    def write(self, data):
        self.target.write(data)
        return len(data)


def header_bytes(table: Table) -> bytes:
    return ("\ufeff" + csvsafe.csv_line(table.headers)).encode()  # the mark: Excel reads UTF-8


def write_table(table: Table, target, *, use_copy: bool | None = None) -> int:
    """Write `table` as CSV (a byte-order mark, the header, the rows) to the binary
    `target`; return the number of rows. `use_copy` defaults to "on PostgreSQL"."""
    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    target.write(header_bytes(table))
    if use_copy:
        return _copy_rows(table, target)
    return _fetch_rows(table, target)


def _copy_rows(table: Table, target) -> int:
    block = bytearray()
    with connection.cursor() as cursor:
        # Parameters merged client-side (psycopg's ClientCursor, as Django's queries are),
        # since COPY takes none and Django's debug cursor passes only the statement on.
        statement = cursor.mogrify(copy_sql(table), table.params) if table.params else copy_sql(table)
        with cursor.copy(statement) as copy:
            for data in copy:
                block += data
                if len(block) >= FLUSH_BYTES:
                    target.write(bytes(block))
                    block.clear()
        rows = cursor.rowcount
    if block:
        target.write(bytes(block))
    return rows


def _fetch_rows(table: Table, target) -> int:
    kinds = [kind for _header, kind in table.columns]
    text = io.TextIOWrapper(io.BufferedWriter(_Sink(target), FLUSH_BYTES), encoding="utf-8", newline="")
    rows = 0
    with connection.cursor() as cursor:
        cursor.execute(table.sql, table.params)
        while batch := cursor.fetchmany(FETCH_ROWS):
            text.write(
                "".join(
                    csvsafe.csv_line(
                        [python_cell(value, kind) for value, kind in zip(row, kinds, strict=True)]
                    )
                    for row in batch
                )
            )
            rows += len(batch)
    text.flush()
    text.detach()  # leave the target open for the caller
    return rows


def write_rows(headers: list[str], rows, target) -> int:
    """Small tables assembled in Python (mass balance, contract years, checks)."""
    lines = ["\ufeff" + csvsafe.csv_line(headers)]
    lines += [csvsafe.csv_line([csvsafe.csv_value(cell) for cell in row]) for row in rows]
    target.write("".join(lines).encode())
    return len(lines) - 1
