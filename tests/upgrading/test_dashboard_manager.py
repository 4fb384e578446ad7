"""The manager's overview: production, contracts on pace, sales, money, compliance, indicators."""

import datetime

import pytest

from chain.models import Contract
from tests.chain import chain_pages
from tests.chain.chain_pages import DELIVERED, TODAY
from tests.upgrading import dashboard_data
from tests.upgrading.dashboard_data import Tables, chart_data, page_text, url

dash = dashboard_data.dash
english = chain_pages.english


def _overview(client, user, coop, query=""):
    client.force_login(user)
    response = client.get(url("cooperative_home", coop) + query)
    assert response.status_code == 200
    return response


def test_manager_home_is_the_overview(client, personas, dash, coop_a):
    response = _overview(client, personas.manager, coop_a)
    assert response.context["board"] == "overview"
    assert [tab[0] for tab in response.context["tabs"]] == ["work", "overview", "audit"]


def test_production_by_month_and_product_leaves_out_rejected_lots(client, personas, dash, coop_a):
    response = _overview(client, personas.manager, coop_a)
    data = chart_data(response, "production")
    assert len(data["labels"]) == 12 and data["stacked"] is True
    series = {dataset["label"]: dataset["data"] for dataset in data["datasets"]}
    honey, nuts = series["Mel orgânico"], series["Amêndoa de babaçu"]
    # This month: today's barrels (20 + 25.5 kg); a month ago: HR-OLD-1 and the two sold
    # barrels (18 + 600 + 400 kg). The wet barrel (20 kg, rejected) is not production.
    if DELIVERED.month == TODAY.month:
        assert honey[-1] == "1063.500"
    else:
        assert (honey[-2], honey[-1]) == ("1018.000", "45.500")
    assert nuts[-1] == "12.000"
    # The same numbers as a table, in Portuguese.
    rows = Tables(response.content.decode()).named(response.context["production_chart"].title)
    assert rows[-1][1:] == (["1.063,5", "12"] if DELIVERED.month == TODAY.month else ["45,5", "12"])


def test_each_active_contract_against_its_minimum_and_the_pace_line(client, personas, dash, coop_a):
    response = _overview(client, personas.manager, coop_a)
    [(pace, bar, chart)] = response.context["contracts"]
    assert pace.contract == dash.contract
    assert pace.year.delivered_kg == 600 and pace.year.minimum_kg == 10800
    assert not pace.year.on_pace  # 600 kg after 61 days of a 10.8 t year
    data = chart_data(response, f"contract-{dash.contract.pk}")
    delivered, pace_line = data["datasets"]
    assert pace_line["style"] == "pace" and pace_line["data"][-1] == "10800.000"
    drawn = [value for value in delivered["data"] if value is not None]
    assert drawn[-1] == "600.000"  # cumulative up to this month, nothing drawn beyond today
    assert delivered["data"][-1] is None
    text = page_text(response)
    assert "600 kg" in text and "10.800 kg" in text


def test_closed_contracts_are_not_followed(client, personas, dash, coop_a):
    Contract.objects.filter(pk=dash.contract.pk).update(status=Contract.Status.CLOSED)
    response = _overview(client, personas.manager, coop_a)
    assert response.context["contracts"] == []


def test_revenue_by_buyer_largest_share_and_fair_trade_against_local_price(client, personas, dash, coop_a):
    response = _overview(client, personas.manager, coop_a)
    text = page_text(response)
    # 600 kg × US$ 3.00 × 5.10 and 400 kg × R$ 9.50.
    assert "R$ 9.180,00" in text and "R$ 3.800,00" in text and "R$ 12.980,00" in text
    assert "70,72%" in text and "29,28%" in text
    assert "R$ 15,30" in text and "R$ 9,50" in text and "1,61×" in text
    data = chart_data(response, "buyers")
    assert data["labels"] == ["Importer A", "Mercado Local"]
    assert data["datasets"][0]["data"] == ["9180.00", "3800.00"]
    assert data["unit"] == "BRL"


def test_the_sales_year_is_the_latest_with_sales_unless_asked(client, personas, dash, coop_a, english):
    assert (
        _overview(client, personas.manager, coop_a).context["sales_year"]
        == (TODAY - datetime.timedelta(days=5)).year
    )
    asked = _overview(client, personas.manager, coop_a, "?year=2001")
    assert asked.context["sales_year"] == 2001
    assert "No confirmed sale in 2001." in page_text(asked)
    assert _overview(client, personas.manager, coop_a, "?year=x%00").status_code == 200


