"""Recording barrels, nut purchases and batches through the services."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from coop import services
from coop.models import Association, Family, Lot, LotInput
from tests.factories import (
    AssociationFactory,
    CertificationFactory,
    FamilyFactory,
    LotFactory,
    ProductFactory,
)

DAY = datetime.date(2026, 3, 10)


@pytest.fixture
def honey(coop_a):
    room = AssociationFactory(cooperative=coop_a, code="HR-01", kind=Association.Kind.HONEY_ROOM)
    return SimpleNamespace(
        coop=coop_a,
        product=ProductFactory(cooperative=coop_a, code="HONEY", name="Mel orgânico"),
        room=room,
        family=FamilyFactory(cooperative=coop_a, association=room, code="F-001"),
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
    cantina = AssociationFactory(cooperative=coop_a, code="CAN-01", kind=Association.Kind.CANTINA)
    return SimpleNamespace(
        coop=coop_a,
        nuts=nuts,
        oil=oil,
        cantina=cantina,
        family=FamilyFactory(cooperative=coop_a, association=cantina, code="B-001"),
        other_family=FamilyFactory(cooperative=coop_a, association=cantina, code="B-002"),
    )


def _barrel(actor, honey, **overrides):
    data = dict(
        actor=actor,
        cooperative=honey.coop,
        kind=Lot.Kind.BARREL,
        product=honey.product,
        family=honey.family,
        association=honey.room,
        harvested_on=DAY - datetime.timedelta(days=3),
        collected_on=DAY,
        gross_kg="21.500",
        net_kg="20.000",
        moisture_pct=Decimal("18.5"),
    )
    data.update(overrides)
    return services.lot_record(**data)


def _purchase(actor, babassu, family=None, kg="30"):
    return services.lot_record(
        actor=actor,
        cooperative=babassu.coop,
        kind=Lot.Kind.NUT_PURCHASE,
        product=babassu.nuts,
        family=family or babassu.family,
        association=babassu.cantina,
        collected_on=DAY,
        net_kg=kg,
        price_per_kg=Decimal("3.20"),
    )


def test_barrel_within_moisture_limit_is_accepted_with_a_readable_code(personas, honey):
    lot = _barrel(personas.staff, honey)
    assert lot.status == Lot.Status.ACCEPTED
    assert lot.code == "BR26-00001"
    assert _barrel(personas.staff, honey).code == "BR26-00002"
    assert lot.history.first().history_user == personas.staff


def test_wet_barrel_is_recorded_as_rejected_not_lost(personas, honey):
    lot = _barrel(personas.staff, honey, moisture_pct=Decimal("21.0"))
    assert lot.status == Lot.Status.REJECTED
    assert "21.0" in lot.rejection_reason and "20.00" in lot.rejection_reason
    assert Lot.objects.filter(pk=lot.pk).exists()


def test_co_op_moisture_limit_is_configurable(personas, honey):
    honey.coop.moisture_limit_pct = Decimal("18.00")
    honey.coop.save()
    assert _barrel(personas.staff, honey, moisture_pct=Decimal("18.5")).status == Lot.Status.REJECTED


def test_typed_code_is_kept_and_generated_codes_skip_it(personas, honey):
    _barrel(personas.staff, honey, code="BR26-00001")
    assert _barrel(personas.staff, honey).code == "BR26-00002"


def test_organic_status_follows_the_familys_certification_on_the_date(personas, honey):
    assert _barrel(personas.staff, honey).organic is False
    CertificationFactory(family=honey.family, valid_from=datetime.date(2026, 1, 1))
    assert _barrel(personas.staff, honey).organic is True
    before = datetime.date(2025, 12, 31)
    assert _barrel(personas.staff, honey, collected_on=before, harvested_on=before).organic is False


def test_claiming_organic_for_an_uncertified_family_is_refused(personas, honey):
    with pytest.raises(ValidationError) as error:
        _barrel(personas.staff, honey, organic=True)
    assert "organic" in error.value.message_dict
    assert not Lot.objects.exists()


def test_nut_purchase_computes_the_amount_paid_in_base_currency(personas, babassu):
    lot = _purchase(personas.staff, babassu, kg="12.345")
    assert lot.amount_paid == Decimal("39.50")  # 12.345 × 3.20 = 39.504
    assert lot.currency == "BRL"
    assert lot.code.startswith("NP26-")


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"net_kg": "0"}, "net_kg"),
        ({"net_kg": "-5"}, "net_kg"),
        ({"net_kg": "2000"}, "net_kg"),
        ({"net_kg": "abc"}, "net_kg"),
        ({"net_kg": "NaN"}, "net_kg"),
        ({"gross_kg": "19"}, "gross_kg"),
        ({"moisture_pct": Decimal("101")}, "moisture_pct"),
        ({"moisture_pct": Decimal("-1")}, "moisture_pct"),
        ({"moisture_pct": None}, "moisture_pct"),
        ({"harvested_on": DAY + datetime.timedelta(days=1)}, "collected_on"),
        ({"collected_on": datetime.date(2999, 1, 1), "harvested_on": None}, "collected_on"),
        ({"family": None}, "family"),
        ({"notes": "bad\x00byte"}, "notes"),
    ],
)
def test_bad_barrel_input_names_the_field_and_writes_nothing(personas, honey, overrides, field):
    with pytest.raises(ValidationError) as error:
        _barrel(personas.staff, honey, **overrides)
    assert field in error.value.message_dict
    assert not Lot.objects.exists()


def test_duplicate_code_is_refused(personas, honey):
    _barrel(personas.staff, honey, code="X-1")
    with pytest.raises(ValidationError) as error:
        _barrel(personas.staff, honey, code="X-1")
    assert "code" in error.value.message_dict
    assert Lot.objects.count() == 1


def test_family_of_another_co_op_is_refused(personas, honey, coop_b):
    stranger = FamilyFactory(cooperative=coop_b)
    with pytest.raises(ValidationError) as error:
        _barrel(personas.staff, honey, family=stranger)
    assert "family" in error.value.message_dict


def test_suspended_family_cannot_deliver(personas, honey):
    Family.objects.filter(pk=honey.family.pk).update(status=Family.Status.SUSPENDED)
    honey.family.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        _barrel(personas.staff, honey)
    assert "F-001" in error.value.message_dict["family"][0]


def test_auditor_cannot_record(personas, honey):
    with pytest.raises(PermissionDenied):
        _barrel(personas.auditor, honey)


def test_nut_purchase_needs_a_price(personas, babassu):
    with pytest.raises(ValidationError) as error:
        services.lot_record(
            actor=personas.staff,
            cooperative=babassu.coop,
            kind=Lot.Kind.NUT_PURCHASE,
            product=babassu.nuts,
            family=babassu.family,
            collected_on=DAY,
            net_kg="10",
        )
    assert "price_per_kg" in error.value.message_dict


def test_oil_batch_consumes_part_of_its_inputs_and_records_lineage(personas, babassu):
    first, second = (
        _purchase(personas.staff, babassu),
        _purchase(personas.staff, babassu, babassu.other_family),
    )
    batch = services.batch_create(
        actor=personas.staff,
        cooperative=babassu.coop,
        product=babassu.oil,
        inputs=[(first, "30"), (second, "10")],
        net_kg="12",
        collected_on=DAY,
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.remaining_kg) == (Lot.Status.CONSUMED, Decimal("0"))
    assert (second.status, second.remaining_kg) == (Lot.Status.ACCEPTED, Decimal("20"))
    assert batch.yield_warning == ""  # 40 kg × 0.30 = 12 kg
    assert set(LotInput.objects.values_list("source_id", "kg")) == {
        (first.pk, Decimal("30.000")),
        (second.pk, Decimal("10.000")),
    }


def test_batch_far_from_expected_yield_is_recorded_with_a_warning(personas, babassu):
    nuts = _purchase(personas.staff, babassu, kg="100")
    batch = services.batch_create(
        actor=personas.staff,
        cooperative=babassu.coop,
        product=babassu.oil,
        inputs=[(nuts, "100")],
        net_kg="45",
        collected_on=DAY,
    )
    assert "50.0%" in batch.yield_warning


def test_consuming_more_than_a_lot_has_left_is_refused_and_writes_nothing(personas, babassu):
    nuts = _purchase(personas.staff, babassu, kg="30")
    with pytest.raises(ValidationError) as error:
        services.batch_create(
            actor=personas.staff,
            cooperative=babassu.coop,
            product=babassu.oil,
            inputs=[(nuts, "30.001")],
            net_kg="9",
            collected_on=DAY,
        )
    assert nuts.code in error.value.message_dict["inputs"][0]
    nuts.refresh_from_db()
    assert nuts.consumed_kg == 0
    assert Lot.objects.filter(kind=Lot.Kind.BATCH).count() == 0


def test_batch_input_of_the_wrong_product_is_refused(personas, babassu):
    oil_lot = LotFactory(cooperative=babassu.coop, product=babassu.oil, kind=Lot.Kind.BATCH, family=None)
    with pytest.raises(ValidationError) as error:
        services.batch_create(
            actor=personas.staff,
            cooperative=babassu.coop,
            product=babassu.oil,
            inputs=[(oil_lot, "5")],
            net_kg="1.5",
            collected_on=DAY,
        )
    assert oil_lot.code in error.value.message_dict["inputs"][0]


def test_rejected_lot_cannot_go_into_a_batch(personas, honey):
    wet = _barrel(personas.staff, honey, moisture_pct=Decimal("25"))
    with pytest.raises(ValidationError) as error:
        services.batch_create(
            actor=personas.staff,
            cooperative=honey.coop,
            product=honey.product,
            inputs=[(wet, "20")],
            net_kg="20",
            collected_on=DAY,
        )
    assert wet.code in error.value.message_dict["inputs"][0]


def test_database_refuses_using_a_lot_beyond_its_net_weight(honey):
    from django.db import IntegrityError, transaction

    lot = LotFactory(cooperative=honey.coop, product=honey.product, family=honey.family)
    with pytest.raises(IntegrityError), transaction.atomic():
        Lot.objects.filter(pk=lot.pk).update(consumed_kg=Decimal("20.001"))


def test_moisture_and_price_may_come_as_text(personas, honey, babassu):
    assert _barrel(personas.staff, honey, moisture_pct="21.5").status == Lot.Status.REJECTED
    with pytest.raises(ValidationError) as error:
        _barrel(personas.staff, honey, moisture_pct="wet")
    assert "moisture_pct" in error.value.message_dict
