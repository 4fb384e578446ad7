"""The auditor's home: ledger verification, evidence packs, compliance history, trace search."""

import pytest
from django.db import connection

from tests.chain import chain_pages
from tests.factories import MembershipFactory
from tests.upgrading import dashboard_data
from tests.upgrading.dashboard_data import PACK_SHA256, Tables, page_text, url
from upgrading.models import LedgerHead

dash = dashboard_data.dash
sales_b = dashboard_data.sales_b
english = chain_pages.english

# Pages an auditor must never be offered (they would answer 403 anyway).
WRITE_PAGES = (
    "lot_record_barrel",
    "lot_record_purchase",
    "lot_batch_create",
    "family_create",
    "member_create",
    "association_create",
    "import_upload",
    "shipment_create",
    "contract_create",
    "buyer_create",
)


def _audit(client, user, coop, name="cooperative_home"):
    client.force_login(user)
    response = client.get(url(name, coop))
    assert response.status_code == 200
    return response


def test_auditor_home_is_the_audit_board(client, personas, dash, coop_a):
    response = _audit(client, personas.auditor, coop_a)
    assert response.context["board"] == "audit"
    assert [tab[0] for tab in response.context["tabs"]] == ["overview", "audit"]


def test_the_ledger_is_verified_and_its_head_shown(client, personas, dash, coop_a, english):
    response = _audit(client, personas.auditor, coop_a)
    ledger = response.context["ledger"]
    head = LedgerHead.objects.get(cooperative=coop_a)
    assert (ledger.verified, ledger.entries, ledger.head_sequence) == (True, 6, 6)
    text = page_text(response)
    assert "intact" in text
    assert f"#6 {head.hash}" in text


def test_a_head_row_that_does_not_match_the_chain_shows_broken(client, personas, dash, coop_a, english):
    with connection.cursor() as cursor:  # the head row has no trigger: someone moved it
        cursor.execute(
            "UPDATE upgrading_ledgerhead SET hash = %s WHERE cooperative_id = %s", ["a" * 64, coop_a.pk]
        )
    response = _audit(client, personas.auditor, coop_a)
    assert response.context["ledger"].verified is False
    assert "broken" in page_text(response)


def test_evidence_packs_with_their_hash_and_the_compliance_history(client, personas, dash, coop_a):
    response = _audit(client, personas.auditor, coop_a)
    assert [report for report, _download in response.context["packs"]] == [dash.pack]
    html = response.content.decode()
    assert f'<code class="hash">{PACK_SHA256}</code>' in html
    assert f'<code class="hash">{dash.pack.ledger_head}</code>' in html
    [(report, failures, _detail)] = response.context["history"]
    assert (report, failures) == (dash.compliance, 1)  # one failed check, the warning aside
    history = [table for table in Tables(html).tables if 'class="risk"' in html and len(table["rows"]) == 2]
    assert any(row[2][2].strip() == "1" for table in history for row in table["rows"][1:] if len(row) > 2)


def test_auditor_finds_no_write_button_anywhere_on_the_dashboards(client, personas, dash, coop_a):
    client.force_login(personas.auditor)
    for name in ("cooperative_home", "dashboard_overview", "dashboard_audit"):
        html = client.get(url(name, coop_a)).content.decode()
        main = html.split("<main", 1)[1]
        assert 'method="post"' not in main, name
        for page in WRITE_PAGES:
            assert url(page, coop_a) not in html, (name, page)


def test_the_co_ops_audited_and_the_federation_link(client, personas, dash, coop_a, coop_b):
    response = _audit(client, personas.auditor, coop_a)
    assert [c.slug for c in response.context["audited"]] == ["coop-a"]
    assert response.context["federation_url"] is None
    MembershipFactory(user=personas.auditor, cooperative=coop_b, role="auditor")
    response = _audit(client, personas.auditor, coop_a)
    assert [c.slug for c in response.context["audited"]] == ["coop-a", "coop-b"]
    assert 'href="/dashboard/federation/"' in response.content.decode()


def test_an_empty_co_op_explains_the_audit_board(client, personas, coop_a, english):
    text = page_text(_audit(client, personas.auditor, coop_a))
    assert "No evidence pack yet." in text
    assert "No compliance report yet." in text
    assert "empty ledger" in text


# --- Traceability search ---------------------------------------------------------------------


def _trace(client, user, coop, code, back="audit"):
    client.force_login(user)
    return client.get(url("dashboard_trace", coop), {"q": code, "back": back})


@pytest.mark.parametrize(
    "code, target",
    [
        ("EXP-A-1", "shipment_trace"),
        ("exp-a-1", "shipment_trace"),  # case does not matter when nothing matches exactly
        ("HR-TODAY-1", "lot_detail"),
        (" F-CERT-A ", "family_shipments"),
    ],
)
def test_a_code_leads_to_its_trace_or_detail_page(client, personas, dash, coop_a, code, target):
    found = {
        "shipment_trace": dash.export.pk,
        "lot_detail": dash.today_accepted.pk,
        "family_shipments": dash.certified.pk,
    }[target]
    response = _trace(client, personas.auditor, coop_a, code)
    assert response.status_code == 302
    assert response.url == url(target, coop_a, found)
    assert client.get(response.url).status_code == 200


def test_another_co_ops_code_is_unknown_here(client, personas, dash, sales_b, coop_a, english):
    for code in ("S-B", "B-LOT-1", "F-CERT-B", "NOPE", "x\x00y"):
        response = _trace(client, personas.auditor, coop_a, code)
        assert response.status_code == 302 and response.url == url("dashboard_audit", coop_a), code
        page = client.get(response.url)
        assert "in this co-operative" in page_text(page), code


def test_an_empty_search_asks_for_a_code(client, personas, dash, coop_a, english):
    response = _trace(client, personas.staff, coop_a, "  ", back="nowhere")
    assert response.url == url("cooperative_home", coop_a)
    assert "Type a shipment reference" in page_text(client.get(response.url))


def test_outsiders_cannot_trace_in_a_co_op_that_is_not_theirs(client, personas, dash, coop_a):
    assert _trace(client, personas.outsider, coop_a, "EXP-A-1").status_code == 404


@pytest.mark.parametrize("grow", [10, 100])
def test_the_audit_board_costs_the_same_whatever_the_number_of_lots(
    client, personas, dash, coop_a, grow, django_assert_max_num_queries
):
    dashboard_data.add_lots(dash, grow)
    client.force_login(personas.auditor)
    # PostgreSQL verifies the ledger in a read-only snapshot: two more statements.
    with django_assert_max_num_queries(15):
        response = client.get(url("cooperative_home", coop_a))
    assert response.status_code == 200
