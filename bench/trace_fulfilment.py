"""Benchmark: traceability of a shipment and fulfilment of a contract at 1,000,000 lots,
each beside one hand-written SQL query answering the same question.

    DEBUG=true DATABASE_URL=postgres://... .venv/bin/python bench/trace_fulfilment.py

1. Builds a scratch co-operative `bench-chain` once (a later run reuses it; `--rebuild`
   starts again): 1,000 families, a buyer and a three-year contract through the services,
   then with INSERT … SELECT over generate_series (no Python loop over rows):
   999,500 honey barrels; 500 export batches of 1,000 barrels each (500,000 lineage rows);
   300 shipments under the contract: 90 of 5 batches, one large one of 50 batches (about
   50,000 lots behind it), 200 of 1,000 barrels sold whole, and 9 more drafts;
   200,500 allocations in all.
2. Times `chain.selectors.shipment_trace` on shipments of 1, 5 and 50 batches and
   `chain.selectors.contract_fulfilment` on the contract, each against one hand-written
   query (a recursive CTE over the lineage; a GROUP BY per contract year), checks that
   both give the same answer, and prints the seconds (median of --repeat runs), the ratio
   and the number of queries each issues.

Prints figures; it is not a test and asserts nothing but the answers' agreement.
See bench/README.md.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
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

from chain import services as chain_services  # noqa: E402
from chain.models import Allocation, Buyer, Contract, ContractMinimum, Shipment  # noqa: E402
from chain.selectors import contract_fulfilment, shipment_trace  # noqa: E402
from coop import services  # noqa: E402
from coop.models import Association, Cooperative, Family, Lot, LotInput  # noqa: E402

SLUG = "bench-chain"
FAMILIES = 1_000
BARRELS = 999_500
BATCH_SIZE = 1_000
BATCHES = 500  # barrels 1 .. 500,000 go into them; the others are sold whole or kept
CONTAINER_SHIPMENTS, CONTAINER_BATCHES = 90, 5  # batches 1 .. 450
LARGE_BATCHES = 50  # batches 451 .. 500, all in one shipment
DRUM_SHIPMENTS, DRUM_BARRELS = 200, 1_000  # barrels 500,001 .. 700,000
DRAFTS = 9
IN_BATCHES = BATCHES * BATCH_SIZE  # barrels 1 .. 500,000
SOLD_WHOLE = (IN_BATCHES + 1, IN_BATCHES + DRUM_SHIPMENTS * DRUM_BARRELS)  # barrels sold in drums
IN_CONTAINERS = CONTAINER_SHIPMENTS * CONTAINER_BATCHES  # batches 1 .. 450
LARGE, FIRST_DRAFT = CONTAINER_SHIPMENTS + 1, CONTAINER_SHIPMENTS + 1 + DRUM_SHIPMENTS + 1
TODAY = datetime.date(2026, 11, 29)
CONTRACT_START, CONTRACT_END = datetime.date(2024, 1, 1), datetime.date(2026, 12, 31)


def scratch_cooperative():
    """The bench co-op, its families, buyer and contract (made once, through the services)."""
    User = get_user_model()
    admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"is_superuser": True})
    cooperative = Cooperative.objects.filter(slug=SLUG).first()
    if cooperative is None:
        with transaction.atomic():
            cooperative = services.cooperative_create(
                actor=admin, name="Bench value chain", slug=SLUG, state="PI", municipality="Simplício Mendes"
            )
            honey = services.product_create(actor=admin, cooperative=cooperative, code="HONEY", name="Mel")
            room = services.association_create(
                actor=admin,
                cooperative=cooperative,
                code="HR-01",
                name="Casa do mel",
                kind=Association.Kind.HONEY_ROOM,
                municipality="Simplício Mendes",
            )
            rows = [
                {
                    "code": f"F{number:05d}",
                    "household_name": f"Família {number}",
                    "association": room,
                    "municipality": "Simplício Mendes",
                    "joined_on": datetime.date(2010, 1, 1),
                }
                for number in range(1, FAMILIES + 1)
            ]
            services.families_bulk_create(actor=admin, cooperative=cooperative, rows=rows)
            buyer = chain_services.buyer_create(
                actor=admin,
                cooperative=cooperative,
                name="Importer",
                country="DE",
                kind=Buyer.Kind.ORGANIC_IMPORTER,
            )
            contract = chain_services.contract_create(
                actor=admin,
                cooperative=cooperative,
                buyer=buyer,
                product=honey,
                reference="BENCH-2024",
                starts_on=CONTRACT_START,
                ends_on=CONTRACT_END,
                price_per_kg=Decimal("3.40"),
                currency="EUR",
                premium_per_kg=Decimal("0.40"),
                organic=True,
                minimum_kg=Decimal("4000000"),
            )
            chain_services.contract_minimum_set(
                actor=admin, contract=contract, effective_from=datetime.date(2025, 1, 1), minimum_kg="5000000"
            )
    return cooperative


def clear(cooperative) -> None:
    """Remove the lots, lineage, shipments and allocations an earlier build left."""
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (Allocation, Shipment, LotInput, Lot):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE cooperative_id = %s", [cooperative.pk])


def build(cooperative) -> None:
    """1,000,000 lots, their lineage, shipments and allocations, set-wise in SQL."""
    lot, link = Lot._meta.db_table, LotInput._meta.db_table
    shipment, allocation = Shipment._meta.db_table, Allocation._meta.db_table
    contract = Contract.objects.get(cooperative=cooperative)
    families = list(
        Family.objects.filter(cooperative=cooperative).order_by("code").values_list("pk", flat=True)
    )
    room = Association.objects.get(cooperative=cooperative).pk
    common = {"coop": cooperative.pk, "product": contract.product_id}
    steps = [
        (
            "barrels",
            f"""INSERT INTO {lot} (cooperative_id, product_id, kind, code, family_id, association_id,
                    harvested_on, collected_on, gross_kg, net_kg, moisture_pct, organic, status,
                    rejection_reason, currency, consumed_kg, allocated_kg, yield_warning, notes, recorded_at)
                SELECT %(coop)s, %(product)s, 'barrel', 'BR-' || lpad(g::text, 7, '0'),
                    (%(families)s::bigint[])[1 + g %% {FAMILIES}], %(room)s,
                    DATE '2024-01-01' + (g * 900 / {BARRELS}), DATE '2024-01-01' + (g * 900 / {BARRELS}),
                    21 + (g %% 11) / 10.0, 19.5 + (g %% 11) / 10.0, 17 + (g %% 25) / 10.0, true,
                    CASE WHEN g <= {IN_BATCHES} THEN 'consumed' ELSE 'accepted' END,
                    '', '', CASE WHEN g <= {IN_BATCHES} THEN 19.5 + (g %% 11) / 10.0 ELSE 0 END,
                    0, '', '', now()
                FROM generate_series(1, {BARRELS}) AS g""",
            {**common, "families": families, "room": room},
        ),
        (
            "export batches",
            f"""INSERT INTO {lot} (cooperative_id, product_id, kind, code, association_id, collected_on,
                    net_kg, organic, status, rejection_reason, currency, consumed_kg, allocated_kg,
                    yield_warning, notes, recorded_at)
                SELECT %(coop)s, %(product)s, 'batch', 'EX-' || lpad(b::text, 5, '0'), %(room)s,
                    DATE '2024-01-01' + (b * {BATCH_SIZE} * 900 / {BARRELS}) + 1, 20 * {BATCH_SIZE}, true,
                    'accepted', '', '',
                    0, 0, '', '', now()
                FROM generate_series(1, {BATCHES}) AS b""",
            {**common, "room": room},
        ),
        (
            "lineage",
            f"""INSERT INTO {link} (cooperative_id, output_id, source_id, kg)
                SELECT %(coop)s, batch.id, barrel.id, barrel.net_kg
                FROM {lot} AS barrel
                JOIN {lot} AS batch ON batch.cooperative_id = %(coop)s
                    AND batch.code
                        = 'EX-' || lpad(((substr(barrel.code, 4)::int - 1) / {BATCH_SIZE} + 1)::text, 5, '0')
                WHERE barrel.cooperative_id = %(coop)s AND barrel.kind = 'barrel'
                    AND substr(barrel.code, 4)::int <= {IN_BATCHES}""",
            common,
        ),
        (
            "batch weights",
            f"""UPDATE {lot} AS batch SET net_kg = inputs.kg
                FROM (SELECT output_id, SUM(kg) AS kg FROM {link} WHERE cooperative_id = %(coop)s
                      GROUP BY output_id) AS inputs
                WHERE batch.id = inputs.output_id""",
            common,
        ),
        (
            "shipments",
            f"""INSERT INTO {shipment} (cooperative_id, buyer_id, contract_id, product_id, reference,
                    invoice_reference, shipped_on, price_per_kg, currency, exchange_rate,
                    price_override_reason, fair_trade, organic, status, confirmed_at, paid_on)
                SELECT %(coop)s, %(buyer)s, %(contract)s, %(product)s, 'S-' || lpad(n::text, 4, '0'), '',
                    DATE '2024-02-01' + (n * 1000 / 310), 3.40, 'EUR', 5.80 + (n %% 10) / 20.0, '',
                    false, true,
                    CASE WHEN n >= {FIRST_DRAFT} THEN 'draft' ELSE 'paid' END,
                    CASE WHEN n >= {FIRST_DRAFT} THEN NULL ELSE now() END,
                    CASE WHEN n >= {FIRST_DRAFT} THEN NULL ELSE DATE '2024-02-01' + (n * 1000 / 310) + 30 END
                FROM generate_series(1, {FIRST_DRAFT + DRAFTS - 1}) AS n""",
            {**common, "buyer": contract.buyer_id, "contract": contract.pk},
        ),
        (
            "allocations",
            # Batch b: shipment (b - 1) / 5 + 1 for the first 450, shipment 91 for the last 50;
            # barrel 500,000 + k: shipment 92 + (k - 1) / 1,000; the drafts take a batch each.
            f"""INSERT INTO {allocation} (cooperative_id, shipment_id, lot_id, kg)
                SELECT %(coop)s, s.id, l.id, l.net_kg
                FROM (
                    SELECT id, net_kg, CASE
                        WHEN kind = 'batch' AND substr(code, 4)::int <= {IN_CONTAINERS}
                            THEN (substr(code, 4)::int - 1) / {CONTAINER_BATCHES} + 1
                        WHEN kind = 'batch' THEN {LARGE}
                        ELSE {LARGE + 1} + (substr(code, 4)::int - {SOLD_WHOLE[0]}) / {DRUM_BARRELS}
                    END AS n
                    FROM {lot}
                    WHERE cooperative_id = %(coop)s
                        AND (kind = 'batch'
                             OR substr(code, 4)::int BETWEEN {SOLD_WHOLE[0]} AND {SOLD_WHOLE[1]})
                ) AS l
                JOIN {shipment} AS s
                    ON s.cooperative_id = %(coop)s AND s.reference = 'S-' || lpad(l.n::text, 4, '0')
                UNION ALL
                SELECT %(coop)s, s.id, l.id, 100
                FROM generate_series(0, {DRAFTS - 1}) AS d
                JOIN {shipment} AS s ON s.cooperative_id = %(coop)s
                    AND s.reference = 'S-' || lpad(({FIRST_DRAFT} + d)::text, 4, '0')
                JOIN {lot} AS l ON l.cooperative_id = %(coop)s
                    AND l.code = 'EX-' || lpad((d + 1)::text, 5, '0')""",
            common,
        ),
        (
            "sold lots",
            f"""UPDATE {lot} AS l SET allocated_kg = sold.kg, status = 'shipped'
                FROM (SELECT a.lot_id, SUM(a.kg) AS kg FROM {allocation} AS a JOIN {shipment} AS s
                      ON s.id = a.shipment_id WHERE a.cooperative_id = %(coop)s AND s.status <> 'draft'
                      GROUP BY a.lot_id) AS sold
                WHERE l.id = sold.lot_id""",
            common,
        ),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for label, sql, params in steps:
            started = time.perf_counter()
            cursor.execute(sql, params)
            rows = cursor.rowcount
            # Fresh statistics for the next step's joins (without them PostgreSQL plans the
            # allocations' join to shipments as a nested loop: 90 s instead of 3).
            cursor.execute(f"ANALYZE {lot}, {link}, {shipment}, {allocation}")
            print(f"    {label:<16} {rows:>9,} rows  {time.perf_counter() - started:6.1f} s")


# --- The same questions, by hand ---------------------------------------------------------------

# The lots are fetched by `id = ANY(ARRAY(…))` rather than joined to the CTE: PostgreSQL
# cannot estimate a recursive CTE's rows (it guessed 67 million for 50,000) and would hash
# the whole lot table; the array makes it use the primary key. Both forms give the same rows.
TRACE_SQL = f"""
WITH RECURSIVE tree(lot_id) AS (
    SELECT lot_id FROM {Allocation._meta.db_table} WHERE shipment_id = %(shipment)s
    UNION
    SELECT link.source_id FROM {LotInput._meta.db_table} AS link JOIN tree ON link.output_id = tree.lot_id
)
SELECT lot.id, lot.code, lot.kind, lot.collected_on, lot.net_kg, lot.moisture_pct, lot.organic,
       product.code, family.id, family.code, family.household_name,
       point.id, point.code, point.name, home.id, home.code, home.name
