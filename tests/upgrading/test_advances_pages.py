"""The seasons and advances pages: who sees and does what, filters and totals, recording a
payment (POST with CSRF), the family's printed statement, and bounded queries."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from tests.upgrading import advances_data
from tests.upgrading.advances_data import DAY, barrel
from upgrading.models import Advance, Season

pytestmark = pytest.mark.django_db


def url(name, coop, *args):
    return reverse(name, args=[coop.slug, *args])


@pytest.fixture
def data(coop_a, coop_b, personas):
    data = advances_data.build(coop_a, coop_b, personas)
    data.first = barrel(personas.staff, coop_a, product=data.honey, family=data.silva, kg="20").advance
    data.second = barrel(personas.staff, coop_a, product=data.honey, family=data.sousa, kg="10").advance
    return data


def _pay(client, coop, advance, **changes):
    body = {"paid_on": DAY.isoformat(), "method": "pix", "payment_reference": "PIX-1", **changes}
    return client.post(url("advance_pay", coop, advance.pk), body)


# --- Reading --------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "manager", "auditor", "admin"])
def test_every_role_of_the_coop_reads_the_advances(client, coop_a, personas, data, who):
    client.force_login(getattr(personas, who))
    response = client.get(url("advance_list", coop_a))
    assert response.status_code == 200
    assert [row.pk for row in response.context["page"].rows] == [data.second.pk, data.first.pk]
    assert response.context["totals"].due.amount == Decimal("187.50")
    assert client.get(url("advance_detail", coop_a, data.first.pk)).status_code == 200
    assert client.get(url("season_list", coop_a)).status_code == 200


def test_filters_narrow_the_list_and_its_totals(client, coop_a, personas, data):
    client.force_login(personas.staff)
    _pay(client, coop_a, data.first)

    def listed(**query):
        response = client.get(url("advance_list", coop_a), query)
        return [row.pk for row in response.context["page"].rows], response.context["totals"]

    rows, totals = listed(status="paid")
    assert rows == [data.first.pk] and totals.paid.amount == Decimal("125.00") and totals.due.count == 0
    assert listed(family="f-002")[0] == [data.second.pk]
    assert listed(association=data.other_room.pk)[0] == [data.second.pk]
    assert listed(season=data.season.pk)[0] == [data.second.pk, data.first.pk]
    assert listed(q=data.first.lot.code)[0] == [data.first.pk]
    # A code of no family here (or of B's family) matches nothing, not everything.
    rows, totals = listed(family="B-F-001")
    assert rows == [] and totals.advanced == 0
    # Another co-op's season id is not a choice: ignored, not applied.
    assert listed(season=data.b_season.pk)[0] == [data.second.pk, data.first.pk]


def test_the_list_reads_a_bounded_number_of_queries(
    client, coop_a, personas, data, django_assert_max_num_queries
):
    client.force_login(personas.staff)
    with django_assert_max_num_queries(12) as few:
        client.get(url("advance_list", coop_a))
    for _ in range(30):
        barrel(personas.staff, coop_a, product=data.honey, family=data.silva)
    with django_assert_max_num_queries(12) as many:
        response = client.get(url("advance_list", coop_a))
    assert len(response.context["page"].rows) == 32
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_list_pages_by_cursor(client, coop_a, personas, data, settings):
    for n in range(55):
        barrel(
            personas.staff,
            coop_a,
            product=data.honey,
            family=data.silva,
            day=DAY - datetime.timedelta(days=n),
        )
    client.force_login(personas.staff)
    first = client.get(url("advance_list", coop_a)).context["page"]
    second = client.get(url("advance_list", coop_a), {"older": first.older}).context["page"]
    seen = [row.pk for row in first.rows] + [row.pk for row in second.rows]
    assert len(seen) == len(set(seen)) == 57


# --- Paying ---------------------------------------------------------------------------------------------


def test_staff_records_a_payment_from_the_advance_page(client, coop_a, personas, data):
    client.force_login(personas.staff)
    page = client.get(url("advance_detail", coop_a, data.first.pk))
    assert url("advance_pay", coop_a, data.first.pk) in page.content.decode()
    assert url("advance_cancel", coop_a, data.first.pk) not in page.content.decode()  # managers only
    response = _pay(client, coop_a, data.first)
    assert response.status_code == 302
    data.first.refresh_from_db()
    assert (data.first.status, data.first.paid_by, data.first.payment_reference) == (
        "paid",
        personas.staff,
        "PIX-1",
    )
    again = _pay(client, coop_a, data.first, method="cash")
    assert again.status_code == 400  # the page says when it was paid, and writes nothing
    assert "2026" in again.content.decode().split('role="alert"')[1].split("</div>")[0]
    data.first.refresh_from_db()
    assert data.first.method == "pix"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"paid_on": "2026-03-09"}, "paid_on"),  # before the delivery
        ({"paid_on": "31/02/2026"}, "paid_on"),
        ({"method": "gold"}, "method"),
        ({"payment_reference": "x" * 200}, "payment_reference"),
        ({"payment_reference": "PIX\x00"}, "payment_reference"),
    ],
)
def test_a_bad_payment_shows_the_error_and_writes_nothing(client, coop_a, personas, data, changes, field):
    client.force_login(personas.staff)
    response = _pay(client, coop_a, data.first, **changes)
    assert response.status_code == 400
    assert field in response.context["pay_form"].errors
    data.first.refresh_from_db()
    assert data.first.status == Advance.Status.DUE


def test_auditor_sees_no_button_and_cannot_pay_or_cancel(client, coop_a, personas, data):
    client.force_login(personas.auditor)
    page = client.get(url("advance_detail", coop_a, data.first.pk)).content.decode()
    assert url("advance_pay", coop_a, data.first.pk) not in page
    assert url("advance_cancel", coop_a, data.first.pk) not in page
    assert url("season_create", coop_a) not in client.get(url("season_list", coop_a)).content.decode()
    assert _pay(client, coop_a, data.first).status_code == 403
    cancel = client.post(url("advance_cancel", coop_a, data.first.pk), {"cancelled_reason": "x"})
    assert cancel.status_code == 403
    data.first.refresh_from_db()
    assert data.first.status == Advance.Status.DUE


def test_staff_cannot_cancel_manager_can(client, coop_a, personas, data):
    client.force_login(personas.staff)
    assert (
        client.post(url("advance_cancel", coop_a, data.first.pk), {"cancelled_reason": "x"}).status_code
        == 403
    )
    client.force_login(personas.manager)
    assert (
        client.post(url("advance_cancel", coop_a, data.first.pk), {"cancelled_reason": ""}).status_code == 400
    )
    response = client.post(
        url("advance_cancel", coop_a, data.first.pk), {"cancelled_reason": "Recorded twice"}
    )
    assert response.status_code == 302
    data.first.refresh_from_db()
    assert (data.first.status, data.first.cancelled_reason) == ("cancelled", "Recorded twice")


def test_paying_needs_the_csrf_token(coop_a, personas, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.staff)
    assert _pay(client, coop_a, data.first).status_code == 403
    data.first.refresh_from_db()
    assert data.first.status == Advance.Status.DUE


def test_outsider_gets_404_everywhere(client, coop_a, coop_b, personas, data):
    client.force_login(personas.outsider)
    pages = [
        url("advance_list", coop_a),
        url("season_list", coop_a),
        url("season_create", coop_a),
        url("season_edit", coop_a, data.season.pk),
        url("advance_detail", coop_a, data.first.pk),
        url("advance_statement", coop_a, data.silva.pk, data.season.pk),
    ]
    for page in pages:
        assert client.get(page).status_code == 404, page
    assert _pay(client, coop_a, data.first).status_code == 404
    # B's own rows under B's slug are fine; A's rows under B's slug are not found.
    assert client.get(url("advance_detail", coop_b, data.b_advance.pk)).status_code == 200
    assert client.get(url("advance_detail", coop_b, data.first.pk)).status_code == 404
    assert client.get(url("season_edit", coop_b, data.season.pk)).status_code == 404
    assert _pay(client, coop_b, data.first).status_code == 404
    data.first.refresh_from_db()
    assert data.first.status == Advance.Status.DUE


def test_a_manager_of_a_cannot_reach_bs_rows_through_as_slug(client, coop_a, personas, data):
    client.force_login(personas.manager)
    assert client.get(url("advance_detail", coop_a, data.b_advance.pk)).status_code == 404
    assert client.get(url("advance_statement", coop_a, data.b_family.pk, data.b_season.pk)).status_code == 404
    assert client.get(url("advance_statement", coop_a, data.silva.pk, data.b_season.pk)).status_code == 404
    assert _pay(client, coop_a, data.b_advance).status_code == 404


def test_anonymous_is_sent_to_log_in(client, coop_a, data):
    response = client.get(url("advance_list", coop_a))
    assert response.status_code == 302 and "login" in response["Location"]


# --- The statement -----------------------------------------------------------------------------------


def test_family_statement_is_a_pdf(client, coop_a, personas, data):
    client.force_login(personas.auditor)
    response = client.get(url("advance_statement", coop_a, data.silva.pk, data.season.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="advances-HONEY-2026-F-001.pdf"' in response["Content-Disposition"]


def test_statement_lists_the_familys_advances_only(client, coop_a, personas, data):
    from django.template.loader import render_to_string

    from upgrading.selectors.advances import family_statement

    statement = family_statement(family=data.silva, season=data.season)
    html = render_to_string(
        "upgrading/advance_statement_pdf.html",
        {"statement": statement, "cooperative": coop_a, "base_currency": "BRL"},
    )
    assert data.first.lot.code in html and data.second.lot.code not in html


def test_the_list_links_the_statement_when_a_family_and_season_are_chosen(client, coop_a, personas, data):
    client.force_login(personas.staff)
    page = client.get(url("advance_list", coop_a), {"family": "F-001", "season": data.season.pk})
    assert url("advance_statement", coop_a, data.silva.pk, data.season.pk) in page.content.decode()


# --- Seasons ---------------------------------------------------------------------------------------------


def _season_body(**changes):
    return {
        "product": "",
        "code": "WAX-2026",
        "name": "Cera 2026",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "advance_pct": "40",
        "reference_price_per_kg": "30.5",
        "reference_exchange_rate": "",
        **changes,
    }


def test_manager_creates_and_edits_a_season(client, coop_a, personas, data):
    client.force_login(personas.manager)
    assert client.get(url("season_create", coop_a)).status_code == 200
    response = client.post(url("season_create", coop_a), _season_body(product=data.wax.pk))
    assert response.status_code == 302
    season = Season.objects.get(cooperative=coop_a, code="WAX-2026")
    assert (season.advance_rate, season.reference_price_per_kg) == (Decimal("0.4000"), Decimal("30.5000"))
    edit = client.get(url("season_edit", coop_a, season.pk))
    assert edit.context["form"].initial["advance_pct"] == Decimal("40")
    response = client.post(
        url("season_edit", coop_a, season.pk), _season_body(product=data.wax.pk, advance_pct="", name="Cera")
    )
    assert response.status_code == 302
    season.refresh_from_db()
    assert (season.advance_rate, season.name) == (None, "Cera")


def test_overlapping_season_is_refused_on_the_form(client, coop_a, personas, data):
    client.force_login(personas.manager)
    response = client.post(url("season_create", coop_a), _season_body(product=data.honey.pk))
    assert response.status_code == 200
    assert "starts_on" in response.context["form"].errors
    assert not Season.objects.filter(code="WAX-2026").exists()


def test_another_coops_product_is_not_a_choice(client, coop_a, personas, data):
    client.force_login(personas.manager)
    response = client.post(url("season_create", coop_a), _season_body(product=data.b_honey.pk))
    assert "product" in response.context["form"].errors


def test_staff_and_auditors_cannot_set_seasons(client, coop_a, personas, data):
    for who in (personas.staff, personas.auditor):
        client.force_login(who)
        assert client.get(url("season_create", coop_a)).status_code == 403
        assert client.post(url("season_edit", coop_a, data.season.pk), _season_body()).status_code == 403
    data.season.refresh_from_db()
    assert data.season.code == "HONEY-2026"


def test_the_lot_page_links_its_advance(client, coop_a, personas, data):
    client.force_login(personas.staff)
    page = client.get(reverse("lot_detail", args=[coop_a.slug, data.first.lot_id])).content.decode()
    assert url("advance_detail", coop_a, data.first.pk) in page
