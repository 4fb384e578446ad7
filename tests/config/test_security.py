"""Security headers on every response, and login throttling (django-axes) on the login page
and the API token endpoint alike."""

import re

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.authtoken.models import Token

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


@pytest.mark.parametrize("path", [LOGIN, "/admin/login/", "/api/v1/", "/"])
def test_responses_carry_security_headers(client, db, path):
    response = client.get(path)
    csp = _csp(response)
    scripts = csp.get("script-src", csp["default-src"])
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_login_page_has_no_inline_script_the_policy_would_block(client, db):
    html = client.get(LOGIN).content.decode()
    for attributes in re.findall(r"<script\b([^>]*)>", html):
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes


def test_login_form_needs_the_csrf_token(db, personas):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "a-staff", "password": "demo"})
    assert response.status_code == 403


def _fail(client, username, times):
    for attempt in range(1, times + 1):
        response = client.post(LOGIN, {"username": username, "password": "wrong"})
        # The form again, with an error; the failure that reaches the limit locks at once.
        locks = attempt == settings.AXES_FAILURE_LIMIT
        assert response.status_code == (settings.AXES_HTTP_RESPONSE_CODE if locks else 200)
        assert "_auth_user_id" not in client.session


def test_right_password_works_below_the_failure_limit(client, personas):
    _fail(client, "a-staff", settings.AXES_FAILURE_LIMIT - 1)
    response = client.post(LOGIN, {"username": "a-staff", "password": "demo"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(personas.staff.pk)


def test_after_the_failure_limit_even_the_right_password_is_refused(client, personas):
    _fail(client, "a-staff", settings.AXES_FAILURE_LIMIT)
    response = client.post(LOGIN, {"username": "a-staff", "password": "demo"})
    assert response.status_code == settings.AXES_HTTP_RESPONSE_CODE
    assert "registration/locked_out.html" in [template.name for template in response.templates]
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # still sent to the login page


def test_locked_out_user_gets_no_api_token(client, personas):
    _fail(client, "a-staff", settings.AXES_FAILURE_LIMIT)
    response = client.post(TOKEN, {"username": "a-staff", "password": "demo"})
    # Refused like a wrong password: nothing tells a guesser the password was right.
    assert response.status_code == 400
    assert "token" not in response.json()
    assert not Token.objects.exists()


def test_lockout_is_for_that_user_only(client, personas):
    _fail(client, "a-staff", settings.AXES_FAILURE_LIMIT)
    response = client.post(LOGIN, {"username": "a-manager", "password": "demo"})
    assert response.status_code == 302
    assert client.post(TOKEN, {"username": "a-manager", "password": "demo"}).status_code == 200


def test_trace_requests_are_refused_not_routed_to_a_trace_view(client, personas, world):
    # A view method or property named `trace` would otherwise answer HTTP TRACE (a 500).
    client.force_login(personas.manager)
    slug = personas.manager.memberships.get().cooperative.slug
    for path in (f"/c/{slug}/shipments/1/trace/", "/api/v1/shipments/1/trace/"):
        assert client.generic("TRACE", path).status_code == 405, path
