"""The general-assembly register's pages and API: recording meetings and decisions with
their minutes (managers), reading (everyone of the co-op), minutes served to members only,
tenancy, bad input and query counts."""

import datetime
import hashlib
import json

import pytest
from django.urls import reverse

from tests.upgrading import advances_data
from tests.upgrading.advances_data import PDF_BYTES, exe_upload, pdf_upload
from upgrading.models import Assembly, Decision
from upgrading.services import assemblies as services

pytestmark = pytest.mark.django_db

ASSEMBLIES = "/api/v1/assemblies/"
DECISIONS = "/api/v1/decisions/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def url(name, coop, *args):
    return reverse(name, args=[coop.slug, *args])


@pytest.fixture
def data(coop_a, coop_b, personas):
    data = advances_data.build(coop_a, coop_b, personas)
    data.assembly = services.assembly_record(
        actor=personas.manager,
        cooperative=coop_a,
        held_on=datetime.date(2026, 2, 14),
        kind="ordinary",
        members_present=412,
        women_present=187,
        quorum_reached=True,
        minutes=pdf_upload(),
    )
    data.decision = services.decision_record(
        actor=personas.manager,
        assembly=data.assembly,
        text="Premium plan: school transport",
        votes_for=300,
        minutes=pdf_upload("decisao.pdf"),
    )
    return data


def assembly_form(**changes):
    return {
        "held_on": "2026-03-01",
        "kind": "extraordinary",
        "place": "Casa do Mel",
        "members_eligible": "",
        "members_present": "50",
        "women_present": "31",
        "quorum_reached": "on",
        **changes,
    }


