"""Derived indicators: each computed from the co-op's own records for a period, appended
with the parameters behind it; running twice appends nothing, a changed figure appends
an entry that supersedes the old one, a period without data appends nothing."""

import datetime
from decimal import Decimal

import pytest

from chain import selectors as chain_selectors
from chain import services as chain_services
from coop.models import Family, Member
from tests.chain import chain_pages
from tests.chain.chain_pages import confirmed
from tests.factories import (
    AssociationFactory,
    CertificationFactory,
    FamilyFactory,
    InspectionFactory,
    LotFactory,
    MemberFactory,
    ProductFactory,
)
from tests.upgrading import ledger_data
from upgrading import indicators
from upgrading.models import (
    Advance,
    Assembly,
    Decision,
    LedgerEntry,
    PremiumAllocation,
    PremiumReceipt,
    PremiumSpending,
    Season,
    Settlement,
    SettlementLine,
)
from upgrading.selectors.ledger import verify_chain
from upgrading.services.ledger import derived_indicators_record
from upgrading.tasks import derived_periods, record_derived_indicators, request_derived_indicators

sales = chain_pages.sales
english = ledger_data.english
catalogue = ledger_data.catalogue
media = ledger_data.media

pytestmark = pytest.mark.usefixtures("english")

SHIPPED = chain_pages.TODAY - datetime.timedelta(days=5)
MONTH = (SHIPPED.replace(day=1), (SHIPPED.replace(day=28) + datetime.timedelta(days=4)).replace(day=1))
MONTH = (MONTH[0], MONTH[1] - datetime.timedelta(days=1))
LAST_YEAR = (datetime.date(SHIPPED.year - 1, 1, 1), datetime.date(SHIPPED.year - 1, 12, 31))


def certify(family, scheme, valid_from, valid_to, **extra):
    """A certificate approved by an inspection made by one of the family's own members (the
    factories would otherwise make an inspector's family, which would count as a family)."""
    inspector = MemberFactory(family=family)
    inspection = InspectionFactory(
        family=family,
        cooperative=family.cooperative,
        inspector=inspector,
        inspected_on=valid_from - datetime.timedelta(days=400),  # outside any 12-month window here
    )
    return CertificationFactory(
        family=family,
        scheme=scheme,
        valid_from=valid_from,
        valid_to=valid_to,
        approved_by=inspection,
        **extra,
    )


def compute(code, coop, period=MONTH):
    return indicators.compute(code, cooperative=coop, period_from=period[0], period_to=period[1])


def local_sale(sales, personas, kg, price, reference):
    buyer = chain_services.buyer_create(
        actor=personas.manager, cooperative=sales.coop, name=f"Local {reference}", country="BR", kind="local"
    )
    shipment = sales.shipment(
        [(sales.barrel(kg=kg, family=sales.uncertified), kg)],
        reference=reference,
        buyer=buyer,
        contract=None,
        price_per_kg=Decimal(price),
        fair_trade=False,
        organic=False,
        exchange_rate=None,
    )
    return chain_services.shipment_confirm(actor=personas.manager, shipment=shipment)


@pytest.fixture
def sold(sales, personas):
    """30 kg under the fair-trade contract at US$3 × 5.10 = R$15.30/kg, 70 kg locally at R$5.10."""
    confirmed(sales, [(sales.barrel(kg="30"), "30")], reference="FT-1")
    local_sale(sales, personas, "70", "5.10", "LOC-1")
    return sales


# --- Sales ------------------------------------------------------------------------------------


def test_price_multiple_share_concentration_and_revenue(sold):
    coop = sold.coop
    multiple = compute("fair_trade_price_multiple", coop)
    assert multiple.value == Decimal("3.0000")
    assert multiple.parameters["products"]["HONEY"]["fair_trade_price_per_kg"] == "15.3000"
    assert compute("fair_trade_sales_share", coop).value == Decimal("30.0000")
    concentration = compute("buyer_concentration", coop)
    assert concentration.value == Decimal("56.2500")  # R$459 of R$816
    assert concentration.parameters["buyers"] == 2
    assert concentration.parameters["herfindahl_index"] == "5078.1250"
    assert compute("sales_revenue", coop).value == Decimal("816.0000")


