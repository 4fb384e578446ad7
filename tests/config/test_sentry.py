"""Errors go to Sentry only when SENTRY_DSN is set, tagged with the request id, with no
personal data. A small HTTP server on 127.0.0.1 stands in for Sentry and keeps what it gets."""

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import brotli
import pytest

PROJECT = Path(__file__).resolve().parents[2]

# Against a database without tables, a token-authenticated API call fails with a 500.
FAIL_A_REQUEST = """
import django, sentry_sdk
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
response = client.get("/api/v1/cooperatives/", HTTP_AUTHORIZATION="Token secret-token-123",
                      HTTP_X_REQUEST_ID="sentry-trace-1", HTTP_COOKIE="sessionid=secret-session-456")
print("status", response.status_code, "active", sentry_sdk.get_client().is_active())
sentry_sdk.flush(timeout=10)
"""


@pytest.fixture
def sentry_server():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            encoding = self.headers.get("Content-Encoding")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "br":
                body = brotli.decompress(body)
            received.append((self.path, body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], received
    server.shutdown()
    server.server_close()


def _run(tmp_path, **env_extra):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        **env_extra,
    }
    return subprocess.run(
        [sys.executable, "-c", FAIL_A_REQUEST],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _events(received):
    events = []
    for _, body in received:
        for line in body.splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict) and "exception" in item:
                events.append(item)
    return events


def test_without_a_dsn_nothing_is_initialised_or_sent(tmp_path, sentry_server):
    port, received = sentry_server
    result = _run(tmp_path)
    assert "status 500 active False" in result.stdout, result.stderr
    assert received == []


def test_an_error_is_reported_with_its_request_id_and_no_personal_data(tmp_path, sentry_server):
    port, received = sentry_server
    result = _run(tmp_path, SENTRY_DSN=f"http://publickey@127.0.0.1:{port}/42", SENTRY_ENVIRONMENT="ci")
    assert "status 500 active True" in result.stdout, result.stderr

    [event] = _events(received)
    assert all(path == "/api/42/envelope/" for path, _ in received)
    assert event["tags"]["request_id"] == "sentry-trace-1"
    assert event["environment"] == "ci"
    assert event["exception"]["values"][-1]["type"] == "OperationalError"
    assert {"django", "celery"} <= set(event["sdk"]["integrations"])
    # send_default_pii is off: no token, no session cookie, no user or address.
    raw = b"".join(body for _, body in received)
    assert b"secret-token-123" not in raw and b"secret-session-456" not in raw
    assert "ip_address" not in event.get("user", {})
