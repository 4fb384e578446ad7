"""Recording barrels and nut purchases on a phone, the lot list and the lot page."""

import datetime
from decimal import Decimal

import pytest
from django.utils.html import escape

from coop import services
from coop.models import Family, Lot, LotInput
from tests.coop import production_pages
from tests.coop.production_pages import TODAY, purchase, url
from tests.factories import AssociationFactory, FamilyFactory, LotFactory, ProductFactory

honey = production_pages.honey
babassu = production_pages.babassu
english = production_pages.english
pytestmark = pytest.mark.usefixtures("english")


def _barrel_data(honey, **overrides):
    data = {
        "family": honey.family.pk,
        "family_q": "",
        "net_kg": "20",
        "moisture_pct": "18.5",
        "collected_on": TODAY.isoformat(),
        "association": honey.room.pk,
        "product": honey.product.pk,
        "code": "",
        "harvested_on": "",
        "gross_kg": "",
        "notes": "",
    }
    return {**data, **overrides}


def _purchase_data(babassu, **overrides):
    data = {
        "family": babassu.family.pk,
        "net_kg": "30",
        "price_per_kg": "2.50",
        "collected_on": TODAY.isoformat(),
        "association": babassu.cantina.pk,
        "product": babassu.nuts.pk,
    }
    return {**data, **overrides}


def _field_error(response, field):
    errors = response.context["form"].errors.get(field)
    assert errors, f"no error on {field}: {response.context['form'].errors}"
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html  # shown next to the field, linked to its input
    return " ".join(errors)


# --- Recording ------------------------------------------------------------------------------


def test_staff_records_a_barrel_and_is_offered_the_label_and_another(client, personas, honey):
    client.force_login(personas.staff)
    response = client.post(url("lot_record_barrel", honey.coop), _barrel_data(honey))
    lot = Lot.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("lot_saved", honey.coop, lot.pk)
    assert (lot.kind, lot.status, lot.net_kg, lot.family) == (
        "barrel",
        "accepted",
        Decimal("20"),
        honey.family,
    )
    assert lot.recorded_by == personas.staff
    page = client.get(response["Location"]).content.decode()
    assert lot.code in page
    assert url("lot_label", honey.coop, lot.pk) in page
    assert url("lot_record_barrel", honey.coop) in page  # record another


def test_the_family_can_be_typed_by_code_without_javascript(client, personas, honey):
    client.force_login(personas.staff)
    data = _barrel_data(honey, family="", family_q="f-001")
    assert client.post(url("lot_record_barrel", honey.coop), data).status_code == 302
    assert Lot.objects.get().family == honey.family


def test_a_name_several_families_share_offers_them_to_choose(client, personas, honey):
    FamilyFactory(cooperative=honey.coop, code="F-002", household_name="Silva Neto")
    client.force_login(personas.staff)
    response = client.post(
        url("lot_record_barrel", honey.coop), _barrel_data(honey, family="", family_q="silva")
    )
    assert "Several match" in _field_error(response, "family")
    html = response.content.decode()
    assert html.count('type="radio" name="family"') == 2
    assert not Lot.objects.exists()


def test_the_next_barrel_starts_from_the_last_place_and_today(client, personas, honey):
    other_room = AssociationFactory(cooperative=honey.coop, kind="honey_room", code="HR-02")
    client.force_login(personas.staff)
    client.post(url("lot_record_barrel", honey.coop), _barrel_data(honey, association=other_room.pk))
    form = client.get(url("lot_record_barrel", honey.coop)).context["form"]
    assert form.initial["association"] == other_room.pk
    assert form.initial["product"] == honey.product.pk
    assert form.initial["collected_on"] == datetime.date.today() or form.initial["collected_on"] <= TODAY


def test_the_product_defaults_to_the_co_ops_honey(client, personas, honey):
    ProductFactory(cooperative=honey.coop, code="WAX", name="Cera")  # listed first by name
    client.force_login(personas.staff)
    form = client.get(url("lot_record_barrel", honey.coop)).context["form"]
    assert form.initial["product"] == honey.product.pk


def test_a_wet_barrel_is_recorded_as_rejected_with_the_reason(client, personas, honey):
    client.force_login(personas.staff)
    response = client.post(
        url("lot_record_barrel", honey.coop), _barrel_data(honey, moisture_pct="21.5"), follow=True
    )
    lot = Lot.objects.get()
    assert lot.status == Lot.Status.REJECTED
    html = response.content.decode()
    assert "is-rejected" in html
    assert escape(lot.rejection_reason) in html


