"""Imports running at the same time as each other and as recording: no code given twice,
and a code taken between the check and the write refuses the whole file."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import translation

from coop import services
from coop.imports import ImportRejected, import_file
from coop.imports import lots as lots_module
from coop.models import Lot
from tests.coop.imports_data import LOT_HEADER, barrel, barrels, csv_bytes, honey_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*jobs):
    """Run each job in its own thread (its own connection); return what each returned or raised."""
    outcomes = [None] * len(jobs)

    def run(index, job):
        try:
            with translation.override("en"):
                outcomes[index] = job()
        except Exception as error:  # noqa: BLE001 - the test looks at whatever happened
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_concurrent_imports_and_recording_never_share_a_code(personas, coop_a, coop_b):
    honey = honey_world(coop_a, coop_b)
    start = threading.Barrier(3)

    def importing(actor):
        start.wait()
        return import_file(
            actor=actor,
            cooperative=coop_a,
            kind="lots",
            data=csv_bytes(LOT_HEADER, barrels(200)),
            filename="l.csv",
        )

    def recording():
        start.wait()
        return services.lot_record(
            actor=personas.staff,
            cooperative=coop_a,
            kind=Lot.Kind.BARREL,
            product=honey.honey,
            family=honey.active,
            association=honey.honey_room,
            collected_on=datetime.date(2026, 3, 1),
            net_kg=Decimal("20"),
            moisture_pct=Decimal("18"),
        )

    outcomes = run_together(lambda: importing(personas.staff), lambda: importing(personas.manager), recording)
    assert not any(isinstance(outcome, Exception) for outcome in outcomes), outcomes
    codes = list(Lot.objects.filter(cooperative=coop_a).values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == 401
    assert set(codes) == {f"BR26-{number:05d}" for number in range(1, 402)}


def test_a_code_saved_between_check_and_write_refuses_the_whole_file(personas, coop_a, coop_b, monkeypatch):
    honey_world(coop_a, coop_b)
    checked = threading.Barrier(2)
    give_codes = lots_module._give_codes

    def after_both_checked(*args, **kwargs):
        checked.wait()  # both files passed their checks; now both write
        return give_codes(*args, **kwargs)

    monkeypatch.setattr(lots_module, "_give_codes", after_both_checked)

    def importing(actor, rows):
        return import_file(
            actor=actor, cooperative=coop_a, kind="lots", data=csv_bytes(LOT_HEADER, rows), filename="l.csv"
        )

    outcomes = run_together(
        lambda: importing(personas.staff, [barrel(1, code="SAME-1"), *barrels(5)]),
        lambda: importing(personas.manager, [barrel(2, code="SAME-1"), *barrels(7)]),
    )
    refused = [o for o in outcomes if isinstance(o, ImportRejected)]
    assert len(refused) == 1, outcomes
    assert "saved by someone else meanwhile" in refused[0].problems[0].message
    created = next(o for o in outcomes if not isinstance(o, Exception)).created
    assert Lot.objects.filter(cooperative=coop_a).count() == created
    assert Lot.history.filter(cooperative=coop_a).count() == created