FROM {Lot._meta.db_table} AS lot
JOIN coop_product AS product ON product.id = lot.product_id
LEFT JOIN coop_family AS family ON family.id = lot.family_id
LEFT JOIN coop_association AS point ON point.id = lot.association_id
LEFT JOIN coop_association AS home ON home.id = family.association_id
WHERE lot.id = ANY(ARRAY(SELECT lot_id FROM tree))
ORDER BY lot.collected_on, lot.code
"""

FULFILMENT_SQL = f"""
WITH years AS (
    SELECT c.id AS contract_id, c.currency, c.premium_per_kg,
           (c.starts_on + make_interval(years => n))::date AS starts_on,
           LEAST((c.starts_on + make_interval(years => n + 1))::date - 1, c.ends_on) AS ends_on
    FROM {Contract._meta.db_table} AS c,
         generate_series(0, EXTRACT(YEAR FROM age(c.ends_on, c.starts_on))::int) AS n
    WHERE c.id = %(contract)s
)
SELECT y.starts_on, y.ends_on,
       COALESCE((SELECT m.minimum_kg FROM {ContractMinimum._meta.db_table} AS m
                 WHERE m.contract_id = y.contract_id AND m.effective_from <= y.starts_on
                 ORDER BY m.effective_from DESC LIMIT 1),
                (SELECT m.minimum_kg FROM {ContractMinimum._meta.db_table} AS m
                 WHERE m.contract_id = y.contract_id ORDER BY m.effective_from LIMIT 1), 0) AS minimum_kg,
       COALESCE(SUM(a.kg), 0) AS delivered_kg,
       COALESCE(SUM(a.kg * s.price_per_kg) FILTER (WHERE s.currency = y.currency), 0) AS revenue,
       COALESCE(SUM(a.kg * s.price_per_kg * s.exchange_rate), 0) AS revenue_base,
       COALESCE(SUM(a.kg), 0) * y.premium_per_kg AS premium_due
