"""Value-chain data for the API tests: the honey case inside co-op A (a fair-trade and
organic importer's contract, a local buyer, certified and uncertified families) and a
little of everything in co-op B that A's users must never reach."""

import datetime
import json
from decimal import Decimal
from types import SimpleNamespace

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

DAY = datetime.date(2026, 3, 10)  # barrels collected
SHIPPED = datetime.date(2026, 3, 12)


def build(coop_a, coop_b, personas) -> SimpleNamespace:
    manager = personas.manager
    honey = ProductFactory(cooperative=coop_a, code="HONEY", name="Mel orgânico")
    wax = ProductFactory(cooperative=coop_a, code="WAX", name="Cera")
    room = AssociationFactory(cooperative=coop_a, code="HR-01", kind=Association.Kind.HONEY_ROOM)
    certified = FamilyFactory(cooperative=coop_a, association=room, code="F-CERT")
    uncertified = FamilyFactory(cooperative=coop_a, association=room, code="F-NONE")
    for scheme in ("organic", "fair_trade"):
        CertificationFactory(family=certified, scheme=scheme)
    importer = services.buyer_create(
        actor=manager, cooperative=coop_a, name="Importer", country="IT", kind=Buyer.Kind.FAIR_TRADE
    )
    local = services.buyer_create(
        actor=manager, cooperative=coop_a, name="Mercado local", country="BR", kind=Buyer.Kind.LOCAL
    )
    contract = services.contract_create(
        actor=manager,
        cooperative=coop_a,
        buyer=importer,
        product=honey,
        reference="FT-2026",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
        price_per_kg=Decimal("3.00"),
        currency="USD",
        premium_per_kg=Decimal("0.20"),
        fair_trade=True,
        organic=True,
        max_moisture_pct=Decimal("19.00"),
        minimum_kg=Decimal("10800"),
    )

    b_manager = personas.outsider
    b_honey = ProductFactory(cooperative=coop_b, code="B-HONEY", name="Mel B")
    b_family = FamilyFactory(cooperative=coop_b, code="B-F-001")
    b_lot = LotFactory(cooperative=coop_b, product=b_honey, family=b_family, code="B-LOT-1", collected_on=DAY)
    b_buyer = services.buyer_create(
        actor=b_manager, cooperative=coop_b, name="B buyer", country="DE", kind=Buyer.Kind.EXPORTER
    )
    b_contract = services.contract_create(
        actor=b_manager,
        cooperative=coop_b,
        buyer=b_buyer,
        product=b_honey,
        reference="B-CONTRACT",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
        price_per_kg=Decimal("2.00"),
        currency="EUR",
    )
    b_shipment = services.shipment_create(
        actor=b_manager,
        cooperative=coop_b,
        buyer=b_buyer,
        contract=b_contract,
        product=b_honey,
        reference="B-SHIP-1",
        shipped_on=SHIPPED,
        exchange_rate=Decimal("6"),
        allocations=[(b_lot, "10")],
    )

    def barrel(family=certified, kg="20", moisture="18.0", code=None, product=honey):
        return LotFactory(
            cooperative=coop_a,
            product=product,
            family=family,
            association=room,
            net_kg=kg,
            moisture_pct=moisture,
            collected_on=DAY,
            **({"code": code} if code else {}),
        )

    return SimpleNamespace(
        coop=coop_a,
        honey=honey,
        wax=wax,
        room=room,
        certified=certified,
        uncertified=uncertified,
        importer=importer,
        local=local,
        contract=contract,
        barrel=barrel,
        b_honey=b_honey,
        b_family=b_family,
        b_lot=b_lot,
        b_buyer=b_buyer,
        b_contract=b_contract,
        b_shipment=b_shipment,
    )


def shipment_body(data, lots=(), **overrides) -> dict:
    """A fair-trade sale under the contract; `lots`: (lot, kg) pairs."""
    return {
        "cooperative": "coop-a",
        "buyer": data.importer.pk,
        "contract": data.contract.pk,
        "product": data.honey.pk,
        "reference": "S-1",
        "shipped_on": SHIPPED.isoformat(),
        "exchange_rate": "5.10",
        "allocations": [{"lot": lot.pk, "kg": str(kg)} for lot, kg in lots],
        **overrides,
    }


def contract_body(data, **overrides) -> dict:
    return {
        "cooperative": "coop-a",
        "buyer": data.importer.pk,
        "product": data.honey.pk,
        "reference": "FT-2027",
        "starts_on": "2027-01-01",
        "ends_on": "2028-12-31",
        "price_per_kg": "3.2500",
        "currency": "USD",
        "premium_per_kg": "0.2000",
        "fair_trade": True,
        "organic": False,
        "max_moisture_pct": "19.00",
        "advance_rate": "0.5000",
        "minimum_kg": "10800",
        **overrides,
    }


def post_json(api, url, data, **headers):
    # Serialised here (ASCII escapes) so NULs and lone surrogates reach the server as JSON allows.
    return api.generic("POST", url, json.dumps(data), content_type="application/json", **headers)


def put_json(api, url, data):
    return api.generic("PUT", url, json.dumps(data), content_type="application/json")
