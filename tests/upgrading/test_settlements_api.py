"""/api/v1/settlements/: opening (entered or computed pool), lines page by page, recompute,
approve and pay; tenancy, roles, bad input (400 naming the field, nothing written),
idempotent retries and query counts."""

import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.upgrading import settlements_data
from tests.upgrading.settlements_data import POOL, sell
from upgrading.models import Settlement, SettlementCost, SettlementLine
from upgrading.services.settlements import settlement_approve, settlement_open

URL = "/api/v1/settlements/"

honey = settlements_data.honey
english = settlements_data.english
pytestmark = pytest.mark.usefixtures("english")


def detail(pk, action=""):
    return f"{URL}{pk}/" + (f"{action}/" if action else "")


def post_json(api, url, data, **headers):
    # Serialised here, so NUL characters reach the server as JSON allows.
    return api.generic("POST", url, json.dumps(data), content_type="application/json", **headers)


def body(honey, **changes):
    data = {"season": honey.season.pk, "reference": "SET-API", "levels": 2, "pool": "1000.01"}
    data.update(changes)
    return data


@pytest.fixture
def draft(honey):
    return settlement_open(
        actor=honey.manager, season=honey.season, reference="SET-2025", levels=2, pool=POOL
    )


def nothing_written(count=0):
    return Settlement.objects.count() == count and SettlementCost.objects.count() == 0


# --- Opening ---------------------------------------------------------------------------------------


def test_manager_opens_a_settlement_and_gets_its_totals(api, personas, honey):
    api.force_authenticate(personas.manager)
    response = post_json(api, URL, body(honey))
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["status"] == "draft" and answer["pool"] == "1000.01" and answer["cooperative"] == "coop-a"
    assert (answer["levels"], answer["pool_source"], answer["total_kg"]) == (2, "entered", "200.000")
    assert answer["totals"]["association"]["gross"] == "1000.01"
    assert answer["totals"]["family"]["gross"] == "1000.01"
    assert answer["totals"]["family"]["advances"] == "150.00"
    assert answer["totals"]["family"]["lines"] == 4