# --- Pages ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "manager", "auditor", "admin"])
def test_everyone_of_the_coop_reads_the_register(client, coop_a, personas, data, who):
    client.force_login(getattr(personas, who))
    listing = client.get(url("assembly_list", coop_a))
    assert listing.status_code == 200
    assert [a.pk for a in listing.context["assemblies"]] == [data.assembly.pk]
    detail = client.get(url("assembly_detail", coop_a, data.assembly.pk))
    assert "Premium plan: school transport" in detail.content.decode()
    minutes = client.get(url("decision_minutes", coop_a, data.decision.pk))
    assert minutes.status_code == 200
    assert b"".join(minutes.streaming_content) == PDF_BYTES
    assert minutes["X-Content-SHA256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    writes = url("assembly_create", coop_a) in listing.content.decode()
    assert writes == (who in ("manager", "admin"))
    assert (url("decision_create", coop_a, data.assembly.pk) in detail.content.decode()) == writes


def test_manager_records_an_assembly_and_a_decision(client, coop_a, personas, data):
    client.force_login(personas.manager)
    response = client.post(url("assembly_create", coop_a), assembly_form(minutes=pdf_upload()))
    assert response.status_code == 302
    assembly = Assembly.objects.get(cooperative=coop_a, kind="extraordinary")
    assert (assembly.members_present, assembly.women_present, assembly.quorum_reached) == (50, 31, True)
    assert assembly.minutes_sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    response = client.post(
        url("decision_create", coop_a, assembly.pk),
        {"text": "Buy safety equipment", "votes_for": "40", "votes_against": "5", "votes_abstaining": ""},
    )
    assert response.status_code == 302
    decision = assembly.decisions.get()
    assert (decision.number, decision.votes_for, decision.votes_against, decision.votes_abstaining) == (
        1,
        40,
        5,
        0,
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"women_present": "51"}, "women_present"),
        ({"members_present": "-3"}, "members_present"),
        ({"held_on": "2999-01-01"}, "held_on"),
        ({"kind": "party"}, "kind"),
        ({"minutes": "exe"}, "minutes"),
    ],
)
def test_a_bad_assembly_shows_the_error_and_writes_nothing(client, coop_a, personas, data, changes, field):
    client.force_login(personas.manager)
    if changes.get("minutes") == "exe":
        changes["minutes"] = exe_upload()
    response = client.post(url("assembly_create", coop_a), assembly_form(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Assembly.objects.filter(cooperative=coop_a).count() == 1


def test_too_many_votes_shows_on_the_decision_form(client, coop_a, personas, data):
    client.force_login(personas.manager)
    response = client.post(
        url("decision_create", coop_a, data.assembly.pk),
        {"text": "x", "votes_for": "400", "votes_against": "13"},
    )
    assert response.status_code == 400
    assert "votes_for" in response.context["decision_form"].errors
    assert data.assembly.decisions.count() == 1


def test_manager_corrects_the_attendance(client, coop_a, personas, data):
    client.force_login(personas.manager)
    page = client.get(url("assembly_edit", coop_a, data.assembly.pk))
    assert page.context["form"].initial["members_present"] == 412
    response = client.post(
        url("assembly_edit", coop_a, data.assembly.pk),
        assembly_form(held_on="2026-02-14", kind="ordinary", members_present="420", women_present="190"),
    )
    assert response.status_code == 302
    data.assembly.refresh_from_db()
    assert (data.assembly.members_present, data.assembly.kind) == (420, "ordinary")
    assert data.assembly.minutes_sha256  # kept: no new file chosen


@pytest.mark.parametrize("who", ["staff", "auditor"])
def test_staff_and_auditors_cannot_write(client, coop_a, personas, data, who):
    client.force_login(getattr(personas, who))
    assert client.get(url("assembly_create", coop_a)).status_code == 403
    assert client.post(url("assembly_create", coop_a), assembly_form()).status_code == 403
    assert client.post(url("assembly_edit", coop_a, data.assembly.pk), assembly_form()).status_code == 403
    response = client.post(url("decision_create", coop_a, data.assembly.pk), {"text": "x", "votes_for": "1"})
    assert response.status_code == 403
    assert Assembly.objects.filter(cooperative=coop_a).count() == 1 and Decision.objects.count() == 2


def test_outsider_gets_404(client, coop_a, coop_b, personas, data):
    client.force_login(personas.outsider)
    for page in (
        url("assembly_list", coop_a),
        url("assembly_detail", coop_a, data.assembly.pk),
        url("assembly_minutes", coop_a, data.assembly.pk),
        url("decision_minutes", coop_a, data.decision.pk),
        url("assembly_detail", coop_b, data.assembly.pk),
        url("decision_minutes", coop_b, data.decision.pk),
    ):
        assert client.get(page).status_code == 404, page
    assert (
        client.post(
            url("decision_create", coop_b, data.assembly.pk), {"text": "x", "votes_for": "1"}
        ).status_code
        == 404
    )
    assert client.get(url("assembly_detail", coop_b, data.b_assembly.pk)).status_code == 200


def test_no_minutes_is_a_404(client, coop_a, coop_b, personas, data):
    client.force_login(personas.outsider)
    assert client.get(url("assembly_minutes", coop_b, data.b_assembly.pk)).status_code == 404


def test_the_list_reads_a_bounded_number_of_queries(
    client, coop_a, personas, data, django_assert_max_num_queries
):
    client.force_login(personas.staff)
    with django_assert_max_num_queries(10) as few:
        client.get(url("assembly_list", coop_a))
    for day in range(1, 20):
        services.assembly_record(
            actor=personas.manager,
            cooperative=coop_a,
            held_on=datetime.date(2025, 1, day),
            kind="board",
            members_present=9,
            women_present=4,
            quorum_reached=True,
        )
    with django_assert_max_num_queries(10) as many:
        response = client.get(url("assembly_list", coop_a))
    assert len(response.context["assemblies"]) == 20
    assert len(many.captured_queries) == len(few.captured_queries)


# --- API -------------------------------------------------------------------------------------------------


def test_api_lists_assemblies_with_their_decisions(api, personas, data, django_assert_max_num_queries):
    api.force_authenticate(personas.auditor)
    with django_assert_max_num_queries(6):
        response = api.get(ASSEMBLIES)
    [row] = response.json()["results"]
    assert (row["members_present"], row["women_present"], row["has_minutes"]) == (412, 187, True)
    assert row["minutes_sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    assert [(d["number"], d["approved"]) for d in row["decisions"]] == [(1, True)]
    assert "minutes" not in row  # the file: the `minutes` action, members only
    minutes = api.get(f"{ASSEMBLIES}{data.assembly.pk}/minutes/")
    assert minutes.status_code == 200 and b"".join(minutes.streaming_content) == PDF_BYTES


def test_api_records_an_assembly_with_minutes_and_a_decision(api, personas, data):
    api.force_authenticate(personas.manager)
    body = {
        "cooperative": "coop-a",
        "held_on": "2026-03-01",
        "kind": "ft_committee",
        "members_present": 12,
        "women_present": 7,
        "quorum_reached": True,
        "minutes": pdf_upload(),
    }
    response = api.post(ASSEMBLIES, body, format="multipart")
    assert response.status_code == 201, response.content
    assembly_id = response.json()["id"]
    assert response.json()["minutes_sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    decision = api.post(
        DECISIONS,
        json.dumps(
            {"assembly": assembly_id, "text": "Soap factory roof", "votes_for": 10, "votes_against": 2}
        ),
        content_type="application/json",
    )
    assert decision.status_code == 201, decision.content
    assert (decision.json()["number"], decision.json()["approved"], decision.json()["cooperative"]) == (
        1,
        True,
        "coop-a",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"women_present": 13}, "women_present"),
        ({"members_present": -1}, "members_present"),
        ({"members_present": 10**20}, "members_present"),
        ({"held_on": "2999-01-01"}, "held_on"),
        ({"kind": "party"}, "kind"),
        ({"place": "x\x00"}, "place"),
        ({"cooperative": "coop-b"}, "cooperative"),
        ({"minutes_sha256": "0" * 64}, "minutes_sha256"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_api_bad_assemblies_are_400_naming_the_field(api, personas, data, body, field):
    api.force_authenticate(personas.manager)
    full = {
        "cooperative": "coop-a",
        "held_on": "2026-03-01",
        "kind": "ordinary",
        "members_present": 12,
        "women_present": 7,
        "quorum_reached": True,
        **body,
    }
    response = api.post(ASSEMBLIES, json.dumps(full), content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Assembly.objects.filter(cooperative__slug="coop-a").count() == 1


def test_api_refuses_an_executable_as_minutes(api, personas, data):
    api.force_authenticate(personas.manager)
    body = {
        "cooperative": "coop-a",
        "held_on": "2026-03-01",
        "kind": "ordinary",
        "members_present": 12,
        "women_present": 7,
        "quorum_reached": True,
        "minutes": exe_upload(),
    }
    response = api.post(ASSEMBLIES, body, format="multipart")
    assert response.status_code == 400 and "minutes" in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"votes_for": 400, "votes_against": 13}, "votes_for"),
        ({"number": 1}, "number"),
        ({"number": 0}, "number"),
        ({"text": ""}, "text"),
        ({"votes_for": "x"}, "votes_for"),
        ({"approved": True}, "approved"),
    ],
)
def test_api_bad_decisions_are_400(api, personas, data, body, field):
    api.force_authenticate(personas.manager)
    full = {"assembly": data.assembly.pk, "text": "x", "votes_for": 1, **body}
    response = api.post(DECISIONS, json.dumps(full), content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Decision.objects.filter(cooperative__slug="coop-a").count() == 1


def test_api_roles_and_tenancy(api, personas, data):
    api.force_authenticate(personas.staff)
    body = {"assembly": data.assembly.pk, "text": "x", "votes_for": 1}
    assert api.post(DECISIONS, json.dumps(body), content_type="application/json").status_code == 403
    assert api.patch(f"{ASSEMBLIES}{data.assembly.pk}/", {"place": "x"}, format="json").status_code == 403
    api.force_authenticate(personas.outsider)
    assert [row["id"] for row in api.get(ASSEMBLIES).json()["results"]] == [data.b_assembly.pk]
    assert [row["id"] for row in api.get(DECISIONS).json()["results"]] == [data.b_decision.pk]
    assert api.get(f"{DECISIONS}{data.decision.pk}/").status_code == 404
    assert api.get(f"{DECISIONS}{data.decision.pk}/minutes/").status_code == 404
    # A's assembly is no valid reference for B's manager: "not found", nothing written.
    response = api.post(DECISIONS, json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and "assembly" in response.json()
    assert data.assembly.decisions.count() == 1
    assert api.delete(f"{ASSEMBLIES}{data.b_assembly.pk}/").status_code == 405
