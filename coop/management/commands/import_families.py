"""`manage.py import_families --coop SLUG FILE [--dry-run] [--as USERNAME]`."""

from coop.imports.command import ImportCommand


class Command(ImportCommand):
    kind = "families"
    help = (
        "Import families from a CSV or XLSX file with the columns code, household_name, association "
        "(code), municipality, joined_on (2012-03-01 or 01/03/2012), status, land_tenure, hives, latitude, "
        "longitude. All rows or none: a file with a problem writes nothing, and every problem is "
        "listed by row and column (exit status 1)."
    )
