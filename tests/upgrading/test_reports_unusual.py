"""The compliance report lists the period's lots recorded with a confirmed unusual value."""

import datetime

import pytest
from django.urls import reverse

from tests.upgrading import reports_data
from tests.upgrading.reports_data import TODAY
from upgrading.reports import compliance
from upgrading.reports.periods import parse_period

pytestmark = pytest.mark.django_db

english = reports_data.english
honey = reports_data.honey
media = reports_data.media


def run(coop, period="2025"):
    parsed = parse_period(period)
    return compliance.check_unusual_values(coop, parsed, parsed.as_of(TODAY))


def test_a_clean_period_passes(honey, english):
    result = run(honey.coop)
    assert (result.status, result.count, result.findings) == (compliance.PASS, 0, [])


def test_confirmed_outliers_of_the_period_are_a_finding(honey, english):
    unusual = "204 kg — the usual is 15 to 30 kg."
    lot = honey.barrel(code="B-ODD", kg="204.000", unusual_values=unusual, unusual_confirmed_by=honey.manager)
    honey.barrel(
        code="B-ODD-OLD",
        kg="250.000",
        unusual_values=unusual,
        unusual_confirmed_by=honey.manager,
        day=datetime.date(2024, 12, 31),  # another period
    )
    result = run(honey.coop)
    assert (result.status, result.count) == (compliance.WARNING, 1)
    [finding] = result.findings
    assert finding.label == "B-ODD"
    assert finding.detail == f"{unusual} Confirmed by {honey.manager.username}."
    assert finding.url == reverse("lot_detail", args=[honey.coop.slug, lot.pk])
    assert "1 lot recorded with an unusual value" in result.summary


def test_the_check_is_in_the_report(honey):
    assert compliance.check_unusual_values in compliance.CHECKS
    assert "unusual_values" in compliance.TITLES


def test_the_check_costs_the_same_for_many_lots(honey, django_assert_max_num_queries):
    for number in range(30):
        honey.barrel(
            code=f"B-ODD-{number}", kg="204.000", unusual_values="x", unusual_confirmed_by=honey.manager
        )
    with django_assert_max_num_queries(2):
        run(honey.coop)
