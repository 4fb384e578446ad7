"""API rate limits: strict on asking for a token (per address), moderate on writes (per
user), 429 with Retry-After, counted in the shared cache, and documented where they apply.

The rest of the suite runs with the limits off (tests/conftest.py); these tests set low
ones. The counters live in the default cache, which CI points at Redis (CACHE_URL), so
each test first clears the counters it is about to fill (a previous run's may be there).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from coop.models import Family

PROJECT = Path(__file__).resolve().parents[2]
TOKEN_URL = "/api/v1/auth/token/"
# Documentation addresses (RFC 5737): never a real client.
ADDRESS_A, ADDRESS_B = "192.0.2.10", "192.0.2.20"


@pytest.fixture
def rates(settings):
    def set_rates(*, auth_token=None, writes=None, num_proxies=0):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"auth_token": auth_token, "writes": writes},
            "NUM_PROXIES": num_proxies,
        }

    return set_rates


def forget_counters(*idents):
    cache.delete_many([f"throttle_{scope}_{ident}" for scope in ("auth_token", "writes") for ident in idents])


def ask_token(client, password="demo", **extra):
    return client.post(TOKEN_URL, {"username": "a-staff", "password": password}, format="json", **extra)


def assert_throttled(response, *, period):
    assert response.status_code == 429
    # DRF's own message, in the caller's language: "Request was throttled..." in English.
    assert "detail" in response.json()
    assert 0 < int(response["Retry-After"]) <= period


def test_the_token_endpoint_allows_so_many_requests_per_address_then_answers_429(personas, rates):
    rates(auth_token="3/minute")
    forget_counters(ADDRESS_A, ADDRESS_B)
    client = APIClient()
    # Wrong passwords count as much as right ones: the limit is on guessing.
    assert ask_token(client, "guess", REMOTE_ADDR=ADDRESS_A).status_code == 400
    assert ask_token(client, "guess", REMOTE_ADDR=ADDRESS_A).status_code == 400
    assert ask_token(client, REMOTE_ADDR=ADDRESS_A).status_code == 200
    assert_throttled(ask_token(client, REMOTE_ADDR=ADDRESS_A), period=60)
    # Another address is counted apart.
    assert ask_token(client, REMOTE_ADDR=ADDRESS_B).status_code == 200


def test_a_client_cannot_dodge_the_limit_with_its_own_forwarded_for_header(personas, rates):
    rates(auth_token="2/minute")  # no proxy in front (NUM_PROXIES=0): the header is ignored
    forget_counters(ADDRESS_A)
    client = APIClient()
    for spoofed in ("198.51.100.1", "198.51.100.2"):
        assert ask_token(client, REMOTE_ADDR=ADDRESS_A, HTTP_X_FORWARDED_FOR=spoofed).status_code == 200
    response = ask_token(client, REMOTE_ADDR=ADDRESS_A, HTTP_X_FORWARDED_FOR="198.51.100.3")
    assert_throttled(response, period=60)


def test_behind_the_proxy_the_address_it_appends_is_the_client(personas, rates):
    # The proxy appends the address it saw; whatever the client wrote before it is ignored.
    rates(auth_token="2/minute", num_proxies=1)
    forget_counters(ADDRESS_A)
    client = APIClient()
    for spoofed in ("198.51.100.1", "198.51.100.2"):
        forwarded = f"{spoofed}, {ADDRESS_A}"
        assert ask_token(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded).status_code == 200
    response = ask_token(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"198.51.100.3, {ADDRESS_A}")
    assert_throttled(response, period=60)


def test_writes_are_limited_per_user_and_reads_are_not(personas, world, rates):
    rates(writes="2/hour")
    forget_counters(personas.staff.pk, personas.manager.pk)
    url = f"/api/v1/families/{world.family_a.pk}/"
    staff = APIClient()
    staff.force_authenticate(personas.staff)
    assert staff.patch(url, {"hives": 5}, format="json").status_code == 200
    assert staff.patch(url, {"hives": 6}, format="json").status_code == 200
    response = staff.patch(url, {"hives": 7}, format="json")
    assert_throttled(response, period=3600)
    assert Family.objects.get(pk=world.family_a.pk).hives == 6  # the refused write wrote nothing
    # Reading goes on, and another user of the same co-op still writes.
    assert staff.get(url).status_code == 200
    assert staff.get("/api/v1/families/").status_code == 200
    manager = APIClient()
    manager.force_authenticate(personas.manager)
    assert manager.patch(url, {"hives": 8}, format="json").status_code == 200


def test_the_counters_live_in_the_shared_cache(personas, world, rates):
    # Django's default cache is CACHE_URL (the stack's Redis): every web process sees them.
    rates(writes="5/minute")
    forget_counters(personas.staff.pk)
    client = APIClient()
    client.force_authenticate(personas.staff)
    for hives in (3, 4):
        client.patch(f"/api/v1/families/{world.family_a.pk}/", {"hives": hives}, format="json")
    assert len(cache.get(f"throttle_writes_{personas.staff.pk}")) == 2


def test_with_the_suite_settings_nothing_is_throttled(personas):
    # tests/conftest.py turns the limits off; far more requests than any real limit pass.
    client = APIClient()
    assert {ask_token(client, REMOTE_ADDR=ADDRESS_A).status_code for _ in range(25)} == {200}


@pytest.fixture
def schema(db):
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_documents_429_on_writes_and_the_token_endpoint_only(schema):
    documented = {
        (path, method)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "429" in operation["responses"]
    }
    writes = {
        (path, method)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"post", "put", "patch", "delete"}
    }
    assert (TOKEN_URL, "post") in documented
    assert documented == writes
    answer = schema["paths"][TOKEN_URL]["post"]["responses"]["429"]
    assert answer["headers"]["Retry-After"]["schema"] == {"type": "integer"}


@pytest.mark.parametrize("value", ["lots", "10", "0/minute", "10/fortnight", "-1/s"])
def test_a_bad_rate_stops_the_start_up_naming_the_variable(value):
    env = {**os.environ, "DEBUG": "true", "API_RATE_WRITES": value}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=PROJECT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "API_RATE_WRITES" in result.stderr
