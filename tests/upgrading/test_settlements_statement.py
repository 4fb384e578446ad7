"""A family's payout statement: a real PDF with its figures, for every member, 404 elsewhere."""

import shutil
import subprocess

import pytest

from tests.upgrading import settlements_data
from tests.upgrading.settlements_data import POOL, url
from upgrading.services.settlements import settlement_approve, settlement_open

pytest.importorskip("weasyprint")  # needs Debian's pango; CI installs it

honey = settlements_data.honey


def pdf_text(pdf: bytes) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("needs pdftotext: apt-get install poppler-utils")
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode()


@pytest.fixture
def approved(honey):
    settlement = settlement_open(
        actor=honey.manager, season=honey.season, reference="SET-2025", levels=2, pool=POOL
    )
    return settlement_approve(actor=honey.manager, settlement=settlement)


def test_the_statement_shows_the_share_the_advances_and_the_net(client, personas, honey, approved):
    client.force_login(personas.auditor)
    family = honey.families[0]
    response = client.get(
        url("settlement_statement", honey.coop, approved.pk, family.pk), headers={"accept-language": "pt-br"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="statement-SET-2025-F-01.pdf"'
    text = pdf_text(response.content)
    for expected in (
        "SET-2025",
        "F-01",
        "Silva",
        "ASSOC-1",
        "100 kg",
        "500,01",
        "150,00",
        "350,01",
        honey.lots.f1.code,
    ):
        assert expected in text, expected
    assert "750,01" in text  # the association's share it came from


def test_a_drafts_statement_says_it_is_a_draft(client, personas, honey):
    settlement = settlement_open(actor=honey.manager, season=honey.season, reference="D", levels=1, pool=POOL)
    client.force_login(personas.manager)
    response = client.get(
        url("settlement_statement", honey.coop, settlement.pk, honey.families[1].pk),
        headers={"accept-language": "en"},
    )
    assert "DRAFT" in pdf_text(response.content)


def test_another_coops_member_gets_404(client, personas, honey, approved):
    client.force_login(personas.outsider)
    assert (
        client.get(url("settlement_statement", honey.coop, approved.pk, honey.families[0].pk)).status_code
        == 404
    )
