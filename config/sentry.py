"""Error reporting through Sentry (or a compatible service), only when SENTRY_DSN is set.

No personal data leaves: `send_default_pii` stays off (no user, no IP, no cookies), and
neither request bodies nor stack frames' local variables are sent. Each event carries the
request id, so a report and the log lines of its request can be found together.
"""

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

from config.request_id import NO_REQUEST, current_request_id


def _tag_request_id(event, hint):
    request_id = current_request_id()
    if request_id != NO_REQUEST:
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def sentry_init(*, dsn: str, environment: str, release: str | None, traces_sample_rate: float) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        # Forms hold national IDs and names: never send a request body.
        max_request_body_size="never",
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        # A frame's local variables hold tokens, passwords and national IDs (a test caught
        # an API token there): stack traces go without them.
        include_local_variables=False,
        traces_sample_rate=traces_sample_rate,
        before_send=_tag_request_id,
    )