def test_the_yearly_figures_agree_with_the_market_position_page(sold):
    year = SHIPPED.year
    position = chain_selectors.market_position(cooperative=sold.coop, year=year)
    period = (datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    assert compute("fair_trade_sales_share", sold.coop, period).value == position.fair_trade_share * 100
    assert (
        compute("fair_trade_price_multiple", sold.coop, period).value
        == position.price_multiples[sold.product]
    )
    assert compute("buyer_concentration", sold.coop, period).value == position.largest_buyer.share * 100


def test_no_sales_no_figure(sales):
    for code in (
        "fair_trade_price_multiple",
        "fair_trade_sales_share",
        "buyer_concentration",
        "sales_revenue",
    ):
        assert compute(code, sales.coop) is None


def test_drafts_and_other_cooperatives_do_not_count(sold, personas, coop_b):
    sold.shipment([(sold.barrel(kg="500"), "500")], reference="DRAFT")  # never confirmed
    assert compute("fair_trade_sales_share", sold.coop).value == Decimal("30.0000")
    assert compute("sales_revenue", coop_b) is None


# --- Families -----------------------------------------------------------------------------------


def test_certified_inspected_and_land_tenure_shares(coop_a):
    end = MONTH[1]
    families = [
        FamilyFactory(cooperative=coop_a, land_tenure=tenure)
        for tenure in ("owner", "settlement", "tenant", "unknown")
    ]
    FamilyFactory(cooperative=coop_a, status=Family.Status.LEFT, land_tenure="owner")  # not counted
    FamilyFactory(cooperative=coop_a, joined_on=end + datetime.timedelta(days=1))  # joined later
    certify(families[0], "organic", end - datetime.timedelta(days=10), end)
    certify(families[1], "organic", end + datetime.timedelta(days=1), end + datetime.timedelta(days=300))
    certify(
        families[2],
        "fair_trade",
        end - datetime.timedelta(days=400),
        end + datetime.timedelta(days=1),
        status="suspended",
    )
    organic = compute("organic_certified_families", coop_a)
    assert organic.value == Decimal("25.0000") and organic.parameters["families"] == 4
    assert compute("fair_trade_certified_families", coop_a).value == Decimal("0.0000")
    tenure = compute("secure_land_tenure", coop_a)
    assert tenure.value == Decimal("50.0000") and tenure.parameters["not_recorded"] == 1
    assert "register_as_of" in tenure.parameters
    # The certificates' own inspections are more than 12 months old: only this one counts.
    inspector = MemberFactory(family=families[3])
    for family, days in ((families[3], 30), (families[2], 400)):
        InspectionFactory(
            family=family,
            cooperative=coop_a,
            inspector=inspector,
            inspected_on=end - datetime.timedelta(days),
        )
    assert compute("families_inspected_12m", coop_a).value == Decimal("25.0000")


def test_members_gender_and_cpf(coop_a):
    family = FamilyFactory(cooperative=coop_a)
    MemberFactory(family=family, gender=Member.Gender.FEMALE, national_id="52998224725")
    MemberFactory(family=family, gender=Member.Gender.FEMALE)
    MemberFactory(family=family, gender=Member.Gender.MALE)
    gone = FamilyFactory(cooperative=coop_a, status=Family.Status.LEFT)
    MemberFactory(family=gone, gender=Member.Gender.MALE)
    assert compute("women_members_share", coop_a).value == Decimal("66.6667")
    assert compute("members_with_national_id", coop_a).value == Decimal("33.3333")


def test_no_families_no_figure(coop_a):
    assert compute("organic_certified_families", coop_a) is None
    assert compute("women_members_share", coop_a) is None


# --- Assemblies --------------------------------------------------------------------------------


def test_assembly_attendance_and_women_share(coop_a):
    day = MONTH[0]
    Assembly.objects.create(
        cooperative=coop_a,
        held_on=day,
        members_eligible=200,
        members_present=150,
        women_present=90,
        quorum_reached=True,
    )
    Assembly.objects.create(
        cooperative=coop_a,
        held_on=day,
        kind="extraordinary",
        members_eligible=200,
        members_present=50,
        women_present=10,
        quorum_reached=True,
    )
    Assembly.objects.create(
        cooperative=coop_a,
        held_on=day,
        kind="board",
        members_eligible=7,
        members_present=7,
        women_present=7,
        quorum_reached=True,
    )
    Assembly.objects.create(
        cooperative=coop_a,
        held_on=day - datetime.timedelta(days=1),
        members_eligible=10,
        members_present=1,
        women_present=1,
        quorum_reached=False,
    )
    attendance = compute("assembly_attendance", coop_a)
    assert attendance.value == Decimal("50.0000") and attendance.parameters["assemblies"] == 2
    assert compute("women_assembly_share", coop_a).value == Decimal("50.0000")


# --- Money: income, premium, advances -----------------------------------------------------------


@pytest.fixture
def money(coop_a, personas):
    """Two active families; a season of honey; what was paid to them in the month."""
    day = MONTH[0]
    room = AssociationFactory(cooperative=coop_a, code="HR-1")
    one, two = (FamilyFactory(cooperative=coop_a, association=room) for _ in range(2))
    product = ProductFactory(cooperative=coop_a, code="NUTS")
    LotFactory(
        cooperative=coop_a,
        product=product,
        family=one,
        collected_on=day,
        amount_paid=Decimal("100.00"),
        currency="BRL",
        kind="nut_purchase",
    )
    LotFactory(
        cooperative=coop_a,
        product=product,
        family=two,
        collected_on=day,
        amount_paid=Decimal("50.00"),
        currency="BRL",
        kind="nut_purchase",
        status="rejected",
    )
    barrel = LotFactory(cooperative=coop_a, product=product, family=two, collected_on=day)
    season = Season.objects.create(
        cooperative=coop_a, product=product, code="S1", name="Safra", starts_on=day, ends_on=MONTH[1]
    )
    Advance.objects.create(
        cooperative=coop_a,
        lot=barrel,
        family=two,
        season=season,
        kg=Decimal("20"),
        rate=Decimal("0.5"),
        reference_price_per_kg=Decimal("10"),
        amount=Decimal("100.00"),
        currency="BRL",
        due_on=day,
        status="paid",
        paid_on=day,
    )
    settlement = Settlement.objects.create(
        cooperative=coop_a,
        season=season,
        reference="ACERTO-1",
        pool_source="entered",
        pool=Decimal("400.00"),
        currency="BRL",
        status="paid",
        paid_on=day,
        created_by=personas.manager,
        approved_by=personas.manager,
        approved_at=datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC),
    )
    SettlementLine.objects.create(
        cooperative=coop_a,
        settlement=settlement,
        level="family",
        family=one,
        kg=Decimal("20"),
        gross_share=Decimal("200.00"),
        net=Decimal("200.00"),
    )
    SettlementLine.objects.create(
        cooperative=coop_a,
        settlement=settlement,
        level="family",
        family=two,
        kg=Decimal("20"),
        gross_share=Decimal("200.00"),
        advances=Decimal("100.00"),
        net=Decimal("100.00"),
    )
    return SimpleFamilies(one, two, day)


