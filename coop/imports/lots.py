"""Importing deliveries (honey barrels, nut purchases, other deliveries) from a file.

Every row follows lot_record's rules — the same functions (`delivery_errors`,
`weights_and_dates_errors`, `moisture_rejection`), the same organic rule, the same codes
— but checked for all rows before anything is written, and written in one transaction:
a file with one bad row writes nothing and lists every bad row.

It is built for 100,000 barrels at a time (see bench/import_lots.py):
- two passes over the rows: cells to values, then the family, product and collection
  point of each row from a few chunked queries, never one query per row;
- lot codes for rows without one come from one block reserved on the co-op's counter;
- on PostgreSQL the rows are written with COPY into a temporary table, then one
  INSERT … SELECT writes the lots and their history rows together; elsewhere (SQLite)
  with bulk_create in batches, each followed by one INSERT … SELECT of its history rows
  (`history_copy`), instead of a Python history object per lot.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coop.imports import cells, lookups
from coop.imports.files import Columns
from coop.imports.results import ImportRejected, ImportResult, Problem
from coop.models import Association, Cooperative, Family, Lot, Product, code_validator
from coop.plausibility import unusual_values
from coop.selectors.production import current_purchase_price, kinds_handled
from coop.services.base import history_copy
from coop.services.production import (
    delivery_errors,
    kind_errors,
    lot_codes_reserve,
    moisture_rejection,
    weights_and_dates_errors,
)
from coop.signals import lots_accepted
from coop.tenancy import RECORD, require
from coop.units import quantize_money

LOT_FILE = Columns(
    names=(
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
    ),
    required=frozenset({"kind", "family", "product", "collected_on", "net_kg"}),
    # The first name of each is the import template's header in Portuguese.
    portuguese={
        "kind": ("tipo",),
        "code": ("código",),
        "family": ("família",),
        "association": ("ponto_de_coleta", "associação"),
        "product": ("produto",),
        "harvested_on": ("colhido_em",),
        "collected_on": ("entregue_em", "data"),
        "gross_kg": ("kg_bruto",),
        "net_kg": ("kg_líquido",),
        "moisture_pct": ("umidade_pct", "umidade", "umidade_%"),
        "organic": ("orgânico",),
        "price_per_kg": ("preço_por_kg",),
        "notes": ("observações",),
    },
)
IMPORTED_KINDS = (Lot.Kind.BARREL, Lot.Kind.NUT_PURCHASE, Lot.Kind.DELIVERY)
# Every column of a lot but its id, in the order the rows to write are built.
WRITE_FIELDS = (
    "cooperative_id",
    "product_id",
    "kind",
    "code",
    "family_id",
    "association_id",
    "harvested_on",
    "collected_on",
    "gross_kg",
    "net_kg",
    "moisture_pct",
    "organic",
    "status",
    "rejection_reason",
    "price_per_kg",
    "currency",
    "amount_paid",
    "consumed_kg",
    "allocated_kg",
    "yield_warning",
    "unusual_values",
    "unusual_confirmed_by_id",
    "notes",
    "recorded_by_id",
    "recorded_at",
)
_CODE, _KIND, _COLLECTED = (
    WRITE_FIELDS.index("code"),
    WRITE_FIELDS.index("kind"),
    WRITE_FIELDS.index("collected_on"),
)
PREVIEW_ROWS = 50
PLAUSIBILITY_FIELDS = (
    "usual_net_kg_min",
    "usual_net_kg_max",
    "usual_moisture_min_pct",
    "usual_moisture_max_pct",
    "price_tolerance_pct",
    "reference_price_per_kg",
)
UNUSUAL_MAX_LENGTH = Lot._meta.get_field("unusual_values").max_length
ORM_BATCH = 1_000
ZERO_KG = Decimal("0.000")


def _kind_column():
    choose = cells.ChoiceColumn(Lot.Kind, allowed=IMPORTED_KINDS)

    def kind(raw):
        try:
            return choose(raw)
        except cells.CellError:
            if isinstance(raw, str) and raw.strip().lower() == Lot.Kind.BATCH:
                raise cells.CellError(_("Record batches with the batch form.")) from None
            raise

    return kind


def _lot_code(raw) -> str:
    value = cells.text(raw, max_length=Lot._meta.get_field("code").max_length)
    if value:
        try:
            code_validator(value)
        except ValidationError as error:
            raise cells.CellError(" ".join(error.messages)) from None
    return value


def _converters():
    """(column, converter) in the order of a row's values after the first pass."""
    kg = cells.DecimalColumn(Lot._meta.get_field("net_kg"))
    dates = cells.DateColumn()

    def reference(raw):
        return cells.text(raw, max_length=30)

    return (
        ("kind", _kind_column()),
        ("code", _lot_code),
        ("family", reference),
        ("association", reference),
        ("product", reference),
        ("harvested_on", dates),
        ("collected_on", dates),
        ("gross_kg", kg),
        ("net_kg", kg),
        ("moisture_pct", cells.DecimalColumn(Lot._meta.get_field("moisture_pct"))),
        ("organic", cells.boolean),
        ("price_per_kg", cells.DecimalColumn(Lot._meta.get_field("price_per_kg"))),
        ("notes", cells.text),
    )


