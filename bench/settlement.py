"""Benchmark: a season settlement over 20,000 families and 1,000,000 delivered lots, beside
one hand-written SQL query computing the same allocation.

    DEBUG=true DATABASE_URL=postgres://... .venv/bin/python bench/settlement.py

1. Builds a scratch co-operative `bench-settle` once (a later run reuses it; `--rebuild`
   starts again), through the services for the co-op and its product, then with
   INSERT … SELECT over generate_series (no Python loop over rows): 100 associations,
   20,000 families, 1,000,000 honey barrels (2025 deliveries, some rejected, received but
   not accepted, or of the 2024 season), 100,000 paid advances, and the approved 2024
   settlement, whose negative nets (one family in twenty) are carried into 2025.
2. Times `upgrading.services.settlements.settlement_open` (two levels: pool → associations
   → families, an entered pool of R$ 245,000,000.00; each run rolled back) against one
   hand-written query doing the same allocation: GROUP BY of the accepted kg, the advances
   and the carried debts per family, then the largest-remainder rounding at both levels
   with window functions (and the same query writing the lines with INSERT … SELECT).
3. Checks that both give the same lines to the cent, and prints the seconds (median of
   --repeat runs), the ratio, the number of queries settlement_open issues, and memory:
   the peak of Python allocations during one settlement_open (tracemalloc) and the
   process's peak resident memory.

Prints figures; it is not a test and asserts nothing but the answers' agreement.
See bench/README.md.
"""

import argparse
import datetime
import os
import resource
import statistics
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from coop import services  # noqa: E402
from coop.models import Association, Cooperative, Family, Lot, Product  # noqa: E402
from upgrading.models import Advance, Season, Settlement, SettlementCost, SettlementLine  # noqa: E402
from upgrading.services.settlements import settlement_open  # noqa: E402

SLUG = "bench-settle"
ASSOCIATIONS = 100
FAMILIES = 20_000
LOTS = 1_000_000
# The honey co-op's 2009 pool per kg (US$685,000 for 240 t, about R$14/kg) on ~17,000 t.
POOL = Decimal("245000000.00")
SEASON = (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
PREVIOUS = (datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))


def scratch_cooperative():
    """The bench co-op, its product and its two seasons (made once, through the services)."""
    User = get_user_model()
    admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"is_superuser": True})
    cooperative = Cooperative.objects.filter(slug=SLUG).first()
    if cooperative is None:
        with transaction.atomic():
            cooperative = services.cooperative_create(
                actor=admin, name="Bench settlement", slug=SLUG, state="PI", municipality="Simplício Mendes"
            )
            honey = services.product_create(actor=admin, cooperative=cooperative, code="HONEY", name="Mel")
            for code, (starts, ends) in (("MEL-2024", PREVIOUS), ("MEL-2025", SEASON)):
                Season.objects.create(
                    cooperative=cooperative,
                    product=honey,
                    code=code,
                    name=code,
                    starts_on=starts,
                    ends_on=ends,
                )
    return cooperative, admin


