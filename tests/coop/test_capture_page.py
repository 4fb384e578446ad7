"""The offline capture page: who may open it, what it caches, in how many queries; and the
API answers its outbox relies on when it syncs."""

import datetime

import pytest
from django.urls import reverse

from coop.models import Association, Family, Lot
from tests.factories import AssociationFactory, FamilyFactory, ProductFactory

TODAY = datetime.date.today()


def capture_url(coop):
    return reverse("capture", args=[coop.slug])


@pytest.fixture
def points(coop_a, world):
    """Co-op A: a honey room with an active, a suspended and a departed family; a cantina."""
    room = AssociationFactory(cooperative=coop_a, code="HR-01", kind=Association.Kind.HONEY_ROOM)
    cantina = AssociationFactory(cooperative=coop_a, code="CAN-01", kind=Association.Kind.CANTINA)
    return {
        "room": room,
        "cantina": cantina,
        "active": FamilyFactory(cooperative=coop_a, association=room, code="F-001"),
        "suspended": FamilyFactory(
            cooperative=coop_a, association=room, code="F-002", status=Family.Status.SUSPENDED
        ),
        "left": FamilyFactory(cooperative=coop_a, association=room, code="F-003", status=Family.Status.LEFT),
        "nuts": FamilyFactory(cooperative=coop_a, association=cantina, code="B-001"),
        "honey": ProductFactory(cooperative=coop_a, code="HONEY", name="Mel"),
    }


def test_staff_gets_the_families_of_their_collection_points_with_their_status(
    client, personas, points, world
):
    client.force_login(personas.staff)
    response = client.get(capture_url(points["room"].cooperative))
    assert response.status_code == 200
    choices = response.context["capture_config"]["choices"]
    by_code = {family["code"]: family for family in choices["families"]}
    assert by_code["F-001"]["status"] == "active"
    assert by_code["F-002"]["status"] == "suspended"  # shown, so staff can say why it cannot deliver
    assert "F-003" not in by_code  # left the co-op
    assert by_code["B-001"]["point"] == points["cantina"].pk
    assert world.family_b.code not in by_code  # another co-op's family
    kinds = {point["code"]: point["kinds"] for point in choices["points"]}
    assert kinds == {"A-ASSOC": ["barrel"], "CAN-01": ["nut_purchase"], "HR-01": ["barrel"]}
    assert [product["code"] for product in choices["products"]] == ["HONEY"]
    assert choices["default_products"]["barrel"] == points["honey"].pk


def test_the_page_carries_its_config_as_json_and_its_scripts_from_static(client, personas, points):
    client.force_login(personas.staff)
    html = client.get(capture_url(points["room"].cooperative)).content.decode()
    assert '<script id="capture-config" type="application/json">' in html
    assert "/static/js/outbox.js" in html and "/static/js/capture.js" in html
    assert "/static/vendor/idb/idb.umd.js" in html
    assert "<script>" not in html  # the CSP allows no inline script


def test_the_page_speaks_portuguese_from_the_catalogue(client, personas, points):
    client.force_login(personas.staff)
    response = client.get(capture_url(points["room"].cooperative), HTTP_ACCEPT_LANGUAGE="pt-br")
    html = response.content.decode()
    assert "Registrar sem sinal" in html
    assert "Sincronizar agora" in html
    texts = response.context["capture_config"]["texts"]
    assert texts["state_pending"] == "Aguardando envio"
    assert texts["fields"]["net_kg"] == "Kg líquidos"


def test_auditor_may_not_open_the_capture_page(client, personas, points):
    client.force_login(personas.auditor)
    assert client.get(capture_url(points["room"].cooperative)).status_code == 403


def test_another_coops_capture_page_is_404(client, personas, points):
    client.force_login(personas.outsider)
    assert client.get(capture_url(points["room"].cooperative)).status_code == 404


def test_anonymous_is_sent_to_log_in(client, points):
    response = client.get(capture_url(points["room"].cooperative))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_page_runs_the_same_queries_for_3_or_300_families(
    client, personas, points, django_assert_max_num_queries
):
    client.force_login(personas.staff)
    url = capture_url(points["room"].cooperative)
    with django_assert_max_num_queries(20) as few:
        assert client.get(url).status_code == 200
    FamilyFactory.create_batch(300, cooperative=points["room"].cooperative, association=points["room"])
    with django_assert_max_num_queries(20) as many:
        response = client.get(url)
    assert len(response.context["capture_config"]["choices"]["families"]) == 304
    assert len(many.captured_queries) == len(few.captured_queries)


def test_staff_home_links_to_the_capture_page(client, personas, points):
    client.force_login(personas.staff)
    coop = points["room"].cooperative
    response = client.get(reverse("cooperative_home", args=[coop.slug]), follow=True)
    assert capture_url(coop) in response.content.decode()


# --- What the outbox's sync meets at the API -------------------------------------------------


def barrel(points, **overrides):
    return {
        "cooperative": "coop-a",
        "kind": "barrel",
        "product": points["honey"].pk,
        "family": points["active"].pk,
        "association": points["room"].pk,
        "collected_on": TODAY.isoformat(),
        "net_kg": "20.4",
        "moisture_pct": "18.5",
        **overrides,
    }


def send(api, body, key):
    return api.post("/api/v1/lots/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_record_whose_family_is_of_another_coop_is_refused_saying_so(api, personas, points, world):
    api.force_authenticate(personas.staff)
    response = send(api, barrel(points, family=world.family_b.pk), "k-1")
    assert response.status_code == 400
    assert response.json()["family"] == [f"Nenhuma família com id {world.family_b.pk} nas suas cooperativas."]
    assert not Lot.objects.exists()


def test_a_record_of_a_family_suspended_meanwhile_is_refused_naming_it(api, personas, points):
    api.force_authenticate(personas.staff)
    response = send(api, barrel(points, family=points["suspended"].pk), "k-1")
    assert response.status_code == 400
    assert "F-002" in response.json()["family"][0]
    assert not Lot.objects.exists()


def test_an_outbox_record_sent_three_times_is_one_lot(api, personas, points):
    api.force_authenticate(personas.staff)
    answers = [send(api, barrel(points), "outbox-key-1") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [201, 201, 201]
    assert {answer.json()["code"] for answer in answers} == {answers[0].json()["code"]}
    assert Lot.objects.count() == 1


def test_a_key_reused_for_another_body_is_refused_with_a_reason(api, personas, points):
    api.force_authenticate(personas.staff)
    assert send(api, barrel(points), "outbox-key-1").status_code == 201
    response = send(api, barrel(points, net_kg="25"), "outbox-key-1")
    assert response.status_code == 422
    assert "Idempotency-Key já foi usada" in response.json()["detail"]
    assert Lot.objects.count() == 1


def test_an_expired_session_is_401_so_the_outbox_waits(client, personas, points):
    # The phone's session cookie no longer names a session: the API answers 401, not a
    # redirect to the login page, and records nothing.
    client.force_login(personas.staff)
    client.logout()
    response = client.post(
        "/api/v1/lots/", barrel(points), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert response.status_code == 401
    assert not Lot.objects.exists()


def test_a_session_post_without_the_csrf_token_is_403(personas, points):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.staff)
    response = client.post(
        "/api/v1/lots/", barrel(points), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Lot.objects.exists()
