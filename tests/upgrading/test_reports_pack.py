"""The certification evidence pack: every file listed in the manifest with its SHA-256
and size, `sha256sum -c SHA256SUMS` passes, the records are there (and only the co-op's
own), formula-like text is neutralised while numbers stay numbers, national IDs only
when an administrator asked."""

import hashlib
import json
import shutil
import subprocess

import pytest

from tests.upgrading import ledger_data, reports_data
from tests.upgrading.reports_data import FORMULA_NAME, open_pack, pack_folder, read_csv, request_and_run
from upgrading.models import LedgerEntry, Report

pytestmark = pytest.mark.django_db

honey = reports_data.honey
honey_b = reports_data.honey_b
media = reports_data.media

EXPECTED_FILES = [
    "README.txt",
    "families.csv",
    "members.csv",
    "certifications.csv",
    "inspections.csv",
    "lots.csv",
    "lineage.csv",
    "shipments.csv",
    "allocations.csv",
    "traceability.csv",
    "contracts.csv",
    "premium_receipts.csv",
    "premium_allocations.csv",
    "premium_spending.csv",
    "settlements.csv",
    "settlement_lines.csv",
    "advances.csv",
    "ledger.csv",
    "ledger_evidence.csv",
    "mass_balance.csv",
    "contract_fulfilment.csv",
    "ledger_verification.json",
    "checks.csv",
    "findings.csv",
    "summary.pdf",
    "manifest.json",
    "SHA256SUMS",
]


@pytest.fixture
def pack_report(honey, honey_b, personas):
    ledger_data.chain(personas.staff, honey.coop, 3)
    ledger_data.chain(personas.outsider, honey_b.coop, 2)
    return request_and_run(honey.coop, Report.Kind.CERTIFICATION, "2025", scheme="fair_trade")


def test_pack_holds_every_file_and_the_manifest_hashes_each_one(pack_report, honey):
    assert pack_report.status == Report.Status.DONE
    pack = open_pack(pack_report)
    folder = pack_folder(pack)
    assert folder == "coop-a-certification-fair_trade-2025-v1"
    assert [name.split("/", 1)[1] for name in pack.namelist()] == EXPECTED_FILES

    manifest = json.loads(pack.read(f"{folder}/manifest.json"))
    assert manifest["format"] == "mutirao-evidence-pack/1"
    assert manifest["cooperative"] == {"slug": "coop-a", "name": "Cooperativa A"}
    assert manifest["period"] == {"label": "2025", "start": "2025-01-01", "end": "2025-12-31"}
    assert manifest["scheme"] == "fair_trade"
    assert manifest["generator"]["app"] == "mutirao" and manifest["generator"]["version"]
    assert manifest["generated_at"]
    assert manifest["national_ids_included"] is False
    assert manifest["ledger_head"] == pack_report.ledger_head
    assert manifest["ledger_head"].startswith("3:")
    assert manifest["ledger_verification"]["status"] == "intact"

    listed = {entry["name"]: entry for entry in manifest["files"]}
    assert list(listed) == EXPECTED_FILES[:-2]  # every file but the manifest and SHA256SUMS
    for name, entry in listed.items():
        data = pack.read(f"{folder}/{name}")
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), name
        assert entry["size"] == len(data), name

    sums = pack.read(f"{folder}/SHA256SUMS").decode()
    lines = dict(reversed(line.split("  ", 1)) for line in sums.splitlines())
    assert list(lines) == EXPECTED_FILES[:-1]  # the manifest included
    for name, digest in lines.items():
        assert digest == hashlib.sha256(pack.read(f"{folder}/{name}")).hexdigest(), name

    # The record keeps the ZIP's hash and the manifest's, as the auditor's page shows them.
    with pack_report.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == pack_report.sha256
    assert (
        pack_report.summary["pack"]["manifest_sha256"]
        == hashlib.sha256(pack.read(f"{folder}/manifest.json")).hexdigest()
    )


@pytest.mark.skipif(
    shutil.which("sha256sum") is None or shutil.which("unzip") is None, reason="coreutils/unzip"
)
def test_the_readme_steps_verify_the_pack(pack_report, tmp_path):
    """What README.md tells an auditor to type: unzip, cd, sha256sum -c SHA256SUMS."""
    archive = tmp_path / "pack.zip"
    with pack_report.file.open("rb") as handle:
        archive.write_bytes(handle.read())
    subprocess.run(["unzip", "-q", str(archive), "-d", str(tmp_path / "out")], check=True)
    folder = tmp_path / "out" / "coop-a-certification-fair_trade-2025-v1"
    result = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": OK") == len(EXPECTED_FILES) - 1
    # A file changed after the fact is caught.
    (folder / "lots.csv").write_text("tampered\n")
    result = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert result.returncode != 0
    assert "lots.csv: FAILED" in result.stdout


