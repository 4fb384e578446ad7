"""`manage.py import_lots --coop SLUG FILE [--dry-run] [--as USERNAME]`."""

from coop.imports.command import ImportCommand


class Command(ImportCommand):
    kind = "lots"
    help = (
        "Import deliveries (honey barrels, nut purchases, other deliveries) from a CSV or XLSX file "
        "with the columns kind (barrel, nut_purchase, delivery), code (blank: the next code), family, "
        "association and product (codes), harvested_on, collected_on, gross_kg, net_kg, moisture_pct, "
        "organic (blank: the family's certification), price_per_kg, notes. The rules of recording one "
        "lot apply to every row; a barrel over the moisture limit is recorded as rejected. All rows or "
        "none: a file with a problem writes nothing, and every problem is listed by row and column "
        "(exit status 1)."
    )
