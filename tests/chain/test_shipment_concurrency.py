"""Two managers confirming shipments of the same lot at the same moment cannot oversell it."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from chain import services
from chain.models import Buyer
from tests.factories import FamilyFactory, LotFactory, ProductFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_confirmations_cannot_oversell_a_lot(coop_a, personas):
    honey = ProductFactory(cooperative=coop_a, code="HONEY")
    lot = LotFactory(cooperative=coop_a, product=honey, family=FamilyFactory(cooperative=coop_a), net_kg="30")
    buyer = services.buyer_create(
        actor=personas.manager, cooperative=coop_a, name="Local", country="BR", kind=Buyer.Kind.LOCAL
    )
    shipments = [
        services.shipment_create(
            actor=personas.manager,
            cooperative=coop_a,
            buyer=buyer,
            product=honey,
            reference=f"S-{n}",
            shipped_on=datetime.date(2026, 3, 12),
            price_per_kg=Decimal("12"),
            allocations=[(lot, "20")],
        )
        for n in (1, 2)
    ]
    start, outcomes = threading.Barrier(2), []

    def confirm(actor, shipment):
        try:
            start.wait()
            services.shipment_confirm(actor=actor, shipment=shipment)
            outcomes.append("confirmed")
        except ValidationError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=confirm, args=(actor, shipment))
        for actor, shipment in zip((personas.manager, personas.admin), shipments, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes, key=len)[0] == "confirmed"
    assert outcomes.count("confirmed") == 1
    lot.refresh_from_db()
    assert lot.allocated_kg == Decimal("20.000")
