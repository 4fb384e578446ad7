"""Certifications and inspections pages: lists, recording an inspection, granting,
suspending and withdrawing a certificate, closing a sanction; roles and tenancy."""

import datetime

import pytest

from coop.models import Certification, Inspection
from tests.coop import production_pages
from tests.coop.production_pages import url
from tests.factories import (
    AssociationFactory,
    CertificationFactory,
    FamilyFactory,
    InspectionFactory,
    LotFactory,
    MemberFactory,
)

english = production_pages.english
pytestmark = pytest.mark.usefixtures("english")

TODAY = datetime.date.today()


@pytest.fixture
def ics(coop_a, world):
    """An inspector from another family of co-op A, and a family to inspect."""
    inspector_family = FamilyFactory(cooperative=coop_a, code="INSP-1")
    return type(
        "ICS",
        (),
        {
            "inspector": MemberFactory(family=inspector_family, name="Raimunda Inspetora"),
            "family": world.family_a,
            "coop": coop_a,
        },
    )


# --- Lists -----------------------------------------------------------------------------------------


def test_certification_list_filters_by_scheme_and_date(client, personas, coop_a):
    organic = CertificationFactory(family=FamilyFactory(cooperative=coop_a), scheme="organic")
    fair = CertificationFactory(family=FamilyFactory(cooperative=coop_a), scheme="fair_trade")
    old = CertificationFactory(
        family=FamilyFactory(cooperative=coop_a),
        valid_from=datetime.date(2024, 1, 1),
        valid_to=datetime.date(2024, 12, 31),
        approved_by__inspected_on=datetime.date(2023, 12, 1),
    )
    client.force_login(personas.auditor)

    def rows(**params):
        return set(client.get(url("certification_list", coop_a), params).context["object_list"])

    assert rows() == {organic, fair, old}
    assert rows(scheme="fair_trade") == {fair}
    assert rows(valid_on="2024-06-01") == {old}
    assert rows(valid_on="2026-06-01", scheme="organic") == {organic}


def test_inspection_list_filters_by_result_and_open_sanctions(client, personas, coop_a):
    compliant = InspectionFactory(family=FamilyFactory(cooperative=coop_a))
    open_sanction = InspectionFactory(family=FamilyFactory(cooperative=coop_a), result="sanction")
    closed = InspectionFactory(
        family=FamilyFactory(cooperative=coop_a), result="sanction", closed_on=datetime.date(2025, 12, 20)
    )
    client.force_login(personas.auditor)

    def rows(**params):
        return set(client.get(url("inspection_list", coop_a), params).context["object_list"])

    assert rows() == {compliant, open_sanction, closed}
    assert rows(result="sanction") == {open_sanction, closed}
    assert rows(open_sanctions="on") == {open_sanction}


@pytest.mark.parametrize("name", ["certification_list", "inspection_list"])
def test_lists_run_bounded_queries(client, personas, coop_a, django_assert_max_num_queries, name):
    client.force_login(personas.staff)
    for _ in range(3):
        CertificationFactory(family=FamilyFactory(cooperative=coop_a))
    with django_assert_max_num_queries(9) as small:
        client.get(url(name, coop_a))
    for _ in range(30):
        CertificationFactory(family=FamilyFactory(cooperative=coop_a))
    with django_assert_max_num_queries(9) as large:
        client.get(url(name, coop_a))
    assert len(large.captured_queries) == len(small.captured_queries)


# --- Recording an inspection ---------------------------------------------------------------------------


def _inspection_data(ics, **overrides):
    data = {
        "inspector": ics.inspector.pk,
        "family": ics.family.pk,
        "association": "",
        "inspected_on": TODAY.isoformat(),
        "result": "compliant",
        "findings": "Apiary clean, records kept.",
        "follow_up_on": "",
    }
    return {**data, **overrides}


def test_staff_records_an_inspection_of_a_family(client, personas, ics):
    client.force_login(personas.staff)
    response = client.post(url("inspection_record", ics.coop), _inspection_data(ics))
    inspection = Inspection.objects.get()
    assert response["Location"] == url("inspection_detail", ics.coop, inspection.pk)
    assert (inspection.family, inspection.inspector, inspection.recorded_by) == (
        ics.family,
        ics.inspector,
        personas.staff,
    )


def test_an_inspector_is_found_by_name_without_javascript(client, personas, ics):
    client.force_login(personas.staff)
    data = _inspection_data(ics, inspector="", inspector_q="raimunda inspetora")
    assert client.post(url("inspection_record", ics.coop), data).status_code == 302
    assert Inspection.objects.get().inspector == ics.inspector


