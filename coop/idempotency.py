"""Idempotent POSTs: a retried request with the same `Idempotency-Key` gets the first answer.

A phone recording a barrel over a bad connection may send the same POST twice; the
second must not create a second row. The client sends a key of its choosing with the
POST; we keep the answer under (user, key) in `IdempotencyKey`:

- same key, same body, same URL -> the stored status and body, nothing written;
- same key, other body or URL   -> 422, nothing written;
- a write that fails (400, 403) keeps nothing, so the client may fix it and retry.

Answers are kept 30 days (`IDEMPOTENCY_KEY_RETENTION`, purged nightly by the beat).

The key row is inserted *before* the write, in the same transaction. A concurrent
retry therefore waits on the (user, key) unique index until the first one commits,
then fails with IntegrityError and replays the stored answer instead of writing a
second row (on PostgreSQL; SQLite's BEGIN IMMEDIATE serialises the two outright).
"""

import functools
import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from coop.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = IdempotencyKey._meta.get_field("key").max_length

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A key of your choosing (e.g. a UUID), unique per request you mean to make. Retrying "
        "the POST with the same key and body returns the first response and writes nothing "
        f"(the replay carries `{REPLAYED_HEADER}: true`); the same key with a different "
        "body is refused with 422. Keys are per user and kept for 30 days."
    ),
)


class IdempotencyKeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _(
        "This Idempotency-Key was already used for a different request. Use a new key for a new request."
    )
    default_code = "idempotency_key_reused"


def _key_from(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationError({HEADER: [_("Use 1 to %d printable ASCII characters.") % MAX_KEY_LENGTH]})
    return key


def _path(request) -> str:
    return request.path[: IdempotencyKey._meta.get_field("path").max_length]


def _fingerprint(request) -> str:
    """SHA-256 of the body as parsed, so key order and whitespace do not matter."""
    data = request.data
    if hasattr(data, "lists"):  # a form-encoded QueryDict
        data = dict(data.lists())
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotentCreateMixin:
    """For DRF viewsets: makes `create` (POST on the list URL) honour `Idempotency-Key`,
    and lends `run_idempotently` to POST actions decorated with `@idempotent`."""

    @extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    def create(self, request, *args, **kwargs):
        return self.run_idempotently(request, functools.partial(super().create, request, *args, **kwargs))

    def run_idempotently(self, request, respond: Callable[[], Response]) -> Response:
        """Answer with `respond()`, or with the stored answer of an earlier request with the key."""
        key = _key_from(request)
        if key is None:
            return respond()
        fingerprint = _fingerprint(request)

        stored = self.stored_idempotent_response(request.user, key)
        if stored is not None:
            return self._replay(stored, request, fingerprint)
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=request.user,
                    key=key,
                    method=request.method,
                    path=_path(request),
                    request_hash=fingerprint,
                    response_status=0,  # filled in below, before this transaction commits
                )
                response = respond()
                if status.is_success(response.status_code):
                    record.response_status = response.status_code
                    record.response_body = json.loads(JSONRenderer().render(response.data))
                    record.save(update_fields=["response_status", "response_body"])
                else:
                    transaction.set_rollback(True)
        except IntegrityError:
            # Another request with this key committed while we waited for its row lock;
            # ours was rolled back whole, so answer what it answered.
            stored = self.stored_idempotent_response(request.user, key)
            if stored is None:
                raise
            return self._replay(stored, request, fingerprint)
        return response

    def stored_idempotent_response(self, user, key) -> IdempotencyKey | None:
        return IdempotencyKey.objects.filter(user=user, key=key).first()

    def _replay(self, stored: IdempotencyKey, request, fingerprint: str) -> Response:
        if (stored.method, stored.path, stored.request_hash) != (request.method, _path(request), fingerprint):
            raise IdempotencyKeyReused()
        return Response(
            stored.response_body, status=stored.response_status, headers={REPLAYED_HEADER: "true"}
        )


def idempotent(view_action):
    """For a POST action of a viewset with `IdempotentCreateMixin` (`accept`, `close`, ...):
    a retry with the same key and body answers the first answer and writes nothing.
    Document the header with `extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER])`."""

    @functools.wraps(view_action)
    def wrapper(self, request, *args, **kwargs):
        return self.run_idempotently(request, lambda: view_action(self, request, *args, **kwargs))

    return wrapper
