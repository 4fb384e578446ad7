"""The premium-fund pages: what each role sees and may do, tenancy (another co-op's fund,
allocation or evidence file answers 404), the forms, the evidence download, the yearly
report and its CSV, and query counts that do not grow with the rows."""

import csv
import datetime
import hashlib
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coop.models import Family
from tests.upgrading import premium_data
from tests.upgrading.premium_data import PDF, TODAY, csv_text, decision, pdf, url
from upgrading.models import PremiumAllocation, PremiumFund, PremiumSpending

pytestmark = pytest.mark.django_db

premium = premium_data.premium
premium_b = premium_data.premium_b
media = premium_data.media
english = premium_data.english


@pytest.fixture
def funded(premium):
    """R$1,500.00 received, R$600.00 allocated to schooling, R$250.50 spent with an invoice."""
    premium.paid = premium.shipment(("1000",), rate="5.000000")
    premium.allocation = premium.allocate("600.00", project="Escola Sol", category="schooling")
    premium.spending = premium.spend(premium.allocation, "250.50", evidence=pdf("nota-fiscal.pdf"))
    return premium


def _counts():
    fund = PremiumFund.objects.order_by("pk").values_list("received", "allocated", "spent")
    return (
        list(fund),
        PremiumAllocation.objects.count(),
        PremiumSpending.objects.count(),
        list(PremiumAllocation.objects.order_by("pk").values_list("spent", flat=True)),
    )


def _read_urls(coop, allocation, spending):
    return [
        url("premium_fund", coop),
        url("premium_receipts", coop),
        url("premium_allocations", coop),
        url("premium_spending", coop),
        url("premium_report", coop),
        url("premium_report_csv", coop),
        url("premium_allocation_detail", coop, allocation.pk),
        url("premium_evidence", coop, spending.pk),
    ]


def _write_urls(coop, allocation):
    return [url("premium_allocate", coop), url("premium_spend", coop, allocation.pk)]


# --- What each role sees -------------------------------------------------------------------------


def test_fund_page_shows_the_totals_and_every_movement(client, personas, funded, english):
    client.force_login(personas.auditor)
    page = client.get(url("premium_fund", funded.coop)).content.decode()
    for figure in ("R$1,500.00", "R$600.00", "R$250.50", "R$900.00", "R$349.50"):
        assert figure in page, figure
    assert "Escola Sol" in page and funded.paid.reference in page and "FT-A" in page
    assert "$300.00" in page  # the premium in the contract's currency (US$ in Portuguese)
    assert url("premium_evidence", funded.coop, funded.spending.pk) in page
    assert 'aria-current="page">Premium fund' in page


@pytest.mark.parametrize("who", ["auditor", "staff"])
def test_readers_see_no_write_button(client, personas, funded, english, who):
    client.force_login(getattr(personas, who))
    for page in (
        url("premium_fund", funded.coop),
        url("premium_allocations", funded.coop),
        url("premium_allocation_detail", funded.coop, funded.allocation.pk),
    ):
        body = client.get(page).content.decode()
        assert url("premium_allocate", funded.coop) not in body, page
        assert url("premium_spend", funded.coop, funded.allocation.pk) not in body, page
        assert "Record spending" not in body and "Allocate to a project" not in body


@pytest.mark.parametrize("who", ["manager", "admin"])
def test_managers_see_the_write_buttons(client, personas, funded, english, who):
    client.force_login(getattr(personas, who))
    body = client.get(url("premium_fund", funded.coop)).content.decode()
    assert url("premium_allocate", funded.coop) in body
    assert url("premium_spend", funded.coop, funded.allocation.pk) in body


def test_a_spent_allocation_offers_no_spending(client, personas, funded):
    funded.spend(funded.allocation, "349.50")
    client.force_login(personas.manager)
    body = client.get(url("premium_allocation_detail", funded.coop, funded.allocation.pk)).content.decode()
    assert url("premium_spend", funded.coop, funded.allocation.pk) not in body


