"""/api/v1/inspections/: staff record internal inspections of families and collection
points; managers close them once the follow-up is done; auditors only read."""

import datetime
import json

import pytest

from coop.models import Inspection
from tests.coop.api_production_data import DAY, build
from tests.factories import FamilyFactory, InspectionFactory, UserFactory

URL = "/api/v1/inspections/"
# Far enough ahead that a run crossing midnight still sees it in the future.
NEXT_MONTH = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()


@pytest.fixture
def prod(coop_a, coop_b):
    data = build(coop_a, coop_b)
    data.b_visit = InspectionFactory(family=data.b_family, cooperative=coop_b, inspector=data.b_inspector)
    return data


def detail(pk, action=""):
    return f"{URL}{pk}/" + (f"{action}/" if action else "")


def body(prod, **overrides):
    return {
        "family": prod.beekeeper.pk,
        "inspector": prod.inspector.pk,
        "inspected_on": DAY.isoformat(),
        "result": "non_compliant",
        "findings": "Colmeias perto de lavoura com agrotóxico.",
        "follow_up_on": (DAY + datetime.timedelta(days=30)).isoformat(),
        **overrides,
    }


def visit(prod, **kwargs):
    # recorded_by as the service sets it: the model refuses a blank one when it validates a change.
    kwargs = {"family": prod.beekeeper, "cooperative": prod.coop, "inspector": prod.inspector, **kwargs}
    return InspectionFactory(recorded_by=UserFactory(), **kwargs)


def ids(response):
    return sorted(row["id"] for row in response.json()["results"])


# --- Tenancy --------------------------------------------------------------------------


def test_list_shows_only_the_users_cooperative(api, personas, prod):
    mine = visit(prod)
    api.force_authenticate(personas.auditor)
    assert ids(api.get(URL)) == [mine.pk]
    for query in ["cooperative=coop-b", f"family={prod.b_family.pk}", f"inspector={prod.b_inspector.pk}"]:
        assert ids(api.get(f"{URL}?{query}")) == []


def test_another_cooperatives_inspection_answers_404(api, personas, prod):
    api.force_authenticate(personas.manager)
    assert api.get(detail(prod.b_visit.pk)).status_code == 404
    assert (
        api.post(detail(prod.b_visit.pk, "close"), {"closed_on": str(DAY)}, format="json").status_code == 404
    )
    prod.b_visit.refresh_from_db()
    assert prod.b_visit.closed_on is None


def test_expired_and_strangers_see_nothing(api, personas, prod):
    mine = visit(prod)
    for user in (personas.expired, personas.nobody):
        api.force_authenticate(user)
        assert api.get(URL).json()["count"] == 0
        assert api.get(detail(mine.pk)).status_code == 404


# --- Recording ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "manager", "admin"])
def test_recording_roles_record_an_inspection(api, personas, prod, role):
    user = getattr(personas, role)
    api.force_authenticate(user)
    response = api.post(URL, body(prod), format="json")
    assert response.status_code == 201, response.content
    inspection = Inspection.objects.get(family=prod.beekeeper)
    assert response.json() == {
        "id": inspection.pk,
        "cooperative": "coop-a",
        "family": prod.beekeeper.pk,
        "family_code": "F-001",
        "association": None,
        "inspected_on": DAY.isoformat(),
        "inspector": prod.inspector.pk,
        "inspector_name": prod.inspector.name,
        "result": "non_compliant",
        "findings": "Colmeias perto de lavoura com agrotóxico.",
        "follow_up_on": (DAY + datetime.timedelta(days=30)).isoformat(),
        "closed_on": None,
        "recorded_by": user.username,
    }
    assert inspection.history.get().history_user == user


def test_a_collection_point_is_inspected_too(api, personas, prod):
    api.force_authenticate(personas.staff)
    response = api.post(
        URL, body(prod, family=None, association=prod.room.pk, result="compliant"), format="json"
    )
    assert response.status_code == 201, response.content
    assert (response.json()["association"], response.json()["family"]) == (prod.room.pk, None)


