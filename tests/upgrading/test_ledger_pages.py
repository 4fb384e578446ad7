"""The indicator and ledger pages: who sees what, the trend chart and its table, the
manual entry form with evidence, corrections, the auditor's verification, query counts."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.upgrading import ledger_data
from tests.upgrading.ledger_data import append, csv_file, exe, pdf, tamper, year
from upgrading.models import LedgerEntry

english = ledger_data.english
catalogue = ledger_data.catalogue
ledger = ledger_data.ledger
media = ledger_data.media

pytestmark = pytest.mark.usefixtures("english")


def url(name, coop, *args, query=""):
    return reverse(name, args=[coop.slug, *args]) + query


def form_body(**overrides):
    first, last = year(0)
    return {
        "indicator": "literate_adults",
        "period_from": first.isoformat(),
        "period_to": last.isoformat(),
        "value": "48,5",
        "note": "Levantamento anual das famílias",
        **overrides,
    }


# --- Access ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, args",
    [
        ("indicator_list", []),
        ("indicator_detail", ["literate_adults"]),
        ("ledger_list", []),
        ("ledger_entry", [1]),
        ("ledger_verify", []),
        ("ledger_create", []),
    ],
)
def test_an_outsider_gets_404_everywhere(client, personas, coop_a, ledger, name, args):
    client.force_login(personas.outsider)
    assert client.get(url(name, coop_a, *args)).status_code == 404


def test_an_auditor_reads_and_verifies_but_sees_no_write_button(client, personas, coop_a, ledger):
    client.force_login(personas.auditor)
    for name, args in (("indicator_list", []), ("ledger_list", []), ("ledger_entry", [1])):
        response = client.get(url(name, coop_a, *args))
        assert response.status_code == 200
        html = response.content.decode()
        assert reverse("ledger_create", args=[coop_a.slug]) not in html
    assert client.get(url("ledger_verify", coop_a, query="?verify=1")).status_code == 200
    assert client.get(url("ledger_create", coop_a)).status_code == 403
    before = LedgerEntry.objects.count()
    assert client.post(url("ledger_create", coop_a), form_body()).status_code == 403
    assert LedgerEntry.objects.count() == before


def test_staff_see_the_record_button(client, personas, coop_a, ledger):
    client.force_login(personas.staff)
    html = client.get(url("indicator_list", coop_a)).content.decode()
    assert reverse("ledger_create", args=[coop_a.slug]) in html


def test_anonymous_users_are_sent_to_log_in(client, coop_a, ledger):
    response = client.get(url("indicator_list", coop_a))
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- Indicators -------------------------------------------------------------------------------


def test_the_overview_shows_current_against_previous(client, personas, coop_a, ledger):
    client.force_login(personas.auditor)
    response = client.get(url("indicator_list", coop_a))
    rows = {row.indicator.code: row for _category, group in response.context["groups"] for row in group}
    literacy = rows["literate_adults"]
    assert literacy.current.value == Decimal("52") and literacy.previous.value == Decimal("49")
    assert literacy.change == Decimal("3") and literacy.improved is True
    html = response.content.decode()
    assert "52%" in html and "+3\u00a0p.p." in html
    assert rows["fair_trade_sales_share"].current is None
    categories = [category for category, _group in response.context["groups"]]
    assert categories[0] == "Measurable standards: income" and categories[-1] == "Environmental"


def test_a_lower_is_better_indicator_going_up_is_worse(client, personas, coop_a, media):
    append(personas.staff, coop_a, "safety_incidents", "2", period=year(-1))
    append(personas.staff, coop_a, "safety_incidents", "5", period=year(0))
    client.force_login(personas.manager)
    response = client.get(url("indicator_list", coop_a))
    rows = {row.indicator.code: row for _category, group in response.context["groups"] for row in group}
    assert rows["safety_incidents"].improved is False
    assert 'class="change worse"' in response.content.decode()


def test_a_correction_replaces_the_value_in_the_overview(client, personas, coop_a, ledger):
    append(personas.manager, coop_a, value="53.5", period=year(0), supersedes=ledger.a[4])
    client.force_login(personas.auditor)
    response = client.get(url("indicator_list", coop_a))
    rows = {row.indicator.code: row for _category, group in response.context["groups"] for row in group}
    assert rows["literate_adults"].current.value == Decimal("53.5")


def test_the_detail_has_the_trend_chart_and_the_same_numbers_in_a_table(client, personas, coop_a, ledger):
    client.force_login(personas.auditor)
    response = client.get(url("indicator_detail", coop_a, "literate_adults"))
    assert response.status_code == 200
    html = response.content.decode()
    chart = json.loads(html.split('id="trend-data" type="application/json">')[1].split("</script>")[0])
    assert chart["datasets"][0]["data"] == ["40.0000", "43.0000", "46.0000", "49.0000", "52.0000"]
    assert chart["labels"] == [str(year(i)[0].year) for i in range(-4, 1)]
    assert chart["unit"] == "%" and chart["max"] == "100.0000"
    for value in ("40%", "43%", "46%", "49%", "52%"):
        assert value in html
    assert "vendor/chartjs/chart.umd.min.js" in html and "js/charts.js" in html
    assert "<script>" not in html  # the CSP forbids inline scripts: data only


def test_an_unknown_indicator_is_404(client, personas, coop_a, ledger):
    client.force_login(personas.auditor)
    assert client.get(url("indicator_detail", coop_a, "happiness")).status_code == 404


def test_a_family_indicator_lists_its_families(client, personas, coop_a, world, media):
    append(personas.staff, coop_a, "family_children_in_school", "3", family=world.family_a)
    client.force_login(personas.auditor)
    response = client.get(url("indicator_detail", coop_a, "family_children_in_school"))
    assert response.context["chart"] is None
    assert world.family_a.code in response.content.decode()


# --- The ledger -------------------------------------------------------------------------------


def test_each_entry_shows_its_hash_and_the_link_to_the_one_before(client, personas, coop_a, ledger):
    client.force_login(personas.auditor)
    html = client.get(url("ledger_list", coop_a)).content.decode()
    second = ledger.a[1]
    assert second.hash[:12] in html and f'title="{second.previous_hash}"' in html
    assert reverse("ledger_entry", args=[coop_a.slug, 1]) in html
    detail = client.get(url("ledger_entry", coop_a, 2)).content.decode()
    assert second.hash in detail and second.previous_hash in detail
    assert "Does not match" not in detail


def test_the_ledger_filters_by_indicator_and_source(client, personas, coop_a, ledger):
    client.force_login(personas.auditor)
    response = client.get(url("ledger_list", coop_a, query="?indicator=women_board_share"))
    assert [e.sequence for e in response.context["entries"]] == [6]
    response = client.get(url("ledger_list", coop_a, query="?source=derived"))
    assert response.context["entries"] == []
    response = client.get(url("ledger_list", coop_a, query="?indicator=nonsense&source=bad"))
    assert len(response.context["entries"]) == 6  # an invalid filter is ignored


def test_the_ledger_pages_by_sequence(client, personas, coop_a, media, settings):
    for i in range(55):
        append(personas.staff, coop_a, "safety_incidents", str(i % 7), period=year(0))
    client.force_login(personas.auditor)
    first = client.get(url("ledger_list", coop_a)).context
    assert [e.sequence for e in first["entries"]][:2] == [55, 54] and first["older"] == 6
    second = client.get(url("ledger_list", coop_a, query="?before=6")).context
    assert [e.sequence for e in second["entries"]] == [5, 4, 3, 2, 1] and second["older"] is None


def test_evidence_downloads_through_the_scope(client, personas, coop_a, ledger):
    entry = ledger.evidence_entry
    evidence = entry.evidence.get(content_type="application/pdf")
    link = url("ledger_evidence", coop_a, entry.sequence, evidence.pk)
    client.force_login(personas.auditor)
    response = client.get(link)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == ledger_data.PDF_BYTES
    assert "attachment" in response["Content-Disposition"]
    client.force_login(personas.outsider)
    assert client.get(link).status_code == 404
    client.force_login(personas.auditor)
    other = url("ledger_evidence", coop_a, 1, evidence.pk)  # the file is not entry 1's
    assert client.get(other).status_code == 404


LIST_QUERY_BOUND = 14


def test_list_pages_run_the_same_queries_for_few_or_many_entries(
    client, personas, coop_a, world, ledger, django_assert_max_num_queries
):
    client.force_login(personas.auditor)
    for name in ("ledger_list", "indicator_list"):
        with django_assert_max_num_queries(LIST_QUERY_BOUND):
            client.get(url(name, coop_a))
    for i in range(30):
        append(personas.staff, coop_a, "family_children_in_school", str(i % 4), family=world.family_a)
        append(
            personas.staff, coop_a, "children_in_school", "90", evidence=[pdf(content=b"%PDF-" + bytes([i]))]
        )
    for name in ("ledger_list", "indicator_list"):
        with django_assert_max_num_queries(LIST_QUERY_BOUND):
            assert client.get(url(name, coop_a)).status_code == 200
    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        client.get(url("indicator_detail", coop_a, "children_in_school"))


# --- Recording ----------------------------------------------------------------------------------


def test_staff_record_an_entry_with_evidence(client, personas, coop_a, media):
    client.force_login(personas.staff)
    assert client.get(url("ledger_create", coop_a, query="?indicator=literate_adults")).status_code == 200
    response = client.post(url("ledger_create", coop_a), form_body(evidence=[pdf(), csv_file()]))
    entry = LedgerEntry.objects.get()
    assert response.status_code == 302 and response["Location"] == url("ledger_entry", coop_a, 1)
    assert entry.value == Decimal("48.5") and entry.recorded_by == personas.staff
    assert entry.evidence.count() == 2


def test_a_refused_entry_shows_the_error_and_appends_nothing(client, personas, coop_a, media):
    client.force_login(personas.staff)
    response = client.post(url("ledger_create", coop_a), form_body(value="140"))
    assert response.status_code == 200
    assert "cannot be above 100" in response.content.decode()
    response = client.post(url("ledger_create", coop_a), form_body(evidence=[exe()]))
    assert "Only PDF" in response.content.decode()
    response = client.post(url("ledger_create", coop_a), form_body(family="NOPE"))
    assert "No family with this code" in response.content.decode()
    response = client.post(url("ledger_create", coop_a), form_body(indicator="fair_trade_sales_share"))
    assert response.status_code == 200  # not offered: derived indicators are computed
    assert LedgerEntry.objects.count() == 0


def test_correcting_an_entry_from_its_page(client, personas, coop_a, ledger):
    client.force_login(personas.manager)
    page = client.get(url("ledger_entry", coop_a, 2)).content.decode()
    assert "?supersedes=2" in page
    form = client.get(url("ledger_create", coop_a, query="?supersedes=2"))
    assert form.context["form"].initial["value"] == Decimal("43")
    response = client.post(
        url("ledger_create", coop_a, query="?supersedes=2"),
        form_body(value="34", indicator="safety_incidents"),
    )
    correction = LedgerEntry.objects.get(cooperative=coop_a, sequence=7)
    assert response.status_code == 302
    assert correction.supersedes == ledger.a[1] and correction.indicator.code == "literate_adults"
    old = client.get(url("ledger_entry", coop_a, 2)).content.decode()
    assert "corrected by entry #7" in old and "?supersedes=2" not in old
    again = client.post(url("ledger_create", coop_a, query="?supersedes=2"), form_body(value="35"))
    assert "already corrected by entry #7" in again.content.decode()


def test_a_correction_of_another_cooperatives_entry_is_404(client, personas, coop_a, coop_b, ledger):
    client.force_login(personas.staff)
    assert client.get(url("ledger_create", coop_a, query="?supersedes=99")).status_code == 404
    assert client.get(url("ledger_create", coop_a, query="?supersedes=x")).status_code == 404


# --- Verification ---------------------------------------------------------------------------


def test_the_auditor_sees_intact_with_the_head(client, personas, coop_a, ledger):
    client.force_login(personas.auditor)
    html = client.get(url("ledger_verify", coop_a)).content.decode()
    assert "Intact" not in html  # nothing checked until asked
    head = f"6:{ledger.a[-1].hash}"
    response = client.get(url("ledger_verify", coop_a, query=f"?verify=1&head=3:{ledger.a[2].hash}"))
    html = response.content.decode()
    assert "Intact" in html and head in html and "The head you hold (#3) is in the chain" in html


def test_the_auditor_sees_where_and_why_it_breaks(client, personas, coop_a, ledger):
    tamper("UPDATE upgrading_ledgerentry SET value = 99 WHERE id = %s", [ledger.a[3].pk])
    client.force_login(personas.auditor)
    html = client.get(url("ledger_verify", coop_a, query="?verify=1")).content.decode()
    assert "Broken at entry #4" in html and "Content changed" in html
    assert f"3:{ledger.a[2].hash}" in html


def test_a_badly_written_head_is_an_error_on_the_form(client, personas, coop_a, ledger):
    client.force_login(personas.auditor)
    response = client.get(url("ledger_verify", coop_a, query="?verify=1&head=banana"))
    assert response.context["result"] is None
    assert "SEQUENCE:HASH" in response.content.decode()