yesterday = (TODAY - datetime.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"net_kg": "0"}, "net_kg", "more than zero"),
        ({"net_kg": "-5"}, "net_kg", "cannot be negative"),
        ({"net_kg": "2000"}, "net_kg", "not plausible"),
        ({"moisture_pct": "101"}, "moisture_pct", "between 0 and 100"),
        ({"moisture_pct": ""}, "moisture_pct", "moisture"),
        (
            {"harvested_on": TODAY.isoformat(), "collected_on": yesterday},
            "collected_on",
            "before the harvest",
        ),
        ({"gross_kg": "19"}, "gross_kg", "less than net"),
        ({"code": "has spaces"}, "code", ""),
        ({"family": "", "family_q": "NO-SUCH"}, "family", "Nothing matches"),
        ({"family": "", "family_q": ""}, "family", ""),
    ],
)
def test_bad_barrel_input_shows_by_the_field_and_writes_nothing(
    client, personas, honey, overrides, field, message
):
    client.force_login(personas.staff)
    response = client.post(url("lot_record_barrel", honey.coop), _barrel_data(honey, **overrides))
    assert response.status_code == 200
    assert message in _field_error(response, field)
    assert not Lot.objects.exists()


def test_a_suspended_family_cannot_deliver(client, personas, honey):
    Family.objects.filter(pk=honey.family.pk).update(status=Family.Status.SUSPENDED)
    client.force_login(personas.staff)
    response = client.post(url("lot_record_barrel", honey.coop), _barrel_data(honey))
    assert "suspended" in _field_error(response, "family")
    assert not Lot.objects.exists()


def test_a_duplicate_code_is_refused_next_to_the_code(client, personas, honey):
    LotFactory(cooperative=honey.coop, product=honey.product, family=honey.family, code="BR-7")
    client.force_login(personas.staff)
    response = client.post(url("lot_record_barrel", honey.coop), _barrel_data(honey, code="BR-7"))
    assert "already used" in _field_error(response, "code")
    assert Lot.objects.count() == 1


def test_errors_in_the_folded_fields_unfold_them(client, personas, honey):
    client.force_login(personas.staff)
    response = client.post(url("lot_record_barrel", honey.coop), _barrel_data(honey, code="has spaces"))
    assert '<details class="more" open>' in response.content.decode()


def test_a_family_of_another_co_op_cannot_be_chosen(client, personas, honey, world):
    client.force_login(personas.staff)
    response = client.post(
        url("lot_record_barrel", honey.coop), _barrel_data(honey, family=world.family_b.pk)
    )
    _field_error(response, "family")
    assert not Lot.objects.exists()


def test_staff_records_a_nut_purchase_and_is_offered_the_receipt(client, personas, babassu):
    client.force_login(personas.staff)
    response = client.post(
        url("lot_record_purchase", babassu.coop),
        _purchase_data(babassu),
        follow=True,
        headers={"accept-language": "pt-br"},
    )
    lot = Lot.objects.get()
    assert (lot.kind, lot.amount_paid, lot.currency) == ("nut_purchase", Decimal("75.00"), "BRL")
    html = response.content.decode()
    assert url("lot_receipt", babassu.coop, lot.pk) in html
    assert "R$\xa075,00" in html  # money written the Brazilian way
    # The next purchase starts from the same cantina and price.
    form = client.get(url("lot_record_purchase", babassu.coop)).context["form"]
    assert form.initial["association"] == babassu.cantina.pk
    assert Decimal(form.initial["price_per_kg"]) == Decimal("2.50")
    assert form.initial["product"] == babassu.nuts.pk


def test_a_purchase_without_a_price_is_refused_by_the_price(client, personas, babassu):
    client.force_login(personas.staff)
    response = client.post(
        url("lot_record_purchase", babassu.coop), _purchase_data(babassu, price_per_kg="0")
    )
    _field_error(response, "price_per_kg")
    assert not Lot.objects.exists()


def test_a_honey_room_is_not_offered_for_a_nut_purchase(client, personas, babassu, honey):
    client.force_login(personas.staff)
    response = client.post(
        url("lot_record_purchase", babassu.coop), _purchase_data(babassu, association=honey.room.pk)
    )
    _field_error(response, "association")


def test_new_barrel_from_a_family_page_has_the_family_chosen(client, personas, honey):
    client.force_login(personas.staff)
    html = client.get(url("lot_record_barrel", honey.coop) + f"?family={honey.family.pk}").content.decode()
    assert f'name="family" value="{honey.family.pk}" checked' in html


