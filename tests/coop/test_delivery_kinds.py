"""A co-op records only what it handles (issue 13): the honey co-op's home offered "Nova
compra de amêndoas" and the babassu co-op's "Novo tambor", and both forms would save.

What a co-op handles follows from its products' `delivered_as`; the rule lives in the
service (`kind_errors`, called by lot_record and by the lots import), so the form, the
API and the import refuse alike."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from coop import selectors, services
from coop.imports.lots import lots_import
from coop.imports.results import ImportRejected
from coop.models import Association, Lot, Role
from tests.factories import AssociationFactory, FamilyFactory, MembershipFactory, ProductFactory, UserFactory

DAY = datetime.date.today() - datetime.timedelta(days=2)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def honey(coop_a, personas):
    """Co-op A as a honey co-op: honey in barrels, wax as another delivery, no nuts."""
    room = AssociationFactory(cooperative=coop_a, code="HR-01", kind=Association.Kind.HONEY_ROOM)
    return dict(
        coop=coop_a,
        staff=personas.staff,
        room=room,
        honey=ProductFactory(cooperative=coop_a, code="HONEY", name="Mel", delivered_as="barrel"),
        wax=ProductFactory(cooperative=coop_a, code="WAX", name="Cera", delivered_as="delivery"),
        family=FamilyFactory(cooperative=coop_a, association=room, code="F-001"),
    )


@pytest.fixture
def babassu(coop_b):
    cantina = AssociationFactory(cooperative=coop_b, code="CAN-01", kind=Association.Kind.CANTINA)
    staff = UserFactory(username="b-staff")
    MembershipFactory(user=staff, cooperative=coop_b, role=Role.STAFF)
    return dict(
        coop=coop_b,
        staff=staff,
        cantina=cantina,
        nuts=ProductFactory(cooperative=coop_b, code="NUTS", name="Amêndoa", delivered_as="nut_purchase"),
        family=FamilyFactory(cooperative=coop_b, association=cantina, code="B-001"),
    )


def _record(data, kind, product, **extra):
    return services.lot_record(
        actor=data["staff"],
        cooperative=data["coop"],
        kind=kind,
        product=product,
        family=data["family"],
        collected_on=DAY,
        net_kg="20",
        **extra,
    )


# --- What each co-op handles ------------------------------------------------------------


def test_what_a_co_op_handles_follows_from_its_products(honey, babassu):
    assert selectors.kinds_handled(cooperative=honey["coop"]) == {Lot.Kind.BARREL, Lot.Kind.DELIVERY}
    assert selectors.kinds_handled(cooperative=babassu["coop"]) == {Lot.Kind.NUT_PURCHASE}


def test_a_product_that_does_not_say_may_be_delivered_any_way(coop_a):
    ProductFactory(cooperative=coop_a, code="ANY")
    assert selectors.kinds_handled(cooperative=coop_a) == {
        Lot.Kind.BARREL,
        Lot.Kind.NUT_PURCHASE,
        Lot.Kind.DELIVERY,
    }


def test_a_made_product_is_not_delivered(coop_a, personas):
    nuts = ProductFactory(cooperative=coop_a, code="NUTS")
    with pytest.raises(ValidationError) as refused:
        services.product_create(
            actor=personas.manager,
            cooperative=coop_a,
            code="OIL",
            name="Óleo",
            made_from=nuts,
            expected_yield="0.45",
            delivered_as="nut_purchase",
        )
    assert "delivered_as" in refused.value.message_dict


# --- The service -------------------------------------------------------------------------


def test_a_honey_co_op_records_no_nut_purchase(honey):
    with pytest.raises(ValidationError) as refused:
        _record(honey, Lot.Kind.NUT_PURCHASE, honey["honey"], price_per_kg="3.00")
    assert list(refused.value.message_dict) == ["kind"]
    assert "does not record nut purchase" in refused.value.message_dict["kind"][0]
    assert not Lot.objects.filter(cooperative=honey["coop"]).exists()


def test_a_babassu_co_op_records_no_barrel(babassu):
    with pytest.raises(ValidationError) as refused:
        _record(babassu, Lot.Kind.BARREL, babassu["nuts"], moisture_pct="18")
    assert list(refused.value.message_dict) == ["kind"]
    assert not Lot.objects.filter(cooperative=babassu["coop"]).exists()


def test_a_product_is_recorded_only_the_way_it_is_delivered(honey):
    with pytest.raises(ValidationError) as refused:
        _record(honey, Lot.Kind.DELIVERY, honey["honey"])
    assert refused.value.message_dict["product"] == [
        "Mel is recorded as honey barrel, not as other delivery."
    ]
    wax = _record(honey, Lot.Kind.DELIVERY, honey["wax"])
    assert wax.kind == Lot.Kind.DELIVERY and wax.code.startswith("DL")


# --- The API, the pages, the import ------------------------------------------------------


def test_the_api_refuses_a_nut_purchase_in_a_honey_co_op_naming_the_field(api, honey):
    api.force_authenticate(honey["staff"])
    body = {
        "cooperative": honey["coop"].slug,
        "kind": "nut_purchase",
        "product": honey["honey"].pk,
        "family": honey["family"].pk,
        "collected_on": DAY.isoformat(),
        "net_kg": "20.000",
        "price_per_kg": "3.00",
    }
    response = api.post("/api/v1/lots/", body, format="json")
    assert response.status_code == 400, response.content
    assert "kind" in response.json()
    assert not Lot.objects.exists()


@pytest.mark.parametrize(
    ("side", "form", "offered", "hidden"),
    [
        ("honey", "lot_record_purchase", "lot_record_barrel", "lot_record_purchase"),
        ("babassu", "lot_record_barrel", "lot_record_purchase", "lot_record_barrel"),
    ],
)
def test_the_home_hides_and_the_form_refuses_what_the_co_op_does_not_handle(
    client, request, side, form, offered, hidden
):
    data = request.getfixturevalue(side)
    slug = data["coop"].slug
    client.force_login(data["staff"])
    home = client.get(reverse("cooperative_home", args=[slug])).content.decode()
    assert f'href="{reverse(offered, args=[slug])}"' in home
    assert reverse(hidden, args=[slug]) not in home
    for page in ("lot_record_choose", "lot_list"):
        assert reverse(hidden, args=[slug]) not in client.get(reverse(page, args=[slug])).content.decode()

    response = client.get(reverse(form, args=[slug]))
    assert response.status_code == 404
    assert "does not record" in response.content.decode() or "não registra" in response.content.decode()
    posted = client.post(reverse(form, args=[slug]), {"family": data["family"].code, "net_kg": "20"})
    assert posted.status_code == 404
    assert not Lot.objects.filter(cooperative=data["coop"]).exists()


def test_the_other_delivery_form_records_wax(client, honey):
    client.force_login(honey["staff"])
    url = reverse("lot_record_delivery", args=[honey["coop"].slug])
    form = client.get(url).context["form"]
    assert list(form.fields["product"].queryset) == [honey["wax"]]  # honey goes in barrels
    response = client.post(
        url,
        {
            "family": honey["family"].pk,
            "net_kg": "3.5",
            "product": honey["wax"].pk,
            "collected_on": DAY.isoformat(),
            "association": honey["room"].pk,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    lot = Lot.objects.get(cooperative=honey["coop"])
    assert (lot.kind, lot.product, str(lot.net_kg)) == (Lot.Kind.DELIVERY, honey["wax"], "3.500")


def test_the_import_refuses_a_nut_purchase_row_in_a_honey_co_op(honey):
    rows = [
        (2, {"kind": "barrel", "family": "F-001", "product": "HONEY", "collected_on": DAY, "net_kg": "20",
             "moisture_pct": "18"}),
        (3, {"kind": "nut_purchase", "family": "F-001", "product": "HONEY", "collected_on": DAY,
             "net_kg": "20", "price_per_kg": "3"}),
    ]  # fmt: skip
    with pytest.raises(ImportRejected) as refused:
        lots_import(actor=honey["staff"], cooperative=honey["coop"], rows=rows)
    problems = [(problem.row, problem.column) for problem in refused.value.problems]
    assert (3, "kind") in problems and all(row == 3 for row, _column in problems)
    assert not Lot.objects.exists()
