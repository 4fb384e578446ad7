"""Housekeeping run by the beat (coop.tasks): what is kept only for a while goes when it is old."""

import datetime
import logging

from django.core.management import call_command
from django.utils import timezone

from coop.models import IdempotencyKey

logger = logging.getLogger(__name__)

# A phone syncing its offline outbox may retry a POST days after it first sent it (a week in
# the field without signal is common); past this, a retry with the same key writes again.
IDEMPOTENCY_KEY_RETENTION = datetime.timedelta(days=30)


def idempotency_keys_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete stored answers to idempotent POSTs older than the retention; returns how many."""
    cutoff = (now or timezone.now()) - IDEMPOTENCY_KEY_RETENTION
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    logger.info("idempotency keys purged: %d older than %s", deleted, cutoff.isoformat())
    return deleted


def sessions_purge() -> None:
    """Delete expired sessions, whatever SESSION_ENGINE keeps them in (Django's clearsessions)."""
    call_command("clearsessions")