# --- Roles and tenancy -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["lot_record_barrel", "lot_record_purchase"])
def test_auditor_may_not_record(client, personas, honey, name):
    client.force_login(personas.auditor)
    assert client.get(url(name, honey.coop)).status_code == 403
    assert client.post(url(name, honey.coop), _barrel_data(honey)).status_code == 403
    assert not Lot.objects.exists()


def test_auditor_sees_lots_without_recording_buttons(client, personas, honey):
    lot = LotFactory(cooperative=honey.coop, product=honey.product, family=honey.family, status="received")
    client.force_login(personas.auditor)
    listing = client.get(url("lot_list", honey.coop)).content.decode()
    assert lot.code in listing
    assert url("lot_record_barrel", honey.coop) not in listing
    detail = client.get(url("lot_detail", honey.coop, lot.pk)).content.decode()
    assert url("lot_accept", honey.coop, lot.pk) not in detail
    assert url("lot_reject", honey.coop, lot.pk) not in detail
    assert url("lot_label", honey.coop, lot.pk) in detail  # reading and printing is fine


@pytest.mark.parametrize("name", ["lot_accept", "lot_reject"])
def test_auditor_may_not_accept_or_reject(client, personas, honey, name):
    lot = LotFactory(cooperative=honey.coop, product=honey.product, family=honey.family, status="received")
    client.force_login(personas.auditor)
    assert client.post(url(name, honey.coop, lot.pk), {"rejection_reason": "x"}).status_code == 403
    lot.refresh_from_db()
    assert lot.status == "received"


@pytest.mark.parametrize(
    "name", ["lot_detail", "lot_saved", "lot_label", "lot_receipt", "lot_accept", "lot_reject"]
)
def test_another_co_ops_lot_is_not_found(client, personas, coop_a, coop_b, name):
    lot_b = LotFactory(cooperative=coop_b, kind="nut_purchase")
    client.force_login(personas.admin)
    method = client.post if name in ("lot_accept", "lot_reject") else client.get
    # Under A's address (the id of B's lot) and under B's: neither exists for a member of A.
    assert method(url(name, coop_a, lot_b.pk)).status_code == 404
    assert method(url(name, coop_b, lot_b.pk)).status_code == 404


def test_outsider_sees_nothing_of_the_lots(client, personas, honey):
    client.force_login(personas.outsider)
    assert client.get(url("lot_list", honey.coop)).status_code == 404
    assert client.get(url("family_search", honey.coop) + "?q=F").status_code == 404


# --- Accept and reject ------------------------------------------------------------------------


def test_staff_accepts_a_received_lot(client, personas, honey):
    lot = LotFactory(cooperative=honey.coop, product=honey.product, family=honey.family, status="received")
    client.force_login(personas.staff)
    response = client.post(url("lot_accept", honey.coop, lot.pk))
    assert response.status_code == 302
    lot.refresh_from_db()
    assert lot.status == "accepted"


def test_staff_rejects_a_lot_with_a_reason(client, personas, honey):
    lot = LotFactory(cooperative=honey.coop, product=honey.product, family=honey.family)
    client.force_login(personas.staff)
    response = client.post(
        url("lot_reject", honey.coop, lot.pk), {"rejection_reason": "Fermented"}, follow=True
    )
    lot.refresh_from_db()
    assert (lot.status, lot.rejection_reason) == ("rejected", "Fermented")
    assert "Fermented" in response.content.decode()


def test_a_rejection_without_a_reason_is_refused_by_the_field(client, personas, honey):
    lot = LotFactory(cooperative=honey.coop, product=honey.product, family=honey.family)
    client.force_login(personas.staff)
    response = client.post(url("lot_reject", honey.coop, lot.pk), {"rejection_reason": "  "})
    assert response.status_code == 400
    assert response.context["reject_form"].errors["rejection_reason"]
    lot.refresh_from_db()
    assert lot.status == "accepted"


def test_get_on_an_action_is_not_allowed(client, personas, honey):
    lot = LotFactory(cooperative=honey.coop, product=honey.product, family=honey.family, status="received")
    client.force_login(personas.staff)
    assert client.get(url("lot_accept", honey.coop, lot.pk)).status_code == 405


# --- The family picker's search ------------------------------------------------------------------


def test_family_search_answers_matches_of_this_co_op_only(client, personas, honey, coop_b):
    FamilyFactory(cooperative=coop_b, code="F-001", household_name="Silva")  # same code and name in B
    client.force_login(personas.staff)
    response = client.get(url("family_search", honey.coop), {"field": "family", "family_q": "silva"})
    html = response.content.decode()
    assert html.count('type="radio"') == 1
    assert f'value="{honey.family.pk}"' in html
    assert "<html" not in html  # a fragment, not a page


