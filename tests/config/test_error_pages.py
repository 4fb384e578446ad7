"""The project's own error pages, which must render when everything else is broken.

Django renders 400, the CSRF 403 and 500 without the request (no context processor): their
frame, `error_page.html`, needs no database and no URL built from the request. 403 and 404
use the site's frame, and need no database for an anonymous visitor. No test here has
database access: touching it would raise.
"""

import logging

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.test import RequestFactory
from django.utils import translation
from django.views import csrf, defaults

from config.rest import page_not_found


@pytest.fixture
def anonymous_request():
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    return request


@pytest.mark.parametrize(
    ("view", "status", "heading"),
    [
        (lambda r: defaults.bad_request(r, SuspiciousOperation()), 400, "Requisição inválida"),
        (lambda r: csrf.csrf_failure(r, reason="CSRF cookie not set."), 403, "O formulário expirou"),
        (defaults.server_error, 500, "Algo deu errado"),
        (lambda r: defaults.permission_denied(r, PermissionDenied()), 403, "Não permitido"),
        (lambda r: page_not_found(r, Http404()), 404, "Página não encontrada"),
    ],
    ids=["400", "403-csrf", "500", "403", "404"],
)
def test_error_pages_are_the_projects_own_in_portuguese_without_a_database(
    anonymous_request, view, status, heading
):
    with translation.override("pt-br"):
        response = view(anonymous_request)
    assert response.status_code == status
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert 'lang="pt-br"' in page and "css/mutirao.css" in page


def test_a_host_outside_allowed_hosts_gets_the_400_page_and_a_log_line_naming_it(client, caplog):
    with caplog.at_level(logging.ERROR, logger="django.security.DisallowedHost"):
        response = client.get("/accounts/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "<h1>Requisição inválida</h1>" in response.content.decode()
    assert response["X-Request-ID"]
    assert any("'evil.example'" in record.getMessage() for record in caplog.records)