def test_premium_fund_advances_and_settlement(client, personas, dash, coop_a):
    response = _overview(client, personas.manager, coop_a)
    text = page_text(response)
    assert "R$ 612,00" in text and "R$ 212,00" in text  # received; not yet allocated
    assert "R$ 400,00" in text and "R$ 150,00" in text  # allocated and spent (schooling)
    assert "R$ 400,50" in text  # advances due (150,00 + 250,50)
    assert "SET-A" in text and "R$ 5.000,00" in text
    advances = response.context["advances"]
    assert (advances.count, advances.overdue) == (2, 1)
    assert chart_data(response, "premium-use")["datasets"][1]["data"] == ["150.00"]


def test_compliance_failures_link_inside_the_co_op_only(client, personas, dash, coop_a, english):
    response = _overview(client, personas.manager, coop_a)
    html = response.content.decode()
    text = page_text(response)
    assert "Advances due and unpaid for more than 30 days" in text
    assert f'href="{url("lot_detail", coop_a, dash.old_received.pk)}"' in html
    assert "EVIL-LINK" in text and "evil.example.org" not in html  # a link out of the co-op is dropped
    assert "and 1 more" in text  # three concerned, two listed
    assert "1 other check passed." in text
    # Failures come before warnings.
    assert text.index("Advances due and unpaid") < text.index("Closed seasons without")


def test_indicators_show_their_latest_value_against_the_one_before(client, personas, dash, coop_a, english):
    response = _overview(client, personas.manager, coop_a)
    headlines = {row[0].indicator.code: row for row in response.context["headlines"]}
    literate, latest, before, page = headlines["literate_adults"]
    assert page == url("indicator_detail", coop_a, "literate_adults")
    assert (latest, before, literate.trend) == ("72%", "60%", "better")  # the corrected 70 is not shown
    incidents, latest, before, _page = headlines["safety_incidents"]
    assert (latest, before, incidents.trend, incidents.direction) == ("5", "3", "worse", "up")
    assert headlines["women_board_share"][0].trend == "new"
    html = response.content.decode()
    assert "trend-better" in html and "trend-worse" in html and "first value" in html


def test_indicator_names_follow_the_language(client, personas, dash, coop_a):
    text = page_text(_overview(client, personas.manager, coop_a))
    assert "Adultos alfabetizados" in text


def test_an_auditor_reads_the_overview_without_write_buttons(client, personas, dash, coop_a):
    client.force_login(personas.auditor)
    response = client.get(url("dashboard_overview", coop_a))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("shipment_create", "lot_record_barrel", "lot_record_purchase"):
        assert url(name, coop_a) not in html, name
    assert 'method="post"' not in html.split("<main", 1)[1]


def test_an_empty_co_op_explains_each_section(client, personas, coop_a, english):
    text = page_text(_overview(client, personas.manager, coop_a))
    for sentence in (
        "No production in the last twelve months.",
        "No active contract runs today.",
        "No confirmed sale in",
        "No premium received yet.",
        "No compliance report yet.",
        "No indicator recorded yet.",
        "None yet: open a settlement",
    ):
        assert sentence in text, sentence


@pytest.mark.parametrize("grow", [10, 100])
def test_the_overview_costs_the_same_whatever_the_number_of_lots(
    client, personas, dash, coop_a, grow, django_assert_max_num_queries
):
    dashboard_data.add_lots(dash, grow)
    client.force_login(personas.manager)
    # 22 since the record buttons follow what the co-op handles (one grouped query).
    with django_assert_max_num_queries(22):
        response = client.get(url("cooperative_home", coop_a))
    assert response.context["advances"].count == 2 + grow


def test_a_generated_compliance_report_shows_its_failed_checks(
    client, personas, dash, coop_a, settings, tmp_path, english
):
    from upgrading.reports import compliance, service

    settings.MEDIA_ROOT = tmp_path
    report, _created = service.report_request(
        actor=personas.manager,
        cooperative=coop_a,
        kind="compliance",
        period=str(TODAY.year),
        regenerate=True,  # a second version of the seeded report
        enqueue=False,
    )
    report = service.report_run(report_id=report.pk)
    assert (report.status, report.version) == ("done", 2)
    failed = [check for check in report.summary["checks"] if check["status"] == "fail"]
    assert failed  # e.g. the contract behind its pace
    response = _overview(client, personas.manager, coop_a)
    assert response.context["compliance"] == report  # the newest version, not the seeded one
    text = page_text(response)
    for check in failed:
        assert str(compliance.TITLES[check["code"]]) in text, check["code"]
    html = response.content.decode()
    for check in failed:
        for finding in check["findings"][:5]:
            if finding["url"]:
                assert f'href="{finding["url"]}"' in html, finding
