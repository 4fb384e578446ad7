"""Benchmark: a certification evidence pack of a co-op with 1,000,000 lots, beside
PostgreSQL `COPY … TO` of the same rows, and the process's peak memory.

    DEBUG=true DATABASE_URL=postgres://.../mutirao_bench_reports .venv/bin/python bench/evidence_pack.py

1. Builds a scratch co-operative `bench-reports` once (a later run reuses it; `--rebuild`
   starts again): 1,000 families certified organic and fair trade (with the inspections
   that approved them), a buyer and a contract through the services, then with
   INSERT … SELECT over generate_series (no Python loop over rows), all in 2025:
   999,800 honey barrels (100 of them over the moisture limit), 200 export batches of
   1,000 barrels each (200,000 lineage rows), 100 fair-trade shipments of two batches and
   100 shipments of 1,000 barrels sold whole (100,200 allocations, 300,000 deliveries
   behind the shipments), and 100,000 advances (90 % paid).
2. Makes the pack of one month (2025-01), then of the whole year (2025) through
   `upgrading.reports.service` — the checks, the figures, every CSV streamed into the
   ZIP, the PDF, the store — printing the seconds of each part and the process's peak
   memory (`ru_maxrss`) after each: the year has twelve times the month's rows, and the
   peak should not move.
3. Runs `COPY (<the same SELECT>) TO STDOUT (FORMAT csv)` for every table of the pack,
   unformatted, read to the end and thrown away, and prints the pack's time beside it.

Prints figures; it is not a test. See bench/README.md.
"""

import argparse
import datetime
import os
import resource
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

from chain import services as chain_services  # noqa: E402
from chain.models import Allocation, Buyer, Contract, Shipment  # noqa: E402
from coop import services  # noqa: E402
from coop.models import (  # noqa: E402
    Association,
    Certification,
    Cooperative,
    Family,
    Inspection,
    Lot,
    LotInput,
    Member,
)
from upgrading.models import Advance, Report  # noqa: E402
from upgrading.reports import compliance, evidence, figures, pdf, service  # noqa: E402
from upgrading.reports.periods import parse_period  # noqa: E402

