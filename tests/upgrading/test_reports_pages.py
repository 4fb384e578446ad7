"""The reports pages: who may ask for what, another co-op's reports are 404, downloads
stay in the co-op (a pack with national IDs: administrators only), check results link to
the offending records, and the lists cost a fixed number of queries."""

import hashlib
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.upgrading import reports_data
from tests.upgrading.reports_data import FORMULA_NAME, TODAY, request_and_run
from upgrading.models import Report
from upgrading.reports import service

pytestmark = pytest.mark.django_db

honey = reports_data.honey
honey_b = reports_data.honey_b
media = reports_data.media
english = reports_data.english


def url(name, coop, *args):
    return reverse(name, args=[coop.slug, *args])


@pytest.fixture(autouse=True)
def _no_generation_on_request(monkeypatch):
    """Requests from pages queue the task; generation itself is tested elsewhere."""
    from upgrading import tasks

    monkeypatch.setattr(tasks.generate_report, "delay", lambda report_id: None)


@pytest.fixture
def reports(honey, honey_b):
    done = request_and_run(honey.coop, Report.Kind.COMPLIANCE, "2025-11")
    pack = request_and_run(honey.coop, Report.Kind.CERTIFICATION, "2025", scheme="fair_trade")
    other = request_and_run(honey_b.coop, Report.Kind.CERTIFICATION, "2025", scheme="fair_trade")
    return done, pack, other


def report_urls(report, coop=None):
    coop = coop or report.cooperative
    return [
        url("report_detail", coop, report.pk),
        url("report_download", coop, report.pk),
        url("report_findings_xlsx", coop, report.pk),
    ]


# --- Reading ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["staff", "manager", "auditor", "admin"])
def test_everyone_of_the_coop_reads_the_reports(client, personas, reports, persona):
    done, pack, _other = reports
    client.force_login(getattr(personas, persona))
    page = client.get(url("report_list", done.cooperative))
    assert page.status_code == 200
    html = page.content.decode()
    assert "2025-11" in html and url("report_detail", done.cooperative, pack.pk) in html
    assert client.get(url("report_detail", done.cooperative, done.pk)).status_code == 200
    download = client.get(url("report_download", done.cooperative, pack.pk))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == pack.sha256
    assert "attachment" in download["Content-Disposition"]


def test_another_coops_reports_answer_404(client, personas, reports):
    done, pack, other = reports
    client.force_login(personas.outsider)
    for page in [url("report_list", done.cooperative), url("report_packs", done.cooperative)]:
        assert client.get(page).status_code == 404
    for report in (done, pack):
        for page in report_urls(report):
            assert client.get(page).status_code == 404, page
    # And B's report under A's address, for A's manager.
    client.force_login(personas.manager)
    for page in report_urls(other, coop=done.cooperative):
        assert client.get(page).status_code == 404, page


def test_expired_and_anonymous_users_get_nothing(client, personas, reports):
    done, _pack, _other = reports
    client.force_login(personas.expired)
    assert client.get(url("report_download", done.cooperative, done.pk)).status_code == 404
    client.logout()
    response = client.get(url("report_download", done.cooperative, done.pk))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_compliance_page_links_each_finding_to_its_record(client, personas, honey, english):
    report = request_and_run(honey.coop, Report.Kind.COMPLIANCE, "2025")
    client.force_login(personas.manager)
    html = client.get(url("report_detail", honey.coop, report.pk)).content.decode()
    assert "Certification claims of shipments" in html
    assert f'href="{url("lot_detail", honey.coop, honey.stranger.pk)}"' in html
    assert f'href="{url("family_detail", honey.coop, honey.forgotten.pk)}"' in html
    assert report.ledger_head in html and report.sha256 in html


def test_findings_spreadsheet_neutralises_formulas(client, personas, honey):
    report = request_and_run(honey.coop, Report.Kind.COMPLIANCE, "2025")
    client.force_login(personas.auditor)
    response = client.get(url("report_findings_xlsx", honey.coop, report.pk))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert all(cell.data_type == "s" for cell in cells)
    assert any("B-A-NONE" in cell.value for cell in cells)
    assert not any(cell.value.startswith("=") for cell in cells)
    assert FORMULA_NAME not in [cell.value for cell in cells]


def test_pack_page_shows_the_hashes_an_auditor_keeps(client, personas, reports):
    _done, pack, other = reports
    client.force_login(personas.auditor)
    html = client.get(url("report_packs", pack.cooperative)).content.decode()
    assert pack.sha256 in html
    assert pack.summary["pack"]["manifest_sha256"] in html
    assert pack.ledger_head in html
    assert other.sha256 not in html
    detail = client.get(url("report_detail", pack.cooperative, pack.pk)).content.decode()
    for entry in pack.summary["pack"]["files"]:
        assert entry["sha256"] in detail


def test_a_pack_with_national_ids_downloads_for_administrators_only(client, personas, honey):
    report = request_and_run(honey.coop, Report.Kind.CERTIFICATION, "2025", include_national_ids=True)
    for persona in ("manager", "auditor", "staff"):
        client.force_login(getattr(personas, persona))
        assert client.get(url("report_download", honey.coop, report.pk)).status_code == 403, persona
        html = client.get(url("report_packs", honey.coop)).content.decode()
        assert url("report_download", honey.coop, report.pk) not in html
    client.force_login(personas.admin)
    assert client.get(url("report_download", honey.coop, report.pk)).status_code == 200


