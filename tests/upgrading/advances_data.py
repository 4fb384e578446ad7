"""Data for the advances and assemblies tests: the honey case in co-op A (a season at 50%
of a reference price, a foreign fair-trade contract, honey rooms and families) and a
little of the same in co-op B, which A's people must never reach."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile

from chain import services as chain_services
from chain.models import Buyer
from coop import services as coop_services
from coop.models import Association, Lot
from tests.factories import AssociationFactory, FamilyFactory, ProductFactory
from upgrading.services import advances as advance_services
from upgrading.services import assemblies as assembly_services

DAY = datetime.date(2026, 3, 10)  # barrels delivered
SEASON_START = datetime.date(2026, 1, 1)
SEASON_END = datetime.date(2026, 6, 30)
PDF_BYTES = b"%PDF-1.4\n% minutes of the assembly\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf_upload(name="ata.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def exe_upload(name="ata.pdf"):
    return SimpleUploadedFile(name, b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", content_type="application/pdf")


def barrel(actor, coop, *, product, family, kg="20.000", day=DAY, moisture="18.0", **extra) -> Lot:
    """A honey barrel recorded the way a honey room records it (so the signal is sent).

    Its kilograms are chosen for the arithmetic of advances, not to look like a real
    barrel: an unusual weight (coop.plausibility) is confirmed."""
    extra.setdefault("confirm_unusual", True)
    return coop_services.lot_record(
        actor=actor,
        cooperative=coop,
        kind=Lot.Kind.BARREL,
        product=product,
        family=family,
        association=family.association,
        collected_on=day,
        net_kg=kg,
        moisture_pct=moisture,
        **extra,
    )


def build(coop_a, coop_b, personas, *, season_price=Decimal("12.5000"), season_rate=Decimal("0.5")):
    """Honey in A with a season at `season_rate` × `season_price`; the same in B."""
    manager = personas.manager
    honey = ProductFactory(cooperative=coop_a, code="HONEY", name="Mel orgânico")
    wax = ProductFactory(cooperative=coop_a, code="WAX", name="Cera")
    room = AssociationFactory(cooperative=coop_a, code="HR-01", kind=Association.Kind.HONEY_ROOM)
    other_room = AssociationFactory(cooperative=coop_a, code="HR-02", kind=Association.Kind.HONEY_ROOM)
    silva = FamilyFactory(cooperative=coop_a, association=room, code="F-001", household_name="Silva")
    sousa = FamilyFactory(cooperative=coop_a, association=other_room, code="F-002", household_name="Sousa")
    season = advance_services.season_create(
        actor=manager,
        cooperative=coop_a,
        product=honey,
        code="HONEY-2026",
        name="Safra de mel 2026",
        starts_on=SEASON_START,
        ends_on=SEASON_END,
        advance_rate=season_rate,
        reference_price_per_kg=season_price,
    )

    b_manager = personas.outsider
    b_honey = ProductFactory(cooperative=coop_b, code="B-HONEY", name="Mel B")
    b_room = AssociationFactory(cooperative=coop_b, code="B-HR", kind=Association.Kind.HONEY_ROOM)
    b_family = FamilyFactory(cooperative=coop_b, association=b_room, code="B-F-001")
    b_season = advance_services.season_create(
        actor=b_manager,
        cooperative=coop_b,
        product=b_honey,
        code="B-2026",
        name="Safra B",
        starts_on=SEASON_START,
        ends_on=SEASON_END,
        advance_rate=Decimal("0.4"),
        reference_price_per_kg=Decimal("10"),
    )
    b_lot = barrel(b_manager, coop_b, product=b_honey, family=b_family)
    b_assembly = assembly_services.assembly_record(
        actor=b_manager,
        cooperative=coop_b,
        held_on=datetime.date(2026, 2, 1),
        kind="ordinary",
        members_present=40,
        women_present=20,
        quorum_reached=True,
    )
    b_decision = assembly_services.decision_record(
        actor=b_manager, assembly=b_assembly, text="B's decision", votes_for=30
    )
    return SimpleNamespace(
        honey=honey,
        wax=wax,
        room=room,
        other_room=other_room,
        silva=silva,
        sousa=sousa,
        season=season,
        b_honey=b_honey,
        b_family=b_family,
        b_season=b_season,
        b_lot=b_lot,
        b_advance=b_lot.advance,
        b_assembly=b_assembly,
        b_decision=b_decision,
    )


def foreign_contract(
    actor, coop, *, product, price=Decimal("3.0000"), currency="USD", rate=Decimal("0.5"), **extra
):
    buyer = chain_services.buyer_create(
        actor=actor, cooperative=coop, name=f"Importer {currency}", country="IT", kind=Buyer.Kind.FAIR_TRADE
    )
    return chain_services.contract_create(
        actor=actor,
        cooperative=coop,
        buyer=buyer,
        product=product,
        reference=extra.pop("reference", f"FT-{currency}"),
        starts_on=extra.pop("starts_on", SEASON_START),
        ends_on=extra.pop("ends_on", datetime.date(2026, 12, 31)),
        price_per_kg=price,
        currency=currency,
        advance_rate=rate,
        **extra,
    )


def lots_csv(rows) -> bytes:
    """A lots file as the import reads it: (family code, kg, day) rows of honey barrels."""
    lines = ["kind,family,product,collected_on,net_kg,moisture_pct"]
    lines += [f"barrel,{family},HONEY,{day.isoformat()},{kg},18.0" for family, kg, day in rows]
    return "\n".join(lines).encode()