def clear(cooperative) -> None:
    """Remove what an earlier build left (lines, settlements, advances, lots, families, associations)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (
            SettlementLine,
            SettlementCost,
            Settlement.history.model,
            Settlement,
            Advance,
            Lot,
            Family,
            Association,
        ):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE cooperative_id = %s", [cooperative.pk])


def build(cooperative, admin) -> None:
    """Associations, families, lots, advances and the 2024 settlement, set-wise in SQL."""
    product = Product.objects.get(cooperative=cooperative, code="HONEY")
    seasons = {season.code: season for season in Season.objects.filter(cooperative=cooperative)}
    previous = Settlement.objects.create(
        cooperative=cooperative,
        season=seasons["MEL-2024"],
        reference="SET-2024",
        levels=Settlement.Levels.ASSOCIATIONS,
        pool_source=Settlement.PoolSource.ENTERED,
        pool=Decimal("1000000.00"),
        currency=cooperative.base_currency,
        status=Settlement.Status.APPROVED,
        created_by=admin,
        approved_by=admin,
        approved_at=timezone.now(),
    )
    association, family, lot = Association._meta.db_table, Family._meta.db_table, Lot._meta.db_table
    advance, line = Advance._meta.db_table, SettlementLine._meta.db_table
    common = {"coop": cooperative.pk, "product": product.pk}
    steps = [
        (
            "associations",
            f"""INSERT INTO {association} (cooperative_id, code, name, kind, municipality)
                SELECT %(coop)s, 'AS-' || lpad(a::text, 3, '0'), 'Associação ' || a, 'association', 'Piauí'
                FROM generate_series(1, {ASSOCIATIONS}) AS a""",
            common,
        ),
        (
            "families",
            # Family f belongs to association 1 + f % 100.
            f"""INSERT INTO {family} (cooperative_id, code, household_name, association_id, municipality,
                    joined_on, status, land_tenure)
                SELECT %(coop)s, 'F' || lpad(f::text, 5, '0'), 'Família ' || f, a.id, 'Piauí',
                    DATE '2010-01-01', 'active', 'unknown'
                FROM generate_series(1, {FAMILIES}) AS f
                JOIN {association} AS a ON a.cooperative_id = %(coop)s
                    AND a.code = 'AS-' || lpad((1 + f %% {ASSOCIATIONS})::text, 3, '0')""",
            common,
        ),
        (
            "lots",
            # Barrel g: family 1 + g % 20,000 (50 barrels each); of each family's barrels, one in
            # 20 rejected, one in 20 not yet accepted, one in 25 of the 2024 season; the rest
            # accepted, sold or made into batches.
            f"""INSERT INTO {lot} (cooperative_id, product_id, kind, code, family_id, association_id,
                    collected_on, net_kg, moisture_pct, organic, status, rejection_reason, currency,
                    consumed_kg, allocated_kg, yield_warning, notes, recorded_at)
                SELECT %(coop)s, %(product)s, 'barrel', 'BR-' || lpad(g::text, 7, '0'), fam.id,
                    fam.association_id,
                    CASE WHEN (g / {FAMILIES}) %% 25 = 0 THEN DATE '2024-06-01'
                        ELSE DATE '2025-01-01' + (g %% 365) END,
                    15 + (g %% 97) / 10.0, 17 + (g %% 25) / 10.0, true,
                    CASE (g / {FAMILIES}) %% 20 WHEN 1 THEN 'rejected' WHEN 2 THEN 'received'
                        WHEN 3 THEN 'allocated' WHEN 4 THEN 'shipped' WHEN 5 THEN 'consumed'
                        ELSE 'accepted' END,
                    '', '', 0, 0, '', '', now()
                FROM generate_series(1, {LOTS}) AS g
                JOIN (SELECT id, association_id, row_number() OVER (ORDER BY code) AS n
                      FROM {family} WHERE cooperative_id = %(coop)s) AS fam
                    ON fam.n = 1 + g %% {FAMILIES}""",
            common,
        ),
        (
            "advances",
            # Every tenth accepted 2025 barrel was advanced 50 % of R$ 10/kg, and paid.
            f"""INSERT INTO {advance} (cooperative_id, lot_id, family_id, season_id, kg, rate,
                    reference_price_per_kg, amount, currency, due_on, status, paid_on, method,
                    payment_reference, cancelled_reason, created_at)
                SELECT cooperative_id, id, family_id, %(season)s, net_kg, 0.5, 10, round(net_kg * 5, 2),
                    'BRL', collected_on, 'paid', collected_on, 'cash', '', '', now()
                FROM {lot}
                WHERE cooperative_id = %(coop)s AND id %% 10 = 0
                    AND status IN ('accepted', 'allocated', 'shipped', 'consumed')
                    AND collected_on >= DATE '2025-01-01'""",
            {**common, "season": seasons["MEL-2025"].pk},
        ),
        (
            "2024 lines",
            # One family in twenty ended 2024 owing a little, one in 200 owing more than its
            # 2025 share: carried into 2025 (the latter stay negative, carried on again).
            f"""INSERT INTO {line} (cooperative_id, settlement_id, level, association_id, family_id, kg,
                    gross_share, advances, carried_in, net)
                SELECT %(coop)s, %(previous)s, 'family', association_id, id, 100, 50, 0, 0,
                    CASE WHEN id %% 200 = 0 THEN -50000 WHEN id %% 20 = 0 THEN -12.34 ELSE 50 END
                FROM {family} WHERE cooperative_id = %(coop)s""",
            {**common, "previous": previous.pk},
        ),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for label, sql, params in steps:
            started = time.perf_counter()
            cursor.execute(sql, params)
            rows = cursor.rowcount
            cursor.execute(f"ANALYZE {association}, {family}, {lot}, {advance}, {line}")
            print(f"    {label:<14} {rows:>9,} rows  {time.perf_counter() - started:6.1f} s")


# --- The same allocation, by hand ----------------------------------------------------------------

# Exact integer arithmetic in numeric: shares in cents, weights in grams, div() and mod()
# for the floor and the remainder; the leftover cents go to the largest remainders, ties
# to the smaller code in byte order (COLLATE "C", as Python sorts the codes).
ALLOCATION_SQL = f"""
WITH previous AS (
    SELECT s.id FROM {Settlement._meta.db_table} AS s
    JOIN {Season._meta.db_table} AS p ON p.id = s.season_id
    WHERE s.cooperative_id = %(coop)s AND p.product_id = %(product)s AND p.starts_on < %(starts)s
      AND s.status IN ('approved', 'paid')
      AND NOT EXISTS (SELECT 1 FROM {Settlement._meta.db_table} AS c
                      WHERE c.corrects_id = s.id AND c.status IN ('approved', 'paid'))
    ORDER BY p.starts_on DESC, s.approved_at DESC, s.id DESC LIMIT 1
), per_family AS (
    -- One GROUP BY over the accepted deliveries, the paid advances and the debts carried.
    SELECT family_id, SUM(kg) AS kg, SUM(advances) AS advances, SUM(carried_in) AS carried_in
    FROM (
        SELECT family_id, net_kg AS kg, 0 AS advances, 0 AS carried_in FROM {Lot._meta.db_table}
        WHERE cooperative_id = %(coop)s AND product_id = %(product)s AND family_id IS NOT NULL
          AND collected_on BETWEEN %(starts)s AND %(ends)s
          AND status IN ('accepted', 'allocated', 'shipped', 'consumed')
        UNION ALL
        SELECT family_id, 0, amount, 0 FROM {Advance._meta.db_table}
        WHERE season_id = %(season)s AND status = 'paid'
        UNION ALL
        SELECT family_id, 0, 0, -net FROM {SettlementLine._meta.db_table}
        WHERE settlement_id = (SELECT id FROM previous) AND level = 'family' AND net < 0
    ) AS amounts
    GROUP BY family_id
), families AS (
    SELECT f.id AS family_id, f.code, a.id AS association_id, a.code AS association_code,
           t.kg * 1000 AS grams, t.advances, t.carried_in
    FROM per_family AS t
    JOIN {Family._meta.db_table} AS f ON f.id = t.family_id
    JOIN {Association._meta.db_table} AS a ON a.id = f.association_id
), associations AS (
    SELECT association_id, association_code, SUM(grams) AS grams, SUM(advances) AS advances,
           SUM(carried_in) AS carried_in
    FROM families GROUP BY association_id, association_code
), association_floors AS (
    SELECT a.*, div(%(cents)s * a.grams, t.grams) AS floor_cents,
           mod(%(cents)s * a.grams, t.grams) AS remainder
    FROM associations AS a CROSS JOIN (SELECT SUM(grams) AS grams FROM associations) AS t
), association_shares AS (
    SELECT association_id, association_code, grams, advances, carried_in,
           floor_cents + CASE WHEN row_number() OVER (ORDER BY remainder DESC, association_code COLLATE "C")
                                   <= %(cents)s - SUM(floor_cents) OVER () THEN 1 ELSE 0 END AS cents
    FROM association_floors
), family_floors AS (
    SELECT f.*, s.cents AS parent_cents,
           CASE WHEN s.grams = 0 THEN 0 ELSE div(s.cents * f.grams, s.grams) END AS floor_cents,
           CASE WHEN s.grams = 0 THEN 0 ELSE mod(s.cents * f.grams, s.grams) END AS remainder
    FROM families AS f JOIN association_shares AS s ON s.association_id = f.association_id
), family_shares AS (
    SELECT family_id, association_id, grams, advances, carried_in,
           floor_cents + CASE WHEN row_number() OVER (PARTITION BY association_id
                                                      ORDER BY remainder DESC, code COLLATE "C")
                                   <= parent_cents - SUM(floor_cents) OVER (PARTITION BY association_id)
                              THEN 1 ELSE 0 END AS cents
    FROM family_floors
)
SELECT 'association' AS level, association_id, NULL::bigint AS family_id, grams / 1000 AS kg,
       cents / 100.0 AS gross_share, advances, carried_in, cents / 100.0 - advances - carried_in AS net
