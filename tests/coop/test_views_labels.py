"""Lot labels and purchase receipts: real PDFs, readable by every member, 404 elsewhere."""

import shutil
import subprocess

import pytest

from coop import documents
from coop.models import Lot
from tests.coop import production_pages
from tests.coop.production_pages import purchase, url
from tests.factories import LotFactory

pytest.importorskip("weasyprint")  # needs Debian's pango; CI installs it

honey = production_pages.honey
babassu = production_pages.babassu


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF, through poppler's pdftotext."""
    if not shutil.which("pdftotext"):
        pytest.skip("needs pdftotext: apt-get install poppler-utils")
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode()


@pytest.fixture
def barrel(honey):
    return LotFactory(
        cooperative=honey.coop,
        product=honey.product,
        family=honey.family,
        association=honey.room,
        code="BR26-00042",
        net_kg="21.500",
        moisture_pct="18.20",
        organic=True,
    )


def test_the_label_is_a_pdf_with_the_lot_code_and_its_facts(client, personas, honey, barrel):
    client.force_login(personas.staff)
    response = client.get(url("lot_label", honey.coop, barrel.pk), headers={"accept-language": "pt-br"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="label-BR26-00042.pdf"'
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    for expected in (
        "BR26-00042",
        "Mel orgânico",
        "F-001",
        "Silva",
        "21,5 kg",
        "18,2%",
        "ORGÂNICO",
        "COOPERATIVA A",  # (upper case on the label)
    ):
        assert expected in text, expected


def test_a_rejected_barrels_label_says_so(client, personas, honey, barrel):
    Lot.objects.filter(pk=barrel.pk).update(status="rejected", rejection_reason="wet")
    client.force_login(personas.staff)
    text = pdf_text(
        client.get(url("lot_label", honey.coop, barrel.pk), headers={"accept-language": "en"}).content
    )
    assert "REJECTED" in text


def test_the_qr_code_holds_the_lot_code_and_its_address(client, personas, honey, barrel):
    payload = documents.qr_payload(lot=barrel, url="https://mutirao.example/c/coop-a/lots/7/")
    assert payload.splitlines() == ["BR26-00042", "https://mutirao.example/c/coop-a/lots/7/"]
    assert documents.qr_svg_data_uri(payload).startswith("data:image/svg+xml")


@pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")), reason="needs poppler and zbar"
)
def test_the_printed_qr_code_scans_to_the_code_and_the_lots_page(client, personas, honey, barrel, tmp_path):
    client.force_login(personas.staff)
    pdf = tmp_path / "label.pdf"
    pdf.write_bytes(client.get(url("lot_label", honey.coop, barrel.pk)).content)
    subprocess.run(["pdftoppm", "-r", "300", "-png", str(pdf), str(tmp_path / "label")], check=True)
    png = next(tmp_path.glob("label*.png"))
    scanned = subprocess.run(
        ["zbarimg", "-q", "--raw", str(png)], capture_output=True, check=True
    ).stdout.decode()
    assert scanned.split() == ["BR26-00042", f"http://testserver{url('lot_detail', honey.coop, barrel.pk)}"]


def test_the_receipt_shows_the_amount_in_the_co_ops_currency_the_brazilian_way(client, personas, babassu):
    lot = purchase(babassu, kg="493.824", code="NP26-00007")
    lot.amount_paid = "1234.56"
    lot.save(update_fields=["amount_paid"])
    client.force_login(personas.staff)
    response = client.get(url("lot_receipt", babassu.coop, lot.pk), headers={"accept-language": "pt-br"})
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    for expected in (
        "NP26-00007",
        "R$ 1.234,56",
        "R$ 2,50",
        "493,824 kg",
        "B-001",
        "Sousa",
        "Cantina Centro do Aguiar",
    ):
        assert expected in text.replace("\xa0", " "), expected


def test_the_receipt_in_english_writes_english_numbers(client, personas, babassu):
    lot = purchase(babassu, kg="493.824")
    lot.amount_paid = "1234.56"
    lot.save(update_fields=["amount_paid"])
    client.force_login(personas.staff)
    text = pdf_text(
        client.get(url("lot_receipt", babassu.coop, lot.pk), headers={"accept-language": "en"}).content
    )
    assert "R$1,234.56" in text and "Purchase receipt" in text


def test_only_nut_purchases_have_a_receipt(client, personas, honey, barrel):
    client.force_login(personas.staff)
    assert client.get(url("lot_receipt", honey.coop, barrel.pk)).status_code == 404


@pytest.mark.parametrize("persona", ["staff", "manager", "auditor", "admin"])
def test_every_member_may_print_labels_and_receipts(client, personas, babassu, persona):
    lot = purchase(babassu)
    client.force_login(getattr(personas, persona))
    assert client.get(url("lot_label", babassu.coop, lot.pk)).status_code == 200
    assert client.get(url("lot_receipt", babassu.coop, lot.pk)).status_code == 200


@pytest.mark.parametrize("persona", ["outsider", "expired", "nobody"])
def test_people_outside_the_co_op_get_nothing(client, personas, babassu, persona):
    lot = purchase(babassu)
    client.force_login(getattr(personas, persona))
    assert client.get(url("lot_label", babassu.coop, lot.pk)).status_code == 404
    assert client.get(url("lot_receipt", babassu.coop, lot.pk)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, babassu):
    lot = purchase(babassu)
    response = client.get(url("lot_label", babassu.coop, lot.pk))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
