"""The OpenAPI schema is generated without warnings and the docs load nothing from a CDN."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

RESOURCES = [
    "cooperatives",
    "associations",
    "families",
    "members",
    "memberships",
    "products",
    "lots",
    "certifications",
    "inspections",
]


def test_schema_generates_and_validates_without_warnings(tmp_path):
    # --fail-on-warn turns any warning (an untyped field, a guessed path parameter) into an error.
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")


@pytest.fixture
def schema():
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def test_schema_lists_every_resource_without_delete(schema):
    for resource in RESOURCES:
        assert f"/api/v1/{resource}/" in schema["paths"]
    for path, operations in schema["paths"].items():
        assert "delete" not in operations, path
    assert "post" not in schema["paths"]["/api/v1/cooperatives/"]
    assert "/api/v1/auth/token/" in schema["paths"]


def test_cooperatives_are_looked_up_by_slug(schema):
    (parameter,) = schema["paths"]["/api/v1/cooperatives/{slug}/"]["get"]["parameters"]
    assert (parameter["name"], parameter["in"], parameter["schema"]["type"]) == ("slug", "path", "string")


def test_the_cpf_is_documented_as_write_only(schema):
    components = schema["components"]["schemas"]
    assert "national_id" not in components["Member"]["properties"]
    assert "national_id" in components["MemberRequest"]["properties"]


def test_creates_document_the_idempotency_key_header(schema):
    for resource in ["associations", "families", "members"]:
        parameters = schema["paths"][f"/api/v1/{resource}/"]["post"]["parameters"]
        assert {"in": "header", "name": "Idempotency-Key"}.items() <= parameters[0].items()


def test_production_posts_document_the_idempotency_key_header(schema):
    posts = [
        "/api/v1/products/",
        "/api/v1/lots/",
        "/api/v1/lots/batches/",
        "/api/v1/lots/{id}/accept/",
        "/api/v1/lots/{id}/reject/",
        "/api/v1/certifications/",
        "/api/v1/certifications/{id}/status/",
        "/api/v1/inspections/",
        "/api/v1/inspections/{id}/close/",
    ]
    for path in posts:
        names = {(p["in"], p["name"]) for p in schema["paths"][path]["post"]["parameters"]}
        assert ("header", "Idempotency-Key") in names, path


def test_lots_are_never_edited_and_the_schema_says_why(schema):
    for path, operations in schema["paths"].items():
        if path.startswith("/api/v1/lots/"):
            assert not {"put", "patch", "delete"} & set(operations), path
    assert "no PUT, PATCH or DELETE" in schema["paths"]["/api/v1/lots/{id}/"]["get"]["description"]
    assert "reject" in schema["paths"]["/api/v1/lots/{id}/"]["get"]["description"]


def test_lots_page_with_a_cursor_and_weights_are_strings(schema):
    names = {p["name"] for p in schema["paths"]["/api/v1/lots/"]["get"]["parameters"]}
    assert {"cursor", "page_size", "kind", "family", "family_code", "collected_after", "search"} <= names
    assert "page" not in names
    lot = schema["components"]["schemas"]["Lot"]["properties"]
    assert (lot["net_kg"]["type"], lot["net_kg"]["format"]) == ("string", "decimal")
    assert lot["net_kg"]["pattern"].endswith(r"\d{0,3})?$")
    assert lot["amount_paid"]["pattern"].endswith(r"\d{0,2})?$")


def test_lineage_endpoints_are_documented(schema):
    for path in [
        "/api/v1/lots/{id}/sources/",
        "/api/v1/lots/{id}/products/",
        "/api/v1/families/{id}/products/",
    ]:
        assert set(schema["paths"][path]) == {"get"}, path


def test_list_filters_and_page_size_are_documented(schema):
    names = {p["name"] for p in schema["paths"]["/api/v1/families/"]["get"]["parameters"]}
    assert {
        "cooperative",
        "association",
        "status",
        "municipality",
        "search",
        "ordering",
        "page",
        "page_size",
    } <= names


def test_both_authentication_schemes_are_documented(schema):
    assert {"cookieAuth", "tokenAuth"} <= set(schema["components"]["securitySchemes"])


def _urls(html):
    return re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)


def test_docs_reference_only_local_static_files():
    client = Client()
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    urls = _urls(html)
    assert urls, "the docs page loads its scripts and styles"
    for url in urls:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url  # scheme-relative would be another host
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), f"{url} is not shipped"
        else:
            assert url.startswith("/api/docs/?script"), url
    assert any("swagger-ui-bundle.js" in url for url in urls)
    assert not re.search(r"https?://", html)

    script = client.get("/api/docs/?script=").content.decode()
    assert '"/api/schema/"' in script
    assert not re.search(r"https?://", script)


def test_memberships_are_invited_patched_and_ended_never_put_or_deleted(schema):
    assert set(schema["paths"]["/api/v1/memberships/{id}/"]) == {"get", "patch"}
    for path in ["/api/v1/memberships/", "/api/v1/memberships/{id}/end/"]:
        names = {(p["in"], p["name"]) for p in schema["paths"][path]["post"]["parameters"]}
        assert ("header", "Idempotency-Key") in names, path
    invite = schema["components"]["schemas"]["MembershipInviteRequest"]["properties"]
    assert {"cooperative", "email", "role", "ends_on", "name"} == set(invite)
