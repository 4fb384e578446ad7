"""Two staff consuming the same input lot at the same moment cannot over-consume it."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from coop import services
from coop.models import Lot
from tests.factories import FamilyFactory, LotFactory, ProductFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_batches_cannot_over_consume_one_lot(coop_a, personas):
    honey = ProductFactory(cooperative=coop_a, code="HONEY")
    barrel = LotFactory(
        cooperative=coop_a, product=honey, family=FamilyFactory(cooperative=coop_a), net_kg="30"
    )
    start = threading.Barrier(2)
    outcomes = []

    def consume(actor):
        try:
            start.wait()
            services.batch_create(
                actor=actor,
                cooperative=coop_a,
                product=honey,
                inputs=[(barrel, "20")],
                net_kg="20",
                collected_on=datetime.date(2026, 3, 11),
            )
            outcomes.append("made")
        except ValidationError as error:
            outcomes.append(str(error))
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=consume, args=(user,)) for user in (personas.staff, personas.manager)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(o == "made" for o in outcomes) == [False, True]
    assert "10.000" in next(o for o in outcomes if o != "made")
    barrel.refresh_from_db()
    assert barrel.consumed_kg == Decimal("20.000")
    assert Lot.objects.filter(kind=Lot.Kind.BATCH).count() == 1
