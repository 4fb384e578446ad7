"""REST API for the internal control system: certifications and inspections.

Who may write: staff, managers and admins record inspections; managers and admins
close them and grant, suspend or withdraw certifications; auditors never write (403).
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action

from coop import services
from coop.api.base import CoopScopedCreateViewSet
from coop.filters import CertificationFilter, InspectionFilter
from coop.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from coop.models import Certification, Inspection
from coop.serializers import (
    CertificationSerializer,
    CertificationStatusSerializer,
    InspectionCloseSerializer,
    InspectionSerializer,
)
from coop.tenancy import MANAGE, RECORD, scope


@extend_schema_view(
    list=extend_schema(summary="List certifications"),
    create=extend_schema(summary="Certify a family, on the basis of an inspection (managers and admins)"),
)
@extend_schema(tags=["certifications"])
class CertificationViewSet(CoopScopedCreateViewSet):
    """Families' certificates (organic, fair trade). A certificate rests on a compliant
    inspection of the family in the year before it starts. It is never edited or
    deleted: its status changes through `POST /certifications/{id}/status/`, and a renewal
    is a new certificate. `valid_on=YYYY-MM-DD` lists the certificates in force that day."""

    serializer_class = CertificationSerializer
    write_roles = MANAGE
    filterset_class = CertificationFilter
    search_fields = ["reference", "standard", "family__code", "family__household_name"]
    ordering_fields = ["valid_from", "valid_to", "scheme", "family__code"]
    ordering = ["family__code", "scheme", "-valid_from"]

    def get_queryset(self):
        return scope(Certification.objects.all(), self.request.user).select_related("cooperative", "family")

    def cooperative_of(self, data):
        return data["family"].cooperative

    def create_row(self, *, cooperative, data):
        return services.certification_grant(actor=self.request.user, **data)

    @extend_schema(
        summary="Suspend, withdraw or reinstate a certificate (managers and admins)",
        request=CertificationStatusSerializer,
        responses=CertificationSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"], url_path="status", serializer_class=CertificationStatusSerializer)
    @idempotent
    def set_status(self, request, pk=None):
        certification = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        certification = services.certification_set_status(
            actor=request.user, certification=certification, status=serializer.validated_data["status"]
        )
        return self.answer(certification)


@extend_schema_view(
    list=extend_schema(summary="List internal inspections"),
    create=extend_schema(summary="Record an internal inspection (staff, managers and admins)"),
)
@extend_schema(tags=["inspections"])
class InspectionViewSet(CoopScopedCreateViewSet):
    """Internal inspections of member families and collection points, as the internal
    control system of EU organic group certification requires. An inspector may not
    inspect their own family or association. A non-compliance or sanction is closed
    (`POST /inspections/{id}/close/`, managers and admins) once its follow-up is done;
    `open_sanctions=true` lists the sanctions still open. No PUT or DELETE."""

    serializer_class = InspectionSerializer
    filterset_class = InspectionFilter
    search_fields = ["findings", "family__code", "association__code", "inspector__name"]
    ordering_fields = ["inspected_on", "follow_up_on", "result"]
    ordering = ["-inspected_on", "-id"]

    @property
    def write_roles(self):
        return MANAGE if self.action == "close" else RECORD

    def get_queryset(self):
        return scope(Inspection.objects.all(), self.request.user).select_related(
            "cooperative", "family", "inspector", "recorded_by"
        )

    def cooperative_of(self, data):
        inspected = data.get("family") or data.get("association") or data["inspector"]
        return inspected.cooperative

    def create_row(self, *, cooperative, data):
        return services.inspection_record(actor=self.request.user, cooperative=cooperative, **data)

    @extend_schema(
        summary="Close an inspection whose follow-up is done (managers and admins)",
        request=InspectionCloseSerializer,
        responses=InspectionSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"], serializer_class=InspectionCloseSerializer)
    @idempotent
    def close(self, request, pk=None):
        inspection = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        inspection = services.inspection_close(
            actor=request.user, inspection=inspection, closed_on=serializer.validated_data["closed_on"]
        )
        return self.answer(inspection)
