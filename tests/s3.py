"""An S3-compatible server for the tests of STORAGE_BACKEND=s3, and a storage that uses it.

No S3 server installs from Debian here (`apt-cache search minio` finds only Go libraries;
radosgw needs a whole Ceph cluster), nor from PyPI (the `minio` package is a client). So
the server is **moto's server mode, a stand-in** for MinIO or AWS: a real HTTP server in
its own process, on a free port of this machine, spoken to through django-storages and
boto3 exactly as production speaks to its bucket. A test module takes the fixtures with

    s3_endpoint = s3.s3_endpoint
    s3_storage = s3.s3_storage
"""

import socket
import subprocess
import sys
import time
import uuid
from types import SimpleNamespace

import boto3
import environ
import pytest

from config.storage import default_storage_config

START_TIMEOUT_SECONDS = 60
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "mutirao-test", "AWS_SECRET_ACCESS_KEY": "mutirao-test-secret"}
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def s3_endpoint():
    """The URL of a moto S3 server started for this test session (stopped at its end)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not _answers(port):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the moto S3 server did not start on port {port}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def s3_environment(endpoint: str, bucket: str) -> dict:
    return {
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_S3_REGION_NAME": REGION,
        **CREDENTIALS,
    }


@pytest.fixture
def s3_storage(settings, monkeypatch, s3_endpoint):
    """STORAGES["default"] built by the settings' own code from an S3 environment, with a
    new empty bucket; returns the bucket's name and a boto3 client to look inside it."""
    bucket = f"mutirao-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=bucket)
    for key, value in s3_environment(s3_endpoint, bucket).items():
        monkeypatch.setenv(key, value)
    settings.STORAGES = {**settings.STORAGES, "default": default_storage_config(environ.Env())}

    def keys(prefix: str = "") -> list[str]:
        listed = client.list_objects_v2(Bucket=bucket, Prefix=prefix)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    return SimpleNamespace(bucket=bucket, client=client, endpoint=s3_endpoint, keys=keys)
