"""Uploaded evidence (minutes, invoices, photos): size, real content type and SHA-256.

The content type is decided from the file's first bytes, not from its name or the
browser's claim, so a renamed executable is refused whatever it is called.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# First bytes → content type. Plain text (CSV) is accepted when it decodes as UTF-8.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"RIFF", "image/webp"),  # checked further below
)
MAX_BYTES_DEFAULT = 10 * 1024 * 1024


@dataclass(frozen=True)
class Evidence:
    name: str
    sha256: str
    size: int
    content_type: str


def max_bytes() -> int:
    return getattr(settings, "EVIDENCE_MAX_BYTES", MAX_BYTES_DEFAULT)


def _content_type(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            if content_type == "image/webp" and head[8:12] != b"WEBP":
                return None
            return content_type
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if b"\x00" in head else "text/plain"


def inspect_upload(upload, *, field: str) -> Evidence:
    """Hash `upload` in chunks and check it; a refusal names `field`."""
    size = upload.size or 0
    if size == 0:
        raise ValidationError({field: _("The file is empty.")})
    if size > max_bytes():
        raise ValidationError(
            {field: _("The file is larger than %(mb)d MB.") % {"mb": max_bytes() // (1024 * 1024)}}
        )
    digest = hashlib.sha256()
    upload.seek(0)
    head = upload.read(4096)
    digest.update(head)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    content_type = _content_type(head)
    if content_type is None:
        raise ValidationError({field: _("Only PDF, PNG, JPEG, WebP or plain-text (CSV) files are accepted.")})
    name = (getattr(upload, "name", "") or "evidence").rsplit("/", 1)[-1][:200]
    if "\x00" in name:
        raise ValidationError({field: _("Text may not contain NUL characters.")})
    return Evidence(name=name, sha256=digest.hexdigest(), size=size, content_type=content_type)
