"""Reads for production: lineage both ways and certification on a date.

Lineage is a recursive CTE (UNION, so a malformed cycle still terminates): one query
whatever the depth, on SQLite and PostgreSQL alike.
"""

from datetime import date

from django.db import connection
from django.db.models import QuerySet

from coop.models import Certification, Family, Lot, LotInput

_TABLE = LotInput._meta.db_table

_ANCESTORS = f"""
WITH RECURSIVE ancestry(id) AS (
    SELECT source_id FROM {_TABLE} WHERE output_id IN ({{seeds}})
    UNION
    SELECT link.source_id FROM {_TABLE} AS link JOIN ancestry ON link.output_id = ancestry.id
)
SELECT id FROM ancestry
"""
_DESCENDANTS = f"""
WITH RECURSIVE descent(id) AS (
    SELECT output_id FROM {_TABLE} WHERE source_id IN ({{seeds}})
    UNION
    SELECT link.output_id FROM {_TABLE} AS link JOIN descent ON link.source_id = descent.id
)
SELECT id FROM descent
"""


def _walk(template: str, seed_ids: list[int]) -> list[int]:
    if not seed_ids:
        return []
    sql = template.format(seeds=", ".join(["%s"] * len(seed_ids)))
    with connection.cursor() as cursor:
        cursor.execute(sql, seed_ids)
        return [row[0] for row in cursor.fetchall()]


def lot_sources(*, lot: Lot) -> QuerySet[Lot]:
    """Every lot that went, directly or not, into `lot`."""
    return Lot.objects.filter(pk__in=_walk(_ANCESTORS, [lot.pk])).select_related("family", "product")


def lot_products(*, lot: Lot) -> QuerySet[Lot]:
    """Every lot made, directly or not, from `lot`."""
    return Lot.objects.filter(pk__in=_walk(_DESCENDANTS, [lot.pk])).select_related("product")


def lot_families(*, lot: Lot) -> QuerySet[Family]:
    """The families whose deliveries are in `lot` (itself or its sources)."""
    ids = [lot.pk, *_walk(_ANCESTORS, [lot.pk])]
    return Family.objects.filter(lots__pk__in=ids).distinct().select_related("association")


def family_products(*, family: Family) -> QuerySet[Lot]:
    """Every lot made, directly or not, from the family's deliveries."""
    own = list(family.lots.values_list("pk", flat=True))
    return Lot.objects.filter(pk__in=_walk(_DESCENDANTS, own)).select_related("product")


def family_certified_on(*, family: Family | None, scheme: str, day: date) -> bool:
    """Was `family` certified under `scheme` on `day`? One query."""
    if family is None:
        return False
    return Certification.objects.filter(family=family, scheme=scheme).valid_on(day).exists()