def test_family_search_is_bounded_and_runs_fixed_queries(
    client, personas, honey, django_assert_max_num_queries
):
    client.force_login(personas.auditor)  # reading families is every member's right
    search = url("family_search", honey.coop) + "?field=family&family_q=ferr"
    for i in range(3):
        FamilyFactory(cooperative=honey.coop, household_name=f"Ferreira {i}")
    with django_assert_max_num_queries(6) as small:
        assert client.get(search).content.decode().count('type="radio"') == 3
    for i in range(30):
        FamilyFactory(cooperative=honey.coop, household_name=f"Ferreira {i + 3}")
    with django_assert_max_num_queries(6) as large:
        html = client.get(search).content.decode()
    assert html.count('type="radio"') == 20
    assert "first 20" in html
    assert len(large.captured_queries) == len(small.captured_queries)


def test_family_search_puts_the_exact_code_first(client, personas, honey):
    for code in ("F-0010", "F-0011", "XF-001"):
        FamilyFactory(cooperative=honey.coop, code=code)
    client.force_login(personas.staff)
    html = client.get(
        url("family_search", honey.coop), {"field": "family", "family_q": "F-001"}
    ).content.decode()
    assert html.index(f'value="{honey.family.pk}"') < html.index("F-0010")


def test_a_forged_picker_field_name_is_not_echoed(client, personas, honey):
    client.force_login(personas.staff)
    html = client.get(
        url("family_search", honey.coop), {"field": '"><script>', "q": "silva"}
    ).content.decode()
    assert "<script>" not in html
    assert 'name="q"' in html


# --- Lot list -------------------------------------------------------------------------------------


