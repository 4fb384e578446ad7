"""PostgreSQL, two connections at once: appends to one co-op queue on its head row, so the
chain never forks; two corrections of one entry, or two runs of the derived indicators
for one period, cannot both append."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tests.upgrading import ledger_data
from tests.upgrading.ledger_data import append, clear_ledger, year
from upgrading.models import LedgerEntry
from upgrading.selectors.ledger import verify_chain
from upgrading.services.ledger import derived_indicators_record

media = ledger_data.media
catalogue = ledger_data.catalogue

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalogue"),
]


@pytest.fixture(autouse=True)
def _empty_ledger_afterwards():
    # The test runner empties tables with TRUNCATE, which the triggers refuse on a ledger
    # with rows: empty it the way only a database owner can.
    yield
    clear_ledger()


def at_once(*calls):
    """Run the calls in threads released together; each its own connection."""
    start, outcomes = threading.Barrier(len(calls)), []

    def run(call):
        try:
            start.wait()
            outcomes.append(call())
        except ValidationError as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_concurrent_appends_never_fork_the_chain(coop_a, personas, media):
    append(personas.staff, coop_a, value="40")  # the head row exists

    def many(user, value):
        return lambda: [append(user, coop_a, "safety_incidents", value, period=year(0)) for _ in range(10)]

    outcomes = at_once(many(personas.staff, "1"), many(personas.manager, "2"))
    assert all(isinstance(o, list) for o in outcomes)
    sequences = sorted(LedgerEntry.objects.filter(cooperative=coop_a).values_list("sequence", flat=True))
    assert sequences == list(range(1, 22))
    result = verify_chain(cooperative=coop_a)
    assert result.intact and result.count == 21


def test_the_very_first_appends_race_for_the_head_row(coop_a, personas, media):
    outcomes = at_once(
        lambda: append(personas.staff, coop_a, value="40"),
        lambda: append(personas.manager, coop_a, value="41"),
    )
    assert all(isinstance(o, LedgerEntry) for o in outcomes)
    assert sorted(o.sequence for o in outcomes) == [1, 2]
    assert verify_chain(cooperative=coop_a).intact


def test_two_corrections_of_one_entry_one_wins(coop_a, personas, media):
    wrong = append(personas.staff, coop_a, value="14")
    outcomes = at_once(
        lambda: append(personas.staff, coop_a, value="41", supersedes=wrong),
        lambda: append(personas.manager, coop_a, value="42", supersedes=wrong),
    )
    errors = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(errors) == 1 and "#2" in str(errors[0].message_dict["supersedes"])  # corrected by #2
    assert LedgerEntry.objects.filter(supersedes=wrong).count() == 1
    assert verify_chain(cooperative=coop_a).intact


def test_two_runs_of_the_derived_indicators_append_once(coop_a, personas, world):
    first, last = year(0)
    outcomes = at_once(
        lambda: derived_indicators_record(cooperative=coop_a, period_from=first, period_to=last),
        lambda: derived_indicators_record(cooperative=coop_a, period_from=first, period_to=last),
    )
    appended = sorted(len(run.appended) for run in outcomes)
    assert appended[0] == 0 and appended[1] > 0
    codes = list(LedgerEntry.objects.filter(cooperative=coop_a).values_list("indicator__code", flat=True))
    assert len(codes) == len(set(codes))
    assert verify_chain(cooperative=coop_a).intact
