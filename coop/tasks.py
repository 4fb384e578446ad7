"""Celery tasks for co-operatives: thin, take ids, re-fetch, call one selector or service."""

import logging

from celery import shared_task

from coop import selectors
from coop.imports.pending import pending_imports_purge
from coop.models import Cooperative
from coop.services.housekeeping import idempotency_keys_purge, sessions_purge

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def cooperative_summary(cooperative_id: int) -> dict:
    """Head counts of one co-op (used by reports; also proves a worker is alive)."""
    cooperative = Cooperative.objects.get(pk=cooperative_id)
    summary = selectors.cooperative_summary(cooperative=cooperative)
    logger.info("summary for %s: %s", cooperative.slug, summary)
    return summary


# --- Housekeeping (the beat runs these; see config/celery.py) -----------------------------------


@shared_task(acks_late=True)
def purge_idempotency_keys() -> int:
    return idempotency_keys_purge()


@shared_task(acks_late=True)
def purge_expired_sessions() -> None:
    sessions_purge()
    logger.info("expired sessions purged")


@shared_task(acks_late=True)
def purge_import_previews() -> int:
    return pending_imports_purge()