# Where each column's value sits in a record of the first pass: [row number, {column:
# problem}, then the values in the order of _converters()].
_AT = {column: index for index, column in enumerate(LOT_FILE.names, start=2)}


def _first_pass(rows) -> list[list]:
    """Each row's cells as values: [row number, {column: problem}, kind, code, family, ...]."""
    converters, required = _converters(), _("This field is required.")
    records, first_row_of_code = [], {}
    for number, row in rows:
        faults: dict[str, str] = {}
        record = [number, faults]
        for column, convert in converters:
            try:
                record.append(convert(row.get(column)))
            except cells.CellError as error:
                record.append(None)
                faults[column] = str(error)
        kind, code, family, product, collected, net = (
            record[_AT[column]] for column in ("kind", "code", "family", "product", "collected_on", "net_kg")
        )
        for column, value in (("kind", kind), ("family", family), ("product", product)):
            if not value and column not in faults:
                faults[column] = required
        if collected is None and "collected_on" not in faults:
            faults["collected_on"] = required
        if net is None and "net_kg" not in faults:
            faults["net_kg"] = required
        if code:
            if code in first_row_of_code:
                faults.setdefault(
                    "code", _("This code is also on row %(row)s.") % {"row": first_row_of_code[code]}
                )
            else:
                first_row_of_code[code] = number
        records.append(record)
    return records


def _certified(periods: list[tuple], day: date) -> bool:
    return any(valid_from <= day <= valid_to for valid_from, valid_to in periods)


def _current_prices(cooperative: Cooperative, records: list[list], associations, products) -> dict:
    """The current price (coop.plausibility) per (collection point, product) of the file's
    nut purchases, as of the pair's latest purchase date: one lookup per pair, not per row."""
    latest: dict[tuple, date] = {}
    for record in records:
        kind, point, product, collected = (
            record[_AT[column]] for column in ("kind", "association", "product", "collected_on")
        )
        if kind == Lot.Kind.NUT_PURCHASE and product in products and collected is not None:
            key = (point if point in associations else None, product)
            latest[key] = max(latest.get(key, collected), collected)
    return {
        (point, product): current_purchase_price(
            cooperative=cooperative,
            product=products[product],
            association=associations.get(point),
            day=day,
        )
        for (point, product), day in latest.items()
    }