FROM association_shares
UNION ALL
SELECT 'family', association_id, family_id, grams / 1000, cents / 100.0, advances, carried_in,
       cents / 100.0 - advances - carried_in
FROM family_shares
"""

INSERT_SQL = f"""
INSERT INTO {SettlementLine._meta.db_table} (cooperative_id, settlement_id, level, association_id, family_id,
    kg, gross_share, advances, carried_in, net)
SELECT %(coop)s, %(settlement)s, level, association_id, family_id, kg, gross_share, advances, carried_in, net
FROM ({ALLOCATION_SQL}) AS allocation
"""


def by_hand(cooperative, season, sql=ALLOCATION_SQL, **extra):
    params = {
        "coop": cooperative.pk,
        "product": season.product_id,
        "season": season.pk,
        "starts": season.starts_on,
        "ends": season.ends_on,
        "cents": int(POOL * 100),
        **extra,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


# --- Timing ------------------------------------------------------------------------------------------


class Rollback(Exception):
    pass


def rolled_back(function, then=None):
    """Run `function` in a transaction that is then rolled back; return its answer (or what
    `then(answer)` reads from it before the rollback, not timed) and its seconds."""
    answer, seconds = None, 0.0
    try:
        with transaction.atomic():
            started = time.perf_counter()
            answer = function()
            seconds = time.perf_counter() - started
            if then is not None:
                answer = then(answer)
            raise Rollback
    except Rollback:
        pass
    return answer, seconds


def median_of(function, repeat: int, then=None) -> tuple[float, object]:
    """Median seconds of `repeat` rolled-back runs (after one warm-up run), and the last answer."""
    answer, runs = rolled_back(function, then)[0], []
    for _ in range(repeat):
        answer, seconds = rolled_back(function, then)
        runs.append(seconds)
    return statistics.median(runs), answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="build the data again, even if it exists")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each side (median)")
    parser.add_argument(
        "--no-jit", action="store_true", help="SET jit = off for this session (both sides alike)"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at PostgreSQL: the benchmark builds its data with generate_series.")

    cooperative, admin = scratch_cooperative()
    lots = Lot.objects.filter(cooperative=cooperative).count()
    families = Family.objects.filter(cooperative=cooperative).count()
    if args.rebuild or (lots, families) != (LOTS, FAMILIES):
        print(f"Building {FAMILIES:,} families and {LOTS:,} lots in co-op {SLUG!r}:")
        started = time.perf_counter()
        clear(cooperative)
        build(cooperative, admin)
        print(f"    built in {time.perf_counter() - started:.1f} s")
    else:
        print(f"Reusing the {lots:,} lots of co-op {SLUG!r} (--rebuild to build them again).")
    # Production settings: no query log (DEBUG only keeps the settings module from asking
    # for production variables).
    settings.DEBUG = False
    if args.no_jit:
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]

    season = Season.objects.select_related("cooperative", "product").get(
        cooperative=cooperative, code="MEL-2025"
    )
    counter = iter(range(1, 10**6))

    def service():
        return settlement_open(
            actor=admin, season=season, reference=f"BENCH-{next(counter)}", levels=2, pool=POOL
        )

    def lines_of(settlement):
        rows = settlement.lines.values_list(
            "level", "association_id", "family_id", "kg", "gross_share", "advances", "carried_in", "net"
        )
        return settlement, sorted(rows, key=lambda row: (row[0], row[1], row[2] or 0))

    def hand_insert():
        # The same query writing the lines, for a settlement row made beforehand (not timed).
        target = Settlement.objects.create(
            cooperative=cooperative,
            season=season,
            reference=f"HAND-{next(counter)}",
            levels=2,
            pool_source="entered",
            pool=POOL,
            currency="BRL",
            created_by=admin,
        )
        started = time.perf_counter()
        written = by_hand(cooperative, season, INSERT_SQL, settlement=target.pk)
        return written, time.perf_counter() - started

    counted = {}

    def count_queries():
        with CaptureQueriesContext(connection) as captured:
            settlement = service()
        counted["queries"] = len(captured)
        counted["lines"] = settlement.lines.count()

    rolled_back(count_queries)
    print(
        f"PostgreSQL {connection.pg_version} (jit {jit}); {LOTS:,} lots, {FAMILIES:,} families in "
        f"{ASSOCIATIONS} associations; settlement of {season.code} in two levels, pool R$ {POOL:,}; "
        f"median of {args.repeat} runs, each rolled back"
    )

    service_s, (settlement, lines) = median_of(service, args.repeat, then=lines_of)
    hand_s, rows = median_of(lambda: by_hand(cooperative, season), args.repeat)
    insert_runs = [rolled_back(hand_insert)[0][1] for _ in range(args.repeat)]
    insert_s = statistics.median(insert_runs)

    # Same lines to the cent, on both sides.
    hand_lines = sorted(
        [
            (level, assoc, family, Decimal(kg), Decimal(gross), advances, carried, Decimal(net))
            for level, assoc, family, kg, gross, advances, carried, net in rows
        ],
        key=lambda row: (row[0], row[1], row[2] or 0),
    )
    assert len(hand_lines) == len(lines) == counted["lines"]
    assert hand_lines == lines, next((h, s) for h, s in zip(hand_lines, lines, strict=True) if h != s)
    gross = sum(row[4] for row in lines if row[0] == "family")
    assert gross == POOL == sum(row[4] for row in lines if row[0] == "association")

    tracemalloc.start()
    rolled_back(service)
    _current, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux

    negative = sum(1 for row in lines if row[0] == "family" and row[7] < 0)
    print(
        f"    {len(lines):,} lines ({ASSOCIATIONS} associations, {len(lines) - ASSOCIATIONS:,} families, "
        f"{negative:,} negative nets carried); total {settlement.total_kg:,} kg; both sides agree to the cent"
    )
    print(f"  settlement_open            {service_s:8.3f} s  ({counted['queries']} queries, lines written)")
    print(f"  one hand-written query     {hand_s:8.3f} s  (1 query, lines returned)")
    print(f"  the same, INSERT … SELECT  {insert_s:8.3f} s  (1 query, lines written)")
    print(
        f"  ratio                      {service_s / hand_s:8.2f} ×  ({service_s / insert_s:.2f} × the INSERT)"
    )
    print(
        f"  memory                     {python_peak / 2**20:8.1f} MB peak of Python allocations in "
        f"settlement_open; {peak_rss:.0f} MB peak resident for the whole process"
    )


if __name__ == "__main__":
    main()
