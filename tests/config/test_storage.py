"""Files through the storage chosen by the environment: the disk by default, an S3 bucket with
STORAGE_BACKEND=s3. The S3 cases run against moto's S3 server, a stand-in started by the test
(tests/s3.py says why not MinIO); the disk is what the rest of the suite runs on.

Reports, import previews and ledger evidence go in and come back out through the pages,
private in the bucket, downloaded only through the co-op's views.
"""

import hashlib
import io

import environ
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from config.storage import S3_BACKEND, default_storage_config
from coop.models import Lot, PendingImport
from tests import s3
from tests.coop.imports_data import LOT_HEADER, barrels, csv_bytes, honey_world
from tests.upgrading import ledger_data, reports_data
from tests.upgrading.ledger_data import year
from tests.upgrading.reports_data import request_and_run
from upgrading.models import LedgerEntry, Report

s3_endpoint = s3.s3_endpoint
s3_storage = s3.s3_storage
honey = reports_data.honey
media = reports_data.media
catalogue = ledger_data.catalogue
STORAGE_VARIABLES = (
    "STORAGE_BACKEND",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_S3_REGION_NAME",
)


@pytest.fixture
def environment(monkeypatch):
    """A clean environment for the storage variables; returns a setter."""
    for name in STORAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def set_(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        return default_storage_config(environ.Env())

    return set_


# --- Settings ---------------------------------------------------------------------------------


def test_the_disk_by_default_following_media_root(environment, settings, tmp_path):
    config = environment()
    assert config["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert "location" not in config["OPTIONS"]
    assert environment(STORAGE_BACKEND="filesystem") == config
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": config}
    name = default_storage.save("reports/2025/x.pdf", io.BytesIO(b"%PDF"))
    stored = settings.MEDIA_ROOT / name
    assert stored.read_bytes() == b"%PDF"
    assert stored.stat().st_mode & 0o777 == 0o600 and stored.parent.stat().st_mode & 0o777 == 0o700


def test_s3_is_private_signed_and_bounded_in_time(environment):
    config = environment(
        STORAGE_BACKEND="S3",
        AWS_STORAGE_BUCKET_NAME="mutirao-files",
        AWS_S3_ENDPOINT_URL="http://minio:9000",
        AWS_ACCESS_KEY_ID="key",
        AWS_SECRET_ACCESS_KEY="secret",
        AWS_S3_REGION_NAME="sa-east-1",
    )
    options = config["OPTIONS"]
    assert config["BACKEND"] == S3_BACKEND
    assert (options["bucket_name"], options["endpoint_url"], options["region_name"]) == (
        "mutirao-files",
        "http://minio:9000",
        "sa-east-1",
    )
    assert (options["access_key"], options["secret_key"]) == ("key", "secret")
    assert options["default_acl"] is None  # never public-read: the bucket's private default
    assert options["querystring_auth"] is True and options["querystring_expire"] == 60
    assert options["file_overwrite"] is False
    client = options["client_config"]
    assert client.connect_timeout and client.read_timeout  # a dead endpoint cannot hang a request
    assert client.s3 == {"addressing_style": "path"}  # a self-hosted endpoint: no DNS per bucket


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND"),
        ({"STORAGE_BACKEND": "s3"}, "AWS_STORAGE_BUCKET_NAME"),
        (
            {"STORAGE_BACKEND": "s3", "AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_ENDPOINT_URL": "minio:9000"},
            "AWS_S3_ENDPOINT_URL",
        ),
    ],
)
def test_a_bad_storage_setting_stops_the_start_naming_the_variable(environment, values, named):
    with pytest.raises(ImproperlyConfigured, match=named):
        environment(**values)


# --- Through an S3 server -----------------------------------------------------------------------


def test_stored_files_are_private_and_their_urls_signed_for_a_minute(s3_storage):
    name = default_storage.save("reports/probe.txt", io.BytesIO(b"private"))
    acl = s3_storage.client.get_object_acl(Bucket=s3_storage.bucket, Key=name)
    grantees = {grant["Grantee"].get("URI") for grant in acl["Grants"]}
    assert not grantees & {
        "http://acs.amazonaws.com/groups/global/AllUsers",
        "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
    }
    url = default_storage.url(name)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=60" in url


def test_a_report_is_generated_into_the_bucket_and_downloaded_through_its_page(
    client, personas, honey, s3_storage
):
    pack = request_and_run(honey.coop, Report.Kind.CERTIFICATION, "2025", scheme="fair_trade")
    assert pack.status == Report.Status.DONE
    assert s3_storage.keys() == [pack.file.name]  # in the bucket, not on this host's disk
    stored = s3_storage.client.get_object(Bucket=s3_storage.bucket, Key=pack.file.name)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == pack.sha256

    client.force_login(personas.auditor)
    download = client.get(reverse("report_download", args=[honey.coop.slug, pack.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == pack.sha256
    client.force_login(personas.outsider)
    assert client.get(reverse("report_download", args=[honey.coop.slug, pack.pk])).status_code == 404


def test_a_report_whose_object_is_gone_answers_404_not_500(client, personas, honey, s3_storage):
    report = request_and_run(honey.coop, Report.Kind.COMPLIANCE, "2025-11")
    s3_storage.client.delete_object(Bucket=s3_storage.bucket, Key=report.file.name)
    client.force_login(personas.manager)
    assert client.get(reverse("report_download", args=[honey.coop.slug, report.pk])).status_code == 404


def test_an_import_is_previewed_into_the_bucket_and_confirmed(client, personas, coop_a, coop_b, s3_storage):
    honey_world(coop_a, coop_b)
    client.force_login(personas.staff)
    upload_url = reverse("import_upload", args=["coop-a"])
    file = SimpleUploadedFile("lots.csv", csv_bytes(LOT_HEADER, barrels(3)))
    token = client.post(upload_url, {"kind": "lots", "file": file}).context["token"]
    preview = PendingImport.objects.get(token=token)
    assert s3_storage.keys("imports/") == [preview.storage_name]

    client.post(reverse("import_confirm", args=["coop-a"]), {"token": token})
    assert Lot.objects.filter(cooperative=coop_a).count() == 3
    assert s3_storage.keys("imports/") == []  # taken: the file is gone from the bucket
    preview.refresh_from_db()
    assert preview.status == PendingImport.Status.TAKEN


def test_ledger_evidence_is_uploaded_into_the_bucket_and_read_back(
    client, personas, coop_a, catalogue, s3_storage
):
    client.force_login(personas.staff)
    first, last = year(0)
    response = client.post(
        reverse("ledger_create", args=["coop-a"]),
        {
            "indicator": "literate_adults",
            "period_from": first.isoformat(),
            "period_to": last.isoformat(),
            "value": "48,5",
            "note": "Levantamento anual",
            "evidence": [ledger_data.pdf()],
        },
    )
    assert response.status_code == 302
    entry = LedgerEntry.objects.get()
    evidence = entry.evidence.get()
    assert s3_storage.keys() == [evidence.file.name]

    client.force_login(personas.auditor)
    link = reverse("ledger_evidence", args=["coop-a", entry.sequence, evidence.pk])
    download = client.get(link)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == ledger_data.PDF_BYTES
    client.force_login(personas.outsider)
    assert client.get(link).status_code == 404