def test_a_computed_pool_shows_revenue_costs_and_items(api, personas, honey):
    sell(honey.coop, honey.product, honey.manager, [(honey.lots.f1, "60")], price="20", reference="V-1")
    api.force_authenticate(personas.manager)
    data = body(
        honey,
        pool=None,
        cost_items=[{"description": "Frete", "amount": "150.25"}, {"description": "Selo", "amount": "49.75"}],
    )
    answer = post_json(api, URL, data).json()
    assert (answer["pool_source"], answer["revenue"], answer["costs"], answer["pool"]) == (
        "computed",
        "1200.00",
        "200.00",
        "1000.00",
    )
    assert answer["cost_items"] == [
        {"description": "Frete", "amount": "150.25"},
        {"description": "Selo", "amount": "49.75"},
    ]


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"levels": 3}, "levels"),
        ({"levels": "x"}, "levels"),
        ({"pool": "-1.00"}, "pool"),
        ({"pool": "1.001"}, "pool"),
        ({"pool": "99999999999999999999"}, "pool"),
        ({"pool": "lots"}, "pool"),
        ({"pool": [1]}, "pool"),
        ({"reference": "SET\x00API"}, "reference"),
        ({"reference": ""}, "reference"),
        ({"reference": "with space"}, "reference"),
        ({"notes": "a\x00b"}, "notes"),
        ({"season": "1.5"}, "season"),
        ({"season": 10**30}, "season"),
        ({"season": None}, "season"),
        ({"decision": 999999}, "decision"),
        ({"pool": "10", "cost_items": [{"description": "x", "amount": "1"}]}, "pool"),
        ({"pool": None, "cost_items": [{"description": "x", "amount": "-1"}]}, "cost_items"),
        ({"pool": None, "cost_items": [{"description": "x\x00", "amount": "1"}]}, "cost_items"),
        ({"pool": None, "cost_items": [{"description": "x", "amount": "1", "vat": "0"}]}, "cost_items"),
        ({"pool": None, "cost_items": "Frete"}, "cost_items"),
        ({"pool": None, "cost_items": [{"description": "x", "amount": "5"}]}, "costs"),
        ({"total": "1000"}, "total"),
        ({"status": "approved"}, "status"),
        ({"id": 5}, "id"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(api, personas, honey, changes, field):
    api.force_authenticate(personas.manager)
    response = post_json(api, URL, body(honey, **changes))
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert nothing_written()


def test_another_coops_season_is_unknown(api, personas, honey):
    api.force_authenticate(personas.manager)
    response = post_json(api, URL, body(honey, season=honey.season_b.pk))
    assert response.status_code == 400 and "season" in response.json()
    assert nothing_written()


def test_a_season_without_kg_is_a_400_on_season(api, personas, honey):
    empty = settlements_data.make_season(
        honey.coop,
        honey.product,
        code="EMPTY",
        starts=datetime.date(2031, 1, 1),
        ends=datetime.date(2031, 12, 31),
    )
    api.force_authenticate(personas.manager)
    response = post_json(api, URL, body(honey, season=empty.pk))
    assert response.status_code == 400 and "no kilograms" in response.json()["season"][0]
    assert nothing_written()


@pytest.mark.parametrize("role", ["staff", "auditor", "expired"])
def test_only_managers_and_admins_open_settlements(api, personas, honey, role):
    api.force_authenticate(getattr(personas, role))
    assert post_json(api, URL, body(honey)).status_code == 403
    assert nothing_written()


def test_an_outsider_cannot_open_a_settlement_of_another_coop(api, personas, honey):
    api.force_authenticate(personas.outsider)
    response = post_json(api, URL, body(honey))
    assert response.status_code == 400 and "season" in response.json()
    assert nothing_written()


def test_a_retried_open_with_the_same_key_writes_once(api, personas, honey):
    api.force_authenticate(personas.manager)
    first = post_json(api, URL, body(honey), HTTP_IDEMPOTENCY_KEY="open-1")
    again = post_json(api, URL, body(honey), HTTP_IDEMPOTENCY_KEY="open-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Settlement.objects.count() == 1
    other = post_json(api, URL, body(honey, reference="OTHER"), HTTP_IDEMPOTENCY_KEY="open-1")
    assert other.status_code == 422 and Settlement.objects.count() == 1


# --- Reading ---------------------------------------------------------------------------------------


def test_members_list_and_read_their_coops_settlements_only(
    api, personas, honey, draft, django_assert_max_num_queries
):
    for number in range(5):
        settlement_open(
            actor=honey.manager, season=honey.season, reference=f"S-{number}", levels=1, pool=Decimal("10")
        )
    api.force_authenticate(personas.auditor)
    with django_assert_max_num_queries(6):
        listed = api.get(URL, {"cooperative": "coop-a", "status": "draft"})
    assert listed.status_code == 200 and listed.json()["count"] == 6
    one = api.get(detail(draft.pk)).json()
    assert one["reference"] == "SET-2025" and one["totals"]["family"]["net"] == "850.01"
    api.force_authenticate(personas.outsider)
    assert api.get(URL).json()["count"] == 0
    assert api.get(detail(draft.pk)).status_code == 404
    assert api.get(detail(draft.pk, "lines")).status_code == 404


def test_lines_come_a_page_at_a_time_by_level_and_association(
    api, personas, honey, draft, django_assert_max_num_queries
):
    api.force_authenticate(personas.staff)
    everything = api.get(detail(draft.pk, "lines")).json()
    assert everything["count"] == 6
    assert [row["level"] for row in everything["results"]] == ["association"] * 2 + ["family"] * 4
    families = api.get(detail(draft.pk, "lines"), {"level": "family", "page_size": 2}).json()
    assert families["count"] == 4 and [row["family_code"] for row in families["results"]] == ["F-01", "F-02"]
    first = families["results"][0]
    assert (first["kg"], first["gross_share"], first["advances"], first["carried_in"], first["net"]) == (
        "100.000",
        "500.01",
        "150.00",
        "0.00",
        "350.01",
    )
    one = honey.associations[1]
    rows = api.get(detail(draft.pk, "lines"), {"level": "family", "association": one.pk}).json()["results"]
    assert [row["family_code"] for row in rows] == ["F-03", "F-04"]
    assert api.get(detail(draft.pk, "lines"), {"level": "nope"}).status_code == 400
    assert api.get(detail(draft.pk, "lines"), {"association": "x"}).status_code == 400
    foreign = settlements_data.new_association(honey.coop_b, "B-ASSOC")
    assert api.get(detail(draft.pk, "lines"), {"association": foreign.pk}).status_code == 404


def test_930_families_of_lines_in_bounded_queries(api, personas, honey, django_assert_max_num_queries):
    association = settlements_data.new_association(honey.coop, "ASSOC-BIG")
    settlements_data.many_families(honey.coop, honey.product, association, 926)
    settlement = settlement_open(
        actor=honey.manager, season=honey.season, reference="BIG", levels=2, pool="3425000"
    )
    api.force_authenticate(personas.manager)
    with django_assert_max_num_queries(6):
        page = api.get(detail(settlement.pk, "lines"), {"level": "family", "page": 5}).json()
    assert page["count"] == 930 and len(page["results"]) == 100


# --- Actions -----------------------------------------------------------------------------------------


def test_manager_approves_then_marks_paid(api, personas, honey, draft):
    api.force_authenticate(personas.manager)
    approved = api.post(detail(draft.pk, "approve"))
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved" and approved.json()["approved_by"] == "a-manager"
    today = timezone.localdate().isoformat()
    paid = post_json(api, detail(draft.pk, "pay"), {"paid_on": today})
    assert paid.status_code == 200 and paid.json()["paid_on"] == today and paid.json()["status"] == "paid"


def test_approving_twice_is_a_400(api, personas, honey, draft):
    api.force_authenticate(personas.manager)
    api.post(detail(draft.pk, "approve"))
    again = api.post(detail(draft.pk, "approve"))
    assert again.status_code == 400 and "already approved" in again.json()["status"][0]


def test_a_retried_approval_with_the_same_key_answers_the_first_answer(api, personas, honey, draft):
    api.force_authenticate(personas.manager)
    first = api.post(detail(draft.pk, "approve"), HTTP_IDEMPOTENCY_KEY="approve-1")
    again = api.post(detail(draft.pk, "approve"), HTTP_IDEMPOTENCY_KEY="approve-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()


def test_an_approved_settlement_cannot_be_recomputed_nor_changed(api, personas, honey, draft):
    settlement_approve(actor=honey.manager, settlement=draft)
    before = list(SettlementLine.objects.order_by("pk").values_list("pk", "net"))
    api.force_authenticate(personas.manager)
    refused = api.post(detail(draft.pk, "recompute"))
    assert refused.status_code == 400 and "can no longer be changed" in refused.json()["status"][0]
    for method in ("put", "patch", "delete"):
        assert getattr(api, method)(detail(draft.pk), {"pool": "1"}).status_code == 405
    assert list(SettlementLine.objects.order_by("pk").values_list("pk", "net")) == before


def test_recompute_on_a_draft_gives_the_same_totals(api, personas, honey, draft):
    api.force_authenticate(personas.manager)
    first = api.get(detail(draft.pk)).json()["totals"]
    again = api.post(detail(draft.pk, "recompute"))
    assert again.status_code == 200 and again.json()["totals"] == first


@pytest.mark.parametrize("role", ["staff", "auditor"])
def test_staff_and_auditors_may_not_act(api, personas, honey, draft, role):
    api.force_authenticate(getattr(personas, role))
    for action in ("approve", "recompute"):
        assert api.post(detail(draft.pk, action)).status_code == 403
    assert post_json(api, detail(draft.pk, "pay"), {"paid_on": "2026-01-01"}).status_code == 403
    assert Settlement.objects.get().status == "draft"


def test_an_outsider_acting_gets_404(api, personas, honey, draft):
    api.force_authenticate(personas.outsider)
    assert api.post(detail(draft.pk, "approve")).status_code == 404
    assert Settlement.objects.get().status == "draft"


def test_action_bodies_are_strict(api, personas, honey, draft):
    api.force_authenticate(personas.manager)
    assert "force" in post_json(api, detail(draft.pk, "approve"), {"force": True}).json()
    assert Settlement.objects.get().status == "draft"
    settlement_approve(actor=honey.manager, settlement=draft)
    for data in ({}, {"paid_on": "yesterday"}, {"paid_on": "2026-01-01", "method": "pix"}):
        assert post_json(api, detail(draft.pk, "pay"), data).status_code == 400
    assert Settlement.objects.get().status == "approved"


def test_a_correction_through_the_api(api, personas, honey, draft):
    settlement_approve(actor=honey.manager, settlement=draft)
    api.force_authenticate(personas.manager)
    refused = post_json(api, URL, body(honey))
    assert refused.status_code == 400 and "must be a correction" in refused.json()["corrects"][0]
    corrected = post_json(api, URL, body(honey, corrects=draft.pk, pool="1100.00"))
    assert corrected.status_code == 201 and corrected.json()["corrects"] == draft.pk
