"""Every response carries a request id, and so does every log line written while it runs."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.logs import logging_config
from config.request_id import RequestIdFilter

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def log_lines():
    """What the root logger's console writes, formatted as in production (text)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter("[%(request_id)s] %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: stream.getvalue().splitlines()
    root.removeHandler(handler)


def test_a_request_id_from_the_proxy_is_kept(client):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="caddy-7f3a.2:9")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "caddy-7f3a.2:9"


@pytest.mark.parametrize(
    "sent",
    [None, "", "two words", "line\nbreak", "<script>", "x" * 129, "-leading-dash"],
    ids=["none", "empty", "space", "newline", "markup", "too-long", "leading-dash"],
)
def test_a_missing_or_unsafe_request_id_is_replaced_by_a_new_one(client, sent):
    headers = {} if sent is None else {"HTTP_X_REQUEST_ID": sent}
    first = client.get("/accounts/login/", **headers)["X-Request-ID"]
    second = client.get("/accounts/login/", **headers)["X-Request-ID"]
    assert len(first) == 32 and int(first, 16) >= 0
    assert first != second


def test_log_lines_of_a_request_carry_its_id_and_lines_outside_none(client, log_lines):
    client.get("/no-such-page/", HTTP_X_REQUEST_ID="trace-404")
    logging.getLogger("mutirao.test").warning("between requests")
    assert "[trace-404] django.request: Not Found: /no-such-page/" in log_lines()
    assert "[-] mutirao.test: between requests" in log_lines()


def test_gunicorns_access_line_takes_the_id_from_the_response_header():
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, "", 0, "%(s)s", ({"s": "200", "{x-request-id}o": "abc"},), None
    )
    RequestIdFilter().filter(record)
    assert record.request_id == "abc"


def _django(env_extra, code):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "true", **env_extra}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_log_format_json_writes_one_json_object_per_line_with_the_request_id():
    result = _django(
        {"LOG_FORMAT": "json"},
        "from django.test import Client\n"
        "Client().get('/no-such-page/', HTTP_X_REQUEST_ID='json-trace-1')\n"
        "import logging; logging.getLogger('mutirao.test').info('outside, %s', 'déjà')\n",
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    not_found = next(r for r in records if r["name"] == "django.request")
    assert not_found["request_id"] == "json-trace-1"
    assert not_found["message"] == "Not Found: /no-such-page/" and not_found["levelname"] == "WARNING"
    assert not_found["asctime"].endswith("Z")
    outside = next(r for r in records if r["name"] == "mutirao.test")
    assert outside["message"] == "outside, déjà" and outside["request_id"] == "-"


@pytest.mark.parametrize(
    ("variable", "value"), [("LOG_FORMAT", "xml"), ("LOG_LEVEL", "LOUD")], ids=["format", "level"]
)
def test_an_unknown_log_format_or_level_fails_at_start_up_naming_it(variable, value):
    result = _django({variable: value}, "")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and variable in result.stderr


def test_the_access_log_in_json_has_its_parts_as_fields():
    config = logging_config(log_format="json")
    formatter = config["formatters"]["line"]["()"](fmt=config["formatters"]["line"]["fmt"])
    atoms = {"h": "10.0.0.1", "m": "GET", "U": "/c/honey/", "s": "200", "M": "12", "{x-request-id}o": "r1"}
    record = logging.LogRecord("gunicorn.access", logging.INFO, "", 0, "%(m)s %(U)s", (atoms,), None)
    RequestIdFilter().filter(record)
    line = json.loads(formatter.format(record))
    assert line["message"] == "GET /c/honey/"
    fields = (line["method"], line["path"], line["status"], line["duration_ms"])
    assert fields == ("GET", "/c/honey/", "200", "12")
    assert line["request_id"] == "r1"
