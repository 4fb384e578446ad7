"""The compliance checks find what an auditor would find: each planted problem is caught,
named and linked, and a clean co-op passes."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from chain.selectors import uncertified_sources
from coop.models import Inspection
from tests.factories import CertificationFactory, FamilyFactory, InspectionFactory, LotFactory
from tests.upgrading import ledger_data, reports_data
from tests.upgrading.reports_data import TODAY
from upgrading.models import PremiumAllocation, PremiumReceipt, PremiumSpending, Report, Season, Settlement
from upgrading.reports import compliance
from upgrading.reports.periods import parse_period

pytestmark = pytest.mark.django_db

english = reports_data.english
honey = reports_data.honey
honey_b = reports_data.honey_b
media = reports_data.media


def run(coop, code, period="2025", today=TODAY):
    parsed = parse_period(period)
    function = next(f for f in compliance.CHECKS if f.__name__ == f"check_{code}")
    return function(coop, parsed, parsed.as_of(today))


def test_uncertified_familys_lot_in_a_fair_trade_shipment_fails_the_claims_check(honey, english):
    result = run(honey.coop, "certification_claims")
    assert result.status == compliance.FAIL
    assert result.count == 1
    [finding] = result.findings
    assert finding.label == f"{honey.shipment.reference} ← {honey.stranger.code}"
    assert "F-NONE-A" in finding.detail and "Fair trade" in finding.detail and "Organic" in finding.detail
    assert finding.url == reverse("lot_detail", args=[honey.coop.slug, honey.stranger.pk])


def test_claims_check_agrees_with_the_chain_rule(honey):
    """The period-wide SQL gives the same deliveries as chain.selectors.uncertified_sources."""
    lot_ids = list(honey.shipment.allocations.values_list("lot_id", flat=True))
    for scheme in ("fair_trade", "organic"):
        chain_answer = sorted(
            code for codes in uncertified_sources(lot_ids=lot_ids, scheme=scheme).values() for code in codes
        )
        assert chain_answer == [honey.stranger.code]
    assert [f.label.split(" ← ")[1] for f in run(honey.coop, "certification_claims").findings] == [
        honey.stranger.code
    ]


def test_a_batch_made_with_an_uncertified_barrel_is_traced_to_it(honey):
    from chain.models import Allocation
    from coop.models import Lot, LotInput

    batch = honey.barrel(family=None, code="BATCH-1", kind=Lot.Kind.BATCH, kg="40.000")
    other = honey.barrel(code="B-A-IN")
    LotInput.objects.create(cooperative=honey.coop, output=batch, source=honey.stranger, kg=Decimal("20"))
    LotInput.objects.create(cooperative=honey.coop, output=batch, source=other, kg=Decimal("20"))
    Allocation.objects.filter(lot=honey.stranger).delete()
    Allocation.objects.create(cooperative=honey.coop, shipment=honey.shipment, lot=batch, kg=Decimal("40"))
    result = run(honey.coop, "certification_claims")
    assert result.status == compliance.FAIL
    assert [f.label for f in result.findings] == [f"{honey.shipment.reference} ← {honey.stranger.code}"]


def test_claims_outside_the_period_and_of_other_coops_are_not_counted(honey, honey_b):
    assert run(honey.coop, "certification_claims", period="2024").status == compliance.PASS
    result = run(honey.coop, "certification_claims")
    assert all("-B" not in f.label for f in result.findings)
    assert result.count == 1


def test_clean_claims_pass(coop_a, personas, media):
    site = reports_data.build(coop_a, personas.manager, violation=False)
    assert run(site.coop, "certification_claims").status == compliance.PASS
    assert run(site.coop, "mass_balance").status == compliance.PASS


def test_mass_balances_in_one_pass_agree_with_the_chain_selector(honey, honey_b):
    """Every product and scheme, a derived product with a yield included."""
    from chain.selectors import mass_balance
    from coop.models import Lot, LotInput
    from tests.factories import ProductFactory
    from upgrading.reports import queries

    wax = ProductFactory(
        cooperative=honey.coop,
        code="WAX",
        name="Cera",
        made_from=honey.honey,
        expected_yield=Decimal("0.0150"),
    )
    block = LotFactory(
        cooperative=honey.coop, product=wax, family=None, code="WAX-1", kind=Lot.Kind.BATCH, net_kg="0.600"
    )
    LotInput.objects.create(cooperative=honey.coop, output=block, source=honey.wet, kg=Decimal("20"))
    honey.barrel(code="B-A-REJ", status="rejected", kg="7.000")
    balances = queries.mass_balances(honey.coop)
    assert len(balances) == 4
    for (product_id, scheme), balance in balances.items():
        assert balance == mass_balance(product=balance.product, scheme=scheme), (balance.product, scheme)
        assert balance.product.pk == product_id


def test_mass_balance_fails_when_more_certified_kg_were_sold_than_produced(honey):
    # 500 kg more sold than any certified family delivered (inserted behind the services).
    from chain.models import Allocation

    big = honey.barrel(family=honey.uncertified, code="B-A-BIG", kg="500.000")
    Allocation.objects.create(cooperative=honey.coop, shipment=honey.shipment, lot=big, kg=Decimal("500"))
    result = run(honey.coop, "mass_balance")
    assert result.status == compliance.FAIL
    assert len(result.findings) == 2  # fair trade and organic
    assert all(f.label.startswith(honey.honey.name) for f in result.findings)


def test_unpaid_advance_older_than_30_days_is_flagged(honey):
    result = run(honey.coop, "advances_overdue", period="2025-11")
    assert result.status == compliance.FAIL
    assert result.count == 1
    [finding] = result.findings
    assert finding.label == f"{honey.certified.code} · {honey.overdue.lot.code}"
    assert "01/10/2025" in finding.detail
    # The one due 10 days before the end of November, and the paid one, are not.
    honey.overdue.status = "paid"
    honey.overdue.paid_on = datetime.date(2025, 11, 1)
    honey.overdue.save()
    assert run(honey.coop, "advances_overdue", period="2025-11").status == compliance.PASS


def test_an_advance_due_29_days_ago_is_not_yet_flagged(honey):
    # Period October: as of 31 October, the advance due on 1 October is 30 days old.
    assert run(honey.coop, "advances_overdue", period="2025-10").status == compliance.PASS


def test_certificate_expiring_within_60_days_warns_and_late_organic_delivery_fails(honey, english):
    result = run(honey.coop, "certification_expiry", period="2025-11")
    assert result.status == compliance.FAIL
    labels = [f.label for f in result.findings]
    assert labels[0].startswith(honey.expiring.code)  # the fair-trade certificate ending 2026-01-20
    assert "01/20/2026" in result.findings[0].detail
    late = [f for f in result.findings if "declared organic" in f.detail]
    assert [f.label.split(" · ")[0] for f in late] == [honey.expiring.code]


def test_a_renewed_certificate_is_not_reported_as_expiring(honey):
    CertificationFactory(
        family=honey.expiring,
        scheme="fair_trade",
        valid_from=datetime.date(2026, 1, 21),
        valid_to=datetime.date(2028, 1, 20),
    )
    result = run(honey.coop, "certification_expiry", period="2025-11")
    assert not any("01/20/2026" in f.detail for f in result.findings)


def test_certified_family_not_inspected_in_12_months_fails(honey):
    result = run(honey.coop, "inspections")
    assert result.status == compliance.FAIL
    assert [f.label.split(" · ")[0] for f in result.findings] == [honey.forgotten.code]
    assert result.findings[0].url == reverse("family_detail", args=[honey.coop.slug, honey.forgotten.pk])


def test_uninspected_family_without_certificate_only_warns(honey):
    InspectionFactory(family=honey.forgotten, inspector=honey.head, inspected_on=datetime.date(2025, 9, 1))
    FamilyFactory(cooperative=honey.coop, association=honey.room, code="F-NEW-A")
    result = run(honey.coop, "inspections")
    assert result.status == compliance.WARNING
    assert [f.label.split(" · ")[0] for f in result.findings] == ["F-NEW-A"]


def test_open_sanctions_warn_then_fail_past_their_follow_up(honey):
    assert run(honey.coop, "open_sanctions").status == compliance.PASS
    sanction = InspectionFactory(
        family=honey.certified,
        inspector=honey.head,
        inspected_on=datetime.date(2025, 10, 1),
        result=Inspection.Result.SANCTION,
        follow_up_on=datetime.date(2026, 3, 1),
    )
    result = run(honey.coop, "open_sanctions")
    assert result.status == compliance.WARNING
    assert result.findings[0].url == reverse("inspection_detail", args=[honey.coop.slug, sanction.pk])
    sanction.follow_up_on = datetime.date(2025, 12, 1)
    sanction.save()
    assert run(honey.coop, "open_sanctions").status == compliance.FAIL
    sanction.closed_on = datetime.date(2025, 12, 10)
    sanction.save()
    assert run(honey.coop, "open_sanctions").status == compliance.PASS


def test_wet_lot_in_stock_fails_the_quality_check(honey):
    result = run(honey.coop, "quality")
    assert result.status == compliance.FAIL
    assert [f.label for f in result.findings] == [honey.wet.code]
    honey.wet.status = "rejected"
    honey.wet.save()
    assert run(honey.coop, "quality").status == compliance.PASS


def test_lot_wetter_than_the_contract_allows_in_an_unshipped_shipment_fails(honey):
    from chain.models import Allocation

    damp = honey.barrel(code="B-A-DAMP", moisture="19.50")
    Allocation.objects.create(cooperative=honey.coop, shipment=honey.shipment, lot=damp, kg=Decimal("5"))
    result = run(honey.coop, "quality")
    assert f"{honey.shipment.reference} ← B-A-DAMP" in [f.label for f in result.findings]


def test_contract_year_closed_short_fails_and_running_year_behind_pace_warns(honey, english):
    closed = run(honey.coop, "contract_pace", period="2025")
    assert closed.status == compliance.FAIL
    assert closed.findings[0].label.startswith(honey.contract.reference)
    running = run(honey.coop, "contract_pace", period="2025-11")
    assert running.status == compliance.WARNING
    assert "short of 10,800.000 kg" in running.findings[0].detail


def _premium(coop, shipment, received_on, amount):
    return PremiumReceipt.objects.create(
        cooperative=coop,
        shipment=shipment,
        received_on=received_on,
        kg=Decimal("40"),
        premium_per_kg=Decimal("0.2"),
        currency="USD",
        exchange_rate=Decimal("5"),
        amount_foreign=Decimal("8.00"),
        amount=amount,
    )


def test_premium_unallocated_for_more_than_12_months_fails_first_in_first_out(honey, personas):
    from upgrading.models import Assembly, Decision

    _premium(honey.coop, honey.shipment, datetime.date(2024, 6, 1), Decimal("400.00"))
    result = run(honey.coop, "premium_unallocated")
    assert result.status == compliance.FAIL
    assert "400,00" in result.summary
    assembly = Assembly.objects.create(
        cooperative=honey.coop,
        held_on=datetime.date(2025, 3, 1),
        members_present=30,
        women_present=20,
        quorum_reached=True,
    )
    decision = Decision.objects.create(
        cooperative=honey.coop, assembly=assembly, number=1, text="Escola", votes_for=25
    )
    PremiumAllocation.objects.create(
        cooperative=honey.coop,
        project="Escola",
        category="schooling",
        decision=decision,
        allocated_on=datetime.date(2025, 3, 2),
        amount=Decimal("400.00"),
        created_by=personas.manager,
    )
    assert run(honey.coop, "premium_unallocated").status == compliance.PASS


def test_allocation_whose_spending_exceeds_it_fails_even_though_the_services_forbid_it(honey, personas):
    from upgrading.models import Assembly, Decision

    assembly = Assembly.objects.create(
        cooperative=honey.coop,
        held_on=datetime.date(2025, 3, 1),
        members_present=30,
        women_present=20,
        quorum_reached=True,
    )
    decision = Decision.objects.create(
        cooperative=honey.coop, assembly=assembly, number=1, text="Cantina", votes_for=25
    )
    allocation = PremiumAllocation.objects.create(
        cooperative=honey.coop,
        project="Cantina",
        category="cantina",
        decision=decision,
        allocated_on=datetime.date(2025, 3, 2),
        amount=Decimal("100.00"),
        spent=Decimal("100.00"),
        created_by=personas.manager,
    )
    assert run(honey.coop, "premium_overspent").status == compliance.FAIL  # no spending rows behind "spent"
    for amount in ("100.00", "50.00"):
        PremiumSpending.objects.create(
            cooperative=honey.coop,
            allocation=allocation,
            spent_on=datetime.date(2025, 4, 1),
            amount=Decimal(amount),
            description="Telhado",
            recorded_by=personas.manager,
        )
    result = run(honey.coop, "premium_overspent")
    assert result.status == compliance.FAIL
    assert result.findings[0].label == "Cantina"
    assert "150,00" in result.findings[0].detail


def test_closed_season_without_approved_settlement_warns(honey, personas):
    season = Season.objects.create(
        cooperative=honey.coop,
        product=honey.honey,
        code="MEL-2025",
        name="Safra 2025",
        starts_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(2025, 6, 30),
    )
    result = run(honey.coop, "settlements_unapproved")
    assert result.status == compliance.WARNING
    assert result.findings[0].label == str(season)
    Settlement.objects.create(
        cooperative=honey.coop,
        season=season,
        reference="ACERTO-2025",
        pool_source="entered",
        pool=Decimal("1000.00"),
        currency="BRL",
        created_by=personas.manager,
        status="approved",
        approved_by=personas.manager,
        approved_at=datetime.datetime(2025, 8, 1, tzinfo=datetime.UTC),
    )
    assert run(honey.coop, "settlements_unapproved").status == compliance.PASS


def test_ledger_check_passes_on_an_intact_chain_and_fails_on_a_tampered_one(honey, personas):
    ledger_data.chain(personas.staff, honey.coop, 3)
    result = run(honey.coop, "ledger")
    assert result.status == compliance.PASS
    assert compliance.ledger_head(honey.coop).startswith("3:")
    ledger_data.tamper(
        "UPDATE upgrading_ledgerentry SET value = 99 WHERE sequence = 2 AND cooperative_id = %s",
        [honey.coop.pk],
    )
    result = run(honey.coop, "ledger")
    assert result.status == compliance.FAIL
    assert result.findings[0].label.endswith("#2")
    assert result.findings[0].url == reverse("ledger_entry", kwargs={"slug": honey.coop.slug, "sequence": 2})


def test_ledger_head_before_any_entry_is_zero_and_the_genesis_hash(coop_a):
    assert compliance.ledger_head(coop_a) == "0:" + "0" * 64


def test_a_clean_cooperative_passes_every_check(coop_a, personas, media):
    run_all = compliance.run_checks(cooperative=coop_a, period=parse_period("2025"), today=TODAY)
    assert {r.code: r.status for r in run_all} == {r.code: compliance.PASS for r in run_all}
    assert [r.code for r in run_all] == list(compliance.TITLES)


def test_checks_take_a_fixed_number_of_queries_whatever_the_number_of_lots(
    honey, django_assert_max_num_queries
):
    period = parse_period("2025")
    with django_assert_max_num_queries(60) as small:
        compliance.run_checks(cooperative=honey.coop, period=period, today=TODAY)
    for n in range(30):
        honey.barrel(code=f"B-A-MORE-{n}", moisture="22.00")
        honey.barrel(family=honey.uncertified, code=f"B-A-UN-{n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        compliance.run_checks(cooperative=honey.coop, period=period, today=TODAY)


def test_reports_of_unknown_kind_are_not_in_the_titles():
    assert set(compliance.TITLES) == {f.__name__.removeprefix("check_") for f in compliance.CHECKS}
    assert Report.Kind.COMPLIANCE in Report.Kind.values
