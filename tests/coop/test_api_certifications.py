"""/api/v1/certifications/: managers certify a family on the basis of a compliant
inspection, and suspend, withdraw or reinstate the certificate; everyone in the co-op reads."""

import datetime
import json

import pytest

from coop.models import Certification, IdempotencyKey
from tests.coop.api_production_data import DAY, build
from tests.factories import CertificationFactory, FamilyFactory, InspectionFactory

URL = "/api/v1/certifications/"
START = DAY - datetime.timedelta(days=5)
END = START + datetime.timedelta(days=364)


@pytest.fixture
def prod(coop_a, coop_b):
    data = build(coop_a, coop_b)
    data.visit = InspectionFactory(
        family=data.beekeeper,
        cooperative=coop_a,
        inspector=data.inspector,
        inspected_on=START - datetime.timedelta(days=30),
    )
    data.b_cert = CertificationFactory(family=data.b_family, reference="B-CERT")
    return data


def detail(pk, action=""):
    return f"{URL}{pk}/" + (f"{action}/" if action else "")


def body(prod, **overrides):
    return {
        "family": prod.beekeeper.pk,
        "scheme": "organic",
        "standard": "EU 2018/848",
        "reference": "IBD-2026-0042",
        "valid_from": START.isoformat(),
        "valid_to": END.isoformat(),
        "approved_by": prod.visit.pk,
        **overrides,
    }


def references(response):
    return [row["reference"] for row in response.json()["results"]]


def grant(api, prod, **overrides):
    response = api.post(URL, body(prod, **overrides), format="json")
    assert response.status_code == 201, response.content
    return response.json()


# --- Tenancy --------------------------------------------------------------------------


def test_list_shows_only_the_users_cooperative(api, personas, prod):
    CertificationFactory(family=prod.beekeeper, reference="A-CERT")
    api.force_authenticate(personas.auditor)
    assert references(api.get(URL)) == ["A-CERT"]
    assert references(api.get(f"{URL}?cooperative=coop-b")) == []
    assert references(api.get(f"{URL}?family={prod.b_family.pk}")) == []
    assert references(api.get(f"{URL}?search=B-CERT")) == []


def test_another_cooperatives_certificate_answers_404(api, personas, prod):
    api.force_authenticate(personas.manager)
    assert api.get(detail(prod.b_cert.pk)).status_code == 404
    response = api.post(detail(prod.b_cert.pk, "status"), {"status": "withdrawn"}, format="json")
    assert response.status_code == 404
    prod.b_cert.refresh_from_db()
    assert prod.b_cert.status == "active"


def test_expired_and_strangers_see_nothing(api, personas, prod):
    certificate = CertificationFactory(family=prod.beekeeper)
    for user in (personas.expired, personas.nobody):
        api.force_authenticate(user)
        assert api.get(URL).json()["count"] == 0
        assert api.get(detail(certificate.pk)).status_code == 404


# --- Granting -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_certify_a_family_on_an_inspection(api, personas, prod, role):
    api.force_authenticate(getattr(personas, role))
    made = grant(api, prod)
    certificate = Certification.objects.get(reference="IBD-2026-0042")
    assert made == {
        "id": certificate.pk,
        "cooperative": "coop-a",
        "family": prod.beekeeper.pk,
        "family_code": "F-001",
        "scheme": "organic",
        "standard": "EU 2018/848",
        "reference": "IBD-2026-0042",
        "valid_from": START.isoformat(),
        "valid_to": END.isoformat(),
        "status": "active",
        "approved_by": prod.visit.pk,
    }
    assert certificate.history.get().history_user == getattr(personas, role)


@pytest.mark.parametrize("role", ["staff", "auditor", "expired"])
def test_staff_and_auditors_cannot_certify(api, personas, prod, role):
    api.force_authenticate(getattr(personas, role))
    assert api.post(URL, body(prod), format="json").status_code == 403
    assert not Certification.objects.filter(reference="IBD-2026-0042").exists()


