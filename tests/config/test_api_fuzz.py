"""An API client check: schemathesis generates requests from /api/schema/ for every
operation and sends them, authenticated as a manager, to the app in-process.

No answer may be a 5xx, and every answer must match the schema (status code documented,
body shaped as declared). The number of examples per operation is bounded so the run
stays within CI's time budget; raise `SCHEMATHESIS_EXAMPLES` locally to dig deeper.
"""

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import FamilyFactory, LotFactory, ProductFactory

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "3"))


def _schema():
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    schema = schemathesis.openapi.from_dict(json.loads(response.content))
    schema.app = get_wsgi_application()
    return schema


schema = _schema()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # The app is called through WSGI, not Django's test client: Django would close the
    # database connection at the end of each request, and with it the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auth_headers(db, personas, coop_a):
    # Something to find: a few rows in the manager's co-operative.
    product = ProductFactory(cooperative=coop_a)
    family = FamilyFactory(cooperative=coop_a)
    LotFactory(cooperative=coop_a, product=product, family=family)
    token, _ = Token.objects.get_or_create(user=personas.manager)
    return {"Authorization": f"Token {token.key}"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_server_error_and_answers_match_the_schema(case, auth_headers):
    response = case.call(headers=auth_headers)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}"
    case.validate_response(
        response,
        checks=[status_code_conformance, content_type_conformance, response_schema_conformance],
    )