FROM years AS y
LEFT JOIN {Shipment._meta.db_table} AS s
       ON s.contract_id = y.contract_id AND s.status <> 'draft'
      AND s.shipped_on BETWEEN y.starts_on AND y.ends_on
LEFT JOIN {Allocation._meta.db_table} AS a ON a.shipment_id = s.id
GROUP BY y.contract_id, y.starts_on, y.ends_on, y.premium_per_kg
ORDER BY y.starts_on
"""


def by_hand(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def timed(function, repeat: int) -> tuple[float, object]:
    """Median seconds of `repeat` runs (after one warm-up run), and the last answer."""
    answer, runs = function(), []
    for _ in range(repeat):
        started = time.perf_counter()
        answer = function()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), answer


def count_queries(function) -> int:
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured)


def compare(label: str, orm, hand, repeat: int) -> tuple:
    orm_s, orm_answer = timed(orm, repeat)
    hand_s, hand_answer = timed(hand, repeat)
    orm_queries, hand_queries = count_queries(orm), count_queries(hand)
    print(
        f"  {label:<34} {orm_s:8.3f} s ({orm_queries} queries)   by hand {hand_s:8.3f} s "
        f"({hand_queries} query)   ratio {orm_s / hand_s:5.2f} ×"
    )
    return orm_answer, hand_answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="build the lots again, even if they exist")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each question (median)")
    parser.add_argument(
        "--no-jit", action="store_true", help="SET jit = off for this session (both sides alike)"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at PostgreSQL: the benchmark builds its lots with generate_series.")

    cooperative = scratch_cooperative()
    lots = Lot.objects.filter(cooperative=cooperative).count()
    if args.rebuild or lots != BARRELS + BATCHES:
        print(f"Building {BARRELS + BATCHES:,} lots in co-op {SLUG!r}:")
        started = time.perf_counter()
        clear(cooperative)
        build(cooperative)
        print(f"    built in {time.perf_counter() - started:.1f} s")
    else:
        print(f"Reusing the {lots:,} lots of co-op {SLUG!r} (--rebuild to build them again).")
    # Production settings: no query log (DEBUG only keeps the settings module from asking
    # for production variables; a logged query formats its parameters, 50,000 ids here).
    settings.DEBUG = False

    if args.no_jit:
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]

    contract = Contract.objects.get(cooperative=cooperative)
    allocated = Allocation.objects.filter(shipment__contract=contract).count()
    print(
        f"PostgreSQL {connection.pg_version} (jit {jit}); "
        f"{Lot.objects.filter(cooperative=cooperative).count():,} lots, {allocated:,} allocations under "
        f"contract {contract.reference}; median of {args.repeat} runs"
    )

    # One container, five containers, and the large shipment of fifty.
    for number in (FIRST_DRAFT, 1, LARGE):
        shipment = Shipment.objects.get(cooperative=cooperative, reference=f"S-{number:04d}")
        trace, rows = compare(
            f"shipment_trace ({shipment.reference})",
            lambda shipment=shipment: shipment_trace(shipment=shipment),
            lambda shipment=shipment: by_hand(TRACE_SQL, {"shipment": shipment.pk}),
            args.repeat,
        )
        assert [lot.pk for lot in trace["lots"]] == [row[0] for row in rows]
        assert {family.pk for family in trace["families"]} == {row[8] for row in rows if row[8]}
        print(
            f"    {len(trace['lots']):,} lots, {len(trace['families']):,} families, "
            f"{len(trace['associations'])} association(s) behind it"
        )

    years, rows = compare(
        f"contract_fulfilment ({contract.reference})",
        lambda: contract_fulfilment(contract=contract, today=TODAY),
        lambda: by_hand(FULFILMENT_SQL, {"contract": contract.pk}),
        args.repeat,
    )
    assert [(y.starts_on, y.minimum_kg, y.delivered_kg) for y in years] == [
        (row[0], row[2], row[3]) for row in rows
    ]
    for year in years:
        print(
            f"    {year.starts_on.year}: {year.delivered_kg:,.0f} kg of {year.minimum_kg:,.0f} minimum, "
            f"revenue €{year.revenue:,.2f} (R$ {year.revenue_base:,.2f})"
        )


if __name__ == "__main__":
    main()
