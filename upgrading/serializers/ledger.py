"""API serializers of the indicator ledger: the catalogue, entries (read), an append
(write, JSON or multipart with evidence files) and a verification answer.

They check types and references only; every rule of an entry (unit, range, scope,
subject, supersession, evidence) is `upgrading.services.ledger`'s, whose refusals come
back as 400s naming the field.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from coop.models import Association, Family
from coop.serializers.base import (
    ActionSerializer,
    CoopModelSerializer,
    RejectUnknownFieldsMixin,
    ScopedCooperativeField,
    ScopedPrimaryKeyField,
    WriteThroughServicesMixin,
)
from upgrading.models import Indicator, LedgerEntry, LedgerEvidence
from upgrading.services.ledger import INDICATOR_FIELDS, MAX_EVIDENCE_FILES, MAX_NOTE_LENGTH


class IndicatorSerializer(CoopModelSerializer):
    class Meta(CoopModelSerializer.Meta):
        model = Indicator
        fields = list(INDICATOR_FIELDS)


class LedgerEvidenceSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField(help_text=_("The file, for users of the co-op (session)."))

    class Meta:
        model = LedgerEvidence
        fields = ["id", "name", "sha256", "size", "content_type", "download"]

    def get_download(self, evidence) -> str:
        entry = evidence.entry
        return reverse("ledger_evidence", args=[entry.cooperative.slug, entry.sequence, evidence.pk])


class LedgerEntrySerializer(serializers.ModelSerializer):
    cooperative = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)
    # Derived entries are written by the system: no person recorded them.
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    supersedes_sequence = serializers.SerializerMethodField()
    superseded_by = serializers.SerializerMethodField()
    superseded_by_sequence = serializers.SerializerMethodField()
    evidence = LedgerEvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "cooperative",
            "sequence",
            "indicator",
            "scope",
            "association",
            "family",
            "period_from",
            "period_to",
            "value",
            "unit",
            "source",
            "parameters",
            "note",
            "recorded_by",
            "recorded_at",
            "supersedes",
            "supersedes_sequence",
            "superseded_by",
            "superseded_by_sequence",
            "previous_hash",
            "hash",
            "evidence",
        ]
        read_only_fields = fields

    @staticmethod
    def _later(entry):
        return getattr(entry, "superseded_by", None)

    def get_supersedes_sequence(self, entry) -> int | None:
        return entry.supersedes.sequence if entry.supersedes_id else None

    def get_superseded_by(self, entry) -> int | None:
        later = self._later(entry)
        return later.pk if later else None

    def get_superseded_by_sequence(self, entry) -> int | None:
        later = self._later(entry)
        return later.sequence if later else None


class LedgerAppendSerializer(RejectUnknownFieldsMixin, WriteThroughServicesMixin, serializers.Serializer):
    """A manual entry. Send JSON, or multipart/form-data to attach `evidence` files."""

    cooperative = ScopedCooperativeField()
    indicator = serializers.CharField(max_length=40, help_text=_("The indicator's code."))
    period_from = serializers.DateField()
    period_to = serializers.DateField()
    value = serializers.DecimalField(max_digits=20, decimal_places=4)
    unit = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text=_("Optional; must be the indicator's.")
    )
    association = ScopedPrimaryKeyField(model=Association, required=False, allow_null=True)
    family = ScopedPrimaryKeyField(model=Family, required=False, allow_null=True)
    note = serializers.CharField(
        max_length=MAX_NOTE_LENGTH, required=False, allow_blank=True, trim_whitespace=False
    )
    evidence = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=MAX_EVIDENCE_FILES
    )
    supersedes = ScopedPrimaryKeyField(
        model=LedgerEntry, required=False, allow_null=True, help_text=_("Id of the entry this one corrects.")
    )


class VerifyQuerySerializer(ActionSerializer):
    cooperative = serializers.SlugField(help_text=_("Slug of a co-operative you belong to."))
    head = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text=_("A head kept outside the database, as SEQUENCE:HASH; the chain must contain it."),
    )


class VerificationSerializer(serializers.Serializer):
    cooperative = serializers.CharField()
    intact = serializers.BooleanField()
    count = serializers.IntegerField(help_text=_("Entries checked and found sound."))
    head_sequence = serializers.IntegerField()
    head_hash = serializers.CharField()
    head = serializers.CharField(help_text=_("SEQUENCE:HASH of the last sound entry."))
    anchor = serializers.CharField(allow_null=True)
    anchor_checked = serializers.BooleanField()
    broken_at = serializers.IntegerField(allow_null=True)
    reason = serializers.ChoiceField(
        choices=[
            "content_changed",
            "link_broken",
            "entry_missing",
            "head_mismatch",
            "anchor_mismatch",
            "anchor_missing",
        ],
        allow_null=True,
    )
    message = serializers.CharField(allow_null=True)