def _lots(honey, n, start=0):
    return [
        LotFactory(
            cooperative=honey.coop,
            product=honey.product,
            family=honey.family,
            collected_on=datetime.date(2026, 1, 1) + datetime.timedelta(days=(start + i) // 3),
        )
        for i in range(n)
    ]


def test_the_lot_list_pages_newer_and_older_without_counting(client, personas, honey):
    lots = _lots(honey, 120)
    expected = sorted(lots, key=lambda lot: (lot.collected_on, lot.pk), reverse=True)
    client.force_login(personas.staff)
    first = client.get(url("lot_list", honey.coop))
    page = first.context["page"]
    assert page.rows == expected[:50] and page.newer is None and page.older
    second = client.get(url("lot_list", honey.coop), {"older": page.older}).context["page"]
    assert second.rows == expected[50:100]
    third = client.get(url("lot_list", honey.coop), {"older": second.older}).context["page"]
    assert third.rows == expected[100:] and third.older is None
    back = client.get(url("lot_list", honey.coop), {"newer": third.newer}).context["page"]
    assert back.rows == expected[50:100]
    top = client.get(url("lot_list", honey.coop), {"newer": back.newer}).context["page"]
    assert top.rows == expected[:50] and top.newer is None


def test_a_broken_cursor_shows_the_first_page(client, personas, honey):
    _lots(honey, 3)
    client.force_login(personas.staff)
    for cursor in ("nonsense", "2026-13-01.4", "2026-01-01.x"):
        assert len(client.get(url("lot_list", honey.coop), {"older": cursor}).context["page"].rows) == 3


def test_the_lot_list_filters(client, personas, honey, babassu):
    barrel = LotFactory(cooperative=honey.coop, product=honey.product, family=honey.family, code="BR-1")
    wet = LotFactory(
        cooperative=honey.coop, product=honey.product, family=honey.family, code="BR-2", status="rejected"
    )
    nuts = purchase(babassu, code="NP-1", collected_on=datetime.date(2025, 6, 1))
    client.force_login(personas.staff)

    def rows(**params):
        return set(client.get(url("lot_list", honey.coop), params).context["page"].rows)

    assert rows() == {barrel, wet, nuts}
    assert rows(kind="nut_purchase") == {nuts}
    assert rows(status="rejected") == {wet}
    assert rows(product=honey.product.pk) == {barrel, wet}
    assert rows(family="b-001") == {nuts}
    assert rows(collected_to="2025-12-31") == {nuts}
    assert rows(collected_from="2026-01-01") == {barrel, wet}
    assert rows(q="br-") == {barrel, wet}
    assert rows(kind="no-such-kind") == {barrel, wet, nuts}  # an invalid filter is ignored


def test_the_family_filter_does_not_reach_another_co_op(client, personas, honey, world):
    LotFactory(cooperative=world.family_b.cooperative, family=world.family_b)
    LotFactory(cooperative=honey.coop, product=honey.product, family=honey.family)
    client.force_login(personas.staff)
    response = client.get(url("lot_list", honey.coop), {"family": world.family_b.code})
    assert response.context["page"].rows == []


# 10: the kinds of delivery the co-op handles (its record buttons) is one.
LOT_LIST_QUERY_BOUND = 10


def test_the_lot_list_runs_the_same_bounded_queries_for_5_or_120_lots(
    client, personas, honey, django_assert_max_num_queries
):
    client.force_login(personas.staff)
    _lots(honey, 5)
    with django_assert_max_num_queries(LOT_LIST_QUERY_BOUND) as small:
        client.get(url("lot_list", honey.coop), {"family": "F-001", "product": honey.product.pk})
    _lots(honey, 115, start=5)
    with django_assert_max_num_queries(LOT_LIST_QUERY_BOUND) as large:
        response = client.get(url("lot_list", honey.coop), {"family": "F-001", "product": honey.product.pk})
    assert len(response.context["page"].rows) == 50
    assert len(large.captured_queries) == len(small.captured_queries)
    assert not any("COUNT(" in q["sql"].upper() for q in large.captured_queries)


# --- Lot detail: lineage both ways ------------------------------------------------------------------


def _batch(actor, babassu, sources, kg="10"):
    return services.batch_create(
        actor=actor,
        cooperative=babassu.coop,
        product=babassu.oil,
        inputs=[(source, kg) for source in sources],
        net_kg=str(Decimal(kg) * len(sources) * Decimal("0.3")),
        collected_on=TODAY,
    )


def test_the_lot_page_shows_where_a_lot_came_from_and_what_was_made_from_it(client, personas, babassu):
    other = FamilyFactory(cooperative=babassu.coop, code="B-002", household_name="Pereira")
    first, second = purchase(babassu), purchase(babassu, family=other)
    oil = _batch(personas.staff, babassu, [first, second])
    client.force_login(personas.auditor)
    batch_page = client.get(url("lot_detail", babassu.coop, oil.pk)).content.decode()
    for text in (first.code, second.code, "B-001", "B-002", "Pereira"):
        assert text in batch_page
    source_page = client.get(url("lot_detail", babassu.coop, first.pk)).content.decode()
    assert oil.code in source_page
    assert "20" in source_page  # 30 kg bought, 10 kg taken: 20 kg left


def test_the_lot_page_shows_its_history(client, personas, honey):
    lot = services.lot_record(
        actor=personas.staff,
        cooperative=honey.coop,
        kind="barrel",
        product=honey.product,
        family=honey.family,
        collected_on=TODAY,
        net_kg="20",
        moisture_pct=Decimal("18"),
    )
    services.lot_reject(actor=personas.manager, lot=lot, reason="Foreign matter")
    client.force_login(personas.staff)
    response = client.get(url("lot_detail", honey.coop, lot.pk))
    html = response.content.decode()
    assert "a-manager" in html and "a-staff" in html
    assert "Foreign matter" in html


LOT_DETAIL_QUERY_BOUND = 16


def test_the_lot_page_runs_the_same_bounded_queries_for_a_small_or_deep_lineage(
    client, personas, babassu, django_assert_max_num_queries
):
    client.force_login(personas.staff)
    small_batch = _batch(personas.staff, babassu, [purchase(babassu) for _ in range(2)])
    with django_assert_max_num_queries(LOT_DETAIL_QUERY_BOUND) as small:
        client.get(url("lot_detail", babassu.coop, small_batch.pk))

    # A deeper, wider lineage: 30 purchases by 30 families, two levels of batches.
    families = [FamilyFactory(cooperative=babassu.coop) for _ in range(30)]
    level_one = [
        _batch(personas.staff, babassu, [purchase(babassu, family=family) for family in families[i : i + 10]])
        for i in range(0, 30, 10)
    ]
    babassu.oil.made_from = None  # a blend of oil batches into one export batch
    babassu.oil.save(update_fields=["made_from"])
    export = services.batch_create(
        actor=personas.staff,
        cooperative=babassu.coop,
        product=babassu.oil,
        inputs=[(batch, "5") for batch in level_one],
        net_kg="15",
        collected_on=TODAY,
    )
    with django_assert_max_num_queries(LOT_DETAIL_QUERY_BOUND) as large:
        response = client.get(url("lot_detail", babassu.coop, export.pk))
    lineage = response.context["lineage"]
    assert lineage.source_count == 33 and lineage.family_count == 30
    assert len(large.captured_queries) == len(small.captured_queries)
    assert LotInput.objects.filter(output=export).count() == 3
