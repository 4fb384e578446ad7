"""Import previews: an uploaded file kept between its preview and the user's confirmation."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coop.models.people import Cooperative


class PendingImport(models.Model):
    """A previewed file, kept in storage under `storage_name` until confirmed (coop.imports.pending).

    The row, not the web process that showed the preview, says whether it may still be
    imported: confirming moves it from `pending` to `taken` with one conditional UPDATE, so
    of two confirmations (two clicks, two web hosts) exactly one imports.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for confirmation")
        TAKEN = "taken", _("confirmed")
        EXPIRED = "expired", _("expired")

    token = models.CharField(max_length=64, unique=True, help_text="The preview's id in forms and URLs")
    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20)
    original_name = models.CharField(_("file name"), max_length=255)
    storage_name = models.CharField(max_length=255, help_text="Name in the default storage")
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the bytes previewed")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    taken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import preview")
        verbose_name_plural = _("import previews")
        indexes = [
            models.Index(fields=["cooperative", "user", "status"], name="pending_import_owner"),
            models.Index(fields=["created_at"], name="pending_import_age"),
        ]

    def __str__(self):
        return f"{self.original_name} ({self.kind}, {self.status})"
