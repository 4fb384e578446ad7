"""GET /healthz: database, storage and (when configured) broker status, fast even when one is down.

The object-store cases run against moto's S3 server, a stand-in started by the test (tests/s3.py)."""

import os
import time

import pytest
from django.db import OperationalError

from config import health
from config.storage import S3_BACKEND, s3_options
from tests import s3
from tests.s3 import free_port

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1
s3_endpoint = s3.s3_endpoint
s3_storage = s3.s3_storage


@pytest.fixture
def broker(settings):
    def configure(url):
        settings.CELERY_BROKER_URL = url

    return configure


def test_healthy_without_a_broker(client, db, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "storage": "ok",
        "broker": "not configured",
    }
    assert "no-cache" in response["Cache-Control"]


def test_dead_broker_answers_503_quickly(client, db, broker):
    broker(DEAD_BROKER)
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["broker"].startswith("error")


def test_unreachable_database_answers_503(client, monkeypatch):
    class BrokenConnection:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", BrokenConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error: OperationalError"


@pytest.mark.broker
def test_live_broker_is_ok(client, db, broker):
    broker(os.environ["CELERY_BROKER_URL"])
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "ok"


def test_answers_probes_by_ip_over_plain_http_in_production(client, db, settings):
    # Container and load-balancer probes use the address, not the public host name, and
    # plain HTTP: /healthz must not answer 400 (unknown host) or redirect to HTTPS.
    settings.ALLOWED_HOSTS = ["mutirao.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    settings.CELERY_BROKER_URL = ""
    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    # Every other page still validates the host.
    assert client.get("/accounts/login/", HTTP_HOST="10.0.0.7:8000").status_code == 400


def test_only_get(client, db):
    assert client.post("/healthz").status_code == 405


def test_a_reachable_bucket_is_ok(client, db, settings, s3_storage):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["storage"] == "ok"


def test_a_missing_bucket_answers_503(client, db, settings, s3_storage):
    settings.CELERY_BROKER_URL = ""
    options = {**settings.STORAGES["default"]["OPTIONS"], "bucket_name": "no-such-bucket"}
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": S3_BACKEND, "OPTIONS": options}}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["storage"] == "error: ClientError"


def test_an_unreachable_object_store_answers_503_quickly_naming_the_storage(client, db, settings):
    settings.CELERY_BROKER_URL = ""
    closed = free_port()  # bound and released: nothing listens there
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": S3_BACKEND,
            "OPTIONS": s3_options(
                bucket="mutirao", endpoint_url=f"http://127.0.0.1:{closed}", access_key="k", secret_key="s"
            ),
        },
    }
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 5  # one attempt, no retries
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["database"] == "ok"
    assert body["storage"] == "error: EndpointConnectionError"
