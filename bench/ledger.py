"""Benchmark: appending to the indicator ledger, and verifying a chain of 1,000,000 entries.

    createdb mutirao_bench_ledger
    export DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/mutirao_bench_ledger
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/ledger.py [--appends 2000] [--entries 1000000] [--rebuild]

1. Appends `--appends` manual entries one at a time through `ledger_append` (the page's
   and the API's path: checks, head row lock, hash, insert, head update, one transaction
   each) to a scratch co-op, then the same number with a 10 kB evidence file each; prints
   entries/s.
2. Builds, once (a later run reuses them; `--rebuild` starts again), two scratch co-ops
   whose chains hold 100,000 and `--entries` entries: the hashes computed in Python with
   `upgrading.ledger_hash` exactly as appends compute them, the rows loaded with COPY.
3. Verifies both with `upgrading.selectors.ledger.verify_chain` (the command's, the API's
   and the auditor page's code) and prints entries/s; then verifies both again under
   tracemalloc and prints the peak memory of each: the same for 100,000 and 1,000,000
   entries, since verification streams.

Prints figures; it is not a test. See bench/README.md.
"""

import argparse
import datetime
import io
import os
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
from django.core.files.base import ContentFile  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from coop import services as coop_services  # noqa: E402
from coop.models import Cooperative  # noqa: E402
from upgrading.ledger_hash import GENESIS_HASH, entry_hash  # noqa: E402
from upgrading.models import Indicator, LedgerEntry, LedgerHead  # noqa: E402
from upgrading.selectors.ledger import verify_chain  # noqa: E402
from upgrading.services import ledger as services  # noqa: E402

APPEND_SLUG = "bench-ledger-append"
SMALL = 100_000
RECORDED_AT = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
COLUMNS = (
    "cooperative_id",
    "sequence",
    "indicator_id",
    "scope",
    "period_from",
    "period_to",
    "value",
    "unit",
    "source",
    "parameters",
    "note",
    "recorded_at",
    "previous_hash",
    "hash",
)


def admin_user():
    User = get_user_model()
    user, _ = User.objects.get_or_create(username="bench-admin", defaults={"is_superuser": True})
    return user


def cooperative(slug: str, admin) -> Cooperative:
    found = Cooperative.objects.filter(slug=slug).first()
    if found is None:
        found = coop_services.cooperative_create(
            actor=admin, name=f"Bench {slug}", slug=slug, state="MA", municipality="Lago do Junco"
        )
    return found


# --- 1. Appends ---------------------------------------------------------------------------


def bench_appends(admin, n: int) -> None:
    coop = cooperative(f"{APPEND_SLUG}-{int(time.time())}", admin)  # a fresh chain each run
    settings.MEDIA_ROOT = Path("/tmp/mutirao-bench-ledger-media")
    today = datetime.date.today()
    for label, with_file in (("without evidence", False), ("with a 10 kB evidence file", True)):
        started = time.perf_counter()
        for i in range(n):
            evidence = []
            if with_file:
                evidence = [ContentFile(b"indicador,valor\n" + str(i).encode() * 2000, name=f"e{i}.csv")]
            services.ledger_append(
                actor=admin,
                cooperative=coop,
                indicator="safety_incidents",
                period_from=today.replace(day=1),
                period_to=today,
                value=str(i % 50),
                note="bench",
                evidence=evidence,
            )
        seconds = time.perf_counter() - started
        print(f"append {label}: {n} entries in {seconds:.1f} s = {n / seconds:,.0f} entries/s")


# --- 2. A long chain, built with COPY -------------------------------------------------------------


def rows(coop_id: int, indicator: Indicator, count: int):
    """Each entry as COPY text, hashed exactly as `_append` hashes it; the previous hash
    carried along, nothing else kept."""
    previous = GENESIS_HASH
    period_from, period_to = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
    for sequence in range(1, count + 1):
        value = Decimal(sequence % 100_000).quantize(Decimal("0.0001"))
        recorded_at = RECORDED_AT + datetime.timedelta(microseconds=sequence)
        digest = entry_hash(
            cooperative_id=coop_id,
            sequence=sequence,
            previous_hash=previous,
            indicator_code=indicator.code,
            scope="cooperative",
            association_id=None,
            family_id=None,
            period_from=period_from,
            period_to=period_to,
            value=value,
            unit="count",
            source="manual",
            parameters={},
            note="",
            recorded_by_id=None,
            recorded_at=recorded_at,
            supersedes_sequence=None,
            evidence_sha256=(),
        )
        yield (
            f"{coop_id}\t{sequence}\t{indicator.pk}\tcooperative\t2025-01-01\t2025-12-31\t{value}\tcount\t"
            f"manual\t{{}}\t\t{recorded_at.isoformat()}\t{previous}\t{digest}\n"
        )
        previous = digest


def build_chain(admin, slug: str, count: int, rebuild: bool) -> Cooperative:
    coop = cooperative(slug, admin)
    have = LedgerEntry.objects.filter(cooperative=coop).count()
    if have == count and not rebuild:
        print(f"{slug}: reusing {count:,} entries")
        return coop
    if have:  # --rebuild: a new co-op (the old chain stays where it is: it can never be deleted)
        coop = cooperative(f"{slug}-{int(time.time())}", admin)
    indicator = Indicator.objects.get(code="safety_incidents")
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            psycopg_cursor = cursor.cursor
            with psycopg_cursor.copy(f"COPY upgrading_ledgerentry ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                buffer = io.StringIO()
                for index, line in enumerate(rows(coop.pk, indicator, count), start=1):
                    buffer.write(line)
                    if index % 10_000 == 0:
                        copy.write(buffer.getvalue())
                        buffer = io.StringIO()
                copy.write(buffer.getvalue())
        last = (
            LedgerEntry.objects.filter(cooperative=coop)
            .order_by("-sequence")
            .values_list("sequence", "hash")[0]
        )
        LedgerHead.objects.update_or_create(cooperative=coop, defaults={"sequence": last[0], "hash": last[1]})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE upgrading_ledgerentry")
    seconds = time.perf_counter() - started
    print(f"{coop.slug}: built {count:,} entries (hashes in Python, COPY) in {seconds:.1f} s")
    return coop


# --- 3. Verification ---------------------------------------------------------------------------------


def bench_verify(coop: Cooperative, count: int) -> None:
    started = time.perf_counter()
    result = verify_chain(cooperative=coop)
    seconds = time.perf_counter() - started
    assert result.intact and result.count == count, result
    rate = count / seconds
    print(
        f"verify {count:,} entries: {seconds:.1f} s = {rate:,.0f} entries/s (intact, head {result.head[:16]})"
    )


def peak_memory(coop: Cooperative, count: int) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    result = verify_chain(cooperative=coop)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.intact and result.count == count
    print(f"verify {count:,} entries under tracemalloc: peak {peak / 1024 / 1024:.1f} MiB")
    return peak


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL (it loads the chains with COPY): set DATABASE_URL.")
    services.catalogue_install()
    admin = admin_user()
    if args.appends:
        bench_appends(admin, args.appends)
    small = build_chain(admin, f"bench-ledger-{SMALL}", SMALL, args.rebuild)
    large = build_chain(admin, f"bench-ledger-{args.entries}", args.entries, args.rebuild)
    bench_verify(small, SMALL)
    bench_verify(large, args.entries)
    small_peak = peak_memory(small, SMALL)
    large_peak = peak_memory(large, args.entries)
    print(f"peak memory, {args.entries:,} against {SMALL:,} entries: ×{large_peak / small_peak:.2f}")


if __name__ == "__main__":
    main()
