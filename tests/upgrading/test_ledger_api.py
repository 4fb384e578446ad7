"""/api/v1/indicators/ and /api/v1/ledger/: reading within the user's co-ops, appending
(JSON or multipart with evidence), idempotent retries, refusals by field, verification,
no edits or deletes, query counts."""

import hashlib
import json

import pytest

from coop.models import Role
from tests.factories import MembershipFactory
from tests.upgrading import ledger_data
from tests.upgrading.ledger_data import PDF_BYTES, append, exe, pdf, tamper, year
from upgrading.models import Indicator, LedgerEntry

english = ledger_data.english
catalogue = ledger_data.catalogue
ledger = ledger_data.ledger
media = ledger_data.media

pytestmark = pytest.mark.usefixtures("english")

URL = "/api/v1/ledger/"


def body(**overrides):
    first, last = year(0)
    return {
        "cooperative": "coop-a",
        "indicator": "children_in_school",
        "period_from": first.isoformat(),
        "period_to": last.isoformat(),
        "value": "91.5",
        "note": "Declarações de matrícula",
        **overrides,
    }


def post(api, data, **headers):
    return api.post(URL, json.dumps(data), content_type="application/json", headers=headers)


# --- Reading ----------------------------------------------------------------------------------


def test_members_read_only_their_cooperatives_entries(api, personas, ledger):
    api.force_authenticate(personas.auditor)
    rows = api.get(URL).json()["results"]
    assert [r["sequence"] for r in rows] == [6, 5, 4, 3, 2, 1]
    assert {r["cooperative"] for r in rows} == {"coop-a"}
    api.force_authenticate(personas.outsider)
    assert {r["cooperative"] for r in api.get(URL).json()["results"]} == {"coop-b"}
    assert api.get(f"{URL}{ledger.a[0].pk}/").status_code == 404


def test_anonymous_callers_are_refused(api, ledger):
    assert api.get(URL).status_code == 401
    assert api.get("/api/v1/indicators/").status_code == 401


def test_an_entry_shows_its_hash_link_and_evidence(api, personas, ledger):
    entry = ledger.evidence_entry
    api.force_authenticate(personas.auditor)
    data = api.get(f"{URL}{entry.pk}/").json()
    assert data["hash"] == entry.hash and data["previous_hash"] == ledger.a[4].hash
    assert data["indicator"] == "women_board_share" and data["value"] == "57.1429" and data["unit"] == "%"
    files = {f["content_type"]: f for f in data["evidence"]}
    assert files["application/pdf"]["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    assert files["application/pdf"]["download"].startswith("/c/coop-a/ledger/6/evidence/")


def test_filters(api, personas, coop_a, ledger):
    append(personas.manager, coop_a, value="39", supersedes=ledger.a[0])
    api.force_authenticate(personas.auditor)
    by_indicator = api.get(URL, {"indicator": "women_board_share"}).json()["results"]
    assert [r["sequence"] for r in by_indicator] == [6]
    current = api.get(URL, {"indicator": "literate_adults", "current": "true"}).json()["results"]
    assert 1 not in [r["sequence"] for r in current] and 7 in [r["sequence"] for r in current]
    corrected = api.get(f"{URL}{ledger.a[0].pk}/").json()
    assert corrected["superseded_by_sequence"] == 7
    assert api.get(URL, {"period_from": "banana"}).status_code == 400


def test_no_edit_and_no_delete(api, personas, ledger):
    api.force_authenticate(personas.admin)
    detail = f"{URL}{ledger.a[0].pk}/"
    assert api.put(detail, body(), format="json").status_code == 405
    assert api.patch(detail, {"note": "x"}, format="json").status_code == 405
    assert api.delete(detail).status_code == 405


LIST_QUERY_BOUND = 8


def test_the_list_runs_the_same_queries_for_few_or_many(
    api, personas, coop_a, ledger, django_assert_max_num_queries
):
    api.force_authenticate(personas.auditor)
    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        api.get(URL)
    for i in range(20):
        append(
            personas.staff, coop_a, "children_in_school", "90", evidence=[pdf(content=b"%PDF-" + bytes([i]))]
        )
    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        assert len(api.get(URL).json()["results"]) == 26


# --- Appending --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "manager", "admin"])
def test_staff_managers_and_admins_append(api, personas, coop_a, media, role):
    api.force_authenticate(getattr(personas, role))
    response = post(api, body())
    assert response.status_code == 201, response.content
    data = response.json()
    entry = LedgerEntry.objects.get(pk=data["id"])
    assert (
        data["sequence"] == 1
        and data["hash"] == entry.hash
        and data["recorded_by"] == getattr(personas, role).username
    )
    assert data["value"] == "91.5000" and data["unit"] == "%"


def test_auditors_get_403_and_outsiders_cannot_name_the_cooperative(api, personas, coop_a, media):
    api.force_authenticate(personas.auditor)
    assert post(api, body()).status_code == 403
    api.force_authenticate(personas.outsider)
    response = post(api, body())
    assert response.status_code == 400 and "cooperative" in response.json()
    assert LedgerEntry.objects.count() == 0


def test_multipart_with_evidence(api, personas, coop_a, media):
    api.force_authenticate(personas.staff)
    response = api.post(URL, {**body(), "evidence": [pdf(), ledger_data.csv_file()]}, format="multipart")
    assert response.status_code == 201, response.content
    assert {f["content_type"] for f in response.json()["evidence"]} == {"application/pdf", "text/plain"}
    response = api.post(URL, {**body(), "evidence": [exe()]}, format="multipart")
    assert response.status_code == 400 and "evidence" in response.json()
    assert LedgerEntry.objects.count() == 1


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"indicator": "happiness"}, "indicator"),
        ({"indicator": "fair_trade_sales_share"}, "indicator"),
        ({"unit": "kg"}, "unit"),
        ({"value": "140"}, "value"),
        ({"value": "1.23456"}, "value"),
        ({"value": "abc"}, "value"),
        ({"period_to": "2000-01-01"}, "period_to"),
        ({"period_from": "nope"}, "period_from"),
        ({"family": 10**30}, "family"),
        ({"note": "a\x00b"}, "note"),
        ({"colour": "blue"}, "colour"),
        ({"id": 5}, "id"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, personas, coop_a, world, media, overrides, field):
    api.force_authenticate(personas.staff)
    response = post(api, body(**overrides))
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert LedgerEntry.objects.count() == 0