@pytest.mark.parametrize("who", ["auditor", "staff"])
def test_readers_get_403_on_every_write_url_and_nothing_is_written(client, personas, funded, who):
    client.force_login(getattr(personas, who))
    approval = decision(funded.coop)
    before = _counts()
    for page in _write_urls(funded.coop, funded.allocation):
        assert client.get(page).status_code == 403, page
    body = {
        "project": "x",
        "category": "schooling",
        "decision": approval.pk,
        "allocated_on": TODAY.isoformat(),
        "amount": "1.00",
    }
    assert client.post(url("premium_allocate", funded.coop), body).status_code == 403
    spend = {"spent_on": TODAY.isoformat(), "amount": "1.00", "description": "x"}
    assert client.post(url("premium_spend", funded.coop, funded.allocation.pk), spend).status_code == 403
    assert _counts() == before


# --- Tenancy ---------------------------------------------------------------------------------------


def test_another_cooperatives_pages_answer_404(client, personas, funded, premium_b):
    client.force_login(personas.manager)  # of A
    before = _counts()
    pages = _read_urls(premium_b.coop, premium_b.allocation, premium_b.spending) + _write_urls(
        premium_b.coop, premium_b.allocation
    )
    for page in pages:
        assert client.get(page).status_code == 404, page
    assert client.post(url("premium_spend", premium_b.coop, premium_b.allocation.pk), {}).status_code == 404
    assert _counts() == before


def test_another_cooperatives_rows_under_ones_own_slug_answer_404(client, personas, funded, premium_b):
    client.force_login(personas.manager)  # of A, naming B's rows under A's slug
    before = _counts()
    for page in (
        url("premium_allocation_detail", funded.coop, premium_b.allocation.pk),
        url("premium_spend", funded.coop, premium_b.allocation.pk),
        url("premium_evidence", funded.coop, premium_b.spending.pk),
    ):
        assert client.get(page).status_code == 404, page
    spend = {"spent_on": TODAY.isoformat(), "amount": "1.00", "description": "x"}
    assert client.post(url("premium_spend", funded.coop, premium_b.allocation.pk), spend).status_code == 404
    assert _counts() == before


@pytest.mark.parametrize("who", ["outsider", "expired", "nobody"])
def test_people_outside_the_cooperative_get_404(client, personas, funded, who):
    client.force_login(getattr(personas, who))
    for page in _read_urls(funded.coop, funded.allocation, funded.spending) + _write_urls(
        funded.coop, funded.allocation
    ):
        assert client.get(page).status_code == 404, page


def test_anonymous_visitors_are_sent_to_log_in(client, funded):
    for page in _read_urls(funded.coop, funded.allocation, funded.spending):
        response = client.get(page)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], page


def test_b_does_not_show_on_as_pages(client, personas, funded, premium_b):
    client.force_login(personas.auditor)
    for page in _read_urls(funded.coop, funded.allocation, funded.spending)[:5]:
        body = client.get(page).content.decode()
        assert "Cantina B" not in body and premium_b.paid.reference not in body, page


# --- Allocating and spending -------------------------------------------------------------------------


def test_manager_allocates_through_the_form(client, personas, funded, english):
    approval = decision(funded.coop, text="Comprar equipamentos de proteção")
    client.force_login(personas.manager)
    form = client.get(url("premium_allocate", funded.coop)).content.decode()
    assert "Comprar equipamentos" in form and "R$900.00" in form
    response = client.post(
        url("premium_allocate", funded.coop),
        {
            "project": "EPI para as quebradeiras",
            "category": "safety",
            "decision": approval.pk,
            "allocated_on": TODAY.isoformat(),
            "amount": "900.00",
            "notes": "Luvas e botas",
        },
    )
    allocation = PremiumAllocation.objects.get(project="EPI para as quebradeiras")
    assert response.status_code == 302
    assert response["Location"] == url("premium_allocation_detail", funded.coop, allocation.pk)
    assert (allocation.amount, allocation.category, allocation.decision) == (
        Decimal("900.00"),
        "safety",
        approval,
    )
    assert PremiumFund.objects.get(cooperative=funded.coop).balance == Decimal("0.00")


