"""OpenAPI post-processing: document the error answers every operation can give.

Generated per view, the schema lists only the success codes; but any filter or body can
be refused (400), any caller may be unauthenticated (401), lack the role (403) or ask for
something outside their co-operatives (404); and an operation that a rate limit applies to
(config/throttling.py: writes, asking for a token) may be throttled (429, with
Retry-After). Clients (and the schemathesis check in tests/config/test_api_fuzz.py) should
find them documented, and only where they can happen.
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
}
THROTTLED = {
    "description": "Too many requests: wait the number of seconds in Retry-After.",
    "headers": {
        "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}
    },
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


def _throttled_operations(generator) -> set[tuple[str, str]]:
    """(path, method) of every operation a rate limit applies to, asked of its own view."""
    throttled = set()
    for path, _regex, method, callback in generator.endpoints:
        view = generator.create_view(callback, method)
        path = generator.coerce_path(path, method, view)
        throttles = view.get_throttles()
        if any(getattr(throttle, "applies_to", lambda m: True)(method) for throttle in throttles):
            throttled.add((path, method.lower()))
    return throttled


def document_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    throttled = _throttled_operations(generator)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            content = _error_content(responses)
            for code, description in ERRORS.items():
                responses.setdefault(code, {"description": description, "content": content})
            if (path, method) in throttled:
                responses.setdefault("429", {**THROTTLED, "content": content})
    return result
