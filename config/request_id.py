"""A request id on every request, its response and every log line written while it runs.

The reverse proxy usually sends one (`X-Request-ID`); it is kept when it looks like an id
(letters, digits and `.-_:`, at most 128), so a proxy's log line and ours can be matched.
Anything else, or nothing, gets a fresh one. The id lives in a context variable: each
gunicorn thread serves one request at a time. It is forgotten on `request_finished`, not
when the middleware returns: Django logs a 4xx or 5xx response, and gunicorn writes its
access line, after the middleware has returned.
"""

import contextvars
import logging
import re
import uuid

from django.core.signals import request_finished

HEADER = "X-Request-ID"
NO_REQUEST = "-"
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_current = contextvars.ContextVar("request_id", default=NO_REQUEST)


def current_request_id() -> str:
    """The id of the request being served, or "-" outside a request (a task, a command)."""
    return _current.get()


def request_id_from(header_value: str | None) -> str:
    if header_value and _SANE_ID.fullmatch(header_value):
        return header_value
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE, so that even a refused host's 400 and the health probe carry it."""

    def __init__(self, get_response):
        self.get_response = get_response
        request_finished.connect(_forget_request_id, dispatch_uid="config.request_id")

    def __call__(self, request):
        request_id = request_id_from(request.headers.get(HEADER))
        request.request_id = request_id
        _current.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def _forget_request_id(**kwargs):
    _current.set(NO_REQUEST)


# gunicorn writes its access line after the response has left the middleware, so the id is
# read back from the response's header (gunicorn's "{x-request-id}o" atom).
_ACCESS_ATOM = "{" + HEADER.lower() + "}o"


class RequestIdFilter(logging.Filter):
    """Gives every record a `request_id` attribute (for the formatters); set on handlers,
    so records propagated from any logger get it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request_id = current_request_id()
            if request_id == NO_REQUEST and isinstance(record.args, dict):
                request_id = record.args.get(_ACCESS_ATOM) or NO_REQUEST
            record.request_id = request_id
        return True
