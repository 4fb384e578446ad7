"""Django admin of the ledger: administrators extend the catalogue; entries are shown,
scoped to the user's co-ops, and never changed or deleted, not even by a superuser."""

import pytest
from django.contrib.auth import get_user_model

from tests.upgrading import ledger_data
from upgrading.models import Indicator, LedgerEntry

english = ledger_data.english
catalogue = ledger_data.catalogue
ledger = ledger_data.ledger
media = ledger_data.media

pytestmark = pytest.mark.usefixtures("english")

NEW = {
    "code": "school_meals",
    "name_en": "Children with school meals",
    "name_pt_br": "Crianças com merenda escolar",
    "description_en": "",
    "description_pt_br": "",
    "category": "social_protection",
    "unit": "%",
    "higher_is_better": "on",
    "scope": "cooperative",
    "source": "manual",
    "min_value": "0",
    "max_value": "100",
    "active": "on",
}


def staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_a_cooperative_admin_adds_an_indicator(client, personas, db):
    client.force_login(staff(personas.admin))
    response = client.post("/admin/upgrading/indicator/add/", NEW)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Indicator.objects.get(code="school_meals").max_value == 100


def test_the_code_unit_scope_and_source_of_an_indicator_are_fixed(client, personas, db):
    client.force_login(staff(personas.admin))
    indicator = Indicator.objects.get(code="literate_adults")
    page = client.get(f"/admin/upgrading/indicator/{indicator.pk}/change/").content.decode()
    assert 'name="code"' not in page and 'name="unit"' not in page and 'name="name_en"' in page
    response = client.post(
        f"/admin/upgrading/indicator/{indicator.pk}/change/",
        {**NEW, "name_en": "Adults who read", "code": "x"},
    )
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert (indicator.name_en, indicator.code, indicator.unit) == ("Adults who read", "literate_adults", "%")


def test_a_manager_cannot_change_the_catalogue(client, personas, db):
    client.force_login(staff(personas.manager))
    assert client.post("/admin/upgrading/indicator/add/", NEW).status_code == 403
    assert client.get("/admin/upgrading/indicator/").status_code == 200
    assert not Indicator.objects.filter(code="school_meals").exists()


def test_entries_are_read_only_and_never_deleted(client, personas, ledger):
    superuser = get_user_model().objects.create_superuser("root", "root@example.org", "x")
    client.force_login(superuser)
    entry = ledger.evidence_entry
    page = client.get(f"/admin/upgrading/ledgerentry/{entry.pk}/change/")
    assert page.status_code == 200 and entry.hash in page.content.decode()
    assert "levantamento.pdf" in page.content.decode()  # its evidence, inline
    assert client.get(f"/admin/upgrading/ledgerentry/{entry.pk}/delete/").status_code == 403
    assert client.get(f"/admin/upgrading/ledgerentry/{entry.pk}/history/").status_code == 200
    client.post(f"/admin/upgrading/ledgerentry/{entry.pk}/change/", {"note": "rewritten"})
    entry.refresh_from_db()
    assert entry.note == "Ata da eleição da diretoria"
    assert client.get("/admin/upgrading/ledgerentry/add/").status_code == 403
    assert client.get("/admin/upgrading/indicator/1/delete/").status_code == 403


def test_the_entry_list_is_scoped(client, personas, ledger):
    client.force_login(staff(personas.outsider))
    response = client.get("/admin/upgrading/ledgerentry/")
    assert response.status_code == 200
    shown = {row.cooperative.slug for row in response.context["cl"].result_list}
    assert shown == {"coop-b"}
    entry = LedgerEntry.objects.filter(cooperative__slug="coop-a").first()
    assert client.get(f"/admin/upgrading/ledgerentry/{entry.pk}/change/").status_code in (302, 404)
