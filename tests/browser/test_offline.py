"""Recording at a honey room without signal (issue 13): the capture page, opened once with
a connection, works offline through the service worker; its outbox sends each record once
through the API when the connection comes back, and keeps what the server refuses, with
the server's reason, until the user corrects or discards it.

Chromium at 360 × 740; `context.set_offline(True)` cuts the page and its service worker
off the network. Service workers need a secure context, which http://localhost is.
"""

import json
import shutil
from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session

from coop import services as coop_services
from coop.models import Family, IdempotencyKey, Lot
from coop.serializers import LotSerializer
from tests.browser.conftest import CHROMIUM, TODAY, log_in, save_screenshot, scroll_width
from tests.factories import FamilyFactory

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs chromium: apt-get install chromium"),
]

PHONE = {"width": 360, "height": 740}
RECORDS = "#outbox-list .outbox-record"


def open_capture(open_page, user, slug="honey"):
    """The capture page, opened once with a connection, ready to work offline."""
    page = open_page(user, viewport=PHONE)
    page.goto(f"/c/{slug}/capture/")
    expect(page.locator("#capture")).to_have_attribute("data-ready", "true")
    return page


def record_barrel(page, family, kg="20,4", moisture="18,5", *, saved=True):
    page.select_option("#capture-family", str(family.pk))
    page.fill("#capture-net-kg", kg)
    page.fill("#capture-moisture", moisture)
    page.click("#capture-form button[type=submit]")
    if saved:  # the form empties itself for the next barrel
        expect(page.locator("#capture-net-kg")).to_have_value("")


def add_to_outbox(page, body, key=None):
    """A record as the page keeps it, written straight into the outbox (as an old copy of
    the page, or another tab, might have left it)."""
    return page.evaluate(
        """async ([body, key]) => {
            const record = await MutiraoOutbox.add({cooperative: body.cooperative, user: "honey-staff",
                body, summary: {kind: "", family: "?", kg: body.net_kg, code: ""}});
            if (key) await MutiraoOutbox.update(record.id, {key});
            return record.id;
        }""",
        [body, key],
    )


def barrel_body(honey, family, **overrides):
    return {
        "cooperative": "honey",
        "kind": "barrel",
        "product": honey.product.pk,
        "family": family.pk,
        "association": honey.room.pk,
        "collected_on": TODAY.isoformat(),
        "net_kg": "20.4",
        "moisture_pct": "18.5",
        **overrides,
    }


def unexpected(page, *refusals):
    """The page's problems, but for the API's answers to records the test expects refused."""
    expected = {f"{status} {page.url.split('/c/')[0]}/api/v1/lots/" for status in refusals}
    return [problem for problem in page.problems if problem not in expected]


def new_lots(before):
    return Lot.objects.exclude(pk__in=before).order_by("pk")