def test_a_collection_point_can_be_inspected(client, personas, ics):
    cantina = AssociationFactory(cooperative=ics.coop, kind="cantina")
    client.force_login(personas.staff)
    data = _inspection_data(ics, family="", association=cantina.pk)
    assert client.post(url("inspection_record", ics.coop), data).status_code == 302
    assert Inspection.objects.get().association == cantina


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"family": "", "association": ""}, "family"),
        ({"inspected_on": (TODAY + datetime.timedelta(days=2)).isoformat()}, "inspected_on"),
        ({"follow_up_on": (TODAY - datetime.timedelta(days=2)).isoformat()}, "follow_up_on"),
        ({"result": "excellent"}, "result"),
        ({"inspector": "", "inspector_q": ""}, "inspector"),
    ],
)
def test_bad_inspection_input_shows_by_the_field_and_writes_nothing(client, personas, ics, overrides, field):
    client.force_login(personas.staff)
    response = client.post(url("inspection_record", ics.coop), _inspection_data(ics, **overrides))
    assert response.status_code == 200
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert not Inspection.objects.exists()


def test_an_inspector_may_not_inspect_their_own_family(client, personas, ics):
    client.force_login(personas.staff)
    response = client.post(
        url("inspection_record", ics.coop), _inspection_data(ics, family=ics.inspector.family_id)
    )
    assert "own family" in " ".join(response.context["form"].errors["inspector"])
    assert not Inspection.objects.exists()


def test_an_inspector_of_another_co_op_cannot_be_chosen(client, personas, ics, world):
    client.force_login(personas.staff)
    response = client.post(
        url("inspection_record", ics.coop), _inspection_data(ics, inspector=world.member_b.pk)
    )
    assert response.context["form"].errors["inspector"]
    assert not Inspection.objects.exists()


def test_member_search_answers_this_co_ops_members_only(client, personas, ics, world):
    MemberFactory(family=world.family_b, name="Raimunda de Fora")
    client.force_login(personas.staff)
    html = client.get(
        url("member_search", ics.coop), {"field": "inspector", "inspector_q": "raimunda"}
    ).content.decode()
    assert html.count('type="radio"') == 1 and "Raimunda Inspetora" in html


def test_auditor_may_not_record_an_inspection(client, personas, ics):
    client.force_login(personas.auditor)
    assert client.get(url("inspection_record", ics.coop)).status_code == 403
    assert client.post(url("inspection_record", ics.coop), _inspection_data(ics)).status_code == 403
    assert not Inspection.objects.exists()
    assert (
        url("inspection_record", ics.coop)
        not in client.get(url("inspection_list", ics.coop)).content.decode()
    )


# --- Granting, suspending, withdrawing ------------------------------------------------------------------


def _grant_data(inspection, **overrides):
    data = {
        "scheme": "organic",
        "standard": "EU 2018/848",
        "reference": "BR-BIO-123",
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
        "approved_by": inspection.pk,
    }
    return {**data, **overrides}


def test_manager_grants_a_certification_on_a_compliant_inspection(client, personas, ics):
    inspection = InspectionFactory(
        family=ics.family, inspector=ics.inspector, inspected_on=datetime.date(2025, 12, 1)
    )
    client.force_login(personas.manager)
    page = client.get(url("certification_grant", ics.coop, ics.family.pk))
    assert list(page.context["form"].fields["approved_by"].queryset) == [inspection]
    response = client.post(url("certification_grant", ics.coop, ics.family.pk), _grant_data(inspection))
    certification = Certification.objects.get()
    assert response["Location"] == url("certification_detail", ics.coop, certification.pk)
    assert (certification.family, certification.approved_by, certification.status) == (
        ics.family,
        inspection,
        "active",
    )


def test_a_non_compliant_inspection_cannot_approve(client, personas, ics):
    bad = InspectionFactory(family=ics.family, inspector=ics.inspector, result="non_compliant")
    client.force_login(personas.manager)
    response = client.post(url("certification_grant", ics.coop, ics.family.pk), _grant_data(bad))
    assert response.context["form"].errors["approved_by"]
    assert not Certification.objects.exists()


def test_an_inspection_too_old_is_refused_by_the_service_next_to_it(client, personas, ics):
    old = InspectionFactory(
        family=ics.family, inspector=ics.inspector, inspected_on=datetime.date(2024, 6, 1)
    )
    client.force_login(personas.manager)
    response = client.post(url("certification_grant", ics.coop, ics.family.pk), _grant_data(old))
    assert "year before" in " ".join(response.context["form"].errors["approved_by"])
    assert not Certification.objects.exists()


def test_granting_starts_from_a_family_chosen_by_code(client, personas, ics):
    client.force_login(personas.manager)
    response = client.get(url("certification_choose", ics.coop), {"family_q": ics.family.code})
    assert response["Location"] == url("certification_grant", ics.coop, ics.family.pk)


def test_staff_may_not_grant(client, personas, ics):
    inspection = InspectionFactory(family=ics.family, inspector=ics.inspector)
    client.force_login(personas.staff)
    assert client.get(url("certification_grant", ics.coop, ics.family.pk)).status_code == 403
    assert (
        client.post(url("certification_grant", ics.coop, ics.family.pk), _grant_data(inspection)).status_code
        == 403
    )
    assert not Certification.objects.exists()


@pytest.mark.parametrize("status", ["suspended", "withdrawn"])
def test_manager_suspends_or_withdraws_a_certification(client, personas, coop_a, status):
    certification = CertificationFactory(family=FamilyFactory(cooperative=coop_a))
    client.force_login(personas.manager)
    response = client.post(url("certification_set_status", coop_a, certification.pk), {"status": status})
    assert response.status_code == 302
    certification.refresh_from_db()
    assert certification.status == status
    page = client.get(url("certification_detail", coop_a, certification.pk)).content.decode()
    assert "a-manager" in page  # the change is in its history


