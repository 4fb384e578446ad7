"""Traceability pages: a shipment to every lot, batch, family and association behind it
(page and CSV, whose text can never run as a formula), and a family's shipments."""

import csv
import io
from decimal import Decimal

import pytest

from coop import services as coop_services
from tests.chain import chain_pages
from tests.chain.chain_pages import DELIVERED, confirmed, url
from tests.factories import AssociationFactory, CertificationFactory, FamilyFactory

sales = chain_pages.sales
english = chain_pages.english


@pytest.fixture
def drum(sales, personas):
    """An export drum made from two certified barrels of two families, sold confirmed."""
    other_room = AssociationFactory(
        cooperative=sales.coop, code="HR-2", name="Casa do Mel Serra", kind="honey_room"
    )
    neighbour = FamilyFactory(
        cooperative=sales.coop, association=other_room, code="F-NEIGH", household_name="Lima"
    )
    for scheme in ("organic", "fair_trade"):
        CertificationFactory(
            family=neighbour,
            scheme=scheme,
            valid_from=DELIVERED.replace(year=DELIVERED.year - 1),
            valid_to=DELIVERED.replace(year=DELIVERED.year + 1),
        )
    one = sales.barrel(code="BR-ONE")
    two = sales.barrel(family=neighbour, code="BR-TWO")
    batch = coop_services.batch_create(
        actor=personas.staff,
        cooperative=sales.coop,
        product=sales.product,
        inputs=[(one, "20"), (two, "20")],
        net_kg="40",
        collected_on=DELIVERED,
        code="DRUM-1",
    )
    shipment = confirmed(sales, [(batch, "40")], reference="S-DRUM")
    return shipment


def test_the_trace_page_shows_every_lot_family_and_association(client, personas, sales, drum, english):
    client.force_login(personas.auditor)
    response = client.get(url("shipment_trace", sales.coop, drum.pk))
    assert response.status_code == 200
    codes = [lot.code for lot, _sold in response.context["rows"]]
    assert sorted(codes) == ["BR-ONE", "BR-TWO", "DRUM-1"]
    sold = {lot.code: kg for lot, kg in response.context["rows"]}
    assert sold == {"BR-ONE": None, "BR-TWO": None, "DRUM-1": Decimal("40.000")}
    assert [f.code for f in response.context["families"]] == ["F-CERT-A", "F-NEIGH"]
    assert [a.code for a in response.context["associations"]] == ["HR-2", "HR-A"]
    html = response.content.decode()
    assert "Casa do Mel Serra" in html and "Silva" in html and "Lima" in html
    assert url("shipment_trace_csv", sales.coop, drum.pk) in html


def test_the_csv_has_a_row_per_lot_with_family_and_association(client, personas, sales, drum):
    client.force_login(personas.auditor)
    response = client.get(url("shipment_trace_csv", sales.coop, drum.pk), HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_lot = {row["lot"]: row for row in rows}
    assert set(by_lot) == {"BR-ONE", "BR-TWO", "DRUM-1"}
    assert (by_lot["DRUM-1"]["role"], by_lot["DRUM-1"]["kg_in_shipment"]) == ("sold", "40")
    assert (by_lot["BR-TWO"]["role"], by_lot["BR-TWO"]["family_code"]) == ("source", "F-NEIGH")
    assert by_lot["BR-TWO"]["family_association"] == "Casa do Mel Serra"
    assert by_lot["BR-TWO"]["collection_point_code"] == "HR-A"  # where the barrel was delivered
    assert by_lot["BR-ONE"]["net_kg"] == "20" and by_lot["BR-ONE"]["moisture_pct"] == "18"


@pytest.mark.parametrize(
    "evil", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "\n=1"]
)
def test_csv_text_cells_never_start_a_formula(client, personas, sales, evil):
    family = FamilyFactory(cooperative=sales.coop, association=sales.room, code="F-EVIL", household_name=evil)
    sales.room.name = evil
    sales.room.save()
    for scheme in ("organic", "fair_trade"):
        CertificationFactory(
            family=family,
            scheme=scheme,
            valid_from=DELIVERED.replace(year=DELIVERED.year - 1),
            valid_to=DELIVERED.replace(year=DELIVERED.year + 1),
        )
    shipment = confirmed(sales, [(sales.barrel(family=family, code="BR-EVIL"), "5")])
    client.force_login(personas.manager)
    response = client.get(url("shipment_trace_csv", sales.coop, shipment.pk), HTTP_ACCEPT_LANGUAGE="en")
    content = response.content.decode("utf-8-sig")
    (row,) = list(csv.DictReader(io.StringIO(content)))
    assert row["family"] == "'" + evil
    assert row["family_association"] == row["collection_point"] == "'" + evil
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r", "\n")), value


def test_the_csv_in_portuguese_opens_in_a_brazilian_spreadsheet(client, personas, sales):
    shipment = confirmed(sales, [(sales.barrel(kg="20.5", moisture="18.5", code="BR-HALF"), "20.5")])
    client.force_login(personas.auditor)
    response = client.get(url("shipment_trace_csv", sales.coop, shipment.pk), HTTP_ACCEPT_LANGUAGE="pt-br")
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("shipment;role;lot;")
    (row,) = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert (row["net_kg"], row["kg_in_shipment"], row["moisture_pct"]) == ("20,5", "20,5", "18,5")


def test_a_family_page_links_to_its_shipments(client, personas, sales, drum, english):
    client.force_login(personas.staff)
    family_page = client.get(url("family_detail", sales.coop, sales.certified.pk)).content.decode()
    link = url("family_shipments", sales.coop, sales.certified.pk)
    assert link in family_page
    response = client.get(link)
    assert [s.reference for s in response.context["shipments"]] == ["S-DRUM"]
    assert "S-DRUM" in response.content.decode()
    # A family whose honey was never sold has none.
    empty = client.get(url("family_shipments", sales.coop, sales.uncertified.pk))
    assert list(empty.context["shipments"]) == []


TRACE_QUERY_BOUND = 12


def test_trace_page_and_csv_run_the_same_queries_for_1_or_40_lots(
    client, personas, sales, django_assert_max_num_queries
):
    client.force_login(personas.manager)
    small_shipment = confirmed(sales, [(sales.barrel(), "5")], reference="S-SMALL")
    barrels = [sales.barrel() for _ in range(40)]
    batch = coop_services.batch_create(
        actor=personas.staff,
        cooperative=sales.coop,
        product=sales.product,
        inputs=[(lot, "20") for lot in barrels[:30]],
        net_kg="600",
        collected_on=DELIVERED,
    )
    big_shipment = confirmed(
        sales, [(batch, "600")] + [(lot, "20") for lot in barrels[30:]], reference="S-BIG"
    )
    for name in ("shipment_trace", "shipment_trace_csv", "family_shipments"):
        args = [sales.certified.pk] if name == "family_shipments" else None
        with django_assert_max_num_queries(TRACE_QUERY_BOUND) as small:
            client.get(url(name, sales.coop, *(args or [small_shipment.pk])))
        with django_assert_max_num_queries(TRACE_QUERY_BOUND) as large:
            response = client.get(url(name, sales.coop, *(args or [big_shipment.pk])))
        assert response.status_code == 200
        assert len(large.captured_queries) == len(small.captured_queries), name
