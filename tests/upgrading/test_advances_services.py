"""Advances: created when a delivery is accepted, exact to the cent, set-based for an import;
paid once, by staff; cancelled when the lot is rejected; seasons that do not overlap."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coop import services as coop_services
from coop.imports import import_file
from coop.models import Lot
from tests.factories import FamilyFactory
from tests.upgrading import advances_data
from tests.upgrading.advances_data import DAY, barrel, foreign_contract
from upgrading.models import Advance
from upgrading.selectors import advances as selectors
from upgrading.services import advances as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(coop_a, coop_b, personas):
    return advances_data.build(coop_a, coop_b, personas)


def test_accepted_barrel_is_advanced_rate_times_price_times_kg(coop_a, personas, data):
    lot = barrel(personas.staff, coop_a, product=data.honey, family=data.silva, kg="20.000")
    advance = Advance.objects.get(lot=lot)
    assert advance.amount == Decimal("125.00")  # 0.5 × 12.50 × 20 kg
    assert (advance.rate, advance.reference_price_per_kg, advance.kg) == (
        Decimal("0.5000"),
        Decimal("12.5000"),
        Decimal("20.000"),
    )
    assert (advance.family, advance.season, advance.contract) == (data.silva, data.season, None)
    assert (advance.currency, advance.due_on, advance.status) == ("BRL", DAY, Advance.Status.DUE)
    assert advance.history.get().history_user == personas.staff


@pytest.mark.parametrize(
    ("price", "kg", "expected"),
    [
        ("12.3456", "20.125", "124.23"),  # 124.22628
        ("0.0100", "1.000", "0.01"),  # 0.005 rounds half up, not to the even 0.00
        ("7.7777", "33.333", "129.63"),  # 129.6260...
        ("12.3450", "1.000", "6.17"),  # 6.1725
    ],
)
def test_amount_is_rounded_half_up_once(coop_a, coop_b, personas, price, kg, expected):
    data = advances_data.build(coop_a, coop_b, personas, season_price=Decimal(price))
    lot = barrel(personas.staff, coop_a, product=data.honey, family=data.silva, kg=kg)
    assert lot.advance.amount == Decimal(expected)


def test_season_without_price_takes_the_contract_price_in_base_currency(coop_a, personas, data):
    services.season_update(actor=personas.manager, season=data.season, reference_price_per_kg=None)
    contract = foreign_contract(
        personas.manager, coop_a, product=data.honey, price=Decimal("8.40"), currency="BRL"
    )
    lot = barrel(personas.staff, coop_a, product=data.honey, family=data.silva, kg="20")
    assert lot.advance.amount == Decimal("84.00")  # season rate 0.5 × 8.40 × 20
    assert lot.advance.contract == contract


def test_foreign_contract_price_is_converted_with_the_season_rate(coop_a, personas, data):
    services.season_update(
        actor=personas.manager,
        season=data.season,
        reference_price_per_kg=None,
        advance_rate=None,
        reference_exchange_rate=Decimal("5.123456"),
    )
    contract = foreign_contract(personas.manager, coop_a, product=data.honey, rate=Decimal("0.4"))
    lot = barrel(personas.staff, coop_a, product=data.honey, family=data.silva, kg="20")
    # 3.00 USD × 5.123456 = 15.370368 → 15.3704 per kg; 0.4 × 15.3704 × 20 = 122.9632
    assert lot.advance.reference_price_per_kg == Decimal("15.3704")
    assert lot.advance.rate == Decimal("0.4000")
    assert lot.advance.amount == Decimal("122.96")
    assert lot.advance.contract == contract


def test_foreign_contract_without_an_exchange_rate_gives_no_advance(coop_a, personas, data):
    services.season_update(actor=personas.manager, season=data.season, reference_price_per_kg=None)
    foreign_contract(personas.manager, coop_a, product=data.honey)
    lot = barrel(personas.staff, coop_a, product=data.honey, family=data.silva)
    assert not Advance.objects.filter(lot=lot).exists()


def test_contract_alone_advances_outside_any_season(coop_a, personas, data):
    contract = foreign_contract(
        personas.manager, coop_a, product=data.wax, price=Decimal("30"), currency="BRL"
    )
    lot = barrel(personas.staff, coop_a, product=data.wax, family=data.silva, kg="2.5")
    assert (lot.advance.season, lot.advance.contract) == (None, contract)
    assert lot.advance.amount == Decimal("37.50")  # 0.5 × 30 × 2.5


def test_inactive_contract_or_no_terms_give_no_advance(coop_a, personas, data):
    foreign_contract(personas.manager, coop_a, product=data.wax, currency="BRL", status="draft")
    lot = barrel(personas.staff, coop_a, product=data.wax, family=data.silva)
    outside = barrel(
        personas.staff, coop_a, product=data.honey, family=data.silva, day=datetime.date(2025, 12, 31)
    )
    assert not Advance.objects.filter(lot__in=[lot, outside]).exists()


def test_rejected_barrel_and_nut_purchase_get_no_advance(coop_a, personas, data):
    wet = barrel(personas.staff, coop_a, product=data.honey, family=data.silva, moisture="25.0")
    assert wet.status == Lot.Status.REJECTED
    purchase = coop_services.lot_record(
        actor=personas.staff,
        cooperative=coop_a,
        kind=Lot.Kind.NUT_PURCHASE,
        product=data.honey,
        family=data.silva,
        collected_on=DAY,
        net_kg="20",
        price_per_kg="2.00",
    )
    assert not Advance.objects.filter(lot__in=[wet, purchase]).exists()


def test_received_lot_is_advanced_when_accepted(coop_a, personas, data):
    lot = barrel(personas.staff, coop_a, product=data.honey, family=data.silva, accept=False)
    assert not Advance.objects.filter(lot=lot).exists()
    coop_services.lot_accept(actor=personas.staff, lot=lot)
    assert Advance.objects.get(lot=lot).amount == Decimal("125.00")


def test_announcing_the_same_lots_twice_makes_one_advance(coop_a, personas, data):
    lot = barrel(personas.staff, coop_a, product=data.honey, family=data.silva)
    created = services.advances_for_lots(cooperative=coop_a, lots=Lot.objects.filter(pk=lot.pk), actor=None)
    assert created == 0
    assert Advance.objects.filter(lot=lot).count() == 1


def test_lots_of_another_coop_are_not_advanced_by_this_one(coop_a, personas, data):
    created = services.advances_for_lots(
        cooperative=coop_a, lots=Lot.objects.filter(pk=data.b_lot.pk), actor=personas.manager
    )
    assert created == 0


def test_rejecting_an_accepted_lot_cancels_its_due_advance(coop_a, personas, data):
    lot = barrel(personas.staff, coop_a, product=data.honey, family=data.silva)
    coop_services.lot_reject(actor=personas.staff, lot=lot, reason="Fermented honey")
    advance = Advance.objects.get(lot=lot)
    assert advance.status == Advance.Status.CANCELLED
    assert "Fermented honey" in advance.cancelled_reason
    latest = advance.history.order_by("-history_id").first()
    assert (latest.history_type, latest.status, latest.history_user) == ("~", "cancelled", personas.staff)


def test_rejecting_a_lot_keeps_its_paid_advance(coop_a, personas, data):
    lot = barrel(personas.staff, coop_a, product=data.honey, family=data.silva)
    services.advance_pay(actor=personas.staff, advance=lot.advance, paid_on=DAY, method="pix")
    coop_services.lot_reject(actor=personas.staff, lot=lot, reason="Fermented honey")
    advance = Advance.objects.get(lot=lot)
    assert advance.status == Advance.Status.PAID
    assert selectors.paid_advances_by_family(data.season) == {data.silva.pk: Decimal("125.00")}


# --- The import: set-based, a constant number of queries -----------------------------------------


def _import(actor, coop, rows):
    with CaptureQueriesContext(connection) as captured:
        result = import_file(
            actor=actor, cooperative=coop, kind="lots", data=advances_data.lots_csv(rows), filename="lots.csv"
        )
    assert result.created == len(rows)
    return [query["sql"] for query in captured.captured_queries if "upgrading_" in query["sql"]]


def test_import_advances_every_barrel_in_a_constant_number_of_queries(coop_a, personas, data):
    def barrels(count, start):
        return [
            (
                ("F-001", "F-002")[n % 2],
                f"{20 + (n % 7)}.{n % 1000:03d}",
                DAY - datetime.timedelta(days=n % 30),
            )
            for n in range(start, start + count)
        ]

    few, many = barrels(3, 0), barrels(600, 3)
    # Lots read with their advance, the seasons, the advances written (one COPY on
    # PostgreSQL, not logged as a query; one executemany elsewhere), one INSERT … SELECT of
    # their history (contracts are chain's table): the same for 3 barrels as for 600.
    assert len(_import(personas.staff, coop_a, few)) == len(_import(personas.staff, coop_a, many)) <= 4
    advances = Advance.objects.filter(cooperative=coop_a)
    assert advances.count() == 603
    assert Advance.history.filter(cooperative=coop_a, history_type="+").count() == 603
    expected = sum(
        (Decimal("0.5") * Decimal("12.5") * Decimal(kg)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        for _f, kg, _d in few + many
    )
    assert selectors.advance_totals(advances).due.amount == expected


def test_receiver_query_count_does_not_grow_with_the_lots(coop_a, personas, data, django_assert_num_queries):
    def record(n):
        return [
            barrel(personas.staff, coop_a, product=data.honey, family=data.silva, accept=False).pk
            for _ in range(n)
        ]

    few, many = record(2), record(40)
    Lot.objects.filter(pk__in=few + many).update(status=Lot.Status.ACCEPTED)
    with django_assert_num_queries(5):
        assert (
            services.advances_for_lots(
                cooperative=coop_a, lots=Lot.objects.filter(pk__in=few), actor=personas.staff
            )
            == 2
        )
    with django_assert_num_queries(5):
        assert (
            services.advances_for_lots(
                cooperative=coop_a, lots=Lot.objects.filter(pk__in=many), actor=personas.staff
            )
            == 40
        )
    assert Advance.history.filter(lot__in=many, history_user=personas.staff).count() == 40


# --- Paying and cancelling ------------------------------------------------------------------------


@pytest.fixture
def advance(coop_a, personas, data):
    return barrel(personas.staff, coop_a, product=data.honey, family=data.silva).advance


def test_staff_records_a_payment(personas, advance):
    paid = services.advance_pay(
        actor=personas.staff, advance=advance, paid_on=DAY, method="pix", payment_reference=" PIX-123 "
    )
    advance.refresh_from_db()
    assert (advance.status, advance.paid_on, advance.method) == ("paid", DAY, "pix")
    assert (advance.payment_reference, advance.paid_by) == ("PIX-123", personas.staff)
    assert paid.history.order_by("-history_id").first().history_user == personas.staff


def test_paying_twice_is_refused(personas, advance):
    services.advance_pay(actor=personas.staff, advance=advance, paid_on=DAY, method="cash")
    with pytest.raises(ValidationError) as raised:
        services.advance_pay(actor=personas.manager, advance=advance, paid_on=DAY, method="pix")
    assert "2026-03-10" in raised.value.message_dict["status"][0]  # when it was paid
    advance.refresh_from_db()
    assert (advance.method, advance.paid_by) == ("cash", personas.staff)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"paid_on": DAY - datetime.timedelta(days=1)}, "paid_on"),
        ({"paid_on": timezone.localdate() + datetime.timedelta(days=30)}, "paid_on"),
        ({"paid_on": "2026-03-10"}, "paid_on"),
        ({"method": "bitcoin"}, "method"),
        ({"payment_reference": "PIX\x00"}, "payment_reference"),
        ({"payment_reference": "x" * 121}, "payment_reference"),
        ({"payment_reference": 12}, "payment_reference"),
    ],
)
def test_bad_payments_are_refused_naming_the_field(personas, advance, changes, field):
    with pytest.raises(ValidationError) as raised:
        services.advance_pay(
            actor=personas.staff, advance=advance, **{"paid_on": DAY, "method": "pix", **changes}
        )
    assert field in raised.value.message_dict
    advance.refresh_from_db()
    assert advance.status == Advance.Status.DUE


@pytest.mark.parametrize("who", ["auditor", "outsider", "expired", "nobody"])
def test_only_recording_roles_of_the_coop_pay(personas, advance, who):
    with pytest.raises(PermissionDenied):
        services.advance_pay(actor=getattr(personas, who), advance=advance, paid_on=DAY, method="pix")


def test_manager_cancels_a_due_advance_staff_cannot(personas, advance):
    with pytest.raises(PermissionDenied):
        services.advance_cancel(actor=personas.staff, advance=advance, reason="duplicate")
    with pytest.raises(ValidationError) as raised:
        services.advance_cancel(actor=personas.manager, advance=advance, reason="  ")
    assert "cancelled_reason" in raised.value.message_dict
    services.advance_cancel(actor=personas.manager, advance=advance, reason="Barrel recorded twice")
    advance.refresh_from_db()
    assert (advance.status, advance.cancelled_reason) == ("cancelled", "Barrel recorded twice")
    with pytest.raises(ValidationError) as raised:
        services.advance_pay(actor=personas.staff, advance=advance, paid_on=DAY, method="pix")
    assert "status" in raised.value.message_dict


def test_a_paid_advance_cannot_be_cancelled(personas, advance):
    services.advance_pay(actor=personas.staff, advance=advance, paid_on=DAY, method="pix")
    with pytest.raises(ValidationError):
        services.advance_cancel(actor=personas.manager, advance=advance, reason="oops")


# --- Seasons ---------------------------------------------------------------------------------------


def test_seasons_of_a_product_may_not_overlap(coop_a, personas, data):
    with pytest.raises(ValidationError) as raised:
        services.season_create(
            actor=personas.manager,
            cooperative=coop_a,
            product=data.honey,
            code="HONEY-B",
            name="Overlap",
            starts_on="2026-06-30",  # dates as text are read before they are compared
            ends_on="2026-12-31",
        )
    assert "HONEY-2026" in raised.value.message_dict["starts_on"][0]
    services.season_create(
        actor=personas.manager,
        cooperative=coop_a,
        product=data.wax,
        code="WAX-2026",
        name="Same dates, other product",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 6, 30),
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_on": datetime.date(2025, 1, 1)}, "ends_on"),
        ({"ends_on": "2025-01-01"}, "ends_on"),
        ({"starts_on": "1 Jan"}, "starts_on"),
        ({"code": "HONEY-2026"}, "code"),
        ({"code": "bad code!"}, "code"),
        ({"advance_rate": Decimal("1.5")}, "advance_rate"),
        ({"advance_rate": "abc"}, "advance_rate"),
        ({"reference_exchange_rate": Decimal("0")}, "reference_exchange_rate"),
        ({"reference_price_per_kg": Decimal("-1")}, "reference_price_per_kg"),
        ({"name": "N\x00"}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_seasons_are_refused_naming_the_field(coop_a, personas, data, changes, field):
    values = {
        "product": data.wax,
        "code": "WAX-2027",
        "name": "Cera 2027",
        "starts_on": datetime.date(2027, 1, 1),
        "ends_on": datetime.date(2027, 12, 31),
        **changes,
    }
    with pytest.raises(ValidationError) as raised:
        services.season_create(actor=personas.manager, cooperative=coop_a, **values)
    assert field in raised.value.message_dict


def test_season_of_another_coops_product_is_refused(coop_a, personas, data):
    with pytest.raises(ValidationError) as raised:
        services.season_create(
            actor=personas.manager,
            cooperative=coop_a,
            product=data.b_honey,
            code="X",
            name="X",
            starts_on=datetime.date(2027, 1, 1),
            ends_on=datetime.date(2027, 2, 1),
        )
    assert "product" in raised.value.message_dict


def test_staff_cannot_create_seasons(coop_a, personas, data):
    with pytest.raises(PermissionDenied):
        services.season_update(actor=personas.staff, season=data.season, advance_rate=Decimal("0.9"))


def test_changing_a_season_keeps_the_terms_of_advances_already_made(coop_a, personas, data):
    before = barrel(personas.staff, coop_a, product=data.honey, family=data.silva).advance
    services.season_update(actor=personas.manager, season=data.season, advance_rate=Decimal("0.6"))
    after = barrel(personas.staff, coop_a, product=data.honey, family=data.silva).advance
    before.refresh_from_db()
    assert (before.amount, after.amount) == (Decimal("125.00"), Decimal("150.00"))


# --- Selectors ---------------------------------------------------------------------------------------


def test_paid_advances_by_family_counts_paid_ones_of_the_season_only(coop_a, personas, data):
    lots = [
        barrel(personas.staff, coop_a, product=data.honey, family=family)
        for family in (data.silva, data.silva, data.sousa)
    ]
    for lot in lots[:2]:
        services.advance_pay(actor=personas.staff, advance=lot.advance, paid_on=DAY, method="cash")
    contract_only = foreign_contract(
        personas.manager, coop_a, product=data.wax, currency="BRL", price=Decimal("10")
    )
    wax = barrel(personas.staff, coop_a, product=data.wax, family=data.silva)
    services.advance_pay(actor=personas.staff, advance=wax.advance, paid_on=DAY, method="cash")
    assert wax.advance.contract == contract_only
    assert selectors.paid_advances_by_family(data.season) == {data.silva.pk: Decimal("250.00")}


def test_overdue_advances_are_those_due_for_more_than_n_days(coop_a, personas, data):
    old = barrel(personas.staff, coop_a, product=data.honey, family=data.silva, day=datetime.date(2026, 1, 5))
    recent = barrel(personas.staff, coop_a, product=data.honey, family=data.silva, day=DAY)
    paid = barrel(
        personas.staff, coop_a, product=data.honey, family=data.sousa, day=datetime.date(2026, 1, 5)
    )
    services.advance_pay(actor=personas.staff, advance=paid.advance, paid_on=DAY, method="cash")
    overdue = selectors.advances_overdue(cooperative=coop_a, days=30, today=datetime.date(2026, 3, 20))
    assert list(overdue) == [old.advance]
    assert recent.advance not in overdue


def test_family_statement_lists_the_seasons_advances_with_totals(coop_a, personas, data):
    first = barrel(personas.staff, coop_a, product=data.honey, family=data.silva, kg="20")
    barrel(personas.staff, coop_a, product=data.honey, family=data.silva, kg="10")
    barrel(personas.staff, coop_a, product=data.honey, family=data.sousa, kg="10")
    services.advance_pay(actor=personas.staff, advance=first.advance, paid_on=DAY, method="cash")
    statement = selectors.family_statement(family=data.silva, season=data.season)
    assert len(statement.advances) == 2
    assert (statement.totals.paid.amount, statement.totals.due.amount) == (
        Decimal("125.00"),
        Decimal("62.50"),
    )
    assert statement.totals.advanced == Decimal("187.50")


def test_families_of_other_coops_do_not_count(coop_a, personas, data):
    other = FamilyFactory(cooperative=coop_a, association=data.room, code="F-003")
    barrel(personas.staff, coop_a, product=data.honey, family=other)
    rows = list(selectors.advances_by_family(season=data.season))
    assert [row["family__code"] for row in rows] == ["F-003"]
    assert rows[0]["due"] == Decimal("125.00")