SLUG = "bench-reports"
FAMILIES = 1_000
BARRELS = 999_800
BATCH_SIZE = 1_000
BATCHES = 200  # barrels 1 .. 200,000 go into them
IN_BATCHES = BATCHES * BATCH_SIZE
FT_SHIPMENTS = 100  # two batches each
WHOLE_SHIPMENTS, WHOLE_BARRELS = 100, 1_000  # barrels 200,001 .. 300,000 sold whole
ADVANCED = (300_001, 400_000)  # barrels with an advance


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def scratch_cooperative() -> Cooperative:
    """The bench co-op, its families, certificates, buyer and contract (once, mostly through services)."""
    User = get_user_model()
    admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"is_superuser": True})
    cooperative = Cooperative.objects.filter(slug=SLUG).first()
    if cooperative is not None:
        return cooperative
    with transaction.atomic():
        cooperative = services.cooperative_create(
            actor=admin, name="Bench evidence pack", slug=SLUG, state="PI", municipality="Simplício Mendes"
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
        inspector = Member.objects.create(
            cooperative=cooperative,
            family=Family.objects.get(cooperative=cooperative, code="F00001"),
            name="Inspetora",
            gender=Member.Gender.FEMALE,
        )
        families = list(Family.objects.filter(cooperative=cooperative).order_by("pk"))
        Inspection.objects.bulk_create(
            Inspection(
                cooperative=cooperative,
                family=family,
                inspected_on=datetime.date(2025, 2, 1),
                inspector=inspector,
                result=Inspection.Result.COMPLIANT,
            )
            for family in families
        )
        approvals = dict(Inspection.objects.filter(cooperative=cooperative).values_list("family_id", "pk"))
        Certification.objects.bulk_create(
            Certification(
                cooperative=cooperative,
                family=family,
                scheme=scheme,
                standard="EU 2018/848" if scheme == "organic" else "Fairtrade SPO",
                reference=f"{scheme[:2].upper()}-{family.code}",
                valid_from=datetime.date(2024, 1, 1),
                valid_to=datetime.date(2026, 12, 31),
                approved_by_id=approvals[family.pk],
            )
            for family in families
            for scheme in ("organic", "fair_trade")
        )
        buyer = chain_services.buyer_create(
            actor=admin, cooperative=cooperative, name="Importer", country="DE", kind=Buyer.Kind.FAIR_TRADE
        )
        chain_services.contract_create(
            actor=admin,
            cooperative=cooperative,
            buyer=buyer,
            product=honey,
            reference="BENCH-2025",
            starts_on=datetime.date(2025, 1, 1),
            ends_on=datetime.date(2026, 12, 31),
            price_per_kg=Decimal("3.40"),
            currency="EUR",
            premium_per_kg=Decimal("0.40"),
            fair_trade=True,
            organic=True,
            minimum_kg=Decimal("4000000"),
        )
    return cooperative


def clear(cooperative) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (Advance, Allocation, Shipment, LotInput, Lot):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE cooperative_id = %s", [cooperative.pk])


def build(cooperative) -> None:
    """1,000,000 lots of 2025, their lineage, shipments, allocations and advances, in SQL."""
    lot, link = Lot._meta.db_table, LotInput._meta.db_table
    shipment, allocation, advance = Shipment._meta.db_table, Allocation._meta.db_table, Advance._meta.db_table
    contract = Contract.objects.get(cooperative=cooperative)
    families = list(
        Family.objects.filter(cooperative=cooperative).order_by("pk").values_list("pk", flat=True)
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
                    DATE '2025-01-01' + (g * 364 / {BARRELS}), DATE '2025-01-01' + (g * 364 / {BARRELS}),
                    21 + (g %% 11) / 10.0, 19.5 + (g %% 11) / 10.0,
                    CASE WHEN g %% 10000 = 5000 THEN 21.0 ELSE 16 + (g %% 40) / 10.0 END, true,
                    CASE WHEN g <= {IN_BATCHES} THEN 'consumed'
                         WHEN g <= {IN_BATCHES + WHOLE_SHIPMENTS * WHOLE_BARRELS} THEN 'shipped'
                         ELSE 'accepted' END,
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
                    DATE '2025-01-01' + (b * {BATCH_SIZE} * 364 / {BARRELS}) + 1, 20 * {BATCH_SIZE}, true,
                    'shipped', '', '', 0, 0, '', '', now()
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
            f"""UPDATE {lot} AS batch SET net_kg = inputs.kg, allocated_kg = inputs.kg
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
                SELECT %(coop)s, %(buyer)s, CASE WHEN n <= {FT_SHIPMENTS} THEN %(contract)s END, %(product)s,
                    'S-' || lpad(n::text, 4, '0'), '', DATE '2025-02-01' + (n * 300 / 200), 3.40, 'EUR',
                    5.80 + (n %% 10) / 20.0, '', n <= {FT_SHIPMENTS}, n <= {FT_SHIPMENTS}, 'shipped',
                    now(), NULL
                FROM generate_series(1, {FT_SHIPMENTS + WHOLE_SHIPMENTS}) AS n""",
            {**common, "buyer": contract.buyer_id, "contract": contract.pk},
        ),
        (
            "allocations",
            # Batches 2n-1 and 2n go to shipment n; barrel 200,000 + k to shipment 100 + (k-1)/1,000 + 1.
            f"""INSERT INTO {allocation} (cooperative_id, shipment_id, lot_id, kg)
                SELECT %(coop)s, s.id, l.id, l.net_kg
                FROM (
                    SELECT id, net_kg, CASE
                        WHEN kind = 'batch' THEN (substr(code, 4)::int + 1) / 2
                        ELSE {FT_SHIPMENTS} + (substr(code, 4)::int - {IN_BATCHES} - 1) / {WHOLE_BARRELS} + 1
                    END AS n
                    FROM {lot}
                    WHERE cooperative_id = %(coop)s
                        AND (kind = 'batch' OR (kind = 'barrel' AND substr(code, 4)::int
                             BETWEEN {IN_BATCHES + 1} AND {IN_BATCHES + WHOLE_SHIPMENTS * WHOLE_BARRELS}))
                ) AS l
                JOIN {shipment} AS s
                    ON s.cooperative_id = %(coop)s AND s.reference = 'S-' || lpad(l.n::text, 4, '0')""",
            common,
        ),
        (
            "sold barrels",
            f"""UPDATE {lot} AS l SET allocated_kg = l.net_kg
                WHERE l.cooperative_id = %(coop)s AND l.status = 'shipped' AND l.kind = 'barrel'""",
            common,
        ),
        (
            "advances",
            f"""INSERT INTO {advance} (cooperative_id, lot_id, family_id, kg, rate, reference_price_per_kg,
                    amount, currency, due_on, status, paid_on, method, payment_reference,
                    cancelled_reason, created_at)
                SELECT %(coop)s, l.id, l.family_id, l.net_kg, 0.5, 12.5, l.net_kg * 6.25, 'BRL',
                    l.collected_on + 7, CASE WHEN l.id %% 10 = 0 THEN 'due' ELSE 'paid' END,
                    CASE WHEN l.id %% 10 = 0 THEN NULL ELSE l.collected_on + 9 END,
                    CASE WHEN l.id %% 10 = 0 THEN '' ELSE 'pix' END, '', '', now()
                FROM {lot} AS l
                WHERE l.cooperative_id = %(coop)s AND l.kind = 'barrel'
                    AND substr(l.code, 4)::int BETWEEN {ADVANCED[0]} AND {ADVANCED[1]}""",
            common,
        ),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for label, sql, params in steps:
            started = time.perf_counter()
            cursor.execute(sql, params)
            rows = cursor.rowcount
            cursor.execute(f"ANALYZE {lot}, {link}, {shipment}, {allocation}")
            print(f"    {label:<16} {rows:>9,} rows  {time.perf_counter() - started:6.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # families, certificates, advances: statistics as autovacuum would keep


class Timer:
    """Seconds spent in the pack's parts: wraps the functions the service calls while in use."""

    def __init__(self):
        self.parts: dict[str, float] = {}
        self.files: dict[str, tuple[float, int, int]] = {}
        self.originals = []

    def __enter__(self):
        for owner, name, label in (
            (compliance, "run_checks", "checks"),
            (figures, "key_figures", "figures"),
            (pdf, "render_pdf", "PDF"),
        ):
            self._wrap(owner, name, label)
        original_add = evidence.PackWriter.add
        self.originals.append((evidence.PackWriter, "add", original_add))

        def add(writer, name, write):
            started = time.perf_counter()
            packed = original_add(writer, name, write)
            self.files[name] = (time.perf_counter() - started, packed.rows or 0, packed.size)
            return packed

        evidence.PackWriter.add = add
        return self

    def __exit__(self, *exc):
        for owner, name, original in self.originals:
            setattr(owner, name, original)
        return False

    def _wrap(self, owner, name: str, label: str):
        original = getattr(owner, name)
        self.originals.append((owner, name, original))

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.parts[label] = self.parts.get(label, 0.0) + time.perf_counter() - started

        setattr(owner, name, timed)


def make_pack(cooperative, period: str) -> tuple[Report, float, Timer]:
    report, _ = service.report_request(
        actor=None,
        cooperative=cooperative,
        kind="certification",
        period=period,
        regenerate=True,
        enqueue=False,
    )
    with Timer() as timer:
        started = time.perf_counter()
        report = service.report_run(report_id=report.pk)
        seconds = time.perf_counter() - started
    return report, seconds, timer


def copy_same_rows(cooperative, period) -> tuple[float, int, dict]:
    """COPY every table's SELECT, unformatted, read to the end and dropped."""
    seconds, total_bytes, each = 0.0, 0, {}
    with connection.cursor() as cursor:
        for table in evidence.record_tables(cooperative, period, scheme="", include_national_ids=False):
            statement = f"COPY ({table.sql}) TO STDOUT WITH (FORMAT csv)"
            if table.params:
                statement = cursor.mogrify(statement, table.params)
            started = time.perf_counter()
            size = 0
            with cursor.copy(statement) as copy:
                for block in copy:
                    size += len(block)
            elapsed = time.perf_counter() - started
            each[table.name] = (elapsed, cursor.rowcount, size)
            seconds += elapsed
            total_bytes += size
    return seconds, total_bytes, each


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="build the lots again, even if they exist")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at PostgreSQL: the benchmark builds its lots with generate_series.")
    settings.MEDIA_ROOT = ROOT / "bench" / "out" / "media"

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
    settings.DEBUG = False  # no query log, as in production
    print(f"PostgreSQL {connection.pg_version}; peak memory before the packs: {rss_mb():.0f} MB")

    results = {}
    for period in ("2025-01", "2025"):
        report, seconds, timer = make_pack(cooperative, period)
        results[period] = (report, seconds, timer)
        rows = sum(rows for _s, rows, _size in timer.files.values())
        print(
            f"\nPack {period}: {seconds:.1f} s, {rows:,} CSV rows, ZIP {report.size / 1e6:.1f} MB "
            f"(status {report.status}); peak memory so far {rss_mb():.0f} MB"
        )
        for label, part in timer.parts.items():
            print(f"    {label:<26} {part:7.2f} s")
        csv_seconds = sum(s for name, (s, _r, _z) in timer.files.items() if name.endswith(".csv"))
        print(f"    {'CSV files (stream + zip)':<26} {csv_seconds:7.2f} s")
        for name, (part, rows, size) in sorted(timer.files.items(), key=lambda item: -item[1][0])[:6]:
            print(f"      {name:<24} {part:7.2f} s  {rows:>9,} rows  {size / 1e6:8.1f} MB")

    period = parse_period("2025")
    copy_seconds, copy_bytes, each = copy_same_rows(cooperative, period)
    copy_rows = sum(rows for _s, rows, _z in each.values())
    report, seconds, timer = results["2025"]
    csv_seconds = sum(s for name, (s, _r, _z) in timer.files.items() if name.endswith(".csv"))
    print(
        f"\nCOPY of the same SELECTs, unformatted: {copy_seconds:.1f} s, {copy_rows:,} rows, "
        f"{copy_bytes / 1e6:.0f} MB"
    )
    for name, (part, rows, size) in sorted(each.items(), key=lambda item: -item[1][0])[:6]:
        print(f"      {name:<24} {part:7.2f} s  {rows:>9,} rows  {size / 1e6:8.1f} MB")
    with connection.cursor() as cursor:
        started = time.perf_counter()
        with cursor.copy(
            cursor.mogrify(
                f"COPY (SELECT * FROM {Lot._meta.db_table} WHERE cooperative_id = %s) TO STDOUT",
                [cooperative.pk],
            )
        ) as copy:
            for _block in copy:
                pass
        raw = time.perf_counter() - started
    print(f"COPY of the lots table alone (SELECT *, text format): {raw:.1f} s")
    print(
        f"\nPack / COPY: {seconds / copy_seconds:.1f} × (whole pack), {csv_seconds / copy_seconds:.1f} × "
        f"(its CSV files only); peak memory of the process {rss_mb():.0f} MB"
    )
    report.file.delete(save=False)  # keep the bench folder small; the record stays
    for other, _s, _t in results.values():
        if other.file:
            other.file.delete(save=False)


if __name__ == "__main__":
    main()
