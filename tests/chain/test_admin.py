"""The value chain in the Django admin: scoped like the co-op's models; buyers and contracts
written by managers through the services; shipments read-only for everyone."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chain import services
from chain.models import Buyer, Contract, ContractMinimum, Shipment
from tests.factories import CertificationFactory, FamilyFactory, LotFactory, ProductFactory

DAY = datetime.date(2026, 3, 10)
CHANGELISTS = {"buyer": Buyer, "contract": Contract, "shipment": Shipment}


def _sale(manager, coop, code):
    """A buyer, a contract with an amended minimum, and a confirmed shipment of one lot."""
    product = ProductFactory(cooperative=coop, code=f"{code}-OIL")
    family = FamilyFactory(cooperative=coop, code=f"{code}-F1")
    CertificationFactory(family=family, scheme="fair_trade")
    lot = LotFactory(cooperative=coop, product=product, family=family, code=f"{code}-LOT", collected_on=DAY)
    buyer = services.buyer_create(
        actor=manager, cooperative=coop, name=f"{code} Cosmetics", country="GB", kind=Buyer.Kind.FAIR_TRADE
    )
    contract = services.contract_create(
        actor=manager,
        cooperative=coop,
        buyer=buyer,
        product=product,
        reference=f"{code}-TBS",
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
        price_per_kg=Decimal("3.00"),
        currency="USD",
        fair_trade=True,
        minimum_kg=Decimal("10800"),
    )
    services.contract_minimum_set(
        actor=manager, contract=contract, effective_from=datetime.date(2025, 1, 1), minimum_kg="17800"
    )
    shipment = services.shipment_create(
        actor=manager,
        cooperative=coop,
        buyer=buyer,
        contract=contract,
        product=product,
        reference=f"{code}-S1",
        shipped_on=DAY,
        exchange_rate=Decimal("5.20"),
        allocations=[(lot, "10")],
    )
    services.shipment_confirm(actor=manager, shipment=shipment)
    return SimpleNamespace(product=product, lot=lot, buyer=buyer, contract=contract, shipment=shipment)


@pytest.fixture
def chain_admin(personas, coop_a, coop_b):
    get_user_model().objects.update(is_staff=True)
    for user in vars(personas).values():
        user.refresh_from_db()
    return SimpleNamespace(a=_sale(personas.manager, coop_a, "A"), b=_sale(personas.outsider, coop_b, "B"))


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "x")


def _changelist(client, model_name, query=""):
    response = client.get(f"/admin/chain/{model_name}/{query}")
    assert response.status_code == 200, (model_name, response.status_code)
    return set(response.context["cl"].queryset)


def _contract_form(contract, **extra):
    """The change form of `contract` as posted: its fields and its minimums inline."""
    minimums = list(contract.minimums.order_by("effective_from"))
    data = {
        "buyer": contract.buyer_id,
        "product": contract.product_id,
        "reference": contract.reference,
        "starts_on": contract.starts_on.isoformat(),
        "ends_on": contract.ends_on.isoformat(),
        "price_per_kg": str(contract.price_per_kg),
        "currency": contract.currency,
        "premium_per_kg": str(contract.premium_per_kg),
        "fair_trade": "on" if contract.fair_trade else "",
        "max_moisture_pct": "",
        "advance_rate": "",
        "status": contract.status,
        "minimums-TOTAL_FORMS": str(len(minimums)),
        "minimums-INITIAL_FORMS": str(len(minimums)),
        "minimums-MIN_NUM_FORMS": "0",
        "minimums-MAX_NUM_FORMS": "1000",
    }
    for index, minimum in enumerate(minimums):
        data |= {
            f"minimums-{index}-id": minimum.pk,
            f"minimums-{index}-contract": contract.pk,
            f"minimums-{index}-minimum_kg": str(minimum.minimum_kg),
        }
    return {key: value for key, value in (data | extra).items() if value != ""}


def _add_minimum(data, day, kg):
    index = int(data["minimums-TOTAL_FORMS"])
    return data | {
        "minimums-TOTAL_FORMS": str(index + 1),
        f"minimums-{index}-effective_from": day,
        f"minimums-{index}-minimum_kg": kg,
    }


# --- Scoping ----------------------------------------------------------------------------------


def test_member_of_a_sees_only_a_in_every_changelist(client, personas, chain_admin, coop_a):
    for user in (personas.manager, personas.staff, personas.auditor):
        client.force_login(user)
        for model_name, model in CHANGELISTS.items():
            rows = _changelist(client, model_name)
            assert rows == set(model.objects.filter(cooperative=coop_a)) != set(), (user, model_name)


def test_search_and_filters_never_reveal_another_cooperative(client, personas, chain_admin, coop_b):
    client.force_login(personas.manager)
    assert _changelist(client, "buyer", "?q=B+Cosmetics") == set()
    assert _changelist(client, "shipment", "?q=B-S1") == set()
    assert _changelist(client, "contract", "?q=B-TBS") == set()
    for model_name in CHANGELISTS:
        page = client.get(f"/admin/chain/{model_name}/").content.decode()
        assert coop_b.name not in page and "B Cosmetics" not in page, model_name


def test_other_cooperatives_rows_are_not_found(client, personas, chain_admin):
    client.force_login(personas.manager)
    for row in (chain_admin.b.buyer, chain_admin.b.contract, chain_admin.b.shipment):
        name = row._meta.model_name
        change = client.get(f"/admin/chain/{name}/{row.pk}/change/")
        assert change.status_code == 302 and change.url == "/admin/", name
        assert client.get(f"/admin/chain/{name}/{row.pk}/history/").status_code == 404, name


def test_contract_choices_offer_only_own_buyers_and_products(client, personas, chain_admin, coop_a):
    client.force_login(personas.manager)
    form = client.get("/admin/chain/contract/add/").context["adminform"].form
    assert list(form.fields["cooperative"].queryset) == [coop_a]
    assert list(form.fields["buyer"].queryset) == [chain_admin.a.buyer]
    assert list(form.fields["product"].queryset) == [chain_admin.a.product]


def test_expired_membership_and_no_membership_see_nothing(client, personas, chain_admin):
    for user in (personas.expired, personas.nobody):
        client.force_login(user)
        assert client.get("/admin/chain/shipment/").status_code == 403
        assert client.get("/admin/").context["app_list"] == []


def test_superuser_sees_every_cooperative(client, superuser, chain_admin):
    client.force_login(superuser)
    for model_name, model in CHANGELISTS.items():
        assert _changelist(client, model_name) == set(model.objects.all()), model_name


# --- Who may write --------------------------------------------------------------------------


def test_auditor_reads_a_contract_and_its_minimums_but_changes_nothing(client, personas, chain_admin):
    client.force_login(personas.auditor)
    contract = chain_admin.a.contract
    page = client.get(f"/admin/chain/contract/{contract.pk}/change/")
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert b'name="_save"' not in page.content
    # Both periods of the amended minimum are shown.
    assert "10800" in page.content.decode().replace(",", "") and "17800" in page.content.decode()
    posted = client.post(
        f"/admin/chain/contract/{contract.pk}/change/", _contract_form(contract, price_per_kg="9.00")
    )
    assert posted.status_code == 403
    assert client.get("/admin/chain/contract/add/").status_code == 403
    assert client.get("/admin/chain/buyer/add/").status_code == 403
    contract.refresh_from_db()
    assert contract.price_per_kg == Decimal("3.0000")


def test_staff_read_buyers_and_contracts_but_only_managers_change_them(client, personas, chain_admin):
    client.force_login(personas.staff)
    page = client.get(f"/admin/chain/buyer/{chain_admin.a.buyer.pk}/change/")
    assert page.status_code == 200 and page.context["has_change_permission"] is False
    assert client.get("/admin/chain/buyer/add/").status_code == 403


def test_shipments_are_read_only_even_for_managers_and_superusers(client, personas, superuser, chain_admin):
    shipment = chain_admin.a.shipment
    for user in (personas.manager, superuser):
        client.force_login(user)
        page = client.get(f"/admin/chain/shipment/{shipment.pk}/change/")
        assert page.status_code == 200
        assert page.context["has_change_permission"] is False
        assert b'name="_save"' not in page.content
        assert chain_admin.a.lot.code in page.content.decode()  # the allocations, read-only
        assert client.get("/admin/chain/shipment/add/").status_code == 403
        assert (
            client.post(f"/admin/chain/shipment/{shipment.pk}/change/", {"status": "paid"}).status_code == 403
        )
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.CONFIRMED


def test_only_superusers_delete(client, personas, chain_admin):
    client.force_login(personas.admin)
    assert client.get(f"/admin/chain/buyer/{chain_admin.a.buyer.pk}/delete/").status_code == 403


# --- Writes go through the services ---------------------------------------------------------


def test_manager_adds_a_buyer_through_the_service(client, personas, chain_admin, coop_a):
    client.force_login(personas.manager)
    form = {"cooperative": coop_a.pk, "name": "Sabões Lago Verde", "country": "br", "kind": "soap_maker"}
    assert client.post("/admin/chain/buyer/add/", form).status_code == 302
    buyer = Buyer.objects.get(cooperative=coop_a, name="Sabões Lago Verde")
    assert buyer.country == "BR"  # buyer_create's normalisation
    assert buyer.history.get().history_user == personas.manager


def test_a_buyer_name_taken_in_the_cooperative_shows_on_the_form(client, personas, chain_admin, coop_a):
    client.force_login(personas.manager)
    other = services.buyer_create(
        actor=personas.manager, cooperative=coop_a, name="Local", country="BR", kind=Buyer.Kind.LOCAL
    )
    response = client.post(
        f"/admin/chain/buyer/{other.pk}/change/", {"name": "A Cosmetics", "country": "BR", "kind": "local"}
    )
    assert response.status_code == 200
    assert "name" in response.context["adminform"].form.errors
    other.refresh_from_db()
    assert other.name == "Local"


def test_manager_amends_a_minimum_and_both_periods_stay(client, personas, chain_admin):
    client.force_login(personas.manager)
    contract = chain_admin.a.contract
    data = _add_minimum(_contract_form(contract), "2026-01-01", "20000")
    response = client.post(f"/admin/chain/contract/{contract.pk}/change/", data)
    assert response.status_code == 302
    assert list(contract.minimums.values_list("effective_from", "minimum_kg")) == [
        (datetime.date(2024, 1, 1), Decimal("10800.000")),
        (datetime.date(2025, 1, 1), Decimal("17800.000")),
        (datetime.date(2026, 1, 1), Decimal("20000.000")),
    ]
    added = ContractMinimum.objects.get(contract=contract, effective_from=datetime.date(2026, 1, 1))
    assert added.history.get().history_user == personas.manager


def test_a_minimum_outside_the_contract_is_refused_and_nothing_is_saved(client, personas, chain_admin):
    client.force_login(personas.manager)
    contract = chain_admin.a.contract
    data = _add_minimum(_contract_form(contract, price_per_kg="3.50"), "2030-01-01", "20000")
    response = client.post(
        f"/admin/chain/contract/{contract.pk}/change/", data, headers={"accept-language": "en"}
    )
    assert response.status_code == 200
    (minimums,) = response.context["inline_admin_formsets"]
    assert [errors for errors in minimums.formset.errors if errors] == [
        {"effective_from": ["The date must fall within the contract."]}
    ]
    contract.refresh_from_db()
    assert contract.price_per_kg == Decimal("3.0000") and contract.minimums.count() == 2


def test_a_periods_date_cannot_be_moved(client, personas, chain_admin):
    client.force_login(personas.manager)
    contract = chain_admin.a.contract
    data = _contract_form(contract) | {
        "minimums-1-effective_from": "2026-06-01",
        "minimums-1-minimum_kg": "18000",
    }
    assert client.post(f"/admin/chain/contract/{contract.pk}/change/", data).status_code == 302
    assert list(contract.minimums.values_list("effective_from", "minimum_kg")) == [
        (datetime.date(2024, 1, 1), Decimal("10800.000")),
        (datetime.date(2025, 1, 1), Decimal("18000.000")),
    ]


def test_contract_rules_show_as_form_errors(client, personas, chain_admin):
    client.force_login(personas.manager)
    contract = chain_admin.a.contract
    data = _contract_form(contract, ends_on="2023-12-31")
    response = client.post(f"/admin/chain/contract/{contract.pk}/change/", data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    contract.refresh_from_db()
    assert contract.ends_on == datetime.date(2026, 12, 31)


def test_editing_a_contract_records_who_changed_it(client, personas, chain_admin):
    client.force_login(personas.manager)
    contract = chain_admin.a.contract
    response = client.post(
        f"/admin/chain/contract/{contract.pk}/change/", _contract_form(contract, price_per_kg="3.25")
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.price_per_kg == Decimal("3.2500")
    assert contract.history.latest().history_user == personas.manager
    assert contract.minimums.count() == 2  # the unchanged periods were not written again


def test_shipment_changelist_queries_do_not_grow_with_rows(client, personas, chain_admin, coop_a):
    client.force_login(personas.manager)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/chain/shipment/").status_code == 200
        return len(captured)

    few = queries()
    a = chain_admin.a
    for n in range(10):
        lot = LotFactory(cooperative=coop_a, product=a.product, family=a.lot.family, collected_on=DAY)
        services.shipment_create(
            actor=personas.manager,
            cooperative=coop_a,
            buyer=a.buyer,
            contract=a.contract,
            product=a.product,
            reference=f"A-MORE-{n}",
            shipped_on=DAY,
            exchange_rate=Decimal("5.20"),
            allocations=[(lot, "5")],
        )
    assert queries() == few <= 16
