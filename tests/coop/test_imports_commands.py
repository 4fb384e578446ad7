"""`import_families` and `import_lots`: dry runs, real runs, refused files, who imports."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from coop.models import Family, Lot
from tests.coop.imports_data import (
    FAMILY_HEADER,
    LOT_HEADER,
    barrel,
    barrels,
    csv_bytes,
    family_row,
    honey_world,
)
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"  # commands speak the installation's language


@pytest.fixture
def honey(coop_a, coop_b):
    return honey_world(coop_a, coop_b)


def run(command, *args):
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_lots_dry_run_writes_nothing(personas, honey, tmp_path):
    path = tmp_path / "lots.csv"
    path.write_bytes(csv_bytes(LOT_HEADER, barrels(3)))
    out, _ = run("import_lots", "--coop", "coop-a", str(path), "--as", "a-staff", "--dry-run")
    assert "Dry run: 3 lots would be imported" in out
    assert not Lot.objects.exists() and not Lot.history.exists()


def test_import_lots_writes_as_the_given_user(personas, honey, tmp_path):
    path = tmp_path / "lots.csv"
    path.write_bytes(csv_bytes(LOT_HEADER, barrels(3)))
    out, _ = run("import_lots", "--coop", "coop-a", str(path), "--as", "a-staff", "-v", "2")
    assert "Imported 3 lots (3 accepted, 0 rejected, 3 new codes)." in out
    assert "family=F-ACTIVE" in out  # --verbosity 2 lists the rows
    assert {lot.recorded_by for lot in Lot.objects.all()} == {personas.staff}


def test_a_bad_file_exits_non_zero_with_every_problem(personas, honey, tmp_path):
    path = tmp_path / "lots.csv"
    path.write_bytes(csv_bytes(LOT_HEADER, [barrel(1, net_kg="0"), barrel(2, family="F-SUSP")]))
    err = StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command(
            "import_lots", "--coop", "coop-a", str(path), "--as", "a-staff", stdout=StringIO(), stderr=err
        )
    assert "Row 2, column net_kg: Net weight must be more than zero." in err.getvalue()
    assert "Row 3, column family: Family F-SUSP is suspended" in err.getvalue()
    assert not Lot.objects.exists()


def test_import_families_defaults_to_the_only_superuser(personas, honey, tmp_path):
    admin = UserFactory(username="root", is_superuser=True)
    path = tmp_path / "familias.csv"
    path.write_bytes(csv_bytes(FAMILY_HEADER, [family_row("N-1"), family_row("N-2")]))
    out, _ = run("import_families", "--coop", "coop-a", str(path), "-v", "0")
    assert out == ""
    assert {h.history_user for h in Family.history.filter(code__startswith="N-")} == {admin}


def test_without_a_superuser_the_command_asks_who_imports(personas, honey, tmp_path):
    path = tmp_path / "familias.csv"
    path.write_bytes(csv_bytes(FAMILY_HEADER, [family_row("N-1")]))
    with pytest.raises(CommandError, match="--as USERNAME"):
        run("import_families", "--coop", "coop-a", str(path))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--coop", "nowhere", "{file}", "--as", "a-staff"], "No co-operative"),
        (["--coop", "coop-a", "{file}", "--as", "ghost"], "No active user"),
        (["--coop", "coop-a", "{file}", "--as", "a-auditor"], "may not import"),
        (["--coop", "coop-a", "{file}", "--as", "b-manager"], "may not import"),
        (["--coop", "coop-a", "/nonexistent.csv", "--as", "a-staff"], "No such file"),
    ],
)
def test_refusals(personas, honey, tmp_path, args, message):
    path = tmp_path / "lots.csv"
    path.write_bytes(csv_bytes(LOT_HEADER, barrels(1)))
    with pytest.raises(CommandError, match=message):
        run("import_lots", *[arg.format(file=path) for arg in args])
    assert not Lot.objects.exists()