def _bad(prod, key):
    other_family = FamilyFactory(cooperative=prod.coop, association=prod.room)
    return {
        "non_compliant": InspectionFactory(
            family=prod.beekeeper, cooperative=prod.coop, inspector=prod.inspector, result="non_compliant",
            inspected_on=START - datetime.timedelta(days=2),
        ).pk,
        "of_another_family": InspectionFactory(
            family=other_family, cooperative=prod.coop, inspector=prod.inspector,
            inspected_on=START - datetime.timedelta(days=2),
        ).pk,
        "too_old": InspectionFactory(
            family=prod.beekeeper, cooperative=prod.coop, inspector=prod.inspector,
            inspected_on=START - datetime.timedelta(days=400),
        ).pk,
        "of_coop_b": prod.b_cert.approved_by_id,
        "b_family": prod.b_family.pk,
        "suspended": prod.suspended.pk,
    }.get(key, key)  # fmt: skip


BAD_VALUES = [
    ("approved_by", "non_compliant"),
    ("approved_by", "of_another_family"),
    ("approved_by", "too_old"),
    ("approved_by", "of_coop_b"),
    ("approved_by", None),
    ("approved_by", "abc"),
    ("family", "b_family"),
    ("family", None),
    ("family", 10**30),
    ("valid_to", (START - datetime.timedelta(days=1)).isoformat()),
    ("valid_to", "2026-02-30"),
    ("valid_from", "soon"),
    ("scheme", "biodynamic"),
    ("scheme", None),
    ("standard", ""),
    ("standard", "x" * 121),
    ("reference", "a\x00b"),
    ("reference", "\ud800"),
    ("status", "active"),
    ("cooperative", "coop-a"),
    ("colour", "red"),
]


