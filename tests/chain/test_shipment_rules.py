"""The rules a shipment must pass to be confirmed, each refused with the lot and the rule."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chain import services
from chain.models import Allocation, Buyer, Shipment
from chain.selectors import mass_balance, shipment_trace
from coop import services as coop_services
from coop.models import Lot
from tests.factories import (
    AssociationFactory,
    CertificationFactory,
    FamilyFactory,
    LotFactory,
    ProductFactory,
)

DAY = datetime.date(2026, 3, 10)


@pytest.fixture
def honey(coop_a, personas):
    product = ProductFactory(cooperative=coop_a, code="HONEY", name="Mel")
    room = AssociationFactory(cooperative=coop_a, code="HR-1", kind="honey_room")
    certified = FamilyFactory(cooperative=coop_a, association=room, code="F-CERT")
    uncertified = FamilyFactory(cooperative=coop_a, association=room, code="F-NONE")
    for scheme in ("organic", "fair_trade"):
        CertificationFactory(family=certified, scheme=scheme)
    buyer = services.buyer_create(
        actor=personas.manager, cooperative=coop_a, name="Importer", country="it", kind=Buyer.Kind.FAIR_TRADE
    )
    contract = services.contract_create(
        actor=personas.manager,
        cooperative=coop_a,
        buyer=buyer,
        product=product,
        reference="FT-2026",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
        price_per_kg=Decimal("3.0000"),
        currency="USD",
        premium_per_kg=Decimal("0.2000"),
        fair_trade=True,
        organic=True,
        max_moisture_pct=Decimal("19.00"),
        minimum_kg=Decimal("10800"),
    )

    def barrel(family, kg="20", moisture="18.0", code=None):
        return LotFactory(
            cooperative=coop_a,
            product=product,
            family=family,
            net_kg=kg,
            moisture_pct=moisture,
            collected_on=DAY,
            **({"code": code} if code else {}),
        )

    return SimpleNamespace(
        coop=coop_a,
        product=product,
        certified=certified,
        uncertified=uncertified,
        buyer=buyer,
        contract=contract,
        barrel=barrel,
    )


def _shipment(actor, honey, allocations, **extra):
    data = dict(
        actor=actor,
        cooperative=honey.coop,
        buyer=honey.buyer,
        contract=honey.contract,
        product=honey.product,
        reference=extra.pop("reference", "S-1"),
        shipped_on=DAY,
        exchange_rate=Decimal("5.10"),
        allocations=allocations,
    )
    data.update(extra)
    return services.shipment_create(**data)


def test_certified_shipment_confirms_and_counts_against_the_lots(personas, honey):
    lot = honey.barrel(honey.certified)
    shipment = _shipment(personas.manager, honey, [(lot, "15")])
    assert (shipment.price_per_kg, shipment.currency, shipment.fair_trade) == (Decimal("3.0000"), "USD", True)

    services.shipment_confirm(actor=personas.manager, shipment=shipment)

    lot.refresh_from_db()
    assert (lot.allocated_kg, lot.status) == (Decimal("15.000"), Lot.Status.ALLOCATED)
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.CONFIRMED
    assert shipment.confirmed_by == personas.manager


def test_lot_from_an_uncertified_family_cannot_carry_the_claim(personas, honey):
    lot = honey.barrel(honey.uncertified, code="BR-BAD")
    shipment = _shipment(personas.manager, honey, [(lot, "10")])
    with pytest.raises(ValidationError) as error:
        services.shipment_confirm(actor=personas.manager, shipment=shipment)
    message = " ".join(error.value.message_dict["allocations"])
    assert "BR-BAD" in message
    lot.refresh_from_db()
    assert lot.allocated_kg == 0


def test_batch_mixing_certified_and_uncertified_honey_cannot_carry_the_claim(personas, honey):
    good = honey.barrel(honey.certified, code="BR-GOOD")
    bad = honey.barrel(honey.uncertified, code="BR-BAD")
    batch = coop_services.batch_create(
        actor=personas.staff,
        cooperative=honey.coop,
        product=honey.product,
        inputs=[(good, "20"), (bad, "20")],
        net_kg="40",
        collected_on=DAY,
        code="EXP-1",
    )
    shipment = _shipment(personas.manager, honey, [(batch, "40")])
    with pytest.raises(ValidationError) as error:
        services.shipment_confirm(actor=personas.manager, shipment=shipment)
    message = " ".join(error.value.message_dict["allocations"])
    assert "EXP-1" in message and "BR-BAD" in message and "BR-GOOD" not in message


def test_certification_must_be_valid_on_the_delivery_date(personas, honey):
    late = honey.barrel(honey.certified, code="BR-2025")
    Lot.objects.filter(pk=late.pk).update(collected_on=datetime.date(2025, 12, 31))
    shipment = _shipment(personas.manager, honey, [(late, "5")])
    with pytest.raises(ValidationError) as error:
        services.shipment_confirm(actor=personas.manager, shipment=shipment)
    assert "BR-2025" in " ".join(error.value.message_dict["allocations"])


def test_a_lot_is_never_sold_twice(personas, honey):
    lot = honey.barrel(honey.certified, code="BR-1")
    first = _shipment(personas.manager, honey, [(lot, "15")], reference="S-1")
    second = _shipment(personas.manager, honey, [(lot, "10")], reference="S-2")
    services.shipment_confirm(actor=personas.manager, shipment=first)
    with pytest.raises(ValidationError) as error:
        services.shipment_confirm(actor=personas.manager, shipment=second)
    assert "BR-1" in error.value.message_dict["allocations"][0]
    lot.refresh_from_db()
    assert lot.allocated_kg == Decimal("15.000")


def test_wrong_product_and_quality_limits_are_refused(personas, honey):
    wax = ProductFactory(cooperative=honey.coop, code="WAX")
    wax_lot = LotFactory(cooperative=honey.coop, product=wax, family=honey.certified, code="WAX-1")
    wet = honey.barrel(honey.certified, moisture="19.5", code="BR-WET")
    shipment = _shipment(personas.manager, honey, [(wax_lot, "5"), (wet, "5")])
    with pytest.raises(ValidationError) as error:
        services.shipment_confirm(actor=personas.manager, shipment=shipment)
    messages = error.value.message_dict["allocations"]
    assert any("WAX-1" in m for m in messages)
    assert any("BR-WET" in m and "19.00" in m for m in messages)


def test_mass_balance_counts_certified_deliveries_and_confirmed_sales(personas, honey):
    honey.barrel(honey.certified, kg="20")
    honey.barrel(honey.uncertified, kg="50")
    balance = mass_balance(product=honey.product, scheme="organic")
    assert (balance.certified_produced_kg, balance.certified_sold_kg) == (Decimal("20.000"), Decimal("0"))


def test_mass_balance_product_may_mix_but_never_oversell(personas, honey):
    honey.product.mass_balance_allowed = True
    honey.product.save()
    good = honey.barrel(honey.certified, kg="20", code="BR-GOOD")
    bad = honey.barrel(honey.uncertified, kg="20", code="BR-BAD")
    ok = _shipment(personas.manager, honey, [(bad, "20")], reference="S-OK")
    services.shipment_confirm(actor=personas.manager, shipment=ok)  # 20 certified kg exist
    too_much = _shipment(personas.manager, honey, [(good, "1")], reference="S-MORE")
    with pytest.raises(ValidationError) as error:
        services.shipment_confirm(actor=personas.manager, shipment=too_much)
    assert "0.000" in " ".join(error.value.message_dict["allocations"])


def test_price_override_needs_a_reason_and_records_who(personas, honey):
    lot = honey.barrel(honey.certified)
    with pytest.raises(ValidationError) as error:
        _shipment(personas.manager, honey, [(lot, "5")], price_per_kg=Decimal("2.5"))
    assert "price_override_reason" in error.value.message_dict
    shipment = _shipment(
        personas.manager,
        honey,
        [(lot, "5")],
        price_per_kg=Decimal("2.5"),
        price_override_reason="Damaged drums",
    )
    assert shipment.price_overridden_by == personas.manager


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"exchange_rate": Decimal("0")}, "exchange_rate"),
        ({"exchange_rate": Decimal("-1")}, "exchange_rate"),
        ({"currency": "XYZ", "price_per_kg": Decimal("3"), "price_override_reason": "x"}, "currency"),
        ({"contract": None, "price_per_kg": None}, "price_per_kg"),
    ],
)
def test_bad_shipment_input_names_the_field_and_writes_nothing(personas, honey, extra, field):
    lot = honey.barrel(honey.certified)
    with pytest.raises(ValidationError) as error:
        _shipment(personas.manager, honey, [(lot, "5")], **extra)
    assert field in error.value.message_dict
    assert not Shipment.objects.exists()
    assert not Allocation.objects.exists()


def test_contract_end_before_start_is_refused(personas, honey):
    with pytest.raises(ValidationError) as error:
        services.contract_update(
            actor=personas.manager, contract=honey.contract, ends_on=datetime.date(2025, 1, 1)
        )
    assert "ends_on" in error.value.message_dict


def test_confirming_twice_and_editing_a_confirmed_shipment_are_refused(personas, honey):
    lot = honey.barrel(honey.certified)
    shipment = _shipment(personas.manager, honey, [(lot, "5")])
    services.shipment_confirm(actor=personas.manager, shipment=shipment)
    with pytest.raises(ValidationError):
        services.shipment_confirm(actor=personas.manager, shipment=shipment)
    with pytest.raises(ValidationError):
        services.shipment_allocate(actor=personas.manager, shipment=shipment, allocations=[(lot, "1")])
    assert Allocation.objects.get().kg == Decimal("5.000")


def test_staff_and_auditors_cannot_sell(personas, honey):
    lot = honey.barrel(honey.certified)
    for actor in (personas.staff, personas.auditor):
        with pytest.raises(PermissionDenied):
            _shipment(actor, honey, [(lot, "5")])


def test_trace_reaches_families_through_batches(personas, honey):
    good = honey.barrel(honey.certified)
    batch = coop_services.batch_create(
        actor=personas.staff,
        cooperative=honey.coop,
        product=honey.product,
        inputs=[(good, "20")],
        net_kg="20",
        collected_on=DAY,
    )
    shipment = _shipment(personas.manager, honey, [(batch, "20")])
    trace = shipment_trace(shipment=shipment)
    assert {lot.pk for lot in trace["lots"]} == {good.pk, batch.pk}
    assert [f.code for f in trace["families"]] == ["F-CERT"]
    assert [a.code for a in trace["associations"]] == ["HR-1"]


def test_a_contract_with_a_premium_is_invoiced_in_its_currency(personas, honey):
    # The premium is converted at the shipment's rate; another currency would leave it without one.
    lot = honey.barrel(honey.certified)
    with pytest.raises(ValidationError) as error:
        _shipment(
            personas.manager,
            honey,
            [(lot, "10")],
            currency="EUR",
            price_per_kg=Decimal("2.80"),
            price_override_reason="Paid in euros",
        )
    assert "USD" in " ".join(error.value.message_dict["currency"])
    assert not Shipment.objects.filter(cooperative=honey.coop).exists()
