"""An uploaded file between its preview and the user's confirmation.

The file goes to the default storage (the disk or an S3 bucket, config/storage.py) under
`imports/<token>.upload`; a `PendingImport` row keeps who uploaded it, for which co-op, its
kind, name and SHA-256. Nothing lives in the web process or its session, so a preview shown
by one web host can be confirmed through another.

- Only the user who uploaded the file may confirm, read or cancel it, in its co-op
  (`pending_get`); another co-op's or user's preview is simply not found.
- Confirming takes the row with one conditional UPDATE (`status = 'pending'` → `'taken'`):
  of two confirmations exactly one finds it, the other imports nothing.
- Previews expire after a day; `pending_imports_purge` (a periodic task) deletes their files
  and rows.
"""

import datetime
import hashlib
import logging
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone

from coop.models import PendingImport
from coop.tenancy import RECORD, scope

logger = logging.getLogger(__name__)

FOLDER = "imports"
MAX_AGE = datetime.timedelta(hours=24)
# A preview taken just before it expired is still being read by its confirmation: the purge
# leaves taken rows (and their files) alone for this long after they were taken.
TAKE_GRACE = datetime.timedelta(hours=1)
MAX_PER_USER = 5  # pending previews per user and co-op; older ones are discarded


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _delete_file(name: str) -> bool:
    """Remove a kept file; False (and a log line) if the storage refused, so a purge retries."""
    try:
        default_storage.delete(name)
    except Exception:  # noqa: BLE001 - the storage's own errors (S3 down, disk full) vary
        logger.warning("could not delete import preview file %s", name, exc_info=True)
        return False
    return True


def pending_keep(*, user, cooperative, kind: str, filename: str, data: bytes) -> PendingImport:
    """Keep `data` for a later confirmation by `user` in `cooperative`."""
    token = secrets.token_urlsafe(24)
    name = default_storage.save(f"{FOLDER}/{token}.upload", ContentFile(data))
    try:
        preview = PendingImport.objects.create(
            token=token,
            cooperative=cooperative,
            user=user,
            kind=kind,
            original_name=filename[:255],
            storage_name=name,
            sha256=_sha256(data),
        )
    except Exception:
        _delete_file(name)  # no row: nobody could ever take or purge the file
        raise
    older = (
        PendingImport.objects.filter(cooperative=cooperative, user=user, status=PendingImport.Status.PENDING)
        .order_by("-created_at", "-pk")
        .only("pk", "storage_name")[MAX_PER_USER:]
    )
    for stale in older:
        pending_discard(preview=stale)
    return preview


def pending_get(*, user, cooperative, token: str) -> PendingImport | None:
    """The preview `token` if `user` kept it in `cooperative` (whatever its status), else None."""
    if not isinstance(token, str) or not token:
        return None
    queryset = scope(PendingImport.objects.all(), user, roles=RECORD)
    return queryset.filter(cooperative=cooperative, user=user, token=token).first()


def _fresh(now: datetime.datetime) -> Q:
    return Q(status=PendingImport.Status.PENDING, created_at__gt=now - MAX_AGE)


def pending_take(*, preview: PendingImport) -> bytes | None:
    """Take the kept file, once: its bytes, or None if taken, expired, gone or altered."""
    now = timezone.now()
    # The conditional UPDATE is the lock: one confirmation changes the row, any other finds
    # it taken, whichever web process or host it runs in.
    won = PendingImport.objects.filter(_fresh(now), pk=preview.pk).update(
        status=PendingImport.Status.TAKEN, taken_at=now
    )
    if not won:
        return None
    try:
        with default_storage.open(preview.storage_name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    except Exception:
        # The storage failed (not the file): give the preview back so that a retry can take it.
        PendingImport.objects.filter(pk=preview.pk, status=PendingImport.Status.TAKEN).update(
            status=PendingImport.Status.PENDING, taken_at=None
        )
        raise
    _delete_file(preview.storage_name)  # if this fails, the purge removes it later
    return data if _sha256(data) == preview.sha256 else None


def pending_read(*, preview: PendingImport) -> bytes | None:
    """The kept file without taking it (to list its problems again), or None."""
    if not PendingImport.objects.filter(_fresh(timezone.now()), pk=preview.pk).exists():
        return None
    try:
        with default_storage.open(preview.storage_name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    return data if _sha256(data) == preview.sha256 else None


def pending_discard(*, preview: PendingImport) -> bool:
    """Cancel a preview still waiting: its row and file go. False if it was taken meanwhile."""
    deleted, _ = PendingImport.objects.filter(pk=preview.pk, status=PendingImport.Status.PENDING).delete()
    if deleted:
        _delete_file(preview.storage_name)
    return bool(deleted)


def pending_imports_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the files and rows of previews older than MAX_AGE; returns how many went.

    Waiting previews are first marked expired with the same kind of conditional UPDATE a
    confirmation uses, so a confirmation racing with the purge either took the row before
    (and keeps it) or finds it expired. A file is deleted before its row: a failure leaves
    the row, and the next run tries again.
    """
    now = now or timezone.now()
    stale = Q(created_at__lte=now - MAX_AGE)
    PendingImport.objects.filter(stale, status=PendingImport.Status.PENDING).update(
        status=PendingImport.Status.EXPIRED
    )
    done = PendingImport.objects.filter(
        Q(status=PendingImport.Status.EXPIRED)
        | Q(stale, status=PendingImport.Status.TAKEN, taken_at__lte=now - TAKE_GRACE)
    )
    purged = 0
    for preview in done.only("pk", "storage_name").iterator():
        if _delete_file(preview.storage_name):
            PendingImport.objects.filter(pk=preview.pk).delete()
            purged += 1
    logger.info("import previews purged: %d", purged)
    return purged