def test_the_form_offers_only_approving_decisions_of_the_cooperative(client, personas, funded, premium_b):
    approved = decision(funded.coop, text="Aprovada")
    rejected = decision(funded.coop, votes_for=3, votes_against=90, text="Rejeitada")
    inquorate = decision(
        funded.coop, meeting=premium_data.assembly(funded.coop, quorum=False), text="Sem quórum"
    )
    theirs = decision(premium_b.coop, text="Da outra")
    client.force_login(personas.manager)
    form = client.get(url("premium_allocate", funded.coop)).content.decode()
    assert "Aprovada" in form
    for other in ("Rejeitada", "Sem quórum", "Da outra"):
        assert other not in form
    before = _counts()
    for forged in (rejected, inquorate, theirs):
        response = client.post(
            url("premium_allocate", funded.coop),
            {
                "project": "x",
                "category": "schooling",
                "decision": forged.pk,
                "allocated_on": TODAY.isoformat(),
                "amount": "1.00",
            },
        )
        assert response.status_code == 200 and response.context["form"].errors["decision"]
    assert _counts() == before
    assert approved.pk


def test_allocating_beyond_the_balance_shows_the_error_on_the_amount(client, personas, funded, english):
    client.force_login(personas.manager)
    before = _counts()
    response = client.post(
        url("premium_allocate", funded.coop),
        {
            "project": "Fábrica de sabonete",
            "category": "processing",
            "decision": decision(funded.coop).pk,
            "allocated_on": TODAY.isoformat(),
            "amount": "900.01",
        },
    )
    assert response.status_code == 200
    assert "R$900.00" in " ".join(response.context["form"].errors["amount"])
    assert _counts() == before


def test_manager_records_spending_with_evidence(client, personas, funded, english, media):
    client.force_login(personas.manager)
    form = client.get(url("premium_spend", funded.coop, funded.allocation.pk)).content.decode()
    assert 'enctype="multipart/form-data"' in form and "R$349.50" in form
    png = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64
    response = client.post(
        url("premium_spend", funded.coop, funded.allocation.pk),
        {
            "spent_on": TODAY.isoformat(),
            "amount": "49.50",
            "description": "Uniformes",
            "evidence": SimpleUploadedFile("foto.png", png, content_type="image/png"),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url("premium_allocation_detail", funded.coop, funded.allocation.pk)
    spending = PremiumSpending.objects.get(description="Uniformes")
    assert spending.evidence_sha256 == hashlib.sha256(png).hexdigest()
    funded.allocation.refresh_from_db()
    assert funded.allocation.remainder == Decimal("300.00")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": "349.51"}, "amount"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"spent_on": "2026-13-01"}, "spent_on"),
        ({"spent_on": (TODAY + datetime.timedelta(days=3)).isoformat()}, "spent_on"),
        ({"description": ""}, "description"),
        ({"description": "nota\x00"}, "description"),
        ({"evidence": SimpleUploadedFile("x.pdf", b"MZ\x90\x00binary")}, "evidence"),
    ],
)
def test_refused_spending_shows_the_error_on_its_field(client, personas, funded, data, field):
    client.force_login(personas.manager)
    before = _counts()
    body = {"spent_on": TODAY.isoformat(), "amount": "1.00", "description": "ok", **data}
    response = client.post(url("premium_spend", funded.coop, funded.allocation.pk), body)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert _counts() == before


