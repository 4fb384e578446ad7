"""Unusual values in an import: listed in the preview, saved only once the importer confirms."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from coop.imports import ImportRejected, import_file
from coop.models import Lot
from tests.coop.imports_data import LOT_HEADER, barrel, barrels, csv_bytes, honey_world


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def honey(coop_a, coop_b):
    return honey_world(coop_a, coop_b)


def _file():
    return csv_bytes(
        LOT_HEADER, [*barrels(3), barrel(5, net_kg="204", gross_kg="210"), barrel(6, moisture_pct="2,1")]
    )


def _import(actor, coop, **kwargs):
    with translation.override("en"):
        return import_file(
            actor=actor, cooperative=coop, kind="lots", data=_file(), filename="l.csv", **kwargs
        )


def test_the_dry_run_lists_unusual_rows_as_warnings(personas, honey, coop_a):
    result = _import(personas.staff, coop_a, dry_run=True)
    assert result.rows == 5 and result.unusual_rows == 2
    assert [(w.row, w.column, w.message) for w in result.warnings] == [
        (5, "net_kg", "204 kg — the usual is 15 to 30 kg."),
        (6, "moisture_pct", "2.1% moisture — the usual is 12% to 30%."),
    ]


def test_unusual_rows_are_refused_without_confirmation_and_nothing_is_written(personas, honey, coop_a):
    with pytest.raises(ImportRejected) as caught:
        _import(personas.staff, coop_a)
    assert [(p.row, p.column) for p in caught.value.problems] == [
        (None, None),
        (5, "net_kg"),
        (6, "moisture_pct"),
    ]
    assert not Lot.objects.exists()


def test_confirmed_unusual_rows_record_the_importer(personas, honey, coop_a):
    result = _import(personas.staff, coop_a, confirm_unusual=True)
    assert result.created == 5
    unusual = Lot.objects.filter(unusual_confirmed_by=personas.staff).order_by("net_kg")
    assert [lot.net_kg for lot in unusual] == [Decimal("20.000"), Decimal("204.000")]
    assert Lot.objects.filter(unusual_confirmed_by=None).count() == 3
    assert Lot.history.filter(unusual_confirmed_by=personas.staff).count() == 2


def test_the_preview_page_lists_them_and_asks_for_the_box(client, personas, honey):
    client.force_login(personas.staff)
    slug = {"slug": "coop-a"}
    page = client.post(
        reverse("import_upload", kwargs=slug),
        {"kind": "lots", "file": SimpleUploadedFile("l.csv", _file())},
        HTTP_ACCEPT_LANGUAGE="pt-br",
    )
    html = page.content.decode()
    assert "204 kg — o normal é 15 a 30 kg." in html and 'name="confirm_unusual"' in html
    token = page.context["token"]
    refused = client.post(reverse("import_confirm", kwargs=slug), {"token": token, "confirm": "1"})
    assert refused.status_code == 200 and not Lot.objects.exists()

    page = client.post(
        reverse("import_upload", kwargs=slug), {"kind": "lots", "file": SimpleUploadedFile("l.csv", _file())}
    )
    done = client.post(
        reverse("import_confirm", kwargs=slug),
        {"token": page.context["token"], "confirm": "1", "confirm_unusual": "1"},
    )
    assert done.status_code == 302 and Lot.objects.count() == 5


def test_the_command_needs_confirm_unusual(personas, honey, coop_a, tmp_path):
    path = tmp_path / "l.csv"
    path.write_bytes(_file())
    with pytest.raises(CommandError):
        call_command("import_lots", str(path), coop="coop-a", username=personas.staff.username, verbosity=0)
    assert not Lot.objects.exists()
    call_command(
        "import_lots",
        str(path),
        coop="coop-a",
        username=personas.staff.username,
        confirm_unusual=True,
        verbosity=0,
    )
    assert Lot.objects.filter(unusual_confirmed_by=personas.staff).count() == 2
