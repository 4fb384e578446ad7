"""API serializers of the reports area: the report record as read, and a request."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coop.models import Scheme
from coop.serializers.base import ActionSerializer, ScopedCooperativeField
from upgrading.models import Report
from upgrading.reports.compliance import TITLES


class ReportSerializer(serializers.ModelSerializer):
    cooperative = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    requested_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )  # the schedule
    download_url = serializers.SerializerMethodField()
    checks = serializers.SerializerMethodField()
    overall = serializers.SerializerMethodField()
    manifest_sha256 = serializers.SerializerMethodField()
    national_ids_included = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "cooperative",
            "kind",
            "scheme",
            "period",
            "period_start",
            "period_end",
            "version",
            "status",
            "error",
            "attempts",
            "sha256",
            "size",
            "ledger_head",
            "manifest_sha256",
            "national_ids_included",
            "overall",
            "checks",
            "requested_by",
            "requested_at",
            "started_at",
            "finished_at",
            "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, report) -> str | None:
        if report.status != Report.Status.DONE:
            return None
        path = reverse("report-download", kwargs={"pk": report.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "string", "enum": ["pass", "warning", "fail"]},
                    "summary": {"type": "string"},
                    "count": {"type": "integer"},
                    "findings": {"type": "array", "items": {"type": "object"}},
                    "truncated": {"type": "boolean"},
                },
            },
        }
    )
    def get_checks(self, report) -> list:
        return [
            {**check, "title": str(TITLES.get(check["code"], check["code"]))}
            for check in report.summary.get("checks", [])
        ]

    def get_overall(self, report) -> str | None:
        return report.summary.get("overall")

    def get_manifest_sha256(self, report) -> str | None:
        return report.summary.get("pack", {}).get("manifest_sha256")

    def get_national_ids_included(self, report) -> bool:
        return bool(report.summary.get("include_national_ids"))


class ReportRequestSerializer(ActionSerializer):
    """Ask for a report. The same (co-op, kind, scheme, period) again answers the existing
    report with 200; `regenerate` makes a new version (201)."""

    cooperative = ScopedCooperativeField()
    kind = serializers.ChoiceField(choices=Report.Kind.choices)
    period = serializers.CharField(
        max_length=30, help_text=_("A year (2025), a month (2025-11) or a range (2025-01-01..2025-06-30).")
    )
    scheme = serializers.ChoiceField(choices=Scheme.choices, required=False, allow_blank=True, default="")
    regenerate = serializers.BooleanField(required=False, default=False)
    include_national_ids = serializers.BooleanField(
        required=False, default=False, help_text=_("Evidence packs, administrators only.")
    )
