"""The premium-fund API: the fund's totals per co-op, receipts, allocations (POST) and
spending (multipart POST with evidence), scoped to the user's co-operatives, written by
managers only, idempotent, refusals as 400s naming the field with nothing written."""

import hashlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.chain.api_chain_data import post_json
from tests.upgrading import premium_data
from tests.upgrading.premium_data import PDF, TODAY, decision, pdf
from upgrading.models import PremiumAllocation, PremiumFund, PremiumSpending

pytestmark = pytest.mark.django_db

premium = premium_data.premium
premium_b = premium_data.premium_b
media = premium_data.media

FUNDS = "/api/v1/premium-fund/"
RECEIPTS = "/api/v1/premium-fund/receipts/"
ALLOCATIONS = "/api/v1/premium-fund/allocations/"
SPENDING = "/api/v1/premium-fund/spending/"


@pytest.fixture
def funded(premium):
    """R$1,500.00 received, R$600.00 allocated, R$250.50 spent with an invoice."""
    premium.paid = premium.shipment(("1000",), rate="5.000000")
    premium.allocation = premium.allocate("600.00", project="Escola Sol", category="schooling")
    premium.spending = premium.spend(premium.allocation, "250.50", evidence=pdf("nota.pdf"))
    premium.approval = decision(premium.coop, text="Cantina nova")
    return premium


def _counts():
    return (
        list(PremiumFund.objects.order_by("pk").values_list("received", "allocated", "spent")),
        PremiumAllocation.objects.count(),
        PremiumSpending.objects.count(),
    )


def allocation_body(site, **overrides) -> dict:
    return {
        "cooperative": site.coop.slug,
        "project": "Cantina do Centro",
        "category": "cantina",
        "decision": site.approval.pk,
        "allocated_on": TODAY.isoformat(),
        "amount": "400.00",
        "notes": "Reforma do telhado",
        **overrides,
    }


def spending_body(site, **overrides) -> dict:
    return {
        "allocation": site.allocation.pk,
        "spent_on": TODAY.isoformat(),
        "amount": "49.50",
        "description": "Uniformes",
        **overrides,
    }


# --- The fund ----------------------------------------------------------------------------------------


def test_fund_lists_each_of_the_users_cooperatives(api, personas, funded, premium_b):
    api.force_authenticate(personas.auditor)
    rows = api.get(FUNDS).json()["results"]
    assert rows == [
        {
            "cooperative": "coop-a",
            "name": "Cooperativa A",
            "currency": "BRL",
            "received": "1500.00",
            "allocated": "600.00",
            "spent": "250.50",
            "balance": "900.00",
            "unspent": "349.50",
        }
    ]
    assert api.get(f"{FUNDS}coop-a/").json()["balance"] == "900.00"


def test_a_cooperative_without_receipts_has_an_empty_fund(api, personas, premium):
    api.force_authenticate(personas.staff)
    row = api.get(f"{FUNDS}coop-a/").json()
    assert (row["received"], row["balance"], row["currency"]) == ("0.00", "0.00", "BRL")


def test_another_cooperatives_fund_is_not_found(api, personas, funded, premium_b):
    api.force_authenticate(personas.manager)
    assert api.get(f"{FUNDS}coop-b/").status_code == 404
    assert api.get(f"{FUNDS}coop-b/report/").status_code == 404


def test_the_yearly_report(api, personas, funded):
    api.force_authenticate(personas.auditor)
    answer = api.get(f"{FUNDS}coop-a/report/", {"year": TODAY.year}).json()
    assert (answer["received"], answer["allocated"], answer["spent"]) == ("1500.00", "600.00", "250.50")
    assert answer["closing_balance"] == "900.00" and answer["unspent_at_end"] == "349.50"
    assert answer["contracts"][0]["reference"] == "FT-A"
    assert answer["contracts"][0]["amount_foreign"] == "300.00"
    assert answer["projects"] == [
        {
            "category": "schooling",
            "category_label": answer["projects"][0]["category_label"],
            "project": "Escola Sol",
            "allocated": "600.00",
            "spent": "250.50",
        }
    ]
    assert api.get(f"{FUNDS}coop-a/report/", {"year": "abc"}).status_code == 400
    assert api.get(f"{FUNDS}coop-a/report/", {"year": "99999"}).status_code == 400


# --- Receipts ----------------------------------------------------------------------------------------


def test_receipts_are_read_only_and_scoped(api, personas, funded, premium_b):
    api.force_authenticate(personas.manager)
    rows = api.get(RECEIPTS).json()["results"]
    assert [(row["shipment_reference"], row["amount_foreign"], row["amount"]) for row in rows] == [
        (funded.paid.reference, "300.00", "1500.00")
    ]
    assert rows[0]["currency"] == "USD" and rows[0]["exchange_rate"] == "5.000000"
    assert api.get(f"{RECEIPTS}{premium_b.paid.premium_receipt.pk}/").status_code == 404
    assert api.get(RECEIPTS, {"cooperative": "coop-b"}).json()["results"] == []
    assert api.post(RECEIPTS, {}, format="json").status_code == 405