class SimpleFamilies:
    def __init__(self, one, two, day):
        self.one, self.two, self.day = one, two, day


def test_income_per_family(coop_a, money):
    income = compute("income_per_family", coop_a)
    # (100 purchase + 100 advance + 300 settlement shares) / 2 families; the rejected lot does not count.
    assert income.value == Decimal("250.0000")
    assert income.parameters["total_paid"] == "500.00"
    assert income.parameters["active_families"] == 2 and income.parameters["currency"] == "BRL"


def test_advances_share_of_the_final_payment(coop_a, money):
    share = compute("advances_share_of_final_payment", coop_a)
    assert share.value == Decimal("25.0000") and share.parameters["settlements"] == 1


def test_premium_received_and_invested_per_family(coop_a, money, sold, personas):
    shipment = sold.coop.shipments.get(reference="FT-1")
    PremiumReceipt.objects.create(
        cooperative=coop_a,
        shipment=shipment,
        received_on=money.day,
        kg=Decimal("30"),
        premium_per_kg=Decimal("0.2"),
        currency="USD",
        exchange_rate=Decimal("5.1"),
        amount_foreign=Decimal("6.00"),
        amount=Decimal("30.60"),
    )
    assembly = Assembly.objects.create(
        cooperative=coop_a, held_on=money.day, members_present=10, women_present=5, quorum_reached=True
    )
    decision = Decision.objects.create(
        cooperative=coop_a, assembly=assembly, number=1, text="Escola", votes_for=10
    )
    allocation = PremiumAllocation.objects.create(
        cooperative=coop_a,
        project="Escola",
        category="schooling",
        decision=decision,
        allocated_on=money.day,
        amount=Decimal("30.00"),
        created_by=personas.manager,
    )
    PremiumSpending.objects.create(
        cooperative=coop_a,
        allocation=allocation,
        spent_on=money.day,
        amount=Decimal("12.00"),
        description="Cadernos",
        recorded_by=personas.manager,
    )
    families = Family.objects.filter(cooperative=coop_a, status="active", joined_on__lte=MONTH[1]).count()
    received = compute("premium_received_per_family", coop_a)
    assert received.value == (Decimal("30.60") / families).quantize(Decimal("0.0001"))
    assert compute("premium_invested_per_family", coop_a).value == (Decimal("12") / families).quantize(
        Decimal("0.0001")
    )