def lots_import(
    *, actor, cooperative: Cooperative, rows, dry_run: bool = False, confirm_unusual: bool = False
) -> ImportResult:
    """Validate every row of a lots file, then (unless `dry_run`) save them all or none.

    Values outside a product's usual range (coop.plausibility) are listed as warnings;
    a file with such rows is saved only with `confirm_unusual`, each such lot keeping
    its unusual values and the importer as the one who confirmed them.

    `rows` yields (row number, {column: cell}) as `coop.imports.files.read_table` reads
    them. Raises ImportRejected listing every problem; nothing is written then. Rows are
    checked outside the write transaction (a long read holds no locks); the write
    transaction re-checks codes through the unique constraint.
    """
    require(actor, cooperative, RECORD)
    problems: list[Problem] = []
    records = _first_pass(rows)
    if not records:
        raise ImportRejected([Problem(None, None, _("The file has a header but no rows."))])

    def codes_in(column):
        return {record[_AT[column]] for record in records if record[_AT[column]]}

    families = lookups.by_code(
        Family.objects.filter(cooperative=cooperative).only("id", "code", "status"), codes_in("family")
    )
    associations = lookups.by_code(
        Association.objects.filter(cooperative=cooperative).only("id", "code", "kind", "name"),
        codes_in("association"),
    )
    products = lookups.by_code(
        Product.objects.filter(cooperative=cooperative).only(
            "id", "code", "name", "delivered_as", *PLAUSIBILITY_FIELDS
        ),
        codes_in("product"),
    )
    prices = _current_prices(cooperative, records, associations, products)
    typed_codes = codes_in("code")
    taken = lookups.codes_taken(Lot.objects.filter(cooperative=cooperative), typed_codes)
    organic = lookups.organic_periods(family.pk for family in families.values())
    handled = kinds_handled(cooperative=cooperative)

    today, now = timezone.localdate(), timezone.now()
    cooperative_id, actor_id = cooperative.pk, actor.pk
    limit, currency = cooperative.moisture_limit_pct, cooperative.base_currency
    amount_ok = DecimalValidator(Lot._meta.get_field("amount_paid").max_digits, 2)
    to_write, preview, warnings = [], [], []
    counts = {"accepted": 0, "rejected": 0, "new_codes": 0}
    for record in records:
        (number, faults, kind, code, family_code, point_code, product_code, harvested, collected) = record[:9]
        gross, net, moisture, organic_given, price, notes = record[9:]
        record.clear()  # the row's values now live in the row to write (memory: 100,000 rows)

        family = families.get(family_code)
        if family_code and family is None:
            faults.setdefault(
                "family", _("No family with code %(code)s in this co-operative.") % {"code": family_code}
            )
        association = associations.get(point_code)
        if point_code and association is None:
            faults.setdefault(
                "association",
                _("No association with code %(code)s in this co-operative.") % {"code": point_code},
            )
        product = products.get(product_code)
        if product_code and product is None:
            faults.setdefault(
                "product", _("No product with code %(code)s in this co-operative.") % {"code": product_code}
            )
        if code in taken:
            faults.setdefault("code", _("This code is already used in this co-operative."))
        if kind:
            for column, message in kind_errors(kind=kind, product=product, handled=handled).items():
                faults.setdefault(column, message)
            for column, message in delivery_errors(
                kind=kind, family=family, association=association, moisture_pct=moisture, price_per_kg=price
            ).items():
                faults.setdefault(column, message)
            if net is not None:
                for column, message in weights_and_dates_errors(
                    kind=kind,
                    net_kg=net,
                    gross_kg=gross,
                    moisture_pct=moisture,
                    harvested_on=harvested,
                    collected_on=collected,
                    today=today,
                ).items():
                    faults.setdefault(column, message)
        # lot_record's organic rule: blank takes the family's certification on the day;
        # "yes" is refused when the family is not certified then.
        certified = (
            family is not None and collected is not None and _certified(organic.get(family.id, ()), collected)
        )
        if organic_given and not certified and family is not None and "organic" not in faults:
            faults["organic"] = _("Family %(code)s has no valid organic certification on this date.") % {
                "code": family.code
            }
        amount = None
        if kind == Lot.Kind.NUT_PURCHASE and net is not None and price is not None and not faults:
            amount = quantize_money(net * price)
            try:
                amount_ok(amount)
            except ValidationError:
                faults["price_per_kg"] = _("The amount paid is too large: check the price and the weight.")
        if faults:
            problems.extend(Problem(number, column, message) for column, message in faults.items())
            continue
        unusual = unusual_values(
            kind=kind,
            product=product,
            net_kg=net,
            moisture_pct=moisture,
            price_per_kg=price,
            current_price=prices.get((point_code if association else None, product_code)),
            currency=currency,
        )
        warnings.extend(Problem(number, column, message) for column, message in unusual.items())
        if problems:
            continue  # the file is refused: keep checking, stop building

        reason = moisture_rejection(moisture, limit)
        counts["rejected" if reason else "accepted"] += 1
        counts["new_codes"] += not code
        row = [
            cooperative_id,
            product.id,
            kind,
            code,
            family.id,
            association.id if association else None,
            harvested,
            collected,
            gross,
            net,
            moisture,
            certified if organic_given is None else organic_given,
            Lot.Status.REJECTED if reason else Lot.Status.ACCEPTED,
            reason,
            price,
            currency if kind == Lot.Kind.NUT_PURCHASE else "",
            amount,
            ZERO_KG,
            ZERO_KG,
            "",
            " ".join(unusual.values())[:UNUSUAL_MAX_LENGTH],
            actor_id if unusual else None,
            notes,
            actor_id,
            now,
        ]
        to_write.append(row)
        if len(preview) < PREVIEW_ROWS:
            preview.append(_preview(row, number, family, association, product))

    if problems:
        raise ImportRejected(problems)
    if warnings and not dry_run and not confirm_unusual:
        raise ImportRejected(
            [
                Problem(
                    None, None, _("Some values are unusual: check them, or confirm that they are correct.")
                ),
                *warnings,
            ]
        )
    result = ImportResult(
        kind="lots", rows=len(to_write), dry_run=dry_run, preview=preview, counts=counts, warnings=warnings
    )
    if not dry_run:
        with transaction.atomic():
            _give_codes(cooperative, to_write, typed_codes)
            _insert(to_write, actor=actor, now=now)
            # This import's rows share its actor and timestamp: announce the accepted ones.
            accepted = Lot.objects.filter(
                cooperative_id=cooperative_id, recorded_by=actor, recorded_at=now, status=Lot.Status.ACCEPTED
            )
            lots_accepted.send(Lot, cooperative=cooperative, lots=accepted, actor=actor)
        result.created = len(to_write)
        for line, row in zip(result.preview, to_write, strict=False):
            line["code"] = row[_CODE]
    return result