@pytest.mark.parametrize("role", ["auditor", "expired"])
def test_auditors_cannot_record_an_inspection(api, personas, prod, role):
    api.force_authenticate(getattr(personas, role))
    assert api.post(URL, body(prod), format="json").status_code == 403
    assert not Inspection.objects.filter(cooperative=prod.coop).exists()


def _value(prod, value):
    return {
        "own_family": prod.inspector.family_id,
        "own_association": prod.cantina.pk,
        "b_family": prod.b_family.pk,
        "b_room": prod.b_room.pk,
        "b_inspector": prod.b_inspector.pk,
        "room": prod.room.pk,
    }.get(value, value) if isinstance(value, str) else value  # fmt: skip


BAD_VALUES = [
    # (field, value, the field the answer names)
    ("family", "own_family", "inspector"),  # an inspector may not inspect their own family
    ("association", "own_association", "inspector"),  # ... nor their own association
    ("family", "b_family", "family"),
    ("association", "b_room", "association"),
    ("inspector", "b_inspector", "inspector"),
    ("inspector", None, "inspector"),
    ("inspector", "abc", "inspector"),
    ("family", None, "family"),  # neither a family nor a collection point
    ("association", "room", "family"),  # both a family and a collection point
    ("inspected_on", NEXT_MONTH, "inspected_on"),
    ("inspected_on", "2026-02-30", "inspected_on"),
    ("inspected_on", None, "inspected_on"),
    ("follow_up_on", (DAY - datetime.timedelta(days=1)).isoformat(), "follow_up_on"),
    ("result", "fine", "result"),
    ("result", None, "result"),
    ("findings", "a\x00b", "findings"),
    ("findings", ["x"], "findings"),
    ("closed_on", DAY.isoformat(), "closed_on"),
    ("recorded_by", "someone", "recorded_by"),
    ("colour", "red", "colour"),
]


@pytest.mark.parametrize(
    ("field", "value", "named"), BAD_VALUES, ids=[f"{f}={v!r}"[:40] for f, v, _ in BAD_VALUES]
)
def test_bad_value_is_400_naming_the_field_and_writes_nothing(api, personas, prod, field, value, named):
    data = body(prod, **{field: _value(prod, value)})
    if value == "own_association":
        data["family"] = None
    api.force_authenticate(personas.staff)
    response = api.generic("POST", URL, json.dumps(data), content_type="application/json")
    assert response.status_code == 400, response.content
    assert named in response.json(), response.json()
    assert not Inspection.objects.filter(cooperative=prod.coop).exists()


