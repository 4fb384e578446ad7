"""Test data for season settlements: a honey co-op's season with two associations, four
families, deliveries (some that must not count), a sale and the advances paid.

Use the fixtures by assigning them in a test module (`honey = settlements_data.honey`).

The figures are chosen so that rounding matters: 200 accepted kg (F-01 100, F-02 50 in
association ASSOC-1; F-03 30, F-04 20 in ASSOC-2) share a pool of 1,000.01, whose last
cent goes to the largest remainder.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from chain import services as chain_services
from chain.models import Buyer
from coop.models import Association, Family, Lot
from tests.factories import AssociationFactory, FamilyFactory, LotFactory, ProductFactory
from upgrading.models import Advance, Assembly, Decision, Season

STARTS, ENDS = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
IN_SEASON = datetime.date(2025, 3, 10)
POOL = Decimal("1000.01")


def url(name, coop, *args):
    return reverse(name, args=[coop.slug, *args])


def make_season(coop, product, *, code="MEL-2025", starts=STARTS, ends=ENDS) -> Season:
    return Season.objects.create(
        cooperative=coop, product=product, code=code, name=f"Honey {code}", starts_on=starts, ends_on=ends
    )


def deliver(coop, product, family, kg, *, collected_on=IN_SEASON, status=Lot.Status.ACCEPTED, code=None):
    extra = {"code": code} if code else {}
    return LotFactory(
        cooperative=coop,
        product=product,
        family=family,
        association=family.association if family else None,
        net_kg=Decimal(kg),
        collected_on=collected_on,
        status=status,
        **extra,
    )


def advance(lot, amount, *, season, status=Advance.Status.PAID, currency="BRL") -> Advance:
    return Advance.objects.create(
        cooperative=lot.cooperative,
        lot=lot,
        family=lot.family,
        season=season,
        kg=lot.net_kg,
        rate=Decimal("0.5"),
        reference_price_per_kg=Decimal("10"),
        amount=Decimal(amount),
        currency=currency,
        due_on=lot.collected_on,
        status=status,
        paid_on=lot.collected_on if status == Advance.Status.PAID else None,
    )


def approved_decision(coop, *, votes_for=40, votes_against=2) -> Decision:
    assembly = Assembly.objects.create(
        cooperative=coop,
        held_on=datetime.date(2026, 1, 20),
        members_present=50,
        women_present=20,
        quorum_reached=True,
    )
    return Decision.objects.create(
        cooperative=coop,
        assembly=assembly,
        number=1,
        text="Share the 2025 honey profit among the associations pro rata to the kg delivered.",
        votes_for=votes_for,
        votes_against=votes_against,
    )


def sell(coop, product, manager, allocations, *, price, reference, currency="BRL", rate=None, on=IN_SEASON):
    """A confirmed local sale (no contract) of `allocations` [(lot, kg)]."""
    buyer = Buyer.objects.filter(cooperative=coop).first() or chain_services.buyer_create(
        actor=manager, cooperative=coop, name="Entreposto", country="BR", kind=Buyer.Kind.LOCAL
    )
    shipment = chain_services.shipment_create(
        actor=manager,
        cooperative=coop,
        buyer=buyer,
        product=product,
        reference=reference,
        shipped_on=on,
        price_per_kg=Decimal(price),
        currency=currency,
        exchange_rate=rate,
        allocations=allocations,
    )
    return chain_services.shipment_confirm(actor=manager, shipment=shipment)


@pytest.fixture
def english(settings):
    """Messages in English (the default language is Portuguese), so they read as in the code."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def honey(coop_a, coop_b, personas):
    """Co-op A's 2025 honey season, and a season of co-op B that A must never reach."""
    product = ProductFactory(cooperative=coop_a, code="HONEY", name="Mel orgânico")
    season = make_season(coop_a, product)
    assoc_1 = AssociationFactory(cooperative=coop_a, code="ASSOC-1", name="Associação Um")
    assoc_2 = AssociationFactory(cooperative=coop_a, code="ASSOC-2", name="Associação Dois")
    f1 = FamilyFactory(cooperative=coop_a, association=assoc_1, code="F-01", household_name="Silva")
    f2 = FamilyFactory(cooperative=coop_a, association=assoc_1, code="F-02", household_name="Souza")
    f3 = FamilyFactory(cooperative=coop_a, association=assoc_2, code="F-03", household_name="Santos")
    f4 = FamilyFactory(cooperative=coop_a, association=assoc_2, code="F-04", household_name="Lima")
    lots = SimpleNamespace(
        f1=deliver(coop_a, product, f1, "60"),
        f1b=deliver(coop_a, product, f1, "40", collected_on=ENDS),
        f2=deliver(coop_a, product, f2, "50", collected_on=STARTS),
        f3=deliver(coop_a, product, f3, "30", status=Lot.Status.CONSUMED),
        f4=deliver(coop_a, product, f4, "20", status=Lot.Status.SHIPPED),
    )
    # Deliveries that do not count: rejected, not yet accepted, outside the season, another product.
    deliver(coop_a, product, f1, "500", status=Lot.Status.REJECTED)
    deliver(coop_a, product, f2, "500", status=Lot.Status.RECEIVED)
    deliver(coop_a, product, f3, "500", collected_on=ENDS + datetime.timedelta(days=1))
    deliver(coop_a, ProductFactory(cooperative=coop_a, code="WAX", name="Cera"), f4, "500")
    advance(lots.f1, "150.00", season=season)
    advance(lots.f2, "100.00", season=season, status=Advance.Status.CANCELLED)

    product_b = ProductFactory(cooperative=coop_b, code="HONEY", name="Mel")
    season_b = make_season(coop_b, product_b, code="B-2025")
    family_b = FamilyFactory(cooperative=coop_b, code="FB-01")
    deliver(coop_b, product_b, family_b, "80")
    return SimpleNamespace(
        coop=coop_a,
        product=product,
        season=season,
        associations=(assoc_1, assoc_2),
        families=(f1, f2, f3, f4),
        lots=lots,
        coop_b=coop_b,
        season_b=season_b,
        family_b=family_b,
        manager=personas.manager,
    )


def many_families(coop, product, association, count, *, prefix="M", kg="20.000"):
    """`count` families of `association`, each with one accepted delivery in the season, in
    two bulk inserts (the honey co-op has 930)."""
    families = Family.objects.bulk_create(
        [
            Family(
                cooperative=coop,
                code=f"{prefix}-{number:04d}",
                household_name=f"Família {number}",
                association=association,
                municipality="Simplício Mendes",
                joined_on=datetime.date(2010, 1, 1),
            )
            for number in range(1, count + 1)
        ]
    )
    Lot.objects.bulk_create(
        [
            Lot(
                cooperative=coop,
                product=product,
                kind=Lot.Kind.BARREL,
                code=f"{prefix}-BR-{number:05d}",
                family=family,
                association=association,
                collected_on=IN_SEASON,
                net_kg=Decimal(kg) + number % 7,
                status=Lot.Status.ACCEPTED,
            )
            for number, family in enumerate(families, start=1)
        ]
    )
    return families


def new_association(coop, code) -> Association:
    return AssociationFactory(cooperative=coop, code=code, kind=Association.Kind.ASSOCIATION)