# --- The service and the task --------------------------------------------------------------------


def entries(coop):
    return list(LedgerEntry.objects.filter(cooperative=coop).order_by("sequence"))


def test_a_run_appends_derived_entries_with_their_parameters(sold):
    run = derived_indicators_record(cooperative=sold.coop, period_from=MONTH[0], period_to=MONTH[1])
    appended = {entry.indicator.code: entry for entry in run.appended}
    assert set(appended) >= {
        "fair_trade_price_multiple",
        "fair_trade_sales_share",
        "buyer_concentration",
        "sales_revenue",
        "organic_certified_families",
    }
    share = appended["fair_trade_sales_share"]
    assert share.source == "derived" and share.recorded_by is None and share.value == Decimal("30.0000")
    assert share.parameters == {"fair_trade_kg": "30.000", "total_kg": "100.000"}  # text, never floats
    assert appended["sales_revenue"].unit == "BRL"
    assert "assembly_attendance" in run.without_data
    assert verify_chain(cooperative=sold.coop).intact


def test_running_twice_appends_nothing(sold):
    first = derived_indicators_record(cooperative=sold.coop, period_from=MONTH[0], period_to=MONTH[1])
    before = entries(sold.coop)
    second = derived_indicators_record(cooperative=sold.coop, period_from=MONTH[0], period_to=MONTH[1])
    assert second.appended == [] and len(second.unchanged) == len(first.appended)
    assert entries(sold.coop) == before


def test_a_changed_figure_supersedes_the_old_entry(sold, personas):
    derived_indicators_record(cooperative=sold.coop, period_from=MONTH[0], period_to=MONTH[1])
    old = LedgerEntry.objects.get(cooperative=sold.coop, indicator__code="fair_trade_sales_share")
    local_sale(sold, personas, "100", "5.10", "LOC-2")  # recorded late: 30 of 200 kg
    run = derived_indicators_record(cooperative=sold.coop, period_from=MONTH[0], period_to=MONTH[1])
    new = next(e for e in run.appended if e.indicator.code == "fair_trade_sales_share")
    assert new.value == Decimal("15.0000") and new.supersedes == old
    assert "fair_trade_price_multiple" in run.unchanged
    assert verify_chain(cooperative=sold.coop).intact


def test_the_task_runs_one_cooperative_and_period(sold):
    summary = record_derived_indicators.delay(sold.coop.pk, MONTH[0].isoformat(), MONTH[1].isoformat()).get()
    assert len(summary["appended"]) >= 5 and summary["unchanged"] == []
    again = record_derived_indicators.delay(sold.coop.pk, MONTH[0].isoformat(), MONTH[1].isoformat()).get()
    assert again["appended"] == []


def test_the_beat_asks_for_last_month_and_in_january_last_year(coop_a, coop_b):
    assert derived_periods(datetime.date(2026, 3, 1)) == [
        (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    ]
    assert derived_periods(datetime.date(2026, 1, 1)) == [
        (datetime.date(2025, 12, 1), datetime.date(2025, 12, 31)),
        (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)),
    ]
    assert request_derived_indicators.delay().get() == 2 * len(derived_periods(datetime.date.today()))


def test_the_beat_schedule_runs_it_monthly():
    from config.celery import DEFAULT_BEAT_SCHEDULE

    entry = DEFAULT_BEAT_SCHEDULE["monthly-derived-indicators"]
    assert entry["task"] == "upgrading.tasks.request_derived_indicators"
    assert entry["schedule"].day_of_month == {1}


def test_last_year_is_computed_from_dated_records(sales, personas):
    # Certificates carry their dates, so a past year's figure is right when computed today.
    end = LAST_YEAR[1]
    family = FamilyFactory(cooperative=sales.coop)
    before = compute("organic_certified_families", sales.coop, LAST_YEAR).parameters["matching"]
    certify(family, "organic", end - datetime.timedelta(days=30), end)
    certify(family, "fair_trade", end + datetime.timedelta(days=1), end + datetime.timedelta(days=30))
    figure = compute("organic_certified_families", sales.coop, LAST_YEAR)
    assert figure.parameters["matching"] == before + 1
    assert figure.parameters["on"] == end.isoformat()
