"""OpenAPI post-processing: document the error answers every operation can give.

Generated per view, the schema lists only the success codes; but any filter or body can
be refused (400), any caller may be unauthenticated (401), lack the role (403), ask for
something outside their co-operatives (404) or be throttled (429). Clients (and the
schemathesis check in tests/config/test_api_fuzz.py) should find them documented.
"""

ERROR_SCHEMA = {
    "type": "object",
    "description": "Field names (or `detail` / `non_field_errors`) mapped to messages.",
    "additionalProperties": True,
}
ERRORS = {
    "400": "Invalid input: the body names each refused field.",
    "401": "Not authenticated.",
    "403": "Your role in this co-operative does not allow this.",
    "404": "Not found (or not in your co-operatives).",
    "429": "Too many requests.",
}


def _error_content(responses: dict) -> dict:
    # An error is rendered in the format the client negotiated: JSON, or e.g. CSV for an
    # export asked for with ?format=csv.
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for code, response in responses.items():
        if str(code).startswith("2"):
            for media_type in response.get("content", {}):
                content.setdefault(media_type, {"schema": {"type": "string"}})
    return content


def document_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            content = _error_content(responses)
            for code, description in ERRORS.items():
                responses.setdefault(code, {"description": description, "content": content})
    return result
