"""Season settlements through the services: what counts, the lines at one and two levels,
advances and debts carried, the computed pool, approval, payment and corrections, and
refusals that write nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coop.models import Lot
from tests.factories import FamilyFactory
from tests.upgrading import settlements_data
from tests.upgrading.settlements_data import IN_SEASON, POOL, advance, deliver, make_season, sell
from upgrading.models import Advance, Settlement, SettlementCost, SettlementLine
from upgrading.services.settlements import (
    settlement_approve,
    settlement_mark_paid,
    settlement_open,
    settlement_recompute,
    settlement_update,
)

honey = settlements_data.honey
english = settlements_data.english
pytestmark = pytest.mark.usefixtures("english")


def open_draft(honey, **changes):
    data = {
        "actor": honey.manager,
        "season": honey.season,
        "reference": "SET-2025",
        "levels": 2,
        "pool": POOL,
    }
    data.update(changes)
    return settlement_open(**data)


def family_lines(settlement):
    lines = settlement.lines.filter(level=SettlementLine.Level.FAMILY).select_related("family")
    return {line.family.code: line for line in lines}


def line_values(settlement):
    return list(
        settlement.lines.order_by("level", "association_id", "family_id").values_list(
            "level", "association_id", "family_id", "kg", "gross_share", "advances", "carried_in", "net"
        )
    )


# --- What is shared, and how --------------------------------------------------------------------


def test_two_levels_share_the_pool_among_associations_then_their_families(honey):
    settlement = open_draft(honey)
    assert (settlement.status, settlement.pool_source, settlement.pool) == ("draft", "entered", POOL)
    assert settlement.total_kg == Decimal("200.000") and settlement.currency == "BRL"
    associations = {
        line.association.code: line
        for line in settlement.lines.filter(level="association").select_related("association")
    }
    assert {code: line.gross_share for code, line in associations.items()} == {
        "ASSOC-1": Decimal("750.01"),
        "ASSOC-2": Decimal("250.00"),
    }
    assert associations["ASSOC-1"].kg == Decimal("150.000")
    families = family_lines(settlement)
    # Only accepted kg of the season and product count (rejected, received, late and wax do not).
    assert {code: (line.kg, line.gross_share) for code, line in families.items()} == {
        "F-01": (Decimal("100.000"), Decimal("500.01")),
        "F-02": (Decimal("50.000"), Decimal("250.00")),
        "F-03": (Decimal("30.000"), Decimal("150.00")),
        "F-04": (Decimal("20.000"), Decimal("100.00")),
    }
    assert sum(line.gross_share for line in families.values()) == POOL
    assert sum(line.gross_share for line in associations.values()) == POOL


def test_paid_advances_are_deducted_and_cancelled_ones_are_not(honey):
    families = family_lines(open_draft(honey))
    assert (families["F-01"].advances, families["F-01"].net) == (Decimal("150.00"), Decimal("350.01"))
    assert (families["F-02"].advances, families["F-02"].net) == (Decimal("0.00"), Decimal("250.00"))


def test_association_lines_add_up_their_families(honey):
    settlement = open_draft(honey)
    one = settlement.lines.get(level="association", association=honey.associations[0])
    assert (one.advances, one.carried_in, one.net) == (Decimal("150.00"), Decimal("0.00"), Decimal("600.01"))


def test_one_level_shares_the_pool_among_families_directly(honey):
    settlement = open_draft(honey, levels=1)
    assert not settlement.lines.filter(level="association").exists()
    families = family_lines(settlement)
    assert [families[code].gross_share for code in ("F-01", "F-02", "F-03", "F-04")] == [
        Decimal("500.01"),
        Decimal("250.00"),
        Decimal("150.00"),
        Decimal("100.00"),
    ]
    assert families["F-01"].association == honey.associations[0]


def test_a_negative_net_is_kept_and_carried_into_the_next_settlement(honey):
    advance(deliver(honey.coop, honey.product, honey.families[3], "1"), "400.00", season=honey.season)
    first = open_draft(honey, levels=1, pool=Decimal("201.00"))  # 201 kg: 1.00 a kg
    f4 = family_lines(first)["F-04"]
    assert f4.gross_share == Decimal("21.00") and f4.net == Decimal("-379.00")
    settlement_approve(actor=honey.manager, settlement=first)

    next_season = make_season(
        honey.coop,
        honey.product,
        code="MEL-2026",
        starts=datetime.date(2026, 2, 1),
        ends=datetime.date(2026, 12, 31),
    )
    deliver(honey.coop, honey.product, honey.families[0], "10", collected_on=datetime.date(2026, 3, 1))
    second = settlement_open(
        actor=honey.manager, season=next_season, reference="SET-2026", levels=1, pool=Decimal("100.00")
    )
    lines = family_lines(second)
    # F-04 delivered nothing in 2026 but keeps a line: its debt is carried, not forgotten.
    assert (lines["F-04"].kg, lines["F-04"].gross_share, lines["F-04"].carried_in, lines["F-04"].net) == (
        Decimal("0.000"),
        Decimal("0.00"),
        Decimal("379.00"),
        Decimal("-379.00"),
    )
    # F-01 owed 50.00 (100.00 gross, 150.00 advanced): deducted from its 2026 share.
    assert (lines["F-01"].gross_share, lines["F-01"].carried_in, lines["F-01"].net) == (
        Decimal("100.00"),
        Decimal("50.00"),
        Decimal("50.00"),
    )
    assert set(lines) == {"F-01", "F-04"}


def test_a_draft_of_an_earlier_season_carries_nothing(honey):
    open_draft(honey, levels=1)  # never approved
    later = make_season(
        honey.coop,
        honey.product,
        code="MEL-2026",
        starts=datetime.date(2026, 2, 1),
        ends=datetime.date(2026, 12, 31),
    )
    deliver(honey.coop, honey.product, honey.families[0], "10", collected_on=datetime.date(2026, 3, 1))
    settlement = settlement_open(actor=honey.manager, season=later, reference="S-26", levels=1, pool="5")
    assert set(family_lines(settlement)) == {"F-01"}


def test_the_computed_pool_is_revenue_minus_costs_and_both_are_kept(honey):
    sell(honey.coop, honey.product, honey.manager, [(honey.lots.f1, "60")], price="12.5", reference="V-1")
    sell(
        honey.coop,
        honey.product,
        honey.manager,
        [(honey.lots.f2, "50")],
        price="2.10",
        currency="USD",
        rate="5.123457",
        reference="V-2",
    )
    # A draft sale and one shipped after the season do not count.
    sell(
        honey.coop,
        honey.product,
        honey.manager,
        [(honey.lots.f1b, "1")],
        price="99",
        reference="V-3",
        on=datetime.date(2026, 1, 5),
    )
    settlement = open_draft(
        honey, pool=None, costs=[("Transport to the port", "120.50"), ("Certification", Decimal("80"))]
    )
    # 60 × 12.50 + 50 × 2.10 × 5.123457 = 750 + 537.962985 → 1,287.96
    assert (settlement.pool_source, settlement.revenue, settlement.costs, settlement.pool) == (
        "computed",
        Decimal("1287.96"),
        Decimal("200.50"),
        Decimal("1087.46"),
    )
    assert list(settlement.cost_items.values_list("description", "amount")) == [
        ("Transport to the port", Decimal("120.50")),
        ("Certification", Decimal("80.00")),
    ]
    assert sum(line.gross_share for line in family_lines(settlement).values()) == Decimal("1087.46")


def test_a_computed_pool_without_costs_is_the_whole_revenue(honey):
    sell(honey.coop, honey.product, honey.manager, [(honey.lots.f1, "10")], price="3", reference="V-1")
    settlement = open_draft(honey, pool=None)
    assert (settlement.revenue, settlement.costs, settlement.pool) == (
        Decimal("30.00"),
        Decimal("0.00"),
        Decimal("30.00"),
    )


def test_lines_are_written_in_a_fixed_number_of_queries(honey, coop_a):
    with CaptureQueriesContext(connection) as few:
        open_draft(honey, reference="FEW")
    settlements_data.many_families(coop_a, honey.product, honey.associations[1], 60)
    with CaptureQueriesContext(connection) as many:
        open_draft(honey, reference="MANY")
    assert len(many) == len(few)
    assert Settlement.objects.get(reference="MANY").lines.count() == 2 + 64


def test_recomputing_a_draft_gives_identical_lines(honey):
    settlement = open_draft(honey)
    before = line_values(settlement)
    settlement = settlement_recompute(actor=honey.manager, settlement=settlement)
    assert line_values(settlement) == before


def test_recomputing_picks_up_a_new_delivery(honey):
    settlement = open_draft(honey, levels=1)
    deliver(honey.coop, honey.product, honey.families[1], "50")
    settlement = settlement_recompute(actor=honey.manager, settlement=settlement)
    assert settlement.total_kg == Decimal("250.000")
    assert family_lines(settlement)["F-02"].kg == Decimal("100.000")


def test_updating_a_draft_changes_its_pool_and_lines(honey):
    settlement = open_draft(honey)
    settlement = settlement_update(
        actor=honey.manager, settlement=settlement, pool="2000", levels=1, notes="Second thoughts"
    )
    settlement.refresh_from_db()
    assert (settlement.pool, settlement.levels, settlement.notes) == (
        Decimal("2000.00"),
        1,
        "Second thoughts",
    )
    assert not settlement.lines.filter(level="association").exists()
    assert family_lines(settlement)["F-01"].gross_share == Decimal("1000.00")


def test_updating_only_the_notes_keeps_how_the_pool_was_set(honey):
    sell(honey.coop, honey.product, honey.manager, [(honey.lots.f1, "10")], price="50", reference="V-1")
    computed = open_draft(honey, pool=None, costs=[("Frete", "100.00")])
    computed = settlement_update(actor=honey.manager, settlement=computed, notes="Checked")
    assert (computed.pool_source, computed.pool, computed.notes) == ("computed", Decimal("400.00"), "Checked")
    assert list(computed.cost_items.values_list("description", "amount")) == [("Frete", Decimal("100.00"))]
    entered = open_draft(honey, reference="ENTERED", levels=1)
    entered = settlement_update(actor=honey.manager, settlement=entered, levels=2)
    assert (entered.pool_source, entered.pool, entered.levels) == ("entered", POOL, 2)


def test_an_unknown_field_is_refused_when_updating(honey):
    settlement = open_draft(honey)
    with pytest.raises(ValidationError) as refused:
        settlement_update(actor=honey.manager, settlement=settlement, status="approved")
    assert "status" in refused.value.message_dict
    assert Settlement.objects.get().status == "draft"


# --- Approval and payment ------------------------------------------------------------------------


def test_manager_approves_a_draft_and_who_and_when_are_recorded(honey, personas):
    settlement = settlement_approve(actor=personas.admin, settlement=open_draft(honey))
    settlement.refresh_from_db()
    assert settlement.status == "approved" and settlement.approved_by == personas.admin
    assert abs(settlement.approved_at - timezone.now()) < datetime.timedelta(minutes=1)
    assert settlement.history.first().history_user == personas.admin


def test_approving_twice_is_refused(honey):
    settlement = settlement_approve(actor=honey.manager, settlement=open_draft(honey))
    approved_at = Settlement.objects.get(pk=settlement.pk).approved_at
    with pytest.raises(ValidationError, match="already approved"):
        settlement_approve(actor=honey.manager, settlement=settlement)
    assert Settlement.objects.get(pk=settlement.pk).approved_at == approved_at


def test_approval_is_refused_while_the_season_has_advances_due(honey):
    advance(honey.lots.f3, "10.00", season=honey.season, status=Advance.Status.DUE)
    advance(honey.lots.f4, "10.00", season=honey.season, status=Advance.Status.DUE)
    settlement = open_draft(honey)
    with pytest.raises(ValidationError, match="still has 2 advances due"):
        settlement_approve(actor=honey.manager, settlement=settlement)
    assert Settlement.objects.get(pk=settlement.pk).status == "draft"


def test_approval_is_refused_when_deliveries_changed_since_the_lines_were_computed(honey):
    settlement = open_draft(honey)
    deliver(honey.coop, honey.product, honey.families[2], "5")
    with pytest.raises(ValidationError, match="recompute"):
        settlement_approve(actor=honey.manager, settlement=settlement)
    settlement = settlement_recompute(actor=honey.manager, settlement=settlement)
    assert settlement_approve(actor=honey.manager, settlement=settlement).status == "approved"


def test_approval_is_refused_when_the_revenue_changed(honey):
    sell(honey.coop, honey.product, honey.manager, [(honey.lots.f1, "10")], price="30", reference="V-1")
    settlement = open_draft(honey, pool=None)
    sell(honey.coop, honey.product, honey.manager, [(honey.lots.f1, "10")], price="30", reference="V-2")
    with pytest.raises(ValidationError, match="revenue changed"):
        settlement_approve(actor=honey.manager, settlement=settlement)


def test_an_approved_settlement_cannot_be_edited_or_recomputed(honey):
    settlement = settlement_approve(actor=honey.manager, settlement=open_draft(honey))
    before = line_values(settlement)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        settlement_update(actor=honey.manager, settlement=settlement, pool="1")
    with pytest.raises(ValidationError, match="can no longer be changed"):
        settlement_recompute(actor=honey.manager, settlement=settlement)
    settlement.refresh_from_db()
    assert settlement.pool == POOL and line_values(settlement) == before


def test_a_second_settlement_of_an_approved_season_must_be_a_correction(honey):
    settlement_approve(actor=honey.manager, settlement=open_draft(honey))
    with pytest.raises(ValidationError) as refused:
        open_draft(honey, reference="SET-2025-B")
    assert "must be a correction" in refused.value.message_dict["corrects"][0]
    assert Settlement.objects.count() == 1


def test_a_correction_references_the_approved_settlement_and_replaces_it(honey):
    first = settlement_approve(actor=honey.manager, settlement=open_draft(honey))
    correction = open_draft(honey, reference="SET-2025-C1", corrects=first, pool="1200.00", notes="Late sale")
    assert correction.corrects == first and correction.status == "draft"
    settlement_approve(actor=honey.manager, settlement=correction)
    # The first stays as it was, approved; correcting it again is refused: correct the correction.
    first.refresh_from_db()
    assert first.status == "approved" and first.pool == POOL
    with pytest.raises(ValidationError, match="already corrected by SET-2025-C1"):
        open_draft(honey, reference="SET-2025-C2", corrects=first)


def test_a_draft_cannot_be_corrected(honey):
    draft = open_draft(honey)
    with pytest.raises(ValidationError, match="Only an approved settlement"):
        open_draft(honey, reference="X", corrects=draft)


def test_two_drafts_of_a_season_cannot_both_be_approved(honey):
    one, two = open_draft(honey), open_draft(honey, reference="SET-2025-ALT", levels=1)
    settlement_approve(actor=honey.manager, settlement=one)
    with pytest.raises(ValidationError, match="must be a correction"):
        settlement_approve(actor=honey.manager, settlement=two)
    assert Settlement.objects.get(pk=two.pk).status == "draft"


def test_marking_paid_records_the_date_once_approved(honey):
    settlement = open_draft(honey)
    with pytest.raises(ValidationError, match="Only an approved settlement"):
        settlement_mark_paid(actor=honey.manager, settlement=settlement, paid_on=timezone.localdate())
    settlement_approve(actor=honey.manager, settlement=settlement)
    with pytest.raises(ValidationError, match="before approval"):
        settlement_mark_paid(
            actor=honey.manager,
            settlement=settlement,
            paid_on=timezone.localdate() - datetime.timedelta(days=3),
        )
    with pytest.raises(ValidationError, match="future"):
        settlement_mark_paid(
            actor=honey.manager,
            settlement=settlement,
            paid_on=timezone.localdate() + datetime.timedelta(days=3),
        )
    settlement = settlement_mark_paid(
        actor=honey.manager, settlement=settlement, paid_on=timezone.localdate()
    )
    settlement.refresh_from_db()
    assert (settlement.status, settlement.paid_on) == ("paid", timezone.localdate())


def test_the_authorising_decision_must_be_approved_and_of_the_coop(honey, coop_b):
    good = settlements_data.approved_decision(honey.coop)
    assert open_draft(honey, decision=good).decision == good
    Settlement.objects.all().delete()
    lost = settlements_data.approved_decision(honey.coop, votes_for=3, votes_against=30)
    with pytest.raises(ValidationError, match="not approved"):
        open_draft(honey, decision=lost)
    foreign = settlements_data.approved_decision(coop_b)
    with pytest.raises(ValidationError) as refused:
        open_draft(honey, decision=foreign)
    assert "another co-operative" in refused.value.message_dict["decision"][0]
    assert not Settlement.objects.exists()


# --- Refusals: clear, by field, nothing written ----------------------------------------------------


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"levels": 3}, "levels", "1 level"),
        ({"levels": True}, "levels", "1 level"),
        ({"levels": "two"}, "levels", "1 level"),
        ({"pool": Decimal("-1.00")}, "pool", "negative"),
        ({"pool": "12.345"}, "pool", "whole cents"),
        ({"pool": "lots"}, "pool", "amount such as"),
        ({"pool": 12.5}, "pool", "amount such as"),
        ({"pool": "1e30"}, "pool", "too large"),
        ({"pool": "NaN"}, "pool", "amount such as"),
        ({"reference": "SET\x002025"}, "reference", "NUL"),
        ({"reference": ""}, "reference", "blank"),
        ({"reference": "has space"}, "reference", ""),
        ({"notes": "a\x00b"}, "notes", "NUL"),
        ({"pool": None, "costs": [("Transport\x00", "1")]}, "costs", "NUL"),
        ({"pool": None, "costs": [("Transport", "-1")]}, "costs", "Cost line 1"),
        ({"pool": None, "costs": [("", "1")]}, "costs", "describe"),
        ({"pool": None, "costs": [("only one",)]}, "costs", "description and an amount"),
        ({"pool": "10", "costs": [("Transport", "1")]}, "pool", "not both"),
        ({"pool": None, "costs": [("Transport", "1")]}, "costs", "more than the season's revenue"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_written(honey, changes, field, message):
    with pytest.raises(ValidationError) as refused:
        open_draft(honey, **changes)
    assert field in refused.value.message_dict
    assert message in " ".join(refused.value.message_dict[field])
    assert not Settlement.objects.exists() and not SettlementLine.objects.exists()
    assert not SettlementCost.objects.exists()


def test_a_duplicate_reference_is_refused(honey):
    open_draft(honey, levels=1)
    with pytest.raises(ValidationError) as refused:
        open_draft(honey, levels=1)
    assert "already used" in refused.value.message_dict["reference"][0]


def test_a_season_without_accepted_kg_is_refused_clearly(honey):
    empty = make_season(
        honey.coop,
        honey.product,
        code="MEL-2030",
        starts=datetime.date(2030, 1, 1),
        ends=datetime.date(2030, 12, 31),
    )
    with pytest.raises(ValidationError) as refused:
        settlement_open(actor=honey.manager, season=empty, reference="S-30", pool="10")
    assert "no kilograms to share" in refused.value.message_dict["season"][0]
    assert not Settlement.objects.exists()


def test_two_levels_need_every_family_in_an_association(honey):
    loner = FamilyFactory(cooperative=honey.coop, association=None, code="F-LONE")
    deliver(honey.coop, honey.product, loner, "5")
    with pytest.raises(ValidationError) as refused:
        open_draft(honey)
    assert "F-LONE" in refused.value.message_dict["levels"][0]
    assert open_draft(honey, levels=1).lines.filter(family=loner).exists()


def test_advances_in_another_currency_are_refused(honey):
    advance(honey.lots.f4, "10.00", season=honey.season, currency="USD")
    with pytest.raises(ValidationError, match="USD"):
        open_draft(honey)


def test_only_managers_of_the_seasons_coop_may_open_approve_or_pay(honey, personas):
    for user in (personas.staff, personas.auditor, personas.expired, personas.outsider):
        with pytest.raises(PermissionDenied):
            open_draft(honey, actor=user)
    settlement = open_draft(honey)
    for user in (personas.staff, personas.auditor, personas.outsider):
        with pytest.raises(PermissionDenied):
            settlement_approve(actor=user, settlement=settlement)
        with pytest.raises(PermissionDenied):
            settlement_recompute(actor=user, settlement=settlement)
    assert Settlement.objects.get().status == "draft"


def test_a_manager_cannot_settle_another_coops_season(honey, personas):
    with pytest.raises(PermissionDenied):
        settlement_open(actor=personas.manager, season=honey.season_b, reference="X", pool="1")
    assert not Settlement.objects.exists()


def test_a_rejected_lot_after_opening_changes_nothing_until_recomputed(honey):
    settlement = open_draft(honey, levels=1)
    Lot.objects.filter(pk=honey.lots.f4.pk).update(status=Lot.Status.REJECTED)
    assert family_lines(settlement)["F-04"].kg == Decimal("20.000")
    settlement = settlement_recompute(actor=honey.manager, settlement=settlement)
    assert "F-04" not in family_lines(settlement)
    assert settlement.total_kg == Decimal("180.000") and IN_SEASON
