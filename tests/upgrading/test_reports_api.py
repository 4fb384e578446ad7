"""The reports API: POST asks for a report (200 for an existing one, 201 for a new one,
the Idempotency-Key replayed), list and detail are scoped to the user's co-ops, download
streams the file with its digest, roles are enforced, bad input names the field."""

import base64
import hashlib

import pytest

from tests.upgrading import reports_data
from tests.upgrading.reports_data import request_and_run
from upgrading.models import Report

pytestmark = pytest.mark.django_db

honey = reports_data.honey
honey_b = reports_data.honey_b
media = reports_data.media

LIST = "/api/v1/reports/"


@pytest.fixture(autouse=True)
def _queue_only(monkeypatch):
    from upgrading import tasks

    monkeypatch.setattr(tasks.generate_report, "delay", lambda report_id: None)


def body(**extra):
    return {"cooperative": "coop-a", "kind": "compliance", "period": "2025-11", **extra}


def test_post_creates_then_returns_the_same_report(api, personas, coop_a):
    api.force_authenticate(personas.manager)
    first = api.post(LIST, body(), format="json")
    assert first.status_code == 201, first.data
    assert first.data["status"] == "queued" and first.data["version"] == 1
    assert first.data["period_start"] == "2025-11-01" and first.data["download_url"] is None
    again = api.post(LIST, body(period="2025-11"), format="json")
    assert again.status_code == 200 and again.data["id"] == first.data["id"]
    regenerated = api.post(LIST, body(regenerate=True), format="json")
    assert regenerated.status_code == 201 and regenerated.data["version"] == 2
    assert Report.objects.count() == 2


