"""An uploaded file between its preview and the user's confirmation.

The file is kept under MEDIA_ROOT/imports/ with a random name; the user's session holds
the name, the co-op, the kind and the file's SHA-256, so only the user who saw the
preview can confirm it, in that co-op, with exactly the bytes they saw. Taking a file
renames it first: of two clicks on "Confirm", only one finds it. Files older than a day
(previews never confirmed) are removed whenever a new one is kept.
"""

import hashlib
import os
import secrets
import time
from pathlib import Path

from django.conf import settings

SESSION_KEY = "pending_imports"
MAX_AGE_SECONDS = 24 * 3600
MAX_PER_SESSION = 5


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _purge_old(folder: Path) -> None:
    cutoff = time.time() - MAX_AGE_SECONDS
    for entry in os.scandir(folder):
        try:
            if entry.is_file() and entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
        except FileNotFoundError:
            pass  # another request removed it first


def pending_keep(request, *, cooperative, kind: str, filename: str, data: bytes) -> str:
    """Keep `data` for a later confirmation; returns the token the confirm form carries."""
    folder = _folder()
    _purge_old(folder)
    token = secrets.token_urlsafe(24)
    path = folder / f"{token}.upload"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    pending = request.session.get(SESSION_KEY, {})
    while len(pending) >= MAX_PER_SESSION:  # forget (and remove) the oldest previews
        pending_discard(request, token=next(iter(pending)))
        pending = request.session.get(SESSION_KEY, {})
    pending[token] = {
        "cooperative": cooperative.pk,
        "kind": kind,
        "filename": filename,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    request.session[SESSION_KEY] = pending
    return token


def _entry(request, token: str) -> dict | None:
    return request.session.get(SESSION_KEY, {}).get(token) if isinstance(token, str) else None


def pending_get(request, *, cooperative, token: str) -> dict | None:
    """The entry for `token` if this session kept it for `cooperative`."""
    entry = _entry(request, token)
    if entry is None or entry["cooperative"] != cooperative.pk:
        return None
    return entry


def pending_take(request, *, cooperative, token: str) -> tuple[dict, bytes] | None:
    """Take the kept file (once): its entry and bytes, or None if gone, foreign or altered."""
    entry = pending_get(request, cooperative=cooperative, token=token)
    if entry is None:
        return None
    path = _folder() / f"{token}.upload"
    taken = path.with_suffix(".taken")
    try:
        os.rename(path, taken)  # atomic: a second confirmation finds nothing
    except FileNotFoundError:
        return None
    try:
        data = taken.read_bytes()
    finally:
        taken.unlink(missing_ok=True)
        _forget(request, token)
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        return None
    return entry, data


def pending_read(request, *, cooperative, token: str) -> tuple[dict, bytes] | None:
    """The kept file without taking it (to list its problems again)."""
    entry = pending_get(request, cooperative=cooperative, token=token)
    if entry is None:
        return None
    try:
        data = (_folder() / f"{token}.upload").read_bytes()
    except FileNotFoundError:
        return None
    return (entry, data) if hashlib.sha256(data).hexdigest() == entry["sha256"] else None


def pending_discard(request, *, token: str) -> None:
    if _entry(request, token) is None:
        return
    (_folder() / f"{token}.upload").unlink(missing_ok=True)
    _forget(request, token)


def _forget(request, token: str) -> None:
    pending = request.session.get(SESSION_KEY, {})
    pending.pop(token, None)
    request.session[SESSION_KEY] = pending