# --- Evidence ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["auditor", "staff", "manager"])
def test_members_download_the_evidence(client, personas, funded, who):
    client.force_login(getattr(personas, who))
    response = client.get(url("premium_evidence", funded.coop, funded.spending.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "nota-fiscal" in response["Content-Disposition"]


def test_spending_without_evidence_has_no_file_to_download(client, personas, funded):
    bare = funded.spend(funded.allocation, "1.00")
    client.force_login(personas.manager)
    assert client.get(url("premium_evidence", funded.coop, bare.pk)).status_code == 404


# --- The yearly report -------------------------------------------------------------------------------


def test_report_shows_the_year_per_category_and_project(client, personas, funded, english):
    funded.allocate("100.00", project="Cantina Centro", category="cantina")
    client.force_login(personas.auditor)
    page = client.get(url("premium_report", funded.coop), {"year": TODAY.year}).content.decode()
    for text in ("Escola Sol", "Cantina Centro", "R$1,500.00", "R$700.00", "R$250.50", "R$800.00", "FT-A"):
        assert text in page, text
    families = Family.objects.filter(cooperative=funded.coop).count()
    assert f"{families} member families" in page
    assert "R$500.00" in page  # R$1,500.00 received ÷ 3 families


def test_report_csv_has_every_line_and_neutralises_formulas(client, personas, funded):
    funded.allocate("10.00", project='=HYPERLINK("http://evil","click")', category="other")
    client.force_login(personas.auditor)
    response = client.get(
        url("premium_report_csv", funded.coop), {"year": TODAY.year}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"premium-coop-a-{TODAY.year}.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(csv_text(response))))
    by_section = {}
    for row in rows:
        by_section.setdefault(row["section"], []).append(row)
    (total,) = by_section["total"]
    assert (total["received"], total["allocated"], total["spent"], total["kg"]) == (
        "1500.00",
        "610.00",
        "250.50",
        "1000.000",
    )
    assert {row["project"] for row in by_section["project"]} == {
        "Escola Sol",
        '\'=HYPERLINK("http://evil","click")',
    }
    (receipts,) = by_section["receipts"]
    assert (receipts["contract"], receipts["premium_currency"], receipts["premium_amount"]) == (
        "FT-A",
        "USD",
        "300.00",
    )
    assert by_section["closing_balance"][0]["balance"] == "890.00"
    (per_family,) = by_section["per_family"]
    assert per_family["families"] == str(Family.objects.filter(cooperative=funded.coop).count()) == "3"
    assert (per_family["received"], per_family["allocated"], per_family["spent"]) == (
        "500.00",
        "203.33",
        "83.50",
    )


def test_report_csv_in_portuguese_has_semicolons_and_decimal_commas(client, personas, funded):
    client.force_login(personas.auditor)
    response = client.get(
        url("premium_report_csv", funded.coop), {"year": TODAY.year}, HTTP_ACCEPT_LANGUAGE="pt-br"
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(csv_text(response)), delimiter=";"))
    (total,) = [row for row in rows if row["section"] == "total"]
    assert (total["received"], total["allocated"], total["kg"]) == ("1500,00", "600,00", "1000,000")


def test_report_of_another_year_is_empty_but_carries_the_balance(client, personas, funded):
    client.force_login(personas.auditor)
    response = client.get(
        url("premium_report_csv", funded.coop), {"year": TODAY.year + 1}, HTTP_ACCEPT_LANGUAGE="en"
    )
    # Not offered (no movements): the form falls back to this year.
    rows = list(csv.DictReader(io.StringIO(csv_text(response))))
    assert rows[0]["year"] == str(TODAY.year)


def test_report_rejects_nonsense_years_without_error(client, personas, funded):
    client.force_login(personas.auditor)
    for year in ("abc", "99999999999999999999", "-1", "\x00"):
        assert client.get(url("premium_report", funded.coop), {"year": year}).status_code == 200


# --- Query counts ------------------------------------------------------------------------------------

PAGE_QUERY_BOUND = 20


def _more(site, n):
    for _ in range(n):
        site.shipment(("10",), rate="5.000000")
        allocation = site.allocate("10.00")
        site.spend(allocation, "1.00", evidence=pdf())


@pytest.mark.parametrize(
    "name", ["premium_fund", "premium_receipts", "premium_allocations", "premium_spending", "premium_report"]
)
def test_pages_take_the_same_queries_whatever_the_rows(
    client, personas, funded, django_assert_max_num_queries, name
):
    client.force_login(personas.manager)
    page = url(name, funded.coop)
    with django_assert_max_num_queries(PAGE_QUERY_BOUND) as small:
        assert client.get(page).status_code == 200
    _more(funded, 8)
    with django_assert_max_num_queries(PAGE_QUERY_BOUND) as large:
        assert client.get(page).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries), name


def test_allocation_detail_takes_the_same_queries_whatever_the_spending(
    client, personas, funded, django_assert_max_num_queries
):
    client.force_login(personas.manager)
    page = url("premium_allocation_detail", funded.coop, funded.allocation.pk)
    with django_assert_max_num_queries(PAGE_QUERY_BOUND) as small:
        client.get(page)
    for _ in range(6):
        funded.spend(funded.allocation, "1.00", evidence=pdf())
    with django_assert_max_num_queries(PAGE_QUERY_BOUND) as large:
        client.get(page)
    assert len(large.captured_queries) == len(small.captured_queries)