def test_receipts_filter_by_year(api, personas, funded):
    api.force_authenticate(personas.auditor)
    assert len(api.get(RECEIPTS, {"year": TODAY.year}).json()["results"]) == 1
    assert api.get(RECEIPTS, {"year": TODAY.year - 1}).json()["results"] == []
    assert api.get(RECEIPTS, {"year": "x"}).status_code == 400


# --- Allocations -------------------------------------------------------------------------------------


def test_manager_allocates(api, personas, funded):
    api.force_authenticate(personas.manager)
    response = post_json(api, ALLOCATIONS, allocation_body(funded))
    assert response.status_code == 201, response.json()
    answer = response.json()
    assert (answer["amount"], answer["spent"], answer["remainder"]) == ("400.00", "0.00", "400.00")
    assert answer["decision"] == funded.approval.pk
    assert answer["decision_detail"]["text"] == "Cantina nova"
    assert answer["created_by"] == "a-manager"
    assert PremiumFund.objects.get(cooperative=funded.coop).allocated == Decimal("1000.00")


def test_allocation_post_is_idempotent(api, personas, funded):
    api.force_authenticate(personas.manager)
    first = post_json(api, ALLOCATIONS, allocation_body(funded), HTTP_IDEMPOTENCY_KEY="alloc-1")
    again = post_json(api, ALLOCATIONS, allocation_body(funded), HTTP_IDEMPOTENCY_KEY="alloc-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert PremiumAllocation.objects.filter(project="Cantina do Centro").count() == 1
    other = post_json(
        api, ALLOCATIONS, allocation_body(funded, amount="1.00"), HTTP_IDEMPOTENCY_KEY="alloc-1"
    )
    assert other.status_code == 422
    assert PremiumFund.objects.get(cooperative=funded.coop).allocated == Decimal("1000.00")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "900.01"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"amount": "1e30"}, "amount"),
        ({"amount": ["12.50"]}, "amount"),
        ({"category": "casino"}, "category"),
        ({"project": ""}, "project"),
        ({"project": "nul\x00"}, "project"),
        ({"allocated_on": "2026-02-30"}, "allocated_on"),
        ({"decision": 10**30}, "decision"),
        ({"decision": True}, "decision"),
        ({"cooperative": "coop-b"}, "cooperative"),
        ({"spent": "1.00"}, "spent"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_allocations_are_refused_naming_the_field(api, personas, funded, premium_b, overrides, field):
    api.force_authenticate(personas.manager)
    before = _counts()
    response = post_json(api, ALLOCATIONS, allocation_body(funded, **overrides))
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert _counts() == before


def test_decisions_that_do_not_approve_are_refused(api, personas, funded, premium_b):
    rejected = decision(funded.coop, votes_for=1, votes_against=2)
    theirs = decision(premium_b.coop)
    api.force_authenticate(personas.manager)
    before = _counts()
    for other in (rejected, theirs):
        response = post_json(api, ALLOCATIONS, allocation_body(funded, decision=other.pk))
        assert response.status_code == 400 and "decision" in response.json()
    assert _counts() == before


@pytest.mark.parametrize("who", ["staff", "auditor"])
def test_readers_cannot_allocate(api, personas, funded, who):
    api.force_authenticate(getattr(personas, who))
    before = _counts()
    assert post_json(api, ALLOCATIONS, allocation_body(funded)).status_code == 403
    assert _counts() == before


def test_an_outsider_cannot_allocate_in_another_cooperative(api, personas, funded):
    api.force_authenticate(personas.outsider)
    before = _counts()
    response = post_json(api, ALLOCATIONS, allocation_body(funded))
    assert response.status_code == 400 and {"cooperative", "decision"} <= set(response.json())
    assert _counts() == before


def test_allocations_are_scoped_and_filtered(api, personas, funded, premium_b):
    api.force_authenticate(personas.manager)
    assert [row["project"] for row in api.get(ALLOCATIONS).json()["results"]] == ["Escola Sol"]
    assert api.get(f"{ALLOCATIONS}{premium_b.allocation.pk}/").status_code == 404
    assert api.get(ALLOCATIONS, {"open": "false"}).json()["results"] == []
    assert len(api.get(ALLOCATIONS, {"open": "true", "category": "schooling"}).json()["results"]) == 1


# --- Spending ----------------------------------------------------------------------------------------


def test_manager_records_spending_with_evidence(api, personas, funded):
    api.force_authenticate(personas.manager)
    png = b"\x89PNG\r\n\x1a\n" + b"\x02" * 40
    body = {**spending_body(funded), "evidence": SimpleUploadedFile("foto.png", png)}
    response = api.post(SPENDING, body, format="multipart")
    assert response.status_code == 201, response.json()
    answer = response.json()
    assert answer["evidence_sha256"] == hashlib.sha256(png).hexdigest()
    assert answer["project"] == "Escola Sol" and answer["cooperative"] == "coop-a"
    assert "evidence" not in answer
    download = api.get(answer["evidence_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == png
    assert download["X-Content-SHA256"] == answer["evidence_sha256"]
    funded.allocation.refresh_from_db()
    assert funded.allocation.remainder == Decimal("300.00")


def test_spending_as_json_without_evidence(api, personas, funded):
    api.force_authenticate(personas.admin)
    response = post_json(api, SPENDING, spending_body(funded))
    assert response.status_code == 201, response.json()
    assert response.json()["evidence_url"] is None and response.json()["evidence_sha256"] == ""


def test_spending_post_is_idempotent(api, personas, funded):
    api.force_authenticate(personas.manager)
    first = post_json(api, SPENDING, spending_body(funded), HTTP_IDEMPOTENCY_KEY="spend-1")
    again = post_json(api, SPENDING, spending_body(funded), HTTP_IDEMPOTENCY_KEY="spend-1")
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert PremiumSpending.objects.filter(description="Uniformes").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "349.51"}, "amount"),
        ({"amount": "-1.00"}, "amount"),
        ({"spent_on": "yesterday"}, "spent_on"),
        ({"description": ""}, "description"),
        ({"allocation": "abc"}, "allocation"),
        ({"evidence": "not a file"}, "evidence"),
        ({"evidence_sha256": "0" * 64}, "evidence_sha256"),
    ],
)
def test_bad_spending_is_refused_naming_the_field(api, personas, funded, overrides, field):
    api.force_authenticate(personas.manager)
    before = _counts()
    response = api.post(SPENDING, spending_body(funded, **overrides), format="multipart")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert _counts() == before


