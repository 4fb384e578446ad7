"""Two clerks recording the payment of the same advance at the same moment: one succeeds,
the other is told it was already paid (row lock, two connections, PostgreSQL)."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from tests.upgrading import advances_data
from tests.upgrading.advances_data import DAY, barrel
from upgrading.models import Advance
from upgrading.services import advances as services

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_payments_of_one_advance_pay_it_once(coop_a, coop_b, personas):
    data = advances_data.build(coop_a, coop_b, personas)
    advance = barrel(personas.staff, coop_a, product=data.honey, family=data.silva).advance
    first_paid, release, outcomes = threading.Event(), threading.Event(), {}

    def first():
        # Pays, then keeps its transaction open until the second clerk has tried too.
        try:
            with transaction.atomic():
                services.advance_pay(actor=personas.staff, advance=advance, paid_on=DAY, method="cash")
                first_paid.set()
                release.wait(timeout=10)
            outcomes["first"] = "paid"
        finally:
            connection.close()

    def second():
        try:
            first_paid.wait(timeout=10)
            services.advance_pay(actor=personas.manager, advance=advance, paid_on=DAY, method="pix")
            outcomes["second"] = "paid"
        except ValidationError as error:
            outcomes["second"] = error.message_dict
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_paid.wait(timeout=10)
    time.sleep(0.5)  # the second clerk is now waiting on the row lock (without it: paying)
    release.set()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes["first"] == "paid"
    assert "status" in outcomes["second"], outcomes
    advance.refresh_from_db()
    assert (advance.status, advance.method, advance.paid_by) == ("paid", "cash", personas.staff)
    assert advance.history.filter(status=Advance.Status.PAID).count() == 1


def test_paying_while_the_lot_is_rejected_leaves_one_consistent_outcome(coop_a, coop_b, personas):
    """Rejecting the lot cancels a due advance; paying it at the same moment either wins
    (the advance stays paid) or finds it cancelled, never both."""
    from coop import services as coop_services

    data = advances_data.build(coop_a, coop_b, personas)
    lot = barrel(personas.staff, coop_a, product=data.honey, family=data.silva)
    advance = lot.advance
    start, outcomes = threading.Barrier(2), []

    def pay():
        try:
            start.wait()
            services.advance_pay(actor=personas.staff, advance=advance, paid_on=DAY, method="cash")
            outcomes.append("paid")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    def reject():
        try:
            start.wait()
            coop_services.lot_reject(actor=personas.manager, lot=lot, reason="Fermented")
            outcomes.append("rejected")
        finally:
            connection.close()

    threads = [threading.Thread(target=pay), threading.Thread(target=reject)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    advance.refresh_from_db()
    assert "rejected" in outcomes
    if "paid" in outcomes:
        assert advance.status == Advance.Status.PAID
    else:
        assert advance.status == Advance.Status.CANCELLED
