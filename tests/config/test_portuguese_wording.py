"""Portuguese that reads right: plurals through ngettext (never "certificado(s)"), 0 in the
plural, month names in lower case inside dates, and counts with thousands separators."""

import datetime
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from coop.models import Family
from upgrading.reports.compliance import _counted

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "pt_BR" / "LC_MESSAGES" / "django.po"
# "lote(s)", "par(es)", "família(ies)", "era(m)", "sanção(ões)", "total(is)"; not "%(m)s".
PARENTHESISED_PLURAL = re.compile(r"(?<!%)\((s|es|ies|m|ões|is)\)")


def _strings(message) -> list[str]:
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return [*ids, *strings]


def test_no_parenthesised_plural_in_the_catalogue():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    found = [text for message in catalogue for text in _strings(message) if PARENTHESISED_PLURAL.search(text)]
    assert found == []


def test_no_parenthesised_plural_in_templates_or_python_messages():
    sources = [
        path
        for folder in ("templates", "coop", "chain", "upgrading", "config")
        for pattern in ("*.html", "*.py")
        for path in (ROOT / folder).rglob(pattern)
        if "migrations" not in path.parts
    ]
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sources
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if PARENTHESISED_PLURAL.search(line)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 lotes"), (1, "1 lote"), (2, "2 lotes")],
)
def test_zero_takes_the_plural_in_portuguese(count, expected):
    with translation.override("pt-br"):
        text = translation.ngettext("%(shown)s lot", "%(shown)s lots", count) % {"shown": count}
    assert text == expected


def test_a_count_in_a_report_summary_is_plural_and_grouped():
    with translation.override("pt-br"):
        one = _counted(
            "%(count)s closed season without an approved settlement.",
            "%(count)s closed seasons without an approved settlement.",
            1,
        )
        many = _counted(
            "%(count)s closed season without an approved settlement.",
            "%(count)s closed seasons without an approved settlement.",
            1187,
        )
    assert one == "1 safra encerrada sem rateio aprovado."
    assert many == "1.187 safras encerradas sem rateio aprovado."


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ day|date }}", "4 de dezembro de 2026"),
        ('{{ day|date:"DATETIME_FORMAT" }}', "4 de dezembro de 2026 às 10:30"),
        ('{{ day|date:"YEAR_MONTH_FORMAT" }}', "dezembro de 2026"),
        ('{{ day|date:"E" }}', "dezembro"),
    ],
)
def test_month_names_are_lower_case_inside_portuguese_dates(template, expected):
    day = datetime.datetime(2026, 12, 4, 10, 30)
    with translation.override("pt-br"):
        assert Template(template).render(Context({"day": day})) == expected


def test_english_dates_keep_their_capitals():
    with translation.override("en"):
        assert (
            Template("{{ day|date }}").render(Context({"day": datetime.date(2026, 12, 4)})) == "Dec. 4, 2026"
        )


def test_a_list_of_more_than_999_rows_groups_its_count_but_not_its_links(client, personas, coop_a):
    Family.objects.bulk_create(
        Family(
            cooperative=coop_a,
            code=f"F{n:05d}",
            household_name=f"Família {n}",
            municipality="Lago do Junco",
            joined_on=datetime.date(2015, 3, 1),
        )
        for n in range(1187)
    )
    client.force_login(personas.staff)
    html = client.get(
        reverse("family_list", args=[coop_a.slug]), HTTP_ACCEPT_LANGUAGE="pt-br"
    ).content.decode()
    assert "1.187 famílias" in html
    assert "Página 1 de 24" in html
    assert "?page=2" in html  # numbers in links stay plain
    assert "1187" not in html.replace("?page=", "")


def test_the_ledger_check_names_this_co_op_instead_of_a_placeholder(client, personas, coop_a):
    client.force_login(personas.auditor)
    html = client.get(
        reverse("ledger_verify", args=[coop_a.slug]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "verify_ledger --coop coop-a" in html and "?cooperative=coop-a" in html
    assert "SLUG" not in html and "SEQ:HASH" not in html


@pytest.mark.parametrize(
    ("persona", "told_to_act"),
    [("auditor", False), ("manager", True)],
)
def test_the_overview_tells_only_managers_to_record(client, personas, coop_a, persona, told_to_act):
    client.force_login(getattr(personas, persona))
    page = client.get(reverse("dashboard_overview", args=[coop_a.slug]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and "No active contract runs today." in html
    for advice in ("Record a buyer's contract", "Generate one for the year", "open a settlement when"):
        assert (advice in html) is told_to_act, advice
