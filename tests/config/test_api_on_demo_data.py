"""The API's answers match its own schema on real data: schemathesis reads /api/schema/ and
calls every read operation, as the honey co-op's manager, against the demo co-operatives
(`seed_demo`), where unpaid advances, derived ledger entries and shipped sales exist.

A generated client in a typed language trusts the schema: an empty string where the schema
allows only an enum, or a null where it promises a string, would crash it. The demo is loaded
once for the module inside a transaction rolled back at its end.
"""

import json

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client
from django.test.utils import override_settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _schema():
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    schema = schemathesis.openapi.from_dict(json.loads(response.content))
    schema.app = get_wsgi_application()
    return schema


schema = _schema()


@pytest.fixture(scope="module")
def demo_tokens(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", "--force", verbosity=0)
            yield {
                user.username: Token.objects.get_or_create(user=user)[0].key
                for user in get_user_model().objects.filter(username__in=["honey-manager", "babassu-manager"])
            }
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # Called through WSGI, not the test client: Django would close the connection after each
    # request, and with it the module's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _collections() -> list[str]:
    """Read operations of the schema without a path parameter, then those with one."""
    paths = [path for path, methods in schema.raw_schema["paths"].items() if "get" in methods]
    return sorted(paths, key=lambda path: ("{" in path, path))


def _check(operation, token, problems: list[str], path_parameters=None):
    """Call one operation; note (not raise) what does not match, so one run lists them all."""
    case = operation.Case(path_parameters=path_parameters or {}, query={})
    # Identity: the answers are gzip-compressed for clients that ask, and schemathesis reads text.
    response = case.call(headers={"Authorization": f"Token {token}", "Accept-Encoding": "identity"})
    try:
        assert response.status_code < 500, response.status_code
        case.validate_response(
            response, checks=[status_code_conformance, content_type_conformance, response_schema_conformance]
        )
    except (AssertionError, BaseExceptionGroup) as error:  # schemathesis groups its failures
        problems.append(f"GET {case.formatted_path}: {str(error)[:600]}")
    return response


def _sample(items: list, size: int = 6) -> list:
    """A spread of a page's objects: first, last and some between."""
    if len(items) <= size:
        return items
    step = len(items) / size
    return [items[int(n * step)] for n in range(size)] + [items[-1]]


@pytest.mark.parametrize("username", ["honey-manager", "babassu-manager"])
def test_every_read_answer_on_demo_data_matches_the_schema(demo_tokens, db, username):
    token = demo_tokens[username]
    keys: dict[str, list] = {}  # collection path -> keys of objects seen on its first page
    problems: list[str] = []
    for path in _collections():
        operation = schema[path]["GET"]
        if "{" not in path:
            answer = _check(operation, token, problems).json()
            rows = answer.get("results", answer) if isinstance(answer, dict) else answer
            if isinstance(rows, list):
                keys[path] = [
                    row.get("id", row.get("slug", row.get("code"))) for row in rows if isinstance(row, dict)
                ]
            continue
        collection, name = path.split("{", 1)
        name = name.split("}", 1)[0]
        for key in _sample([k for k in keys.get(collection, []) if k is not None]):
            _check(operation, token, problems, path_parameters={name: key})
    assert not problems, "\n\n".join(problems)
