"""Load the seeded indicator catalogue (`upgrading.catalogue`).

An indicator that already exists (same code) is left as it is: admins may have edited
its names, range or description. Going backwards removes only seeded indicators that
no entry uses yet.
"""

from decimal import Decimal

from django.db import migrations


def load(apps, schema_editor):
    from upgrading.catalogue import CATALOGUE

    Indicator = apps.get_model("upgrading", "Indicator")
    existing = set(Indicator.objects.values_list("code", flat=True))
    Indicator.objects.bulk_create(
        [
            Indicator(
                **{
                    **row,
                    "min_value": Decimal(row["min_value"]) if row["min_value"] is not None else None,
                    "max_value": Decimal(row["max_value"]) if row["max_value"] is not None else None,
                }
            )
            for row in CATALOGUE
            if row["code"] not in existing
        ]
    )


def unload(apps, schema_editor):
    from upgrading.catalogue import CATALOGUE

    Indicator = apps.get_model("upgrading", "Indicator")
    Indicator.objects.filter(code__in=[row["code"] for row in CATALOGUE], entries__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("upgrading", "0002_ledger_triggers")]

    operations = [migrations.RunPython(load, unload, elidable=False)]
