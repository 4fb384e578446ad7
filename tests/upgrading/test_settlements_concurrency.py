"""Two managers approving at the same moment, on two connections: one approval, never two."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tests.upgrading import settlements_data
from upgrading.models import Settlement
from upgrading.services.settlements import settlement_approve, settlement_open

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("english"),
]

honey = settlements_data.honey
english = settlements_data.english


def race(calls):
    """Run each (function, kwargs) in its own thread and connection, all released at once."""
    start, outcomes = threading.Barrier(len(calls)), []

    def run(function, kwargs):
        try:
            start.wait()
            function(**kwargs)
            outcomes.append("approved")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_managers_approving_the_same_settlement_approve_it_once(honey, personas):
    settlement = settlement_open(
        actor=honey.manager, season=honey.season, reference="SET-2025", levels=2, pool=Decimal("1000.01")
    )
    outcomes = race(
        [
            (settlement_approve, {"actor": personas.manager, "settlement": settlement}),
            (settlement_approve, {"actor": personas.admin, "settlement": settlement}),
        ]
    )
    # The second waits for the first's row lock, then finds the settlement approved.
    assert sorted(outcomes) == ["Settlement SET-2025 is already approved.", "approved"]
    settlement.refresh_from_db()
    assert settlement.status == "approved"
    assert settlement.history.filter(status="approved").count() == 1


def test_two_drafts_of_one_season_approved_at_once_leave_one_standing(honey, personas):
    one = settlement_open(actor=honey.manager, season=honey.season, reference="ONE", levels=2, pool="1000.01")
    two = settlement_open(actor=honey.manager, season=honey.season, reference="TWO", levels=1, pool="999.99")
    outcomes = race(
        [
            (settlement_approve, {"actor": personas.manager, "settlement": one}),
            (settlement_approve, {"actor": personas.admin, "settlement": two}),
        ]
    )
    assert outcomes.count("approved") == 1
    refused = next(outcome for outcome in outcomes if outcome != "approved")
    assert "must be a correction" in refused
    assert Settlement.objects.filter(status="approved").count() == 1
