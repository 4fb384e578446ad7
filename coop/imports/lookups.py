"""Set-based reads for imports: every code of a file looked up in a few chunked queries."""

from collections import defaultdict

from django.db import connection

from coop.models import Certification, Scheme


def chunk_size() -> int:
    # SQLite caps the parameters of one query (999 here); PostgreSQL takes far more.
    return min(connection.features.max_query_params or 10_000, 10_000) - 10


def by_code(queryset, codes) -> dict:
    """{code: row} for the `codes` found in `queryset` (already scoped to one co-operative)."""
    codes, found, size = sorted(codes), {}, chunk_size()
    for start in range(0, len(codes), size):
        for row in queryset.filter(code__in=codes[start : start + size]):
            found[row.code] = row
    return found


def codes_taken(queryset, codes) -> set[str]:
    codes, found, size = sorted(codes), set(), chunk_size()
    for start in range(0, len(codes), size):
        found.update(queryset.filter(code__in=codes[start : start + size]).values_list("code", flat=True))
    return found


def organic_periods(family_ids) -> dict[int, list[tuple]]:
    """{family id: [(valid from, valid to), ...]} of active organic certifications.

    The rule of `CertificationQuerySet.valid_on` (active, both ends inclusive), read once
    for every family of a file instead of once per row.
    """
    ids, periods, size = sorted(family_ids), defaultdict(list), chunk_size()
    for start in range(0, len(ids), size):
        rows = (
            Certification.objects.filter(
                family_id__in=ids[start : start + size],
                scheme=Scheme.ORGANIC,
                status=Certification.Status.ACTIVE,
            )
            .values_list("family_id", "valid_from", "valid_to")
            .order_by()
        )
        for family_id, valid_from, valid_to in rows:
            periods[family_id].append((valid_from, valid_to))
    return periods