def test_a_subject_of_another_cooperative_is_refused(api, personas, coop_a, world, media):
    api.force_authenticate(personas.staff)
    response = post(api, body(indicator="family_children_in_school", value="2", family=world.family_b.pk))
    assert response.status_code == 400 and "family" in response.json()


def test_superseding_across_cooperatives_or_twice(api, personas, coop_a, coop_b, ledger):
    federation = personas.manager
    MembershipFactory(user=federation, cooperative=coop_b, role=Role.MANAGER)
    api.force_authenticate(federation)
    response = post(api, body(indicator="literate_adults", supersedes=ledger.b[0].pk))
    assert response.status_code == 400 and "another co-operative" in response.json()["supersedes"][0]
    assert post(api, body(indicator="literate_adults", supersedes=ledger.a[0].pk)).status_code == 201
    again = post(api, body(indicator="literate_adults", supersedes=ledger.a[0].pk))
    assert again.status_code == 400 and "already corrected" in again.json()["supersedes"][0]


def test_a_retried_post_with_its_key_appends_once(api, personas, coop_a, media):
    api.force_authenticate(personas.staff)
    first = post(api, body(), **{"Idempotency-Key": "k-1"})
    second = post(api, body(), **{"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert LedgerEntry.objects.count() == 1
    assert post(api, body(value="12"), **{"Idempotency-Key": "k-1"}).status_code == 422


# --- Verification ---------------------------------------------------------------------------


def test_verify_reports_intact_with_the_head(api, personas, ledger):
    api.force_authenticate(personas.auditor)
    data = api.get(f"{URL}verify/", {"cooperative": "coop-a", "head": f"2:{ledger.a[1].hash}"}).json()
    assert data["intact"] and data["count"] == 6 and data["head"] == f"6:{ledger.a[5].hash}"
    assert data["anchor_checked"] and data["broken_at"] is None


def test_verify_reports_where_it_breaks(api, personas, ledger):
    tamper("DELETE FROM upgrading_ledgerentry WHERE id = %s", [ledger.a[2].pk])
    api.force_authenticate(personas.auditor)
    data = api.get(f"{URL}verify/", {"cooperative": "coop-a"}).json()
    assert not data["intact"] and data["broken_at"] == 3 and data["reason"] == "entry_missing"


def test_verify_scoping_and_bad_input(api, personas, ledger):
    api.force_authenticate(personas.outsider)
    assert api.get(f"{URL}verify/", {"cooperative": "coop-a"}).status_code == 404
    api.force_authenticate(personas.auditor)
    assert api.get(f"{URL}verify/").status_code == 400
    response = api.get(f"{URL}verify/", {"cooperative": "coop-a", "head": "12:xyz"})
    assert response.status_code == 400 and "head" in response.json()


# --- The catalogue ----------------------------------------------------------------------------


NEW = {
    "code": "school_meals",
    "name_en": "Children with school meals",
    "name_pt_br": "Crianças com merenda escolar",
    "category": "social_protection",
    "unit": "%",
    "scope": "cooperative",
    "source": "manual",
    "min_value": "0",
    "max_value": "100",
}


def test_everyone_reads_the_catalogue(api, personas, db):
    api.force_authenticate(personas.staff)
    codes = [row["code"] for row in api.get("/api/v1/indicators/", {"page_size": 200}).json()["results"]]
    assert "literate_adults" in codes and "fair_trade_price_multiple" in codes
    one = api.get("/api/v1/indicators/literate_adults/").json()
    assert one["name_pt_br"] == "Adultos alfabetizados" and one["source"] == "manual"


def test_admins_extend_the_catalogue_and_others_cannot(api, personas, db):
    api.force_authenticate(personas.manager)
    assert api.post("/api/v1/indicators/", NEW, format="json").status_code == 403
    api.force_authenticate(personas.admin)
    response = api.post("/api/v1/indicators/", NEW, format="json")
    assert response.status_code == 201, response.content
    assert Indicator.objects.get(code="school_meals").max_value == 100
    assert api.post("/api/v1/indicators/", NEW, format="json").status_code == 400  # the code is taken
    patch = api.patch("/api/v1/indicators/school_meals/", {"name_en": "School meals"}, format="json")
    assert patch.status_code == 200 and patch.json()["name_en"] == "School meals"
    fixed = api.patch("/api/v1/indicators/school_meals/", {"unit": "count"}, format="json")
    assert fixed.status_code == 400 and "unit" in fixed.json()
    bad_range = api.post(
        "/api/v1/indicators/", {**NEW, "code": "x1", "min_value": "10", "max_value": "5"}, format="json"
    )
    assert bad_range.status_code == 400
