"""Fixtures shared by the value-chain page tests: a honey co-op selling to a fair-trade
importer under a contract, and a little of the same in co-op B (which A must never see).

Use them by assigning in a test module (`sales = chain_pages.sales`), as
tests/coop/production_pages.py does.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from chain import services
from chain.models import Buyer
from coop.models import Association
from tests.factories import (
    AssociationFactory,
    CertificationFactory,
    FamilyFactory,
    LotFactory,
    ProductFactory,
)

TODAY = datetime.date.today()
DELIVERED = TODAY - datetime.timedelta(days=30)
# A contract whose first year started 60 days ago: the list's bar has a pace to show.
STARTS = TODAY - datetime.timedelta(days=60)
ENDS = STARTS.replace(year=STARTS.year + 2) - datetime.timedelta(days=1)


def url(name, coop, *args):
    return reverse(name, args=[coop.slug, *args])


def _site(coop, manager, key):
    product = ProductFactory(cooperative=coop, code="HONEY", name="Mel orgânico")
    room = AssociationFactory(
        cooperative=coop, code=f"HR-{key}", name=f"Casa do Mel {key}", kind=Association.Kind.HONEY_ROOM
    )
    certified = FamilyFactory(
        cooperative=coop, association=room, code=f"F-CERT-{key}", household_name="Silva"
    )
    uncertified = FamilyFactory(
        cooperative=coop, association=room, code=f"F-NONE-{key}", household_name="Souza"
    )
    for scheme in ("organic", "fair_trade"):
        CertificationFactory(
            family=certified,
            scheme=scheme,
            valid_from=TODAY - datetime.timedelta(days=365),
            valid_to=TODAY + datetime.timedelta(days=365),
        )
    buyer = services.buyer_create(
        actor=manager, cooperative=coop, name=f"Importer {key}", country="it", kind=Buyer.Kind.FAIR_TRADE
    )
    contract = services.contract_create(
        actor=manager,
        cooperative=coop,
        buyer=buyer,
        product=product,
        reference=f"FT-{key}",
        starts_on=STARTS,
        ends_on=ENDS,
        price_per_kg=Decimal("3.0000"),
        currency="USD",
        premium_per_kg=Decimal("0.2000"),
        fair_trade=True,
        organic=True,
        max_moisture_pct=Decimal("19.00"),
        minimum_kg=Decimal("10800"),
    )

    def barrel(family=certified, kg="20", moisture="18.0", code=None):
        return LotFactory(
            cooperative=coop,
            product=product,
            family=family,
            association=room,
            net_kg=kg,
            moisture_pct=moisture,
            collected_on=DELIVERED,
            **({"code": code} if code else {}),
        )

    def shipment(lots, reference="S-1", **extra):
        data = dict(
            actor=manager,
            cooperative=coop,
            buyer=buyer,
            contract=contract,
            product=product,
            reference=reference,
            shipped_on=TODAY - datetime.timedelta(days=5),
            exchange_rate=Decimal("5.10"),
            allocations=lots,
        )
        data.update(extra)
        return services.shipment_create(**data)

    return SimpleNamespace(
        coop=coop,
        manager=manager,
        product=product,
        room=room,
        certified=certified,
        uncertified=uncertified,
        buyer=buyer,
        contract=contract,
        barrel=barrel,
        shipment=shipment,
    )


@pytest.fixture
def sales(coop_a, personas):
    return _site(coop_a, personas.manager, "A")


@pytest.fixture
def sales_b(coop_b, personas):
    """Co-op B's buyer, contract and a confirmed shipment, for tenancy tests."""
    site = _site(coop_b, personas.outsider, "B")
    lot = site.barrel(code="B-LOT-1")
    site.confirmed = site.shipment([(lot, "10")], reference="S-B")
    services.shipment_confirm(actor=personas.outsider, shipment=site.confirmed)
    site.lot = lot
    return site


def confirmed(site, lots, reference="S-OK"):
    shipment = site.shipment(lots, reference=reference)
    return services.shipment_confirm(actor=site.manager, shipment=shipment)


@pytest.fixture
def english(settings):
    """Pages in English (the default is Portuguese), so messages read as in the code."""
    settings.LANGUAGE_CODE = "en"
