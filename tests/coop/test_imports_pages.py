"""The import page: upload, preview, confirm (once), cancel; problems listed; roles and tenancy."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from coop import services as coop_services
from coop.forms import imports as import_forms
from coop.models import Association, Family, Lot, Role
from coop.views import imports as import_views
from tests.coop.imports_data import (
    FAMILY_HEADER,
    LOT_HEADER,
    barrel,
    barrels,
    csv_bytes,
    family_row,
    honey_world,
    xlsx_bytes,
)
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # a test may still ask for pt-br


@pytest.fixture
def honey(coop_a, coop_b):
    return honey_world(coop_a, coop_b)


def url(name, slug="coop-a", **kwargs):
    return reverse(name, kwargs={"slug": slug, **kwargs})


def upload(client, data, *, kind="lots", filename="lots.csv", slug="coop-a"):
    file = SimpleUploadedFile(filename, data)
    return client.post(url("import_upload", slug), {"kind": kind, "file": file})


def kept_files(settings):
    folder = settings.MEDIA_ROOT / "imports"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_staff_previews_then_confirms_lots(client, personas, honey, settings):
    client.force_login(personas.staff)
    page = upload(client, csv_bytes(LOT_HEADER, [*barrels(59), barrel(60, moisture_pct="22")]))
    assert page.status_code == 200
    assert page.templates[0].name == "coop/import_preview.html"
    result, token = page.context["result"], page.context["token"]
    assert (result.rows, result.counts["rejected"], len(result.preview)) == (60, 1, 50)
    assert b"F-ACTIVE" in page.content and token.encode() in page.content
    assert not Lot.objects.exists()  # nothing until confirmed

    done = client.post(url("import_confirm"), {"token": token, "confirm": "1"}, follow=True)
    assert done.redirect_chain[-1][0] == url("lot_list")
    assert "Imported 60 lots (accepted: 59; rejected for moisture: 1)." in [
        str(m) for m in done.context["messages"]
    ]
    assert Lot.objects.filter(cooperative=honey.honey.cooperative).count() == 60
    assert Lot.history.count() == 60
    assert kept_files(settings) == []


def test_xlsx_families_through_the_page(client, personas, honey):
    client.force_login(personas.manager)
    data = xlsx_bytes(FAMILY_HEADER, [family_row("N-1"), family_row("N-2", status="suspended")])
    page = upload(client, data, kind="families", filename="familias.xlsx")
    assert page.context["result"].rows == 2
    done = client.post(url("import_confirm"), {"token": page.context["token"]})
    assert done.status_code == 302 and done.url == url("family_list")
    assert set(Family.objects.filter(code__startswith="N-").values_list("status", flat=True)) == {
        "active",
        "suspended",
    }


def test_a_bad_file_lists_its_problems_and_saves_nothing(client, personas, honey, monkeypatch):
    monkeypatch.setattr(import_views, "PAGE_PROBLEMS", 2)
    client.force_login(personas.staff)
    rows = [barrel(1, net_kg="0"), barrel(2, family="F-OTHER"), barrel(3, moisture_pct="150")]
    page = upload(client, csv_bytes(LOT_HEADER, rows))
    assert page.status_code == 200 and page.templates[0].name == "coop/import_form.html"
    assert page.context["problem_count"] == 3 and len(page.context["problems"]) == 2
    assert b"The file was refused: 3 problems. Nothing was saved." in page.content
    assert b"No family with code F-OTHER in this co-operative." in page.content
    assert not Lot.objects.exists()

    # The page lists the first problems; the download has all of them.
    listed = client.get(url("import_problems", token=page.context["token"]), HTTP_ACCEPT_LANGUAGE="en")
    text = listed.content.decode("utf-8-sig")
    assert listed["Content-Type"].startswith("text/csv")
    assert text.splitlines()[1:] == [
        "2,net_kg,Net weight must be more than zero.",
        "3,family,No family with code F-OTHER in this co-operative.",
        "4,moisture_pct,Moisture is a percentage between 0 and 100.",
    ]
    # For a Portuguese reader, the cells are separated as a Brazilian spreadsheet expects.
    listed = client.get(url("import_problems", token=page.context["token"]), HTTP_ACCEPT_LANGUAGE="pt-br")
    assert listed.content.startswith(b"\xef\xbb\xbf")
    lines = listed.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "linha;coluna;problema" and lines[1].startswith("2;net_kg;")


def test_formula_in_a_cell_is_named_on_the_page(client, personas, honey):
    client.force_login(personas.staff)
    page = upload(
        client,
        csv_bytes(FAMILY_HEADER, [family_row("N-1", household_name='=HYPERLINK("x")')]),
        kind="families",
    )
    problem = page.context["problems"][0]
    assert (problem.row, problem.column) == (2, "household_name")
    assert not Family.objects.filter(code="N-1").exists()


def test_malformed_and_oversized_uploads_are_refused_without_a_crash(client, personas, honey, monkeypatch):
    client.force_login(personas.staff)
    page = upload(client, b"PK\x03\x04garbage", filename="lots.xlsx")
    assert page.status_code == 200 and "not a valid .xlsx" in page.context["problems"][0].message
    page = upload(client, b"\xff\xfe\x00\x00junk", filename="lots.csv")
    assert page.status_code == 200 and page.context["problems"]

    monkeypatch.setattr(import_forms, "MAX_FILE_BYTES", 100)
    page = upload(client, csv_bytes(LOT_HEADER, barrels(5)))
    assert page.status_code == 200 and "larger than" in str(page.context["form"].errors["file"])
    assert not Lot.objects.exists()


def test_confirming_twice_imports_once(client, personas, honey):
    client.force_login(personas.staff)
    token = upload(client, csv_bytes(LOT_HEADER, barrels(3))).context["token"]
    client.post(url("import_confirm"), {"token": token})
    again = client.post(url("import_confirm"), {"token": token}, follow=True)
    assert any("expired or was already imported" in str(m) for m in again.context["messages"])
    assert Lot.objects.count() == 3


def test_cancel_discards_the_file(client, personas, honey, settings):
    client.force_login(personas.staff)
    token = upload(client, csv_bytes(LOT_HEADER, barrels(3))).context["token"]
    assert kept_files(settings) == [f"{token}.upload"]
    client.post(url("import_confirm"), {"token": token, "cancel": "1"})
    assert kept_files(settings) == []
    client.post(url("import_confirm"), {"token": token})
    assert not Lot.objects.exists()


def test_confirm_checks_again_what_changed_since_the_preview(client, personas, honey):
    client.force_login(personas.staff)
    token = upload(client, csv_bytes(LOT_HEADER, barrels(2))).context["token"]
    Family.objects.filter(pk=honey.active.pk).update(status=Family.Status.SUSPENDED)
    page = client.post(url("import_confirm"), {"token": token}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and page.context["problem_count"] == 2
    assert not Lot.objects.exists()


def test_another_user_cannot_confirm_my_preview(client, personas, honey):
    client.force_login(personas.staff)
    token = upload(client, csv_bytes(LOT_HEADER, barrels(2))).context["token"]
    client.force_login(personas.manager)  # a new session: the preview is not theirs
    client.post(url("import_confirm"), {"token": token})
    assert not Lot.objects.exists()


def test_a_preview_is_confirmed_only_in_its_co_op(client, personas, honey, coop_b):
    federation = UserFactory(username="federation-staff")
    MembershipFactory(user=federation, cooperative=honey.honey.cooperative, role=Role.STAFF)
    MembershipFactory(user=federation, cooperative=coop_b, role=Role.STAFF)
    client.force_login(federation)
    token = upload(client, csv_bytes(LOT_HEADER, barrels(2))).context["token"]
    client.post(url("import_confirm", "coop-b"), {"token": token})
    assert not Lot.objects.exists()
    assert client.get(url("import_problems", "coop-b", token=token)).status_code == 404


def test_families_of_another_co_op_are_not_matched(client, personas, honey):
    client.force_login(personas.outsider)  # co-op B's manager, importing into B
    page = upload(client, csv_bytes(LOT_HEADER, barrels(1)), slug="coop-b")
    found = {(p.column, p.message) for p in page.context["problems"]}
    assert ("family", "No family with code F-ACTIVE in this co-operative.") in found
    assert ("product", "No product with code HONEY in this co-operative.") in found


@pytest.mark.parametrize(
    ("persona", "status"),
    [("staff", 200), ("manager", 200), ("admin", 200), ("auditor", 403), ("expired", 404)],
)
def test_who_may_open_the_import_page(client, personas, persona, status):
    client.force_login(getattr(personas, persona))
    assert client.get(url("import_upload")).status_code == status
    assert client.get(url("import_template", kind="lots")).status_code == status


def test_auditor_cannot_upload_or_confirm(client, personas, honey):
    client.force_login(personas.auditor)
    assert upload(client, csv_bytes(LOT_HEADER, barrels(1))).status_code == 403
    assert client.post(url("import_confirm"), {"token": "x"}).status_code == 403
    assert not Lot.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "nobody"])
def test_importing_into_a_co_op_you_are_not_in_is_404(client, personas, honey, persona):
    client.force_login(getattr(personas, persona))
    assert client.get(url("import_upload")).status_code == 404
    assert upload(client, csv_bytes(LOT_HEADER, barrels(1))).status_code == 404
    assert client.post(url("import_confirm"), {"token": "x"}).status_code == 404
    assert not Lot.objects.exists()


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(url("import_upload"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_template_in_english_has_the_english_header(client, personas, honey):
    client.force_login(personas.staff)
    english = client.get(url("import_template", kind="lots"), HTTP_ACCEPT_LANGUAGE="en")
    assert english.content.decode("utf-8-sig").splitlines()[0] == ",".join(LOT_HEADER)
    assert english["Content-Disposition"] == 'attachment; filename="coop-a-lots.csv"'
    assert client.get(url("import_template", kind="members")).status_code == 404


def test_the_lots_template_has_the_co_ops_codes_and_imports_as_it_is(client, personas, honey, coop_b):
    coop_services.lot_record(
        actor=personas.staff,
        cooperative=honey.honey.cooperative,
        kind="barrel",
        family=honey.active,
        association=honey.honey_room,
        product=honey.honey,
        collected_on=datetime.date(2026, 3, 1),
        net_kg=Decimal("20.500"),
        moisture_pct=Decimal("18.50"),
    )
    client.force_login(personas.staff)
    portuguese = client.get(url("import_template", kind="lots"), HTTP_ACCEPT_LANGUAGE="pt-br")
    lines = portuguese.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("tipo;código;família;ponto_de_coleta;produto;")
    cells = dict(zip(lines[0].split(";"), lines[1].split(";"), strict=True))
    assert (cells["tipo"], cells["família"], cells["ponto_de_coleta"], cells["produto"]) == (
        "barrel",
        "F-ACTIVE",
        "HR-1",
        "HONEY",
    )
    assert (cells["kg_líquido"], cells["umidade_pct"]) == ("20,5", "18,5")  # decimal commas
    # Filled in as it is, with its Portuguese headers, it goes through the import.
    page = upload(client, portuguese.content, kind="lots", filename="lotes.csv")
    assert page.context["result"].rows == 1


def test_the_families_template_as_xlsx_proposes_new_codes_that_import(client, personas, honey):
    client.force_login(personas.manager)
    response = client.get(url("import_template_xlsx", kind="families"), HTTP_ACCEPT_LANGUAGE="pt-br")
    assert response["Content-Disposition"] == 'attachment; filename="coop-a-families.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("código", "nome_da_família", "associação", "município")
    codes = set(Family.objects.filter(cooperative=honey.active.cooperative).values_list("code", flat=True))
    assert {rows[1][0], rows[2][0]}.isdisjoint(codes) and rows[1][0] != rows[2][0]
    points = set(
        Association.objects.filter(cooperative=honey.active.cooperative).values_list("code", flat=True)
    )
    assert {rows[1][2], rows[2][2]} <= points  # the co-op's own associations
    page = upload(client, response.content, kind="families", filename="familias.xlsx")
    assert page.context["result"].rows == 2


@pytest.mark.parametrize("name", ["import_template", "import_template_xlsx"])
@pytest.mark.parametrize(("persona", "status"), [("auditor", 403), ("outsider", 404)])
def test_templates_are_for_recorders_of_the_co_op(client, personas, honey, name, persona, status):
    client.force_login(getattr(personas, persona))
    assert client.get(url(name, kind="lots")).status_code == status


def test_english_and_portuguese_headers_are_both_read(client, personas, honey):
    portuguese = ["Tipo", "Família", "Ponto de coleta", "Produto", "Entregue em", "Kg líquido", "Umidade %"]
    row = ["barrel", "F-ACTIVE", "HR-1", "HONEY", "01/03/2026", "20,5", "18,5"]
    client.force_login(personas.staff)
    page = upload(client, csv_bytes(portuguese, [row], delimiter=";"))
    assert page.context["result"].rows == 1


def test_the_co_op_home_links_to_the_import_page_for_recorders_only(client, personas):
    client.force_login(personas.staff)
    assert url("import_upload").encode() in client.get(url("cooperative_home")).content
    client.force_login(personas.auditor)
    assert url("import_upload").encode() not in client.get(url("cooperative_home")).content


def test_preview_in_portuguese_writes_numbers_the_brazilian_way(client, personas, honey):
    client.force_login(personas.staff)
    data = csv_bytes(LOT_HEADER, [barrel(1, net_kg="20,5", moisture_pct="18,25")], delimiter=";")
    file = SimpleUploadedFile("barris.csv", data)
    page = client.post(url("import_upload"), {"kind": "lots", "file": file}, HTTP_ACCEPT_LANGUAGE="pt-br")
    html = page.content.decode()
    assert page.status_code == 200 and 'lang="pt-br"' in html
    assert "20,5" in html and "18,25%" in html and "Tambor de mel" in html