def test_three_barrels_recorded_offline_survive_a_reload_and_are_recorded_once(honey, open_page):
    before = list(Lot.objects.values_list("pk", flat=True))
    page = open_capture(open_page, honey.staff)
    assert scroll_width(page) <= PHONE["width"]
    page.context.set_offline(True)
    expect(page.locator("#capture-status")).to_contain_text("Sem conexão")

    # Numbers as Brazilians type them; an ambiguous one is refused, not guessed.
    page.select_option("#capture-point", str(honey.room.pk))
    record_barrel(page, honey.silva, kg="1.234", saved=False)
    expect(page.locator("#capture-net-kg-error")).to_contain_text("1.234 é ambíguo")
    expect(page.locator(RECORDS)).to_have_count(0)
    record_barrel(page, honey.silva, kg="20 kg", saved=False)
    expect(page.locator("#capture-net-kg-error")).to_contain_text("Digite só algarismos")
    record_barrel(page, honey.silva, kg="20,4")
    record_barrel(page, honey.sousa, kg="21,5", moisture="18")
    record_barrel(page, honey.lima, kg="19.5", moisture="17,9")
    expect(page.locator(RECORDS + "[data-state=pending]")).to_have_count(3)

    # Reloaded with no connection: the copy the service worker kept (a family added since
    # is not in it), and the outbox still there.
    FamilyFactory(cooperative=honey.coop, association=honey.room, code="F-009", household_name="Nova")
    response = page.reload()
    assert response.from_service_worker
    assert page.locator("#capture-family option", has_text="F-009").count() == 0
    assert page.locator("#capture-family option", has_text="F-003").count() == 1
    expect(page.locator(RECORDS + "[data-state=pending]")).to_have_count(3)
    assert new_lots(before).count() == 0
    save_screenshot(page, "offline-outbox-phone")

    page.context.set_offline(False)  # the "online" event sends them
    expect(page.locator(RECORDS + "[data-state=synced]")).to_have_count(3)
    lots = list(new_lots(before))
    assert [(lot.family.code, lot.net_kg, lot.moisture_pct) for lot in lots] == [
        ("F-001", Decimal("20.400"), Decimal("18.50")),
        ("F-002", Decimal("21.500"), Decimal("18.00")),
        ("F-003", Decimal("19.500"), Decimal("17.90")),
    ]
    assert {lot.recorded_by for lot in lots} == {honey.staff}
    assert {lot.collected_on for lot in lots} == {TODAY}
    for lot in lots:
        expect(page.locator(RECORDS, has_text=lot.code)).to_be_visible()

    # Replaying the whole sync, twice: the server answers each key with its first answer.
    for _ in range(2):
        page.evaluate(
            """async () => {
                for (const record of await MutiraoOutbox.list("honey"))
                    await MutiraoOutbox.update(record.id, {state: "pending"});
            }"""
        )
        page.click("#capture-sync")
        expect(page.locator("#capture")).to_have_attribute("data-syncing", "false")
        expect(page.locator(RECORDS + "[data-state=synced]")).to_have_count(3)
    assert new_lots(before).count() == 3
    assert list(new_lots(before)) == lots

    # A receipt for a synced record: the lot's page with its label and receipt.
    first = new_lots(before).first()
    page.locator(RECORDS, has_text=first.code).locator("a.button").click()
    expect(page.locator(".lot-code")).to_have_text(first.code)
    assert page.problems == []


def test_a_family_suspended_meanwhile_is_refused_with_the_reason_and_can_be_discarded(honey, open_page):
    page = open_capture(open_page, honey.staff)
    page.context.set_offline(True)
    page.select_option("#capture-point", str(honey.room.pk))
    record_barrel(page, honey.lima)
    coop_services.family_update(actor=honey.manager, family=honey.lima, status=Family.Status.SUSPENDED)

    page.context.set_offline(False)
    refused = page.locator(RECORDS + "[data-state=refused]")
    expect(refused).to_contain_text("Família: A família F-003")
    expect(refused).to_contain_text("suspensa")
    assert not Lot.objects.filter(family=honey.lima, collected_on=TODAY).exists()

    page.once("dialog", lambda dialog: dialog.accept())
    refused.locator("[data-action=discard]").click()
    expect(page.locator(RECORDS)).to_have_count(0)
    expect(page.locator("#outbox-list")).to_contain_text("Nada registrado")
    assert not Lot.objects.filter(family=honey.lima, collected_on=TODAY).exists()
    assert unexpected(page, 400) == []


def test_another_coops_family_and_a_reused_key_are_refused_with_clear_reasons(honey, babassu, open_page):
    before = list(Lot.objects.values_list("pk", flat=True))
    page = open_capture(open_page, honey.staff)
    page.context.set_offline(True)
    add_to_outbox(page, barrel_body(honey, babassu.sousa))
    first = add_to_outbox(page, barrel_body(honey, honey.silva), key="one-key")
    add_to_outbox(page, barrel_body(honey, honey.sousa, net_kg="22"), key="one-key")
    page.context.set_offline(False)
    page.click("#capture-sync")

    expect(page.locator(RECORDS + "[data-state=synced]")).to_have_count(1)
    refused = page.locator(RECORDS + "[data-state=refused]")
    expect(refused).to_have_count(2)
    expect(refused.nth(1)).to_contain_text(f"Nenhuma família com id {babassu.sousa.pk} nas suas cooperativas")
    expect(refused.nth(0)).to_contain_text("Idempotency-Key já foi usada")
    assert [lot.family for lot in new_lots(before)] == [honey.silva]
    assert page.evaluate("async (id) => (await MutiraoOutbox.get(id)).state", first) == "synced"

    # Corrected, the record whose key was taken goes out under a new key, once.
    refused.nth(0).locator("[data-action=correct]").click()
    page.click("#capture-form button[type=submit]")
    expect(page.locator(RECORDS + "[data-state=synced]")).to_have_count(2)
    assert [lot.family for lot in new_lots(before)] == [honey.silva, honey.sousa]
    assert unexpected(page, 400, 422) == []


