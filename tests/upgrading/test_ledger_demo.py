"""The demo's ledger history: years of manual entries with evidence telling each
co-op's story, one correction, derived entries from the data; intact and idempotent."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from coop.models import Association
from tests.factories import AssociationFactory, CooperativeFactory, FamilyFactory, MemberFactory
from tests.upgrading import ledger_data
from upgrading.demo_ledger import seed_ledger
from upgrading.models import LedgerEntry
from upgrading.selectors.ledger import current_entries, indicator_overview, verify_chain

media = ledger_data.media
catalogue = ledger_data.catalogue

TODAY = datetime.date.today()
FIRST = TODAY.year - 6  # six years, ending last year


@pytest.fixture
def babassu(db, media):
    coop = CooperativeFactory(slug="babassu", name="Cooperativa do babaçu")
    cantina = AssociationFactory(cooperative=coop, code="CANT-1", kind=Association.Kind.CANTINA)
    for n in range(3):
        MemberFactory(family=FamilyFactory(cooperative=coop, association=cantina, code=f"B-{n}"))
    return coop


@pytest.fixture
def admin(db):
    return get_user_model().objects.create_superuser("admin", "admin@example.org", None)


def series(coop, code):
    entries = current_entries(cooperative=coop).filter(indicator__code=code).order_by("period_from")
    return [entry.value for entry in entries]


def test_the_babassu_story(babassu, admin):
    appended = seed_ledger(babassu, admin, today=TODAY)
    assert appended == LedgerEntry.objects.filter(cooperative=babassu).count() > 50
    literacy = series(babassu, "literate_adults")
    assert literacy == [Decimal(v) for v in ("38", "40", "43", "51", "58", "66")]
    assert literacy == sorted(literacy)  # rising with the home-schooling programme
    assert series(babassu, "safety_incidents")[-1] < series(babassu, "safety_incidents")[0]
    first = LedgerEntry.objects.filter(cooperative=babassu, indicator__code="literate_adults").first()
    assert first.period_from == datetime.date(FIRST, 1, 1) and first.evidence.count() == 1
    assert (
        "programa de alfabetização"
        in LedgerEntry.objects.get(
            cooperative=babassu, indicator__code="literate_adults", period_from=datetime.date(FIRST + 2, 1, 1)
        ).note.lower()
    )
    correction = LedgerEntry.objects.get(cooperative=babassu, supersedes__isnull=False, source="manual")
    assert correction.supersedes.value == Decimal("15") and correction.value == Decimal("51")
    assert LedgerEntry.objects.filter(
        cooperative=babassu, source="derived", indicator__code="women_members_share"
    ).exists()
    assert (
        LedgerEntry.objects.filter(
            cooperative=babassu, indicator__code="collection_point_sanitary_score"
        ).count()
        == 3
    )
    rows = {row.indicator.code: row for row in indicator_overview(cooperative=babassu)}
    assert rows["literate_adults"].current.value == Decimal("66") and rows["literate_adults"].improved
    result = verify_chain(cooperative=babassu)
    assert result.intact and result.count == appended


def test_seeding_twice_appends_nothing(babassu, admin):
    seed_ledger(babassu, admin, today=TODAY, years=2, months=1)
    count = LedgerEntry.objects.count()
    assert seed_ledger(babassu, admin, today=TODAY) == 0
    assert LedgerEntry.objects.count() == count


def test_the_honey_story_gives_women_board_seats(db, media, admin):
    honey = CooperativeFactory(slug="honey")
    seed_ledger(honey, admin, today=TODAY, months=0)
    board = series(honey, "women_board_share")
    assert board[0] < board[-1] == Decimal("42.8571")
    equipment = series(honey, "families_with_safety_equipment")
    assert equipment[-1] == Decimal("95")
