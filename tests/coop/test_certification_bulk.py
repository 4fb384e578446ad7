"""Bulk internal control: a year's round of inspections and certificates in one call, with
the one-row services' rules, all rows or none, history included; and batches that take
hundreds of inputs keep a history row per input."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from coop import services
from coop.models import Certification, Inspection, Lot, LotInput
from tests.coop import production_pages
from tests.factories import (
    AssociationFactory,
    FamilyFactory,
    InspectionFactory,
    LotFactory,
    MemberFactory,
    ProductFactory,
)

english = production_pages.english
pytestmark = pytest.mark.usefixtures("english")

DAY = datetime.date(2025, 10, 1)


@pytest.fixture
def ics(coop_a, world):
    """Two associations of co-op A with a family each; the inspector belongs to the first."""
    home = AssociationFactory(cooperative=coop_a, code="HOME")
    other = AssociationFactory(cooperative=coop_a, code="OTHER")
    inspector = MemberFactory(family=FamilyFactory(cooperative=coop_a, association=home, code="INSP"))
    return type(
        "ICS",
        (),
        {
            "home": home,
            "other": other,
            "inspector": inspector,
            "neighbour": FamilyFactory(cooperative=coop_a, association=home, code="NEIGH"),
            "family": FamilyFactory(cooperative=coop_a, association=other, code="FAM"),
            "outsider": world.family_b,
        },
    )


def _inspection(ics, **overrides):
    return {
        "inspector": ics.inspector,
        "inspected_on": DAY,
        "result": "compliant",
        "family": ics.family,
    } | overrides


def test_a_round_of_inspections_is_recorded_with_history(personas, coop_a, ics):
    rows = [
        _inspection(ics),
        _inspection(
            ics, family=ics.neighbour, result="non_compliant", follow_up_on=DAY + datetime.timedelta(30)
        ),
        _inspection(ics, family=None, association=ics.other),
    ]
    saved = services.inspections_bulk_record(actor=personas.staff, cooperative=coop_a, rows=rows)

    assert [i.pk for i in saved] == list(Inspection.objects.order_by("pk").values_list("pk", flat=True))
    assert [(i.family, i.association, i.result) for i in Inspection.objects.order_by("pk")] == [
        (ics.family, None, "compliant"),
        (ics.neighbour, None, "non_compliant"),
        (None, ics.other, "compliant"),
    ]
    assert all(i.recorded_by == personas.staff for i in Inspection.objects.all())
    history = Inspection.history.order_by("id")
    assert [(h.id, h.history_type, h.history_user) for h in history] == [
        (i.pk, "+", personas.staff) for i in saved
    ]
    assert history.first().family_id == ics.family.pk


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"family": "inspector's own"}, "inspector", "own family"),
        ({"family": None, "association": "inspector's own"}, "inspector", "own association"),
        ({"family": None}, "family", "either one family or one collection point"),
        ({"family": "outsider"}, "family", "another co-operative"),
        ({"inspected_on": datetime.date.today() + datetime.timedelta(30)}, "inspected_on", "future"),
        ({"follow_up_on": DAY - datetime.timedelta(1)}, "follow_up_on", "after the inspection"),
        ({"result": "fine"}, "result", "not a valid choice"),
        ({"findings": "a\x00b"}, "findings", "NUL"),
    ],
)
def test_a_bad_row_names_its_field_and_row_and_nothing_is_written(
    personas, coop_a, ics, overrides, field, message
):
    named = {"inspector's own": ics.inspector.family, "outsider": ics.outsider}
    if overrides.get("association") == "inspector's own":
        overrides["association"] = ics.home
    overrides = {
        key: named.get(value, value) if isinstance(value, str) else value for key, value in overrides.items()
    }
    rows = [_inspection(ics), _inspection(ics, **overrides)]

    with pytest.raises(ValidationError) as error:
        services.inspections_bulk_record(actor=personas.staff, cooperative=coop_a, rows=rows)

    messages = error.value.message_dict[field]
    assert len(messages) == 1 and messages[0].startswith("Row 2: ") and message in messages[0]
    assert not Inspection.objects.exists() and not Inspection.history.exists()


def test_an_inspector_of_another_co_op_is_refused(personas, coop_a, ics, world):
    with pytest.raises(ValidationError) as error:
        services.inspections_bulk_record(
            actor=personas.staff, cooperative=coop_a, rows=[_inspection(ics, inspector=world.member_b)]
        )
    assert "Row 1: This belongs to another co-operative." in error.value.message_dict["inspector"]


@pytest.mark.parametrize("persona", ["auditor", "outsider", "expired"])
def test_only_recording_roles_record_inspections(personas, coop_a, ics, persona):
    with pytest.raises(PermissionDenied):
        services.inspections_bulk_record(
            actor=getattr(personas, persona), cooperative=coop_a, rows=[_inspection(ics)]
        )


def _grant(inspection, **overrides):
    return {
        "family": inspection.family,
        "scheme": "organic",
        "standard": "EU 2018/848",
        "reference": f"ORG-{inspection.family.code}",
        "valid_from": datetime.date(2026, 1, 1),
        "valid_to": datetime.date(2026, 12, 31),
        "approved_by": inspection,
    } | overrides


def test_families_are_certified_on_their_inspections_with_history(personas, coop_a, ics):
    first = InspectionFactory(family=ics.family, inspector=ics.inspector, inspected_on=DAY)
    second = InspectionFactory(
        family=ics.neighbour, inspector=MemberFactory(family=ics.family), inspected_on=DAY
    )
    rows = [_grant(first), _grant(first, scheme="fair_trade", standard="Fairtrade SPO"), _grant(second)]

    saved = services.certifications_bulk_grant(actor=personas.manager, cooperative=coop_a, rows=rows)

    assert len(saved) == 3 and all(c.status == Certification.Status.ACTIVE for c in saved)
    assert set(
        Certification.objects.valid_on(datetime.date(2026, 5, 1)).values_list("family__code", "scheme")
    ) == {
        ("FAM", "organic"),
        ("FAM", "fair_trade"),
        ("NEIGH", "organic"),
    }
    assert Certification.history.filter(history_type="+", history_user=personas.manager).count() == 3


def test_a_certificate_rests_on_a_compliant_inspection_of_that_family_in_the_year_before(
    personas, coop_a, ics
):
    good = InspectionFactory(family=ics.family, inspector=ics.inspector, inspected_on=DAY)
    failed = InspectionFactory(
        family=ics.family, inspector=ics.inspector, inspected_on=DAY, result="non_compliant"
    )
    stale = InspectionFactory(
        family=ics.family, inspector=ics.inspector, inspected_on=datetime.date(2024, 10, 1)
    )
    rows = [
        _grant(good),
        _grant(good, family=ics.neighbour),
        _grant(failed),
        _grant(stale),
        _grant(good, valid_to=datetime.date(2025, 12, 31)),
        _grant(good, scheme="biodynamic"),
    ]
    with pytest.raises(ValidationError) as error:
        services.certifications_bulk_grant(actor=personas.manager, cooperative=coop_a, rows=rows)

    errors = error.value.message_dict
    assert errors["approved_by"] == [
        "Row 2: Choose an inspection of this family.",
        "Row 3: Only a compliant inspection can approve a certification.",
        "Row 4: The inspection must fall within the year before the certificate starts.",
    ]
    assert errors["valid_to"] == ["Row 5: The certificate cannot end before it starts."]
    assert errors["scheme"][0].startswith("Row 6: ")
    assert not Certification.objects.exists()


def test_staff_cannot_certify_in_bulk(personas, coop_a, ics):
    inspection = InspectionFactory(family=ics.family, inspector=ics.inspector, inspected_on=DAY)
    with pytest.raises(PermissionDenied):
        services.certifications_bulk_grant(
            actor=personas.staff, cooperative=coop_a, rows=[_grant(inspection)]
        )


def test_another_co_ops_family_cannot_be_certified(personas, coop_a, ics, world):
    theirs = InspectionFactory(family=world.family_b, inspected_on=DAY)
    with pytest.raises(ValidationError) as error:
        services.certifications_bulk_grant(actor=personas.manager, cooperative=coop_a, rows=[_grant(theirs)])
    assert error.value.message_dict["family"] == ["Row 1: This belongs to another co-operative."]


def test_a_batch_of_many_inputs_writes_one_history_row_per_input_and_link(
    personas, coop_a, django_assert_max_num_queries
):
    honey = ProductFactory(cooperative=coop_a, code="HONEY")
    barrels = [LotFactory(cooperative=coop_a, product=honey, net_kg="20.000") for _ in range(600)]
    partly = LotFactory(cooperative=coop_a, product=honey, net_kg="20.000")
    inputs = [(barrel, barrel.net_kg) for barrel in barrels] + [(partly, "5")]

    # Not two statements per input: a few per chunk of a few hundred inputs.
    with django_assert_max_num_queries(60):
        batch = services.batch_create(
            actor=personas.staff,
            cooperative=coop_a,
            product=honey,
            inputs=inputs,
            net_kg="12000",
            collected_on=datetime.date(2026, 4, 1),
        )

    assert (
        Lot.objects.filter(
            pk__in=[b.pk for b in barrels], status="consumed", consumed_kg=Decimal("20")
        ).count()
        == 600
    )
    partly.refresh_from_db()
    assert (partly.status, partly.consumed_kg) == ("accepted", Decimal("5.000"))
    assert LotInput.objects.filter(output=batch).count() == 601
    changes = Lot.history.filter(history_type="~", history_user=personas.staff)
    assert changes.count() == 601
    assert changes.get(id=partly.pk).consumed_kg == Decimal("5.000")
    assert changes.get(id=barrels[0].pk).status == "consumed"
    assert (
        LotInput.history.filter(history_type="+", history_user=personas.staff, output_id=batch.pk).count()
        == 601
    )
