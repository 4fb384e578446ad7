"""Benchmark: import N honey barrels from CSV through the real import path, against raw COPY.

    DEBUG=true DATABASE_URL=postgres://... .venv/bin/python bench/import_lots.py --rows 100000

1. Sets up a scratch co-operative `bench-import` (1,000 families, a honey room, honey) once,
   and removes the lots a previous run left there.
2. Writes N barrel rows to a CSV file (blank codes, so the import generates them).
3. Imports the file as a staff member would (coop.imports.import_file): a dry run
   (reading and checking only), then the real import (checking, codes, lots, history).
4. Loads the same file with PostgreSQL COPY into a scratch table with the file's columns.
5. Prints rows/s for both, the ratio, and the process's peak memory (max RSS).

Prints figures; it is not a test and asserts nothing. See bench/README.md.
"""

import argparse
import csv
import datetime
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from coop import services  # noqa: E402
from coop.imports import LOT_FILE, import_file  # noqa: E402
from coop.imports import lots as lots_import  # noqa: E402
from coop.models import Association, Cooperative, Lot, LotCodeSequence, Role  # noqa: E402

SLUG = "bench-import"
FAMILIES = 1_000


PHASES: dict[str, float] = {}


def timed(name: str, function):
    """`function`, adding the seconds it takes to PHASES[name] (to show where time goes)."""

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            PHASES[name] = PHASES.get(name, 0.0) + time.perf_counter() - started

    return wrapper


def rss_mb() -> float:
    """The current resident memory of this process."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def scratch_cooperative():
    """The bench co-op, its staff member and families (made once, through the services)."""
    User = get_user_model()
    admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"is_superuser": True})
    staff, _ = User.objects.get_or_create(username="bench-staff")
    cooperative = Cooperative.objects.filter(slug=SLUG).first()
    if cooperative is None:
        with transaction.atomic():
            cooperative = services.cooperative_create(
                actor=admin, name="Bench co-op", slug=SLUG, state="PI", municipality="Simplício Mendes"
            )
            services.membership_grant(actor=admin, cooperative=cooperative, user=staff, role=Role.STAFF)
            services.product_create(actor=admin, cooperative=cooperative, code="HONEY", name="Mel orgânico")
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
    return cooperative, staff


def clear_lots(cooperative) -> None:
    """Remove the lots (and their history and code counters) an earlier run left."""
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (Lot.history.model, Lot, LotCodeSequence):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE cooperative_id = %s", [cooperative.pk])


def write_csv(path: Path, rows: int, seed: int) -> None:
    """N barrels of the bench co-op: 1,000 families, 2025 deliveries, some too wet."""
    rng = random.Random(seed)
    start = datetime.date(2025, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(LOT_FILE.names)
        for _ in range(rows):
            collected = start + datetime.timedelta(days=rng.randrange(300))
            net = rng.randrange(150, 250) / 10
            writer.writerow(
                [
                    "barrel",
                    "",  # the import gives codes: BR25-00001, ...
                    f"F{rng.randrange(1, FAMILIES + 1):05d}",
                    "HR-01",
                    "HONEY",
                    (collected - datetime.timedelta(days=rng.randrange(1, 20))).isoformat(),
                    collected.isoformat(),
                    f"{net + 1.5:.1f}",
                    f"{net:.1f}",
                    f"{rng.randrange(160, 210) / 10:.1f}",  # above 20.0: recorded as rejected
                    "",  # organic: taken from the family's certification
                    "",
                    "",
                ]
            )


def copy_baseline(path: Path) -> float:
    """Seconds to COPY the same file into a scratch table with the file's columns (committed)."""
    table = "bench_copy_lots"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"""CREATE TABLE {table} (
                kind text, code text, family text, association text, product text,
                harvested_on date, collected_on date, gross_kg numeric(12, 3), net_kg numeric(12, 3),
                moisture_pct numeric(5, 2), organic boolean, price_per_kg numeric(12, 4), notes text)"""
        )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            with path.open("rb") as source:
                while block := source.read(1 << 20):
                    copy.write(block)
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {table}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1994)
    parser.add_argument("--keep", action="store_true", help="leave the imported lots in the database")
    parser.add_argument("--no-dry-run", action="store_true", help="skip the checking-only pass")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at PostgreSQL: the benchmark compares with COPY.")

    cooperative, staff = scratch_cooperative()
    clear_lots(cooperative)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "barrels.csv"
        write_csv(path, args.rows, args.seed)
        data = path.read_bytes()
        megabytes = len(data) / 2**20
        print(f"{args.rows:,} barrel rows, {megabytes:.1f} MB of CSV; PostgreSQL {connection.pg_version}")
        baseline_rss = rss_mb()

        if not args.no_dry_run:
            started = time.perf_counter()
            import_file(
                actor=staff, cooperative=cooperative, kind="lots", data=data, filename=path.name, dry_run=True
            )
            checked = time.perf_counter() - started
            print(f"  dry run (read + check)   {checked:7.2f} s  {args.rows / checked:>10,.0f} rows/s")

        lots_import._give_codes = timed("codes", lots_import._give_codes)
        lots_import._insert = timed("write", lots_import._insert)
        connection.commit = timed("commit", connection.commit)
        started = time.perf_counter()
        result = import_file(actor=staff, cooperative=cooperative, kind="lots", data=data, filename=path.name)
        imported = time.perf_counter() - started
        peak = peak_rss_mb()
        assert result.created == args.rows == Lot.objects.filter(cooperative=cooperative).count()
        print(f"  import (check + write)   {imported:7.2f} s  {args.rows / imported:>10,.0f} rows/s")
        counts = result.counts
        print(
            f"    {counts['accepted']:,} accepted, {counts['rejected']:,} rejected (moisture); of the time:"
        )
        print(f"    lot codes, one block reserved      {PHASES['codes']:6.2f} s")
        print(f"    lots + history written (COPY)      {PHASES['write']:6.2f} s")
        print(f"    commit (deferred foreign keys)     {PHASES['commit']:6.2f} s")
        rest = imported - PHASES["codes"] - PHASES["write"] - PHASES["commit"]
        print(f"    read + check                       {rest:6.2f} s")

        copied = copy_baseline(path)
        print(f"  COPY into scratch table  {copied:7.2f} s  {args.rows / copied:>10,.0f} rows/s")
    print(f"  import / COPY            {imported / copied:7.1f} ×")
    above = peak - baseline_rss
    print(
        f"  peak memory (max RSS)    {peak:7.0f} MB  ({above:.0f} MB above the {baseline_rss:.0f} MB before)"
    )
    if not args.keep:
        clear_lots(cooperative)


if __name__ == "__main__":
    main()