@pytest.mark.parametrize("persona", ["staff", "auditor"])
def test_only_managers_change_a_certifications_status(client, personas, coop_a, persona):
    certification = CertificationFactory(family=FamilyFactory(cooperative=coop_a))
    client.force_login(getattr(personas, persona))
    assert (
        "Withdraw" not in client.get(url("certification_detail", coop_a, certification.pk)).content.decode()
    )
    response = client.post(url("certification_set_status", coop_a, certification.pk), {"status": "withdrawn"})
    assert response.status_code == 403
    certification.refresh_from_db()
    assert certification.status == "active"


def test_an_unknown_status_changes_nothing(client, personas, coop_a):
    certification = CertificationFactory(family=FamilyFactory(cooperative=coop_a))
    client.force_login(personas.manager)
    client.post(url("certification_set_status", coop_a, certification.pk), {"status": "revoked"})
    certification.refresh_from_db()
    assert certification.status == "active"


# --- Closing a sanction -------------------------------------------------------------------------------


def test_manager_closes_a_sanction(client, personas, coop_a):
    # (recorded_by: the model's full_clean wants it, though the column is nullable)
    sanction = InspectionFactory(
        family=FamilyFactory(cooperative=coop_a), result="sanction", recorded_by=personas.staff
    )
    client.force_login(personas.manager)
    response = client.post(url("inspection_close", coop_a, sanction.pk), {"closed_on": "2026-01-15"})
    assert response.status_code == 302
    sanction.refresh_from_db()
    assert sanction.closed_on == datetime.date(2026, 1, 15)


def test_closing_before_the_inspection_is_refused_by_the_date(client, personas, coop_a):
    sanction = InspectionFactory(family=FamilyFactory(cooperative=coop_a), result="sanction")
    client.force_login(personas.manager)
    response = client.post(url("inspection_close", coop_a, sanction.pk), {"closed_on": "2025-01-01"})
    assert response.status_code == 400
    assert response.context["close_form"].errors["closed_on"]
    sanction.refresh_from_db()
    assert sanction.closed_on is None


@pytest.mark.parametrize("persona", ["staff", "auditor"])
def test_only_managers_close_sanctions(client, personas, coop_a, persona):
    sanction = InspectionFactory(family=FamilyFactory(cooperative=coop_a), result="sanction")
    client.force_login(getattr(personas, persona))
    assert (
        url("inspection_close", coop_a, sanction.pk)
        not in client.get(url("inspection_detail", coop_a, sanction.pk)).content.decode()
    )
    assert (
        client.post(url("inspection_close", coop_a, sanction.pk), {"closed_on": "2026-01-15"}).status_code
        == 403
    )


# --- Tenancy ---------------------------------------------------------------------------------------------


def test_another_co_ops_certifications_and_inspections_are_not_found(client, personas, coop_a, world):
    theirs = CertificationFactory(family=world.family_b)
    client.force_login(personas.admin)
    assert client.get(url("certification_detail", coop_a, theirs.pk)).status_code == 404
    assert client.get(url("inspection_detail", coop_a, theirs.approved_by_id)).status_code == 404
    assert (
        client.post(url("certification_set_status", coop_a, theirs.pk), {"status": "withdrawn"}).status_code
        == 404
    )
    assert (
        client.post(
            url("inspection_close", coop_a, theirs.approved_by_id), {"closed_on": "2026-01-01"}
        ).status_code
        == 404
    )
    assert client.get(url("certification_grant", coop_a, world.family_b.pk)).status_code == 404
    assert theirs not in client.get(url("certification_list", coop_a)).context["object_list"]


# --- The family page ---------------------------------------------------------------------------


def test_the_family_page_shows_lots_what_was_made_certifications_and_inspections(
    client, personas, coop_a, world
):
    family = world.family_a
    delivery = LotFactory(cooperative=coop_a, family=family, code="BR-FAM-1")
    certification = CertificationFactory(family=family, reference="BIO-FAM")
    client.force_login(personas.auditor)
    html = client.get(url("family_detail", coop_a, family.pk)).content.decode()
    for text in (
        delivery.code,
        certification.reference,
        url("inspection_detail", coop_a, certification.approved_by_id),
    ):
        assert text in html


def test_the_family_page_runs_bounded_queries(client, personas, coop_a, world, django_assert_max_num_queries):
    family = world.family_a
    client.force_login(personas.staff)
    LotFactory(cooperative=coop_a, family=family)
    CertificationFactory(family=family)
    with django_assert_max_num_queries(20) as small:
        client.get(url("family_detail", coop_a, family.pk))
    for _ in range(20):
        LotFactory(cooperative=coop_a, family=family)
        InspectionFactory(family=family)
    with django_assert_max_num_queries(20) as large:
        client.get(url("family_detail", coop_a, family.pk))
    assert len(large.captured_queries) == len(small.captured_queries)
