"""Two managers writing to the premium fund at the same moment, on two connections:
the fund's and the allocation's row locks make them queue, so the fund never allocates
more than it received and an allocation is never spent beyond its amount."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum

from tests.upgrading import premium_data
from tests.upgrading.premium_data import TODAY, decision
from upgrading.models import PremiumAllocation, PremiumFund, PremiumReceipt, PremiumSpending
from upgrading.services import premium as services

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

premium = premium_data.premium
media = premium_data.media


def _race(*calls) -> list[str]:
    """Run `calls` at the same moment on their own connections; each outcome is "ok" or
    the refusal's message."""
    start, outcomes = threading.Barrier(len(calls)), []

    def run(call):
        try:
            start.wait()
            call()
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == len(calls), "a writer hung: a deadlock or a lock never released"
    return outcomes


def test_concurrent_allocations_cannot_exceed_the_balance(premium, personas):
    premium.shipment(("1000",), rate="5.000000")  # R$1,500.00
    approval = decision(premium.coop)

    def allocate(actor, project):
        return lambda: services.premium_allocate(
            actor=actor,
            cooperative=premium.coop,
            project=project,
            category="schooling",
            decision=approval,
            allocated_on=TODAY,
            amount=Decimal("1000.00"),
        )

    outcomes = _race(allocate(personas.manager, "Escola"), allocate(personas.admin, "Cantina"))

    assert outcomes.count("ok") == 1, outcomes
    fund = PremiumFund.objects.get(cooperative=premium.coop)
    total = PremiumAllocation.objects.aggregate(total=Sum("amount"))["total"]
    assert fund.allocated == total == Decimal("1000.00")
    assert fund.balance == Decimal("500.00")


def test_concurrent_spending_cannot_overspend_an_allocation(premium, personas):
    premium.shipment(("1000",), rate="5.000000")
    allocation = premium.allocate("500.00")

    def spend(actor):
        return lambda: services.premium_spend(
            actor=actor, allocation=allocation, spent_on=TODAY, amount=Decimal("300.00"), description="Kits"
        )

    outcomes = _race(spend(personas.manager), spend(personas.admin))

    assert outcomes.count("ok") == 1, outcomes
    allocation.refresh_from_db()
    spent = PremiumSpending.objects.filter(allocation=allocation).aggregate(total=Sum("amount"))["total"]
    assert allocation.spent == spent == Decimal("300.00")
    assert PremiumFund.objects.get(cooperative=premium.coop).spent == Decimal("300.00")


def test_spending_and_allocating_at_once_neither_deadlock_nor_lose_an_update(premium, personas):
    premium.shipment(("1000",), rate="5.000000")  # R$1,500.00
    allocation = premium.allocate("500.00")
    approval = decision(premium.coop)

    outcomes = _race(
        lambda: services.premium_spend(
            actor=personas.manager,
            allocation=allocation,
            spent_on=TODAY,
            amount=Decimal("200.00"),
            description="x",
        ),
        lambda: services.premium_allocate(
            actor=personas.admin,
            cooperative=premium.coop,
            project="Cantina",
            category="cantina",
            decision=approval,
            allocated_on=TODAY,
            amount=Decimal("1000.00"),
        ),
    )

    assert outcomes == ["ok", "ok"]
    fund = PremiumFund.objects.get(cooperative=premium.coop)
    assert (fund.received, fund.allocated, fund.spent) == (
        Decimal("1500.00"),
        Decimal("1500.00"),
        Decimal("200.00"),
    )


def test_two_first_receipts_at_once_both_reach_the_new_fund(premium, personas):
    # No fund row yet: both payments create it (get_or_create) and must not lose a receipt.
    sales = [premium.shipment(("100",), rate="5.000000", status="shipped") for _ in range(2)]

    outcomes = _race(
        *[
            (
                lambda sale=sale, actor=actor: premium_data.chain.shipment_mark_paid(
                    actor=actor, shipment=sale, paid_on=premium_data.PAID
                )
            )
            for sale, actor in zip(sales, (personas.manager, personas.admin), strict=True)
        ]
    )

    assert outcomes == ["ok", "ok"]
    assert PremiumReceipt.objects.count() == 2
    assert PremiumFund.objects.get(cooperative=premium.coop).received == Decimal("300.00")