def test_a_retried_inspection_with_the_same_key_is_recorded_once(api, personas, prod):
    api.force_authenticate(personas.staff)
    first = api.post(URL, body(prod), format="json", HTTP_IDEMPOTENCY_KEY="visit-1")
    again = api.post(URL, body(prod), format="json", HTTP_IDEMPOTENCY_KEY="visit-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Inspection.objects.filter(cooperative=prod.coop).count() == 1


# --- Closing --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_close_an_inspection(api, personas, prod, role):
    sanction = visit(prod, result="sanction", inspected_on=DAY - datetime.timedelta(days=5))
    api.force_authenticate(getattr(personas, role))
    response = api.post(detail(sanction.pk, "close"), {"closed_on": DAY.isoformat()}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["closed_on"] == DAY.isoformat()
    again = api.post(detail(sanction.pk, "close"), {"closed_on": DAY.isoformat()}, format="json")
    assert again.status_code == 400
    assert "closed_on" in again.json()


@pytest.mark.parametrize("role", ["staff", "auditor"])
def test_staff_and_auditors_cannot_close(api, personas, prod, role):
    sanction = visit(prod, result="sanction")
    api.force_authenticate(getattr(personas, role))
    assert api.post(detail(sanction.pk, "close"), {"closed_on": str(DAY)}, format="json").status_code == 403
    sanction.refresh_from_db()
    assert sanction.closed_on is None


@pytest.mark.parametrize(
    "payload, field",
    [({}, "closed_on"), ({"closed_on": "soon"}, "closed_on"), ({"closed_on": "2000-01-01"}, "closed_on"),
     ({"closed_on": str(DAY), "note": "x"}, "note")],
)  # fmt: skip
def test_a_bad_close_is_400_naming_the_field(api, personas, prod, payload, field):
    sanction = visit(prod, result="sanction", inspected_on=DAY - datetime.timedelta(days=5))
    api.force_authenticate(personas.manager)
    response = api.post(detail(sanction.pk, "close"), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    sanction.refresh_from_db()
    assert sanction.closed_on is None


def test_a_retried_close_answers_the_first_answer(api, personas, prod):
    sanction = visit(prod, result="sanction", inspected_on=DAY - datetime.timedelta(days=5))
    api.force_authenticate(personas.manager)
    url, data = detail(sanction.pk, "close"), {"closed_on": DAY.isoformat()}
    first = api.post(url, data, format="json", HTTP_IDEMPOTENCY_KEY="close-1")
    again = api.post(url, data, format="json", HTTP_IDEMPOTENCY_KEY="close-1")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_an_inspection_is_never_edited_nor_deleted(api, personas, prod, method):
    mine = visit(prod)
    api.force_authenticate(personas.admin)
    assert getattr(api, method)(detail(mine.pk), {"result": "sanction"}, format="json").status_code == 405


# --- Filters and query counts ------------------------------------------------------------


def test_filters_narrow_the_list(api, personas, prod):
    open_sanction = visit(prod, result="sanction", inspected_on=DAY)
    closed_sanction = visit(prod, result="sanction", inspected_on=DAY - datetime.timedelta(days=40),
                            closed_on=DAY - datetime.timedelta(days=10))  # fmt: skip
    compliant = visit(prod, family=prod.breaker, inspected_on=DAY - datetime.timedelta(days=400))
    room = visit(prod, family=None, association=prod.room, inspected_on=DAY)
    api.force_authenticate(personas.auditor)

    def listed(query):
        response = api.get(f"{URL}?{query}")
        assert response.status_code == 200, response.content
        return ids(response)

    assert listed("open_sanctions=true") == [open_sanction.pk]
    assert listed("open_sanctions=false") == sorted([closed_sanction.pk, compliant.pk, room.pk])
    assert listed("result=sanction") == sorted([open_sanction.pk, closed_sanction.pk])
    assert listed("open=false") == [closed_sanction.pk]
    assert listed(f"family={prod.breaker.pk}") == [compliant.pk]
    assert listed(f"association={prod.room.pk}") == [room.pk]
    assert listed(f"inspected_before={DAY - datetime.timedelta(days=100)}") == [compliant.pk]
    assert listed(f"inspected_after={DAY}") == sorted([open_sanction.pk, room.pk])
    assert listed("search=F-001&result=sanction") == sorted([open_sanction.pk, closed_sanction.pk])
    for query in ["result=fine", "family=x", "inspected_after=2026-02-30", "inspector=-1"]:
        assert api.get(f"{URL}?{query}").status_code == 400, query


def test_list_queries_do_not_grow_with_the_rows(api, personas, prod, django_assert_num_queries):
    api.force_authenticate(personas.staff)
    for _ in range(3):
        visit(prod, family=FamilyFactory(cooperative=prod.coop))
    with django_assert_num_queries(2):  # COUNT(*) and the page
        small = api.get(f"{URL}?page_size=100")
    for _ in range(37):
        visit(prod, family=FamilyFactory(cooperative=prod.coop), result="sanction")
    with django_assert_num_queries(2):
        large = api.get(f"{URL}?page_size=100&open_sanctions=false&ordering=inspected_on")
    assert (small.json()["count"], large.json()["count"]) == (3, 3)
    with django_assert_num_queries(2):
        assert api.get(f"{URL}?page_size=100").json()["count"] == 40