def test_a_retried_post_with_the_same_key_replays_the_first_answer(api, personas, coop_a):
    api.force_authenticate(personas.manager)
    first = api.post(LIST, body(regenerate=True), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    replay = api.post(LIST, body(regenerate=True), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true" and replay.data["id"] == first.data["id"]
    assert Report.objects.count() == 1  # regenerate was not applied twice


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (body(kind="weekly"), "kind"),
        (body(period="2025-13"), "period"),
        (body(period="x" * 40), "period"),
        (body(period=["2025"]), "period"),
        (body(period="20\x0025"), "period"),
        (body(cooperative="coop-b"), "cooperative"),
        (body(cooperative="nope"), "cooperative"),
        (body(scheme="organic"), "scheme"),
        (body(kind="certification", scheme="bio"), "scheme"),
        (body(include_national_ids=True), "include_national_ids"),
        (body(regenerate="maybe"), "regenerate"),
        ({**body(), "version": 3}, "version"),
        ({"kind": "compliance", "period": "2025"}, "cooperative"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, personas, coop_a, coop_b, data, field):
    api.force_authenticate(personas.admin)
    response = api.post(LIST, data, format="json")
    assert response.status_code == 400, response.data
    assert field in response.data
    assert not Report.objects.exists()


def test_roles(api, personas, coop_a):
    api.force_authenticate(personas.staff)
    assert api.post(LIST, body(kind="certification", period="2025"), format="json").status_code == 403
    api.force_authenticate(personas.auditor)
    assert api.post(LIST, body(), format="json").status_code == 403
    assert api.post(LIST, body(kind="certification", period="2025"), format="json").status_code == 201
    api.force_authenticate(personas.manager)
    ids = body(kind="certification", period="2025", include_national_ids=True)
    assert api.post(LIST, ids, format="json").status_code == 403
    api.force_authenticate(personas.admin)
    response = api.post(LIST, ids, format="json")
    assert response.status_code == 201 and response.data["national_ids_included"] is True
    api.force_authenticate(None)
    assert api.post(LIST, body(), format="json").status_code == 401
    assert Report.objects.count() == 2


def test_list_and_detail_show_only_the_users_coops(api, personas, honey, honey_b):
    mine = request_and_run(honey.coop, Report.Kind.COMPLIANCE, "2025")
    theirs = request_and_run(honey_b.coop, Report.Kind.COMPLIANCE, "2025")
    api.force_authenticate(personas.auditor)
    listed = api.get(LIST).data["results"]
    assert [row["id"] for row in listed] == [mine.pk]
    detail = api.get(f"{LIST}{mine.pk}/").data
    assert detail["cooperative"] == "coop-a" and detail["status"] == "done"
    assert detail["overall"] == "fail" and detail["sha256"] == mine.sha256
    assert detail["ledger_head"] == mine.ledger_head
    claims = next(c for c in detail["checks"] if c["code"] == "certification_claims")
    assert claims["status"] == "fail" and claims["findings"][0]["url"].startswith("/c/coop-a/lots/")
    assert detail["download_url"].endswith(f"/api/v1/reports/{mine.pk}/download/")
    assert api.get(f"{LIST}{theirs.pk}/").status_code == 404
    assert api.get(f"{LIST}{theirs.pk}/download/").status_code == 404
    assert api.get(LIST, {"kind": "certification"}).data["results"] == []


def test_download_streams_the_file_with_its_digest(api, personas, honey):
    pack = request_and_run(honey.coop, Report.Kind.CERTIFICATION, "2025")
    api.force_authenticate(personas.staff)
    response = api.get(f"{LIST}{pack.pk}/download/")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert hashlib.sha256(data).hexdigest() == pack.sha256
    assert response["Repr-Digest"] == f"sha-256=:{base64.b64encode(hashlib.sha256(data).digest()).decode()}:"
    assert response["Content-Type"] == "application/zip"
    asked = api.get(f"{LIST}{pack.pk}/download/", HTTP_ACCEPT="application/zip")
    assert asked.status_code == 200 and asked["Content-Type"] == "application/zip"
    missing = api.get(f"{LIST}999999/download/", HTTP_ACCEPT="application/zip")
    assert missing.status_code == 404 and b"detail" in missing.content


def test_download_of_a_queued_report_is_404_and_of_a_pack_with_ids_is_for_admins(api, personas, honey):
    api.force_authenticate(personas.manager)
    queued = api.post(LIST, body(), format="json").data
    assert api.get(f"{LIST}{queued['id']}/download/").status_code == 404
    with_ids = request_and_run(honey.coop, Report.Kind.CERTIFICATION, "2025", include_national_ids=True)
    assert api.get(f"{LIST}{with_ids.pk}/download/").status_code == 403
    api.force_authenticate(personas.admin)
    assert api.get(f"{LIST}{with_ids.pk}/download/").status_code == 200


def test_no_update_or_delete(api, personas, honey):
    report = request_and_run(honey.coop, Report.Kind.COMPLIANCE, "2025")
    api.force_authenticate(personas.admin)
    assert api.patch(f"{LIST}{report.pk}/", {"status": "failed"}, format="json").status_code == 405
    assert api.delete(f"{LIST}{report.pk}/").status_code == 405
    report.refresh_from_db()
    assert report.status == Report.Status.DONE


def test_list_costs_a_fixed_number_of_queries(api, personas, coop_a, django_assert_max_num_queries):
    from upgrading.reports import service

    def make(years):
        for year in years:
            service.report_request(
                actor=personas.manager,
                cooperative=coop_a,
                kind="certification",
                period=str(year),
                enqueue=False,
            )

    api.force_authenticate(personas.manager)
    make(range(2000, 2003))
    with django_assert_max_num_queries(10) as few:
        assert len(api.get(LIST).data["results"]) == 3
    make(range(2003, 2030))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get(LIST).data["results"]) == 30


def test_schema_documents_the_reports_endpoints(api, personas):
    api.force_authenticate(personas.manager)
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "/api/v1/reports/" in schema["paths"]
    assert "/api/v1/reports/{id}/download/" in schema["paths"]
    post = schema["paths"]["/api/v1/reports/"]["post"]
    assert {"200", "201"} <= set(post["responses"])
