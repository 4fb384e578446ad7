"""Importing families from a file: every row checked, then families_bulk_create writes them.

Each row is checked with family_create's rules (the model's field validation and
`validate_family`), codes against the file and the co-op, associations by code in the
co-op, so that every problem is reported with its row and column. The write itself is
`families_bulk_create`, the one write path for many families, which checks again.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coop.imports import cells, lookups
from coop.imports.files import Columns
from coop.imports.results import ImportRejected, ImportResult, Problem
from coop.models import Association, Cooperative, Family
from coop.services import FAMILY_FIELDS, families_bulk_create, validate_family
from coop.tenancy import RECORD, require

FAMILY_FILE = Columns(
    names=(
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
    ),
    required=frozenset({"code", "household_name", "municipality", "joined_on"}),
    # The first name of each is the import template's header in Portuguese.
    portuguese={
        "code": ("código",),
        "household_name": ("nome_da_família", "família", "nome"),
        "association": ("associação",),
        "municipality": ("município",),
        "joined_on": ("entrou_em", "data_de_entrada"),
        "status": ("situação",),
        "land_tenure": ("posse_da_terra",),
        "hives": ("colmeias",),
    },
)
PREVIEW_ROWS = 50


def _converters():
    field = Family._meta.get_field
    return {
        "code": cells.text,
        "household_name": cells.text,
        "association": cells.text,
        "municipality": cells.text,
        "joined_on": cells.DateColumn(),
        "status": cells.ChoiceColumn(Family.Status),
        "land_tenure": cells.ChoiceColumn(Family.LandTenure),
        "hives": cells.integer,
        "latitude": cells.DecimalColumn(field("latitude")),
        "longitude": cells.DecimalColumn(field("longitude")),
    }


def _read(rows) -> list[tuple[int, dict, dict]]:
    """Each row as (row number, {field: value}, {column: problem}); blank cells are left out."""
    converters, records = _converters(), []
    for number, row in rows:
        values, faults = {}, {}
        for column, convert in converters.items():
            try:
                value = convert(row.get(column))
            except cells.CellError as error:
                faults[column] = str(error)
                continue
            if value not in (None, ""):
                values[column] = value
        records.append((number, values, faults))
    return records


def _clean_fields(family: Family) -> None:
    family.full_clean(
        exclude=["cooperative", "association"], validate_unique=False, validate_constraints=False
    )


def families_import(*, actor, cooperative: Cooperative, rows, dry_run: bool = False) -> ImportResult:
    """Validate every row of a families file, then (unless `dry_run`) save them all or none.

    `rows` yields (row number, {column: cell}). Raises ImportRejected listing every problem.
    """
    require(actor, cooperative, RECORD)
    records = _read(rows)
    if not records:
        raise ImportRejected([Problem(None, None, _("The file has a header but no rows."))])
    associations = lookups.by_code(
        Association.objects.filter(cooperative=cooperative),
        {values["association"] for _number, values, _faults in records if "association" in values},
    )
    codes = {values["code"] for _number, values, _faults in records if "code" in values}
    taken = lookups.codes_taken(Family.objects.filter(cooperative=cooperative), codes)

    problems, to_save, first_row_of_code = [], [], {}
    for number, values, faults in records:
        code = values.get("code")
        if code in taken:
            faults.setdefault("code", _("This code is already used in this co-operative."))
        elif code in first_row_of_code:
            faults.setdefault(
                "code", _("This code is also on row %(row)s.") % {"row": first_row_of_code[code]}
            )
        elif code:
            first_row_of_code[code] = number
        if "association" in values:
            association = associations.get(values["association"])
            if association is None:
                faults.setdefault(
                    "association",
                    _("No association with code %(code)s in this co-operative.")
                    % {"code": values["association"]},
                )
            values["association"] = association
        family = Family(cooperative=cooperative, **values)
        # What families_bulk_create checks for each row (foreign keys and codes are above);
        # both checks run so that a row's every problem is reported at once.
        for check in (_clean_fields, validate_family):
            try:
                check(family)
            except ValidationError as error:
                by_field = (
                    error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
                )
                for column, messages in by_field.items():
                    faults.setdefault(column if column != NON_FIELD_ERRORS else "", " ".join(messages))
        problems.extend(Problem(number, column or None, message) for column, message in faults.items())
        to_save.append(values)
    if problems:
        raise ImportRejected(problems)

    numbers = [record[0] for record in records[:PREVIEW_ROWS]]
    preview = [_preview(number, values) for number, values in zip(numbers, to_save, strict=False)]
    result = ImportResult(
        kind="families",
        rows=len(to_save),
        dry_run=dry_run,
        preview=preview,
        counts={
            status: sum(1 for v in to_save if v.get("status", "active") == status)
            for status in Family.Status.values
        },
    )
    if not dry_run:
        try:
            with transaction.atomic():
                families_bulk_create(actor=actor, cooperative=cooperative, rows=to_save)
        except ValidationError as error:
            # Only a race gets here (a code saved meanwhile): the rows passed the same checks above.
            raise ImportRejected([Problem(None, None, message) for message in error.messages]) from error
        result.created = len(to_save)
    return result


def _preview(number: int, values: dict) -> dict:
    association = values.get("association")
    return {
        **{name: values.get(name, "") for name in FAMILY_FIELDS},
        "row": number,
        "association": association.code if association else "",
        "status": values.get("status", Family.Status.ACTIVE),
        "land_tenure": values.get("land_tenure", Family.LandTenure.UNKNOWN),
        "status_display": Family.Status(values.get("status", Family.Status.ACTIVE)).label,
    }