def test_an_expired_session_keeps_the_records_until_the_user_logs_in_again(honey, open_page):
    before = list(Lot.objects.values_list("pk", flat=True))
    page = open_capture(open_page, honey.staff)
    page.context.set_offline(True)
    page.select_option("#capture-point", str(honey.room.pk))
    record_barrel(page, honey.silva)
    Session.objects.all().delete()  # the session ends while the phone is away

    page.context.set_offline(False)
    expect(page.locator("#capture-login")).to_be_visible()
    expect(page.locator("#capture-status")).to_contain_text("Entre de novo")
    expect(page.locator(RECORDS + "[data-state=pending]")).to_have_count(1)
    assert new_lots(before).count() == 0
    save_screenshot(page, "offline-login-again-phone")

    log_in(page, "honey-staff")
    # The login page dropped the kept capture pages (a shared phone), not the outbox.
    assert page.evaluate("caches.has('mutirao-pages')") is False
    page.goto("/c/honey/capture/")
    expect(page.locator(RECORDS + "[data-state=synced]")).to_have_count(1)
    assert [lot.family for lot in new_lots(before)] == [honey.silva]
    assert unexpected(page, 401) == []


def test_an_unusual_value_is_confirmed_and_sent_again_under_the_same_key(honey, open_page):
    """The plausibility check (helper `numbers`) refuses an unusual value with a 400 naming
    `confirm_unusual`; the outbox offers to confirm it and resends with the flag. Where the
    API does not know the flag yet, its answer is played here and the flag taken off the
    resent body; where it does, the real API answers both."""
    api_checks = "confirm_unusual" in LotSerializer().fields
    before = list(Lot.objects.values_list("pk", flat=True))
    page = open_capture(open_page, honey.staff)
    sent = []

    def plausibility(route):
        body = json.loads(route.request.post_data)
        sent.append((route.request.headers["idempotency-key"], body.get("confirm_unusual")))
        if api_checks:
            route.continue_()
        elif not body.pop("confirm_unusual", False):
            answer = {"net_kg": ["204 kg — o normal é 15 a 30 kg"], "confirm_unusual": ["Confirme o valor."]}
            route.fulfill(status=400, content_type="application/json", body=json.dumps(answer))
        else:
            route.continue_(post_data=json.dumps(body))

    page.route("**/api/v1/lots/", plausibility)
    page.select_option("#capture-point", str(honey.room.pk))
    record_barrel(page, honey.silva, kg="204")
    refused = page.locator(RECORDS + "[data-state=refused]")
    expect(refused).to_contain_text("204")
    assert not new_lots(before).exists()
    refused.locator("[data-action=confirm]").click()
    expect(page.locator(RECORDS + "[data-state=synced]")).to_have_count(1)
    assert [flag for _key, flag in sent] == [None, True]
    assert sent[0][0] == sent[1][0]  # one record, one key
    assert [lot.net_kg for lot in new_lots(before)] == [Decimal("204.000")]
    assert IdempotencyKey.objects.filter(key=sent[0][0]).count() == 1
    assert unexpected(page, 400) == []


def test_a_nut_purchase_recorded_offline_at_a_cantina_is_paid_as_typed(babassu, open_page):
    page = open_capture(open_page, babassu.staff, slug="babassu")
    expect(page.locator("#capture-kinds")).to_be_hidden()  # a cantina buys nuts, nothing else
    expect(page.locator("#capture-moisture")).to_be_hidden()
    page.context.set_offline(True)
    page.select_option("#capture-family", str(babassu.pereira.pk))
    page.fill("#capture-net-kg", "30,5")
    page.fill("#capture-price", "3,20")
    page.click("#capture-form button[type=submit]")
    expect(page.locator(RECORDS + "[data-state=pending]")).to_have_count(1)

    page.context.set_offline(False)
    expect(page.locator(RECORDS + "[data-state=synced]")).to_have_count(1)
    lot = Lot.objects.get(family=babassu.pereira)
    assert (lot.kind, lot.net_kg, lot.price_per_kg, lot.amount_paid) == (
        Lot.Kind.NUT_PURCHASE,
        Decimal("30.500"),
        Decimal("3.2000"),
        Decimal("97.60"),
    )
    assert lot.association == babassu.cantina  # the only cantina, chosen for the user
    save_screenshot(page, "offline-purchase-phone")
    assert page.problems == []
