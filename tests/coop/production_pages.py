"""Fixtures shared by the production page tests: a honey co-op site and a babassu one.

Use them by assigning in a test module (`honey = production_pages.honey`), which is how
pytest finds fixtures defined outside conftest.py.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from coop.models import Association, Lot
from tests.factories import AssociationFactory, FamilyFactory, LotFactory, ProductFactory

TODAY = datetime.date.today()


@pytest.fixture
def honey(coop_a):
    room = AssociationFactory(
        cooperative=coop_a, code="HR-01", name="Casa do Mel Boa Esperança", kind=Association.Kind.HONEY_ROOM
    )
    return SimpleNamespace(
        coop=coop_a,
        product=ProductFactory(cooperative=coop_a, code="HONEY", name="Mel orgânico"),
        room=room,
        family=FamilyFactory(cooperative=coop_a, association=room, code="F-001", household_name="Silva"),
    )


@pytest.fixture
def babassu(coop_a):
    nuts = ProductFactory(cooperative=coop_a, code="NUTS", name="Amêndoa de babaçu")
    oil = ProductFactory(
        cooperative=coop_a,
        code="OIL",
        name="Óleo de babaçu",
        made_from=nuts,
        expected_yield=Decimal("0.3000"),
    )
    cantina = AssociationFactory(
        cooperative=coop_a, code="CAN-01", name="Cantina Centro do Aguiar", kind=Association.Kind.CANTINA
    )
    return SimpleNamespace(
        coop=coop_a,
        nuts=nuts,
        oil=oil,
        cantina=cantina,
        family=FamilyFactory(cooperative=coop_a, association=cantina, code="B-001", household_name="Sousa"),
    )


def url(name, coop, *args):
    return reverse(name, args=[coop.slug, *args])


def purchase(babassu, *, kg="30.000", status=Lot.Status.ACCEPTED, **extra):
    return LotFactory(
        cooperative=babassu.coop,
        product=babassu.nuts,
        family=extra.pop("family", babassu.family),
        association=babassu.cantina,
        kind=Lot.Kind.NUT_PURCHASE,
        net_kg=kg,
        moisture_pct=None,
        price_per_kg="2.5000",
        currency="BRL",
        amount_paid=str(Decimal(kg) * Decimal("2.5")),
        status=status,
        **extra,
    )


@pytest.fixture
def english(settings):
    """Pages in English (the default is Portuguese), so messages read as in the code."""
    settings.LANGUAGE_CODE = "en"