def _preview(row: list, number: int, family, association, product) -> dict:
    values = dict(zip(WRITE_FIELDS, row, strict=True))
    return {
        **values,
        "row": number,
        "family": family.code,
        "association": association.code if association else "",
        "product": product.code,
        "kind_display": Lot.Kind(values["kind"]).label,
        "status_display": Lot.Status(values["status"]).label,
    }


def _give_codes(cooperative: Cooperative, rows: list[list], typed_codes: set[str]) -> None:
    """Codes for the rows that have none, one block per kind and year."""
    blocks: dict[tuple, list[list]] = {}
    for row in rows:
        if not row[_CODE]:
            blocks.setdefault((row[_KIND], row[_COLLECTED].year), []).append(row)
    for (kind, year), block in sorted(blocks.items()):
        codes = lot_codes_reserve(
            cooperative=cooperative, kind=kind, year=year, count=len(block), taken=typed_codes
        )
        for row, code in zip(block, codes, strict=True):
            row[_CODE] = code


def _insert(rows: list[list], *, actor, now) -> None:
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                _copy_with_history(rows, actor=actor, now=now)
            else:
                for start in range(0, len(rows), ORM_BATCH):
                    lots = Lot.objects.bulk_create(
                        [
                            Lot(**dict(zip(WRITE_FIELDS, row, strict=True)))
                            for row in rows[start : start + ORM_BATCH]
                        ],
                        batch_size=ORM_BATCH,
                    )
                    # auto_now_add stamped each lot as it was built: give the file's rows the one
                    # timestamp COPY writes on PostgreSQL (the import announces them by it).
                    Lot.objects.filter(pk__gte=lots[0].pk, pk__lte=lots[-1].pk).update(recorded_at=now)
                    # The history rows bulk_create_with_history would write (every field, "+",
                    # the actor, one date), copied by the database instead of built as one
                    # Python object each: the demo's 45,000 barrels import in half the time.
                    history_copy(Lot, [lot.pk for lot in lots], actor=actor, when=now)
    except IntegrityError as error:
        # Someone saved one of the file's codes between the check and the write.
        raise ImportRejected(
            [
                Problem(
                    None,
                    "code",
                    _("A code in this file was saved by someone else meanwhile; please try again."),
                )
            ]
        ) from error


def _copy_with_history(rows: list[list], *, actor, now) -> None:
    """COPY the rows into a temporary table, then write lots and history rows in one statement.

    The history rows are exactly those bulk_create_with_history writes: every field of
    the lot, history type "+", the actor and one timestamp.
    """
    quote = connection.ops.quote_name
    lots = quote(Lot._meta.db_table)
    history = quote(Lot.history.model._meta.db_table)
    columns = ", ".join(quote(Lot._meta.get_field(name).column) for name in WRITE_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE lot_import ON COMMIT DROP AS "
            f"SELECT 0 AS ordinal, {columns} FROM {lots} WITH NO DATA"
        )
        with cursor.copy(f"COPY lot_import (ordinal, {columns}) FROM STDIN") as copy:
            for ordinal, row in enumerate(rows):
                copy.write_row((ordinal, *row))
        cursor.execute(
            f"WITH saved AS (INSERT INTO {lots} ({columns}) SELECT {columns} FROM lot_import "
            f"ORDER BY ordinal RETURNING id, {columns}) "
            f"INSERT INTO {history} (id, {columns}, history_date, history_change_reason, history_type, "
            f"history_user_id) SELECT id, {columns}, %s, NULL, '+', %s FROM saved",
            [now, actor.pk],
        )
        cursor.execute("DROP TABLE lot_import")
