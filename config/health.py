"""GET /healthz: is the database reachable, the file storage, and the broker when configured.

Answers 200 when every configured dependency is up, 503 otherwise, naming the part
(`"storage": "error: EndpointConnectionError"`), within a few seconds even when the
broker's or the object store's host does not answer. `HealthCheckMiddleware` serves it ahead of
host validation and the HTTPS redirect: load balancers and container health checks call it
by IP address over plain HTTP.
"""

import functools

from django.conf import settings
from django.core.files.storage import storages
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

BROKER_TIMEOUT_SECONDS = 2
STORAGE_PROBE_NAME = "healthz/probe"


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        return f"error: {error.__class__.__name__}"


def _broker_status() -> str:
    if not settings.CELERY_BROKER_URL:
        return "not configured"
    from config.celery import app

    try:
        # One attempt, bounded: a health check that waits on retries is itself a failure.
        # The URL is passed on purpose: Celery prefers the environment over its settings.
        url = settings.CELERY_BROKER_URL
        with app.connection_for_write(url, connect_timeout=BROKER_TIMEOUT_SECONDS) as conn:
            conn.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_SECONDS)
        return "ok"
    except Exception as error:  # noqa: BLE001
        return f"error: {error.__class__.__name__}"


@functools.lru_cache(maxsize=4)
def _s3_probe(options_key: tuple):
    """A client of the bucket that tries once and gives up after a couple of seconds
    (kept between probes: building a boto3 client costs more than the probe itself)."""
    from storages.backends.s3 import S3Storage

    from config.storage import PROBE_TIMEOUT_SECONDS, s3_client_config

    options = dict(options_key)
    options["client_config"] = s3_client_config(
        endpoint_url=options.get("endpoint_url"), timeout=PROBE_TIMEOUT_SECONDS, retries=0
    )
    storage = S3Storage(**options)
    return storage.connection.meta.client, storage.bucket_name


def _storage_status() -> str:
    config = settings.STORAGES["default"]
    try:
        if config["BACKEND"] == "storages.backends.s3.S3Storage":
            # HEAD on the bucket, not on an object: a missing bucket or refused credentials
            # fail here, where a missing object would look like a healthy "no".
            key = tuple(sorted((k, v) for k, v in config["OPTIONS"].items() if k != "client_config"))
            client, bucket = _s3_probe(key)
            client.head_bucket(Bucket=bucket)
        else:
            storages["default"].exists(STORAGE_PROBE_NAME)
        return "ok"
    except Exception as error:  # noqa: BLE001
        return f"error: {error.__class__.__name__}"


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _database_status(), "storage": _storage_status(), "broker": _broker_status()}
    healthy = all(value in ("ok", "not configured") for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


class HealthCheckMiddleware:
    """Serve /healthz before any other middleware (first in MIDDLEWARE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)
