"""REST API for reports: ask for one, list, read, download.

POST is idempotent twice over: the same (co-op, kind, scheme, period) answers the
existing report (200) rather than making another, unless `regenerate` asks for a new
version (201); and a retried POST with the same `Idempotency-Key` replays the first
answer. Managers ask for any report, auditors for evidence packs, staff for none (403);
only administrators may include national IDs, and only they download such a pack.
"""

import json

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import renderers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied

from coop.api.base import CoopScopedCreateViewSet
from coop.idempotency import IDEMPOTENCY_KEY_PARAMETER
from coop.models import Role
from upgrading.models import Report
from upgrading.reports import service
from upgrading.selectors import reports as selectors
from upgrading.serializers.reports import ReportRequestSerializer, ReportSerializer
from upgrading.views.reports import may_download, report_file_response


class _FileRenderer(renderers.BaseRenderer):
    """Lets a client ask for the file's own type (`Accept: application/zip`): the file
    itself bypasses renderers; an error answer is still JSON text."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data).encode() if isinstance(data, dict | list) else data


class ZipRenderer(_FileRenderer):
    media_type, format = "application/zip", "zip"


class PDFRenderer(_FileRenderer):
    media_type, format = "application/pdf", "pdf"


@extend_schema_view(
    list=extend_schema(summary="List reports of your co-operatives, newest first"),
    retrieve=extend_schema(summary="One report: status, hashes, ledger head and check results"),
)
class ReportViewSet(CoopScopedCreateViewSet):
    serializer_class = ReportSerializer
    write_roles = service.REQUEST_ROLES[Report.Kind.COMPLIANCE] | {Role.AUDITOR}
    filterset_fields = ["kind", "scheme", "status", "period"]
    ordering_fields = ["requested_at", "period_start", "version"]
    search_fields = ["period"]

    def get_queryset(self):
        return selectors.report_list(user=self.request.user)

    @extend_schema(
        summary="Ask for a report (idempotent)",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=ReportRequestSerializer,
        responses={
            200: OpenApiResponse(ReportSerializer, description="The report already existed."),
            201: OpenApiResponse(ReportSerializer, description="A new report (or version) was queued."),
        },
    )
    def create(self, request, *args, **kwargs):
        return self.run_idempotently(request, lambda: self._request(request))

    def _request(self, request):
        body = ReportRequestSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        report, created = service.report_request(actor=request.user, **data)
        return self.answer(report, status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary="Download the report's file (PDF or ZIP evidence pack)",
        description="The file's SHA-256 comes in the `Repr-Digest` header (RFC 9530).",
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            (200, "application/pdf"): OpenApiTypes.BINARY,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[renderers.JSONRenderer, ZipRenderer, PDFRenderer],
    )
    def download(self, request, pk=None):
        report = self.get_object()
        if report.status != Report.Status.DONE or not report.file:
            raise NotFound("This report has no file yet.")
        if not may_download(request.user, report):
            raise PermissionDenied(_("Only an administrator may download a pack with national IDs."))
        return report_file_response(report)


def register(router) -> None:
    router.register("reports", ReportViewSet, basename="report")
