"""Settlement pages: who sees and does what, opening with an entered or computed pool,
the lines with totals that add up, approval and payment through the page, the CSV, and
bounded queries with 930 families."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import FamilyFactory
from tests.upgrading import settlements_data
from tests.upgrading.settlements_data import POOL, advance, deliver, sell, url
from upgrading.models import Advance, Settlement, SettlementCost
from upgrading.services.settlements import settlement_approve, settlement_open

honey = settlements_data.honey
english = settlements_data.english
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def draft(honey):
    return settlement_open(
        actor=honey.manager, season=honey.season, reference="SET-2025", levels=2, pool=POOL
    )


def open_form(honey, **changes):
    data = {
        "season": honey.season.pk,
        "reference": "SET-NEW",
        "levels": "2",
        "pool_source": "entered",
        "pool": "1000.01",
        "notes": "",
        "costs-TOTAL_FORMS": "3",
        "costs-INITIAL_FORMS": "0",
        "costs-MIN_NUM_FORMS": "0",
        "costs-MAX_NUM_FORMS": "200",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# --- Who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "manager", "auditor", "admin"])
def test_every_member_reads_the_list_and_the_settlement(client, personas, draft, role):
    client.force_login(getattr(personas, role))
    assert client.get(url("settlement_list", draft.cooperative)).status_code == 200
    response = client.get(url("settlement_detail", draft.cooperative, draft.pk))
    assert response.status_code == 200
    assert "SET-2025" in response.content.decode()


def test_a_draft_says_when_it_was_computed_and_that_newer_data_exists(client, personas, honey, draft):
    client.force_login(personas.manager)
    page = url("settlement_detail", honey.coop, draft.pk)
    html = client.get(page).content.decode()
    assert "Lines computed" in html and 'id="newer-data"' not in html
    assert draft.computed_at is not None

    # A barrel delivered in the season and an advance paid after the computation.
    lot = deliver(honey.coop, honey.product, honey.families[0], "20")
    advance(lot, "25.00", season=honey.season)
    response = client.get(page)
    freshness = response.context["freshness"]
    assert (freshness.deliveries, freshness.advances, freshness.revenue_changed) == (1, 1, False)
    html = response.content.decode()
    assert "1 delivery of the season recorded since" in html
    assert "1 advance recorded, paid or cancelled since" in html
    assert url("settlement_recompute", honey.coop, draft.pk) in html.split('id="newer-data"', 1)[1]
    # An auditor is told, without the button.
    client.force_login(personas.auditor)
    html = client.get(page).content.decode()
    assert "A manager computes it again" in html

    client.force_login(personas.manager)
    client.post(url("settlement_recompute", honey.coop, draft.pk))
    draft.refresh_from_db()
    response = client.get(page)
    assert not response.context["freshness"].stale and 'id="newer-data"' not in response.content.decode()


def test_an_approved_settlement_shows_no_freshness_notice(client, personas, honey, draft):
    settlement_approve(actor=honey.manager, settlement=draft)
    deliver(honey.coop, honey.product, honey.families[0], "20")
    client.force_login(personas.manager)
    response = client.get(url("settlement_detail", honey.coop, draft.pk))
    assert response.context["freshness"] is None and 'id="newer-data"' not in response.content.decode()


def test_an_outsider_gets_404_everywhere(client, personas, draft, honey):
    client.force_login(personas.outsider)
    coop = draft.cooperative
    for name, args in [
        ("settlement_list", ()),
        ("settlement_open", ()),
        ("settlement_detail", (draft.pk,)),
        ("settlement_edit", (draft.pk,)),
        ("settlement_lines_csv", (draft.pk,)),
        ("settlement_statement", (draft.pk, honey.families[0].pk)),
    ]:
        assert client.get(url(name, coop, *args)).status_code == 404, name
    for name in ("settlement_approve", "settlement_recompute", "settlement_paid"):
        assert client.post(url(name, coop, draft.pk)).status_code == 404, name
    # Nor through their own co-op's URL.
    assert client.get(url("settlement_detail", honey.coop_b, draft.pk)).status_code == 404
    assert Settlement.objects.get().status == "draft"


@pytest.mark.parametrize("role", ["staff", "auditor"])
def test_staff_and_auditors_see_no_buttons_and_may_not_write(client, personas, honey, draft, role):
    client.force_login(getattr(personas, role))
    coop = draft.cooperative
    html = client.get(url("settlement_detail", coop, draft.pk)).content.decode()
    for action in ("settlement_approve", "settlement_recompute", "settlement_edit"):
        assert url(action, coop, draft.pk) not in html
    assert url("settlement_open", coop) not in client.get(url("settlement_list", coop)).content.decode()
    assert client.get(url("settlement_open", coop)).status_code == 403
    assert client.post(url("settlement_open", coop), open_form(honey)).status_code == 403
    for name in ("settlement_approve", "settlement_recompute"):
        assert client.post(url(name, coop, draft.pk)).status_code == 403
    assert client.post(url("settlement_paid", coop, draft.pk), {"paid_on": "2026-01-01"}).status_code == 403
    assert Settlement.objects.get().status == "draft" and Settlement.objects.count() == 1


def test_an_anonymous_visitor_is_sent_to_log_in(client, draft):
    response = client.get(url("settlement_detail", draft.cooperative, draft.pk))
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- Opening -------------------------------------------------------------------------------------


def test_manager_opens_a_settlement_with_an_entered_pool(client, personas, honey):
    client.force_login(personas.manager)
    response = client.post(url("settlement_open", honey.coop), open_form(honey))
    settlement = Settlement.objects.get(reference="SET-NEW")
    assert response.status_code == 302
    assert response["Location"] == url("settlement_detail", honey.coop, settlement.pk)
    assert (settlement.pool, settlement.levels, settlement.pool_source) == (POOL, 2, "entered")
    assert settlement.lines.count() == 2 + 4 and not settlement.cost_items.exists()


def test_manager_opens_a_settlement_with_a_computed_pool_and_its_costs(client, personas, honey):
    sell(honey.coop, honey.product, honey.manager, [(honey.lots.f1, "60")], price="20", reference="V-1")
    client.force_login(personas.manager)
    form = open_form(
        honey,
        pool_source="computed",
        pool="",
        **{
            "costs-0-description": "Transporte",
            "costs-0-amount": "150.25",
            "costs-1-description": "Certificação",
            "costs-1-amount": "49.75",
        },
    )
    response = client.post(url("settlement_open", honey.coop), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    settlement = Settlement.objects.get(reference="SET-NEW")
    assert (settlement.revenue, settlement.costs, settlement.pool) == (
        Decimal("1200.00"),
        Decimal("200.00"),
        Decimal("1000.00"),
    )
    page = client.get(response["Location"]).content.decode()
    for shown in ("Season revenue", "Transporte", "Certificação", "R$1,200.00", "R$1,000.00"):
        assert shown in page, shown


def test_an_entered_pool_ignores_the_cost_rows(client, personas, honey):
    client.force_login(personas.manager)
    form = open_form(honey, **{"costs-0-description": "Transporte", "costs-0-amount": "10"})
    assert client.post(url("settlement_open", honey.coop), form).status_code == 302
    assert not SettlementCost.objects.exists()


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"pool": "-5"}, "pool", "cannot be negative"),
        ({"pool": "1234.567"}, "pool", "decimal places"),
        ({"pool": ""}, "pool", "Enter the pool"),
        ({"levels": "3"}, "levels", "valid choice"),
        ({"reference": "SET\x00NUL"}, "reference", "Null characters"),
        ({"notes": "a\x00b"}, "notes", "Null characters"),
        ({"pool_source": "computed", "pool": ""}, "costs", "more than the season's revenue"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_written(
    client, personas, honey, changes, field, message
):
    client.force_login(personas.manager)
    if field == "costs":
        changes = {**changes, "costs-0-description": "Frete", "costs-0-amount": "10"}
    response = client.post(url("settlement_open", honey.coop), open_form(honey, **changes))
    assert response.status_code == 400
    errors = response.context["form"].errors
    shown = " ".join(errors.get(field, errors.get("__all__", [])))
    assert message in shown, errors
    assert not Settlement.objects.exists()


def test_another_coops_season_cannot_be_chosen(client, personas, honey):
    client.force_login(personas.manager)
    response = client.post(url("settlement_open", honey.coop), open_form(honey, season=honey.season_b.pk))
    assert response.status_code == 400 and "season" in response.context["form"].errors
    assert not Settlement.objects.exists()


def test_a_cost_row_needs_both_description_and_amount(client, personas, honey):
    client.force_login(personas.manager)
    form = open_form(honey, pool_source="computed", pool="", **{"costs-0-amount": "10"})
    response = client.post(url("settlement_open", honey.coop), form)
    assert response.status_code == 400
    assert "Say what this cost was." in response.content.decode()


def test_a_correction_form_starts_from_the_settlement_it_corrects(client, personas, honey, draft):
    settlement_approve(actor=honey.manager, settlement=draft)
    client.force_login(personas.manager)
    detail = client.get(url("settlement_detail", honey.coop, draft.pk)).content.decode()
    assert f"?corrects={draft.pk}" in detail
    form = client.get(url("settlement_open", honey.coop) + f"?corrects={draft.pk}").context["form"]
    assert form.initial["corrects"] == draft.pk and form.initial["season"] == honey.season.pk
    response = client.post(
        url("settlement_open", honey.coop),
        open_form(honey, reference="SET-2025-C", corrects=draft.pk, pool="900"),
    )
    assert response.status_code == 302
    assert Settlement.objects.get(reference="SET-2025-C").corrects == draft


def test_a_corrections_page_shows_the_nets_before_and_the_corrected_links_to_it(
    client, personas, honey, draft
):
    settlement_approve(actor=honey.manager, settlement=draft)
    correction = settlement_open(
        actor=honey.manager,
        season=honey.season,
        reference="SET-2025-C",
        levels=2,
        pool="2000.02",
        corrects=draft,
    )
    settlement_approve(actor=honey.manager, settlement=correction)
    client.force_login(personas.manager)
    response = client.get(url("settlement_detail", honey.coop, correction.pk), {"level": "family"})
    html = response.content.decode()
    assert "Net before the correction" in html
    f1 = next(line for line in response.context["lines"] if line.family.code == "F-01")
    # F-01's gross share went from 500.01 to 1,000.01 (the leftover cents fall differently).
    assert (f1.net, f1.corrected_net) == (Decimal("850.01"), Decimal("350.01"))
    corrected = client.get(url("settlement_detail", honey.coop, draft.pk)).content.decode()
    assert url("settlement_detail", honey.coop, correction.pk) in corrected
    # The corrected settlement no longer stands: its correction is what gets corrected now.
    assert f"?corrects={draft.pk}" not in corrected
    assert (
        f"?corrects={correction.pk}"
        in client.get(url("settlement_detail", honey.coop, correction.pk)).content.decode()
    )
    text = b"".join(
        client.get(
            url("settlement_lines_csv", honey.coop, correction.pk), HTTP_ACCEPT_LANGUAGE="en"
        ).streaming_content
    ).decode()
    rows = {row["family_code"]: row for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    assert (rows["F-01"]["net"], rows["F-01"]["net_before_correction"]) == ("850.01", "350.01")


def test_changing_a_draft_recomputes_it(client, personas, honey, draft):
    client.force_login(personas.manager)
    page = url("settlement_edit", honey.coop, draft.pk)
    assert client.get(page).context["form"].initial["pool"] == POOL
    form = open_form(honey, reference="SET-2025", levels="1", pool="500.00")
    form.pop("season")
    response = client.post(page, form)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.levels, draft.pool) == (1, Decimal("500.00"))
    assert not draft.lines.filter(level="association").exists()


# --- The lines -------------------------------------------------------------------------------------


def test_the_page_shows_association_lines_then_each_associations_families(client, personas, honey, draft):
    client.force_login(personas.auditor)
    page = url("settlement_detail", honey.coop, draft.pk)
    response = client.get(page)
    assert response.context["level"] == "association"
    assert [line.association.code for line in response.context["lines"]] == ["ASSOC-1", "ASSOC-2"]
    html = response.content.decode()
    assert "R$750.01" in html and "R$250.00" in html and "= pool" in html

    one = honey.associations[0]
    response = client.get(page, {"level": "family", "association": one.pk})
    assert [line.family.code for line in response.context["lines"]] == ["F-01", "F-02"]
    assert response.context["listed_totals"].gross == Decimal("750.01")
    assert response.context["association_line"].gross_share == Decimal("750.01")
    html = response.content.decode()
    assert "Total of the lines listed" in html and "R$350.01" in html  # F-01: 500.01 − 150.00 advanced


def test_a_negative_net_is_shown_and_said_to_be_carried(client, personas, honey):
    advance(deliver(honey.coop, honey.product, honey.families[3], "1"), "400.00", season=honey.season)
    settlement = settlement_open(
        actor=honey.manager, season=honey.season, reference="S", levels=1, pool="201"
    )
    client.force_login(personas.staff)
    html = client.get(url("settlement_detail", honey.coop, settlement.pk), {"q": "F-04"}).content.decode()
    assert "-R$379.00" in html and "carried" in html


def test_the_lines_of_930_families_are_paged_in_bounded_queries(
    client, personas, honey, django_assert_max_num_queries
):
    association = settlements_data.new_association(honey.coop, "ASSOC-BIG")
    settlements_data.many_families(honey.coop, honey.product, association, 926)
    settlement = settlement_open(
        actor=honey.manager, season=honey.season, reference="BIG", levels=2, pool=Decimal("3425000.00")
    )
    assert settlement.lines.filter(level="family").count() == 930
    client.force_login(personas.manager)
    page = url("settlement_detail", honey.coop, settlement.pk)
    # 16, and 2 for the draft's freshness (deliveries and advances since it was computed).
    with django_assert_max_num_queries(18):
        response = client.get(page, {"level": "family", "page": "5"})
    assert len(response.context["lines"]) == 50 and response.context["paginator"].num_pages == 19
    assert response.context["level_totals"].gross == Decimal("3425000.00")
    with django_assert_max_num_queries(18):
        client.get(page, {"level": "family", "association": association.pk, "page": "2"})
    with django_assert_max_num_queries(12):
        client.get(url("settlement_list", honey.coop))


def test_the_list_queries_do_not_grow_with_settlements(
    client, personas, honey, django_assert_max_num_queries
):
    for number in range(12):
        Settlement.objects.create(
            cooperative=honey.coop,
            season=honey.season,
            reference=f"S-{number}",
            pool_source="entered",
            pool=Decimal("1"),
            currency="BRL",
            created_by=honey.manager,
        )
    client.force_login(personas.auditor)
    with django_assert_max_num_queries(12):
        response = client.get(url("settlement_list", honey.coop), {"status": "draft"})
    assert len(response.context["settlements"]) == 12


# --- Approving and paying -------------------------------------------------------------------------


def test_manager_approves_on_the_page(client, personas, honey, draft):
    client.force_login(personas.manager)
    response = client.post(url("settlement_approve", honey.coop, draft.pk))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "approved" and draft.approved_by == personas.manager
    html = client.get(url("settlement_detail", honey.coop, draft.pk)).content.decode()
    assert url("settlement_approve", honey.coop, draft.pk) not in html
    assert url("settlement_edit", honey.coop, draft.pk) not in html


def test_a_refused_approval_says_why_and_changes_nothing(client, personas, honey, draft):
    advance(honey.lots.f4, "10.00", season=honey.season, status=Advance.Status.DUE)
    client.force_login(personas.manager)
    response = client.post(url("settlement_approve", honey.coop, draft.pk))
    assert response.status_code == 400
    assert "still has 1 advance due" in response.content.decode()
    assert Settlement.objects.get().status == "draft"


def test_approving_twice_on_the_page_is_refused(client, personas, honey, draft):
    client.force_login(personas.manager)
    client.post(url("settlement_approve", honey.coop, draft.pk))
    response = client.post(url("settlement_approve", honey.coop, draft.pk))
    assert response.status_code == 400 and "already approved" in response.content.decode()


def test_an_approved_settlement_cannot_be_changed_on_the_page(client, personas, honey, draft):
    settlement_approve(actor=honey.manager, settlement=draft)
    client.force_login(personas.manager)
    assert client.get(url("settlement_edit", honey.coop, draft.pk)).status_code == 302
    form = open_form(honey, reference="SET-2025", pool="1")
    form.pop("season")
    response = client.post(url("settlement_edit", honey.coop, draft.pk), form)
    assert response.status_code == 400 and "can no longer be changed" in response.content.decode()
    assert client.post(url("settlement_recompute", honey.coop, draft.pk)).status_code == 400
    draft.refresh_from_db()
    assert draft.pool == POOL


def test_manager_marks_an_approved_settlement_paid(client, personas, honey, draft):
    settlement_approve(actor=honey.manager, settlement=draft)
    client.force_login(personas.manager)
    page = url("settlement_paid", honey.coop, draft.pk)
    assert client.post(page, {"paid_on": "not a date"}).status_code == 400
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    refused = client.post(page, {"paid_on": future})
    assert refused.status_code == 400 and "future" in refused.content.decode()
    assert client.post(page, {"paid_on": timezone.localdate().isoformat()}).status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.paid_on) == ("paid", timezone.localdate())


def test_recomputing_on_the_page(client, personas, honey, draft):
    deliver(honey.coop, honey.product, honey.families[2], "100")
    client.force_login(personas.manager)
    assert client.post(url("settlement_recompute", honey.coop, draft.pk)).status_code == 302
    draft.refresh_from_db()
    assert draft.total_kg == Decimal("300.000")


# --- Exports ------------------------------------------------------------------------------------


def test_the_csv_has_every_line_and_neutralises_formulas(client, personas, honey, draft):
    family = honey.families[1]
    family.household_name = '=HYPERLINK("http://x")'
    family.save(update_fields=["household_name"])
    client.force_login(personas.auditor)
    response = client.get(url("settlement_lines_csv", honey.coop, draft.pk), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="settlement-SET-2025.csv"'
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [row["level"] for row in rows] == ["association"] * 2 + ["family"] * 4
    assert sum(Decimal(row["gross_share"]) for row in rows if row["level"] == "family") == POOL
    by_code = {row["family_code"]: row for row in rows if row["family_code"]}
    assert by_code["F-01"]["net"] == "350.01" and by_code["F-01"]["advances"] == "150.00"
    assert by_code["F-02"]["family"] == '\'=HYPERLINK("http://x")'


def test_the_csv_keeps_a_negative_nets_sign(client, personas, honey):
    advance(deliver(honey.coop, honey.product, honey.families[3], "1"), "400.00", season=honey.season)
    settlement = settlement_open(
        actor=honey.manager, season=honey.season, reference="S", levels=1, pool="201"
    )
    client.force_login(personas.manager)
    text = b"".join(
        client.get(
            url("settlement_lines_csv", honey.coop, settlement.pk), HTTP_ACCEPT_LANGUAGE="en"
        ).streaming_content
    ).decode()
    rows = {row["family_code"]: row for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    assert rows["F-04"]["net"] == "-379.00"
    # In Portuguese: ';' between cells and a decimal comma, the sign kept (a number, not text).
    text = b"".join(
        client.get(
            url("settlement_lines_csv", honey.coop, settlement.pk), HTTP_ACCEPT_LANGUAGE="pt-br"
        ).streaming_content
    ).decode()
    assert text.startswith("\ufeffsettlement;season;status;")
    rows = {
        row["family_code"]: row for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")
    }
    assert (rows["F-04"]["net"], rows["F-04"]["advances"]) == ("-379,00", "400,00")


def test_a_statement_of_a_family_without_a_line_is_404(client, personas, honey, draft):
    outsider_family = FamilyFactory(cooperative=honey.coop, code="F-NONE")
    client.force_login(personas.manager)
    assert (
        client.get(url("settlement_statement", honey.coop, draft.pk, outsider_family.pk)).status_code == 404
    )
    assert client.get(url("settlement_statement", honey.coop, draft.pk, honey.family_b.pk)).status_code == 404