def test_evidence_that_is_not_a_document_is_refused(api, personas, funded):
    api.force_authenticate(personas.manager)
    before = _counts()
    body = {**spending_body(funded), "evidence": SimpleUploadedFile("nota.pdf", b"MZ\x90\x00exe")}
    response = api.post(SPENDING, body, format="multipart")
    assert response.status_code == 400 and "evidence" in response.json()
    assert _counts() == before


def test_another_cooperatives_allocation_cannot_be_spent(api, personas, funded, premium_b):
    api.force_authenticate(personas.manager)
    before = _counts()
    response = post_json(api, SPENDING, spending_body(funded, allocation=premium_b.allocation.pk))
    assert response.status_code == 400 and "allocation" in response.json()
    assert _counts() == before


@pytest.mark.parametrize("who", ["staff", "auditor"])
def test_readers_cannot_spend(api, personas, funded, who):
    api.force_authenticate(getattr(personas, who))
    before = _counts()
    assert post_json(api, SPENDING, spending_body(funded)).status_code == 403
    assert _counts() == before


def test_evidence_download_is_scoped(api, personas, funded, premium_b):
    api.force_authenticate(personas.auditor)
    mine = api.get(f"{SPENDING}{funded.spending.pk}/evidence/")
    assert mine.status_code == 200 and b"".join(mine.streaming_content) == PDF
    assert api.get(f"{SPENDING}{premium_b.spending.pk}/evidence/").status_code == 404
    assert api.get(f"{SPENDING}{premium_b.spending.pk}/").status_code == 404
    bare = funded.spend(funded.allocation, "1.00")
    assert api.get(f"{SPENDING}{bare.pk}/evidence/").status_code == 404
    api.force_authenticate(None)
    assert api.get(f"{SPENDING}{funded.spending.pk}/evidence/").status_code == 401


def test_spending_lists_only_the_users_cooperative(api, personas, funded, premium_b):
    api.force_authenticate(personas.manager)
    rows = api.get(SPENDING).json()["results"]
    assert [row["amount"] for row in rows] == ["250.50"]
    assert api.get(SPENDING, {"allocation": premium_b.allocation.pk}).json()["results"] == []


# --- Query counts ------------------------------------------------------------------------------------


def _more(site, n):
    for _ in range(n):
        site.shipment(("10",), rate="5.000000")
        allocation = site.allocate("10.00")
        site.spend(allocation, "1.00", evidence=pdf())


@pytest.mark.parametrize("endpoint", [FUNDS, RECEIPTS, ALLOCATIONS, SPENDING, f"{FUNDS}coop-a/report/"])
def test_list_queries_do_not_grow_with_the_rows(api, personas, funded, endpoint):
    api.force_authenticate(personas.auditor)
    with CaptureQueriesContext(connection) as few:
        assert api.get(endpoint).status_code == 200
    _more(funded, 6)
    with CaptureQueriesContext(connection) as many:
        assert api.get(endpoint).status_code == 200
    assert len(few) == len(many) <= 12, (len(few), len(many))
