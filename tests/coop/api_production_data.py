"""Production data for the API tests: the honey and babassu cases inside co-op A, and a
little of everything in co-op B that A's users must never reach."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from coop.models import Association, Family
from tests.factories import AssociationFactory, FamilyFactory, LotFactory, MemberFactory, ProductFactory

DAY = datetime.date.today() - datetime.timedelta(days=10)
HARVEST = DAY - datetime.timedelta(days=3)


def build(coop_a, coop_b) -> SimpleNamespace:
    room = AssociationFactory(cooperative=coop_a, code="HR-01", kind=Association.Kind.HONEY_ROOM)
    cantina = AssociationFactory(cooperative=coop_a, code="CAN-01", kind=Association.Kind.CANTINA)
    nuts = ProductFactory(cooperative=coop_a, code="NUTS", name="Amêndoa de babaçu")
    oil = ProductFactory(
        cooperative=coop_a, code="OIL", name="Óleo de babaçu", made_from=nuts, expected_yield=Decimal("0.3")
    )
    b_room = AssociationFactory(cooperative=coop_b, code="B-HR", kind=Association.Kind.HONEY_ROOM)
    b_honey = ProductFactory(cooperative=coop_b, code="B-HONEY", name="Mel B")
    b_family = FamilyFactory(cooperative=coop_b, association=b_room, code="B-F-001")
    return SimpleNamespace(
        coop=coop_a,
        room=room,
        cantina=cantina,
        honey=ProductFactory(cooperative=coop_a, code="HONEY", name="Mel orgânico"),
        nuts=nuts,
        oil=oil,
        soap=ProductFactory(
            cooperative=coop_a, code="SOAP", name="Sabonete", made_from=oil, expected_yield=Decimal("2")
        ),
        beekeeper=FamilyFactory(cooperative=coop_a, association=room, code="F-001"),
        breaker=FamilyFactory(cooperative=coop_a, association=cantina, code="B-001"),
        other_breaker=FamilyFactory(cooperative=coop_a, association=cantina, code="B-002"),
        suspended=FamilyFactory(
            cooperative=coop_a, association=room, code="F-SUSP", status=Family.Status.SUSPENDED
        ),
        inspector=MemberFactory(family=FamilyFactory(cooperative=coop_a, association=cantina, code="F-INSP")),
        b_room=b_room,
        b_honey=b_honey,
        b_family=b_family,
        b_lot=LotFactory(cooperative=coop_b, product=b_honey, family=b_family, code="B-LOT-1"),
        b_inspector=MemberFactory(family=b_family),
    )


def barrel(data, **overrides) -> dict:
    """The body of a honey barrel delivered at the honey room."""
    return {
        "cooperative": "coop-a",
        "kind": "barrel",
        "product": data.honey.pk,
        "family": data.beekeeper.pk,
        "association": data.room.pk,
        "harvested_on": HARVEST.isoformat(),
        "collected_on": DAY.isoformat(),
        "gross_kg": "21.500",
        "net_kg": "20.000",
        "moisture_pct": "18.50",
        **overrides,
    }


def nut_purchase(data, **overrides) -> dict:
    return {
        "cooperative": "coop-a",
        "kind": "nut_purchase",
        "product": data.nuts.pk,
        "family": data.breaker.pk,
        "association": data.cantina.pk,
        "collected_on": DAY.isoformat(),
        "net_kg": "30",
        "price_per_kg": "3.20",
        **overrides,
    }


def batch(product, inputs, net_kg, **overrides) -> dict:
    """`inputs`: (lot id, kg) pairs."""
    return {
        "cooperative": "coop-a",
        "product": product.pk,
        "inputs": [{"lot": lot, "kg": str(kg)} for lot, kg in inputs],
        "net_kg": str(net_kg),
        "collected_on": DAY.isoformat(),
        **overrides,
    }