@pytest.mark.parametrize(("field", "value"), BAD_VALUES, ids=[f"{f}={v!r}"[:40] for f, v in BAD_VALUES])
def test_bad_value_is_400_naming_the_field_and_writes_nothing(api, personas, prod, field, value):
    value = _bad(prod, value) if isinstance(value, str) else value
    api.force_authenticate(personas.manager)
    before = Certification.objects.count()
    response = api.generic(
        "POST", URL, json.dumps(body(prod, **{field: value})), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert Certification.objects.count() == before


def test_a_retried_grant_with_the_same_key_certifies_once(api, personas, prod):
    api.force_authenticate(personas.manager)
    first = api.post(URL, body(prod), format="json", HTTP_IDEMPOTENCY_KEY="cert-1")
    again = api.post(URL, body(prod), format="json", HTTP_IDEMPOTENCY_KEY="cert-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert Certification.objects.filter(reference="IBD-2026-0042").count() == 1


# --- Status ---------------------------------------------------------------------------


def test_manager_suspends_and_reinstates_a_certificate(api, personas, prod):
    api.force_authenticate(personas.manager)
    made = grant(api, prod)
    in_force = f"{URL}?valid_on={DAY}"
    assert references(api.get(in_force)) == ["IBD-2026-0042"]

    response = api.post(detail(made["id"], "status"), {"status": "suspended"}, format="json")
    assert response.status_code == 200
    assert response.json() == {**made, "status": "suspended"}
    assert references(api.get(in_force)) == []

    assert api.post(detail(made["id"], "status"), {"status": "active"}, format="json").status_code == 200
    assert references(api.get(in_force)) == ["IBD-2026-0042"]
    assert Certification.objects.get(pk=made["id"]).history.first().history_user == personas.manager


@pytest.mark.parametrize("role", ["staff", "auditor"])
def test_staff_and_auditors_cannot_change_a_status(api, personas, prod, role):
    certificate = CertificationFactory(family=prod.beekeeper)
    api.force_authenticate(getattr(personas, role))
    response = api.post(detail(certificate.pk, "status"), {"status": "withdrawn"}, format="json")
    assert response.status_code == 403
    certificate.refresh_from_db()
    assert certificate.status == "active"


@pytest.mark.parametrize(
    "payload, field",
    [({"status": "gone"}, "status"), ({}, "status"), ({"status": None}, "status"),
     ({"status": "withdrawn", "reason": "x"}, "reason")],
)  # fmt: skip
def test_a_bad_status_is_400(api, personas, prod, payload, field):
    certificate = CertificationFactory(family=prod.beekeeper)
    api.force_authenticate(personas.manager)
    response = api.post(detail(certificate.pk, "status"), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    certificate.refresh_from_db()
    assert certificate.status == "active"


def test_a_retried_status_change_answers_the_first_answer(api, personas, prod):
    certificate = CertificationFactory(family=prod.beekeeper)
    api.force_authenticate(personas.manager)
    url = detail(certificate.pk, "status")
    first = api.post(url, {"status": "withdrawn"}, format="json", HTTP_IDEMPOTENCY_KEY="s-1")
    again = api.post(url, {"status": "withdrawn"}, format="json", HTTP_IDEMPOTENCY_KEY="s-1")
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    other = api.post(url, {"status": "active"}, format="json", HTTP_IDEMPOTENCY_KEY="s-1")
    assert other.status_code == 422
    assert IdempotencyKey.objects.count() == 1
    certificate.refresh_from_db()
    assert certificate.status == "withdrawn"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_certificate_is_never_edited_nor_deleted(api, personas, prod, method):
    certificate = CertificationFactory(family=prod.beekeeper)
    api.force_authenticate(personas.admin)
    assert (
        getattr(api, method)(detail(certificate.pk), {"status": "withdrawn"}, format="json").status_code
        == 405
    )


# --- Filters and query counts ------------------------------------------------------------


def test_filters_narrow_the_list(api, personas, prod):
    CertificationFactory(family=prod.beekeeper, reference="OLD", valid_from=datetime.date(2024, 1, 1),
                         valid_to=datetime.date(2024, 12, 31))  # fmt: skip
    CertificationFactory(
        family=prod.beekeeper, reference="FT", scheme="fair_trade", valid_from=START, valid_to=END
    )
    CertificationFactory(
        family=prod.breaker, reference="NUTS", valid_from=START, valid_to=END, status="withdrawn"
    )
    api.force_authenticate(personas.staff)

    def listed(query):
        response = api.get(f"{URL}?{query}")
        assert response.status_code == 200, response.content
        return sorted(references(response))

    assert listed(f"valid_on={DAY}") == ["FT"]
    assert listed("valid_on=2024-06-01") == ["OLD"]
    assert listed("valid_on=2024-06-01&scheme=fair_trade") == []
    assert listed("scheme=fair_trade") == ["FT"]
    assert listed(f"family={prod.breaker.pk}") == ["NUTS"]
    assert listed("family_code=F-001") == ["FT", "OLD"]
    assert listed("status=withdrawn") == ["NUTS"]
    for query in ["valid_on=tomorrow", "valid_on=2026-02-30", "scheme=bio", "family=x", "status=gone"]:
        assert api.get(f"{URL}?{query}").status_code == 400, query


def test_list_queries_do_not_grow_with_the_rows(api, personas, prod, django_assert_num_queries):
    api.force_authenticate(personas.auditor)
    for _ in range(3):
        CertificationFactory(family=FamilyFactory(cooperative=prod.coop), valid_from=START, valid_to=END)
    with django_assert_num_queries(2):  # COUNT(*) and the page
        small = api.get(f"{URL}?page_size=100&valid_on={DAY}")
    for _ in range(37):
        CertificationFactory(family=FamilyFactory(cooperative=prod.coop), valid_from=START, valid_to=END)
    with django_assert_num_queries(2):
        large = api.get(f"{URL}?page_size=100&valid_on={DAY}&ordering=-valid_to")
    assert (small.json()["count"], large.json()["count"]) == (3, 40)