def test_a_report_without_its_file_yet_has_no_download(client, personas, coop_a):
    report, _ = service.report_request(
        actor=personas.manager, cooperative=coop_a, kind="compliance", period="2025-11", enqueue=False
    )
    client.force_login(personas.manager)
    assert client.get(url("report_download", coop_a, report.pk)).status_code == 404
    assert client.get(url("report_findings_xlsx", coop_a, report.pk)).status_code == 404
    page = client.get(url("report_detail", coop_a, report.pk)).content.decode()
    assert 'http-equiv="refresh"' in page  # it refreshes itself while queued


# --- Asking -----------------------------------------------------------------------------------


def test_manager_asks_for_a_report_and_asking_again_returns_it(client, personas, coop_a):
    client.force_login(personas.manager)
    response = client.post(url("report_list", coop_a), {"kind": "compliance", "period": "2025-11"})
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == url("report_detail", coop_a, report.pk)
    assert report.requested_by == personas.manager and report.status == Report.Status.QUEUED
    client.post(url("report_list", coop_a), {"kind": "compliance", "period": "2025-11"})
    assert Report.objects.count() == 1
    client.post(url("report_list", coop_a), {"kind": "compliance", "period": "2025-11", "regenerate": "on"})
    assert list(Report.objects.order_by("version").values_list("version", flat=True)) == [1, 2]


def test_auditor_asks_for_packs_only_and_sees_no_compliance_choice(client, personas, coop_a):
    client.force_login(personas.auditor)
    html = client.get(url("report_list", coop_a)).content.decode()
    assert 'value="certification"' in html and 'value="compliance"' not in html
    assert "include_national_ids" not in html
    assert (
        client.post(url("report_list", coop_a), {"kind": "compliance", "period": "2025"}).status_code == 400
    )
    assert not Report.objects.exists()
    response = client.post(
        url("report_list", coop_a), {"kind": "certification", "period": "2025", "scheme": "organic"}
    )
    assert response.status_code == 302
    assert Report.objects.get().scheme == "organic"


def test_staff_sees_no_form_and_cannot_ask(client, personas, coop_a):
    client.force_login(personas.staff)
    html = client.get(url("report_list", coop_a)).content.decode()
    assert 'name="period"' not in html
    assert (
        client.post(url("report_list", coop_a), {"kind": "certification", "period": "2025"}).status_code
        == 403
    )
    assert not Report.objects.exists()


def test_only_administrators_see_and_use_the_national_id_choice(client, personas, coop_a):
    client.force_login(personas.manager)
    assert "include_national_ids" not in client.get(url("report_list", coop_a)).content.decode()
    client.post(
        url("report_list", coop_a), {"kind": "certification", "period": "2025", "include_national_ids": "on"}
    )
    assert Report.objects.get().summary == {"include_national_ids": False}  # the field is not even read
    client.force_login(personas.admin)
    assert "include_national_ids" in client.get(url("report_list", coop_a)).content.decode()
    client.post(
        url("report_list", coop_a), {"kind": "certification", "period": "2025", "include_national_ids": "on"}
    )
    assert Report.objects.order_by("-version").first().summary == {"include_national_ids": True}


@pytest.mark.parametrize("period", ["2025-13", "last year", "2025-06-30..2025-01-01", "", "20\x0025"])
def test_a_bad_period_is_refused_next_to_the_field(client, personas, coop_a, english, period):
    client.force_login(personas.manager)
    response = client.post(url("report_list", coop_a), {"kind": "compliance", "period": period})
    assert response.status_code == 400
    assert response.context["form"].errors["period"]
    assert not Report.objects.exists()


def test_outsider_cannot_ask_for_a_report_of_a(client, personas, coop_a):
    client.force_login(personas.outsider)
    assert (
        client.post(url("report_list", coop_a), {"kind": "compliance", "period": "2025"}).status_code == 404
    )
    assert not Report.objects.exists()


# --- Queries ----------------------------------------------------------------------------------


def test_lists_cost_a_fixed_number_of_queries(client, personas, coop_a, django_assert_max_num_queries):
    def many(n):
        for index in range(n):
            service.report_request(
                actor=personas.manager,
                cooperative=coop_a,
                kind="certification",
                period=f"{2000 + index}",
                enqueue=False,
            )
        Report.objects.update(status=Report.Status.DONE, sha256="0" * 64, file="reports/x.zip")

    client.force_login(personas.manager)
    many(3)
    for name in ("report_list", "report_packs"):
        with django_assert_max_num_queries(14) as few:
            assert client.get(url(name, coop_a)).status_code == 200
        many_queries = len(few.captured_queries)
        many(20)
        with django_assert_max_num_queries(many_queries):
            assert client.get(url(name, coop_a)).status_code == 200
        Report.objects.filter(version__gt=0, period__gt="2002").delete()


def test_report_requested_in_eager_mode_is_done_when_the_page_answers(
    client, personas, honey, monkeypatch, django_capture_on_commit_callbacks
):
    """No broker (the zero-setup default): the task runs in-process after the commit."""
    from upgrading import tasks

    monkeypatch.undo()  # the real delay again
    monkeypatch.setattr(service.timezone, "localdate", lambda: TODAY)
    client.force_login(personas.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("report_list", honey.coop), {"kind": "compliance", "period": "2025-11"})
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.status == Report.Status.DONE
    assert tasks.generate_report.name == "upgrading.tasks.generate_report"