def test_pack_lists_the_period_records_of_the_cooperative_only(pack_report, honey):
    pack = open_pack(pack_report)
    lots = read_csv(pack, "lots.csv")
    assert lots[0][:3] == ["lot", "kind", "product"]
    codes = {row[0] for row in lots[1:]}
    assert {"B-A-001", "B-A-002", "B-A-NONE", "B-A-WET", "B-A-EXP"} <= codes
    assert not any(code.startswith("B-B") for code in codes)

    allocations = read_csv(pack, "allocations.csv")
    assert sorted(row[1] for row in allocations[1:]) == ["B-A-001", "B-A-002", "B-A-NONE"]
    trace = read_csv(pack, "traceability.csv")
    header = trace[0]
    stranger = next(row for row in trace[1:] if row[header.index("source_lot")] == "B-A-NONE")
    assert stranger[header.index("family_fair_trade_certified_on_collection")] == "false"
    assert stranger[header.index("sold_as_fair_trade")] == "true"
    certified = next(row for row in trace[1:] if row[header.index("source_lot")] == "B-A-001")
    assert certified[header.index("family_fair_trade_certified_on_collection")] == "true"

    families = read_csv(pack, "families.csv")
    fam_header = families[0]
    by_code = {row[0]: row for row in families[1:]}
    assert by_code["F-CERT-A"][fam_header.index("fair_trade_valid_to")] == "2026-06-30"
    assert by_code["F-NONE-A"][fam_header.index("fair_trade_certificate")] == ""
    assert "F-CERT-B" not in by_code

    advances = read_csv(pack, "advances.csv")
    assert {row[0] for row in advances[1:]} == {"B-A-ADV1", "B-A-ADV2", "B-A-ADV3"}

    checks = {row[0]: row[1] for row in read_csv(pack, "checks.csv")[1:]}
    assert checks["certification_claims"] == "fail"
    findings = read_csv(pack, "findings.csv")
    assert any(row[0] == "certification_claims" and "B-A-NONE" in row[1] for row in findings[1:])

    ledger = read_csv(pack, "ledger.csv")
    assert [row[0] for row in ledger[1:]] == ["1", "2", "3"]
    stored = list(
        LedgerEntry.objects.filter(cooperative=honey.coop).order_by("sequence").values_list("hash", flat=True)
    )
    assert [row[ledger[0].index("hash")] for row in ledger[1:]] == stored
    verification = json.loads(pack.read(f"{pack_folder(pack)}/ledger_verification.json"))
    assert verification["status"] == "intact" and verification["ledger_head"] == pack_report.ledger_head

    mass = read_csv(pack, "mass_balance.csv")
    assert mass[0] == ["product", "scheme", "certified_produced_kg", "certified_sold_kg", "available_kg"]
    assert [row[1] for row in mass[1:]] == ["fair_trade"]
    assert pack.read(f"{pack_folder(pack)}/summary.pdf").startswith(b"%PDF-")


def test_formula_text_is_neutralised_and_numbers_stay_numbers(pack_report):
    pack = open_pack(pack_report)
    families = read_csv(pack, "families.csv")
    names = {row[0]: row[1] for row in families[1:]}
    assert names["F-NONE-A"] == "'" + FORMULA_NAME
    raw = pack.read(f"{pack_folder(pack)}/lots.csv").decode()
    line = next(line for line in raw.splitlines() if line.startswith("B-A-WET,"))
    cells = line.split(",")
    header = read_csv(pack, "lots.csv")[0]
    assert cells[header.index("net_kg")] == "20.000"  # unquoted, a dot, three places
    assert cells[header.index("moisture_pct")] == "21.50"
    assert cells[header.index("organic_at_delivery")] == "false"


def test_national_ids_are_left_out_unless_an_administrator_asked(honey):
    plain = request_and_run(honey.coop, Report.Kind.CERTIFICATION, "2025")
    members = read_csv(open_pack(plain), "members.csv")
    assert "national_id" not in members[0]
    assert "52998224725" not in open_pack(plain).read(f"{pack_folder(open_pack(plain))}/members.csv").decode()

    with_ids = request_and_run(honey.coop, Report.Kind.CERTIFICATION, "2025", include_national_ids=True)
    assert with_ids.pk != plain.pk and with_ids.version == 2
    members = read_csv(open_pack(with_ids), "members.csv")
    column = members[0].index("national_id")
    assert "52998224725" in [row[column] for row in members[1:]]
    manifest = json.loads(open_pack(with_ids).read(f"{pack_folder(open_pack(with_ids))}/manifest.json"))
    assert manifest["national_ids_included"] is True


def test_a_pack_for_both_schemes_balances_each(honey):
    report = request_and_run(honey.coop, Report.Kind.CERTIFICATION, "2025-01-01..2025-06-30")
    pack = open_pack(report)
    assert pack_folder(pack) == "coop-a-certification-2025-01-01_to_2025-06-30-v1"
    assert [row[1] for row in read_csv(pack, "mass_balance.csv")[1:]] == ["organic", "fair_trade"]
    lots = {row[0] for row in read_csv(pack, "lots.csv")[1:]}
    assert "B-A-EXP" not in lots  # delivered in November, outside the period


def test_pack_generation_reads_a_fixed_number_of_queries(honey, django_assert_max_num_queries):
    from upgrading.reports import service

    report, _ = service.report_request(
        actor=None, cooperative=honey.coop, kind=Report.Kind.CERTIFICATION, period="2025", enqueue=False
    )
    with django_assert_max_num_queries(120) as first:
        reports_data.run(report)
    for n in range(40):
        honey.barrel(code=f"B-A-X{n:03d}")
    again, _ = service.report_request(
        actor=None,
        cooperative=honey.coop,
        kind=Report.Kind.CERTIFICATION,
        period="2025",
        regenerate=True,
        enqueue=False,
    )
    with django_assert_max_num_queries(len(first.captured_queries)):
        reports_data.run(again)
