"""REST API of the indicator ledger.

- `indicators` (by code): everyone reads the catalogue; administrators (of any co-op, or
  superusers) add indicators and change their names, range and `active` (code, unit,
  scope and source never change).
- `ledger`: the entries of the user's co-ops, newest first in cursor pages (no COUNT over
  millions of rows), filterable; POST appends a manual entry (staff, managers, admins;
  JSON, or multipart with `evidence` files), idempotent with an `Idempotency-Key`;
  `ledger/verify/?cooperative=SLUG&head=SEQ:HASH` checks the chain. There is no PUT,
  PATCH or DELETE: a correction is a new entry with `supersedes`.
"""

import django_filters as filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from config.rest import CursorPagination
from coop.api.base import CoopScopedCreateViewSet
from coop.filters import SearchFilter
from coop.idempotency import IDEMPOTENCY_KEY_PARAMETER
from coop.tenancy import ADMINISTER, RECORD, cooperatives_for, require
from upgrading.models import Indicator, LedgerEntry
from upgrading.selectors import ledger as selectors
from upgrading.serializers.ledger import (
    IndicatorSerializer,
    LedgerAppendSerializer,
    LedgerEntrySerializer,
    VerificationSerializer,
    VerifyQuerySerializer,
)
from upgrading.services import ledger as services

# --- The catalogue ----------------------------------------------------------------------------


class CatalogueAdmins(permissions.BasePermission):
    """Anyone logged in reads; administrators of some co-op (or superusers) write."""

    message = _("Only administrators may change the indicator catalogue.")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return user.is_superuser or cooperatives_for(user, roles=ADMINISTER).exists()


class IndicatorFilter(filters.FilterSet):
    class Meta:
        model = Indicator
        fields = ["category", "scope", "source", "active"]


@extend_schema_view(
    list=extend_schema(summary="The indicator catalogue"),
    retrieve=extend_schema(summary="One indicator, by code"),
    create=extend_schema(summary="Add an indicator (administrators)"),
    update=extend_schema(summary="Change an indicator's names, range or status (administrators)"),
    partial_update=extend_schema(summary="Change some of an indicator's fields (administrators)"),
)
@extend_schema(tags=["indicators"])
class IndicatorViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """What can be measured: code, names and descriptions in Portuguese and English,
    category, unit ("currency" is the co-op's base currency), whether higher is better,
    scope (co-operative, association, family), source (manual or derived) and range."""

    serializer_class = IndicatorSerializer
    permission_classes = [CatalogueAdmins]
    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z0-9][A-Za-z0-9._-]*"
    filter_backends = [DjangoFilterBackend, SearchFilter]
    filterset_class = IndicatorFilter
    search_fields = ["code", "name_en", "name_pt_br"]
    queryset = Indicator.objects.order_by("category", "code")

    def perform_create(self, serializer):
        serializer.instance = services.indicator_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.indicator_update(
            actor=self.request.user, indicator=serializer.instance, **serializer.validated_data
        )


# --- The ledger -----------------------------------------------------------------------------------


class LedgerFilter(filters.FilterSet):
    cooperative = filters.CharFilter(field_name="cooperative__slug", label=_("Co-operative (slug)"))
    indicator = filters.CharFilter(field_name="indicator__code", label=_("Indicator (code)"))
    period_from = filters.DateFilter(
        field_name="period_to", lookup_expr="gte", label=_("Periods ending on or after")
    )
    period_to = filters.DateFilter(
        field_name="period_from", lookup_expr="lte", label=_("Periods starting on or before")
    )
    current = filters.BooleanFilter(
        field_name="superseded_by", lookup_expr="isnull", label=_("Not corrected by a later entry")
    )
    sequence_before = filters.NumberFilter(
        field_name="sequence", lookup_expr="lt", label=_("Sequence numbers below this one")
    )

    class Meta:
        model = LedgerEntry
        fields = ["cooperative", "indicator", "source", "scope", "family", "association"]


class LedgerCursorPagination(CursorPagination):
    ordering = "-id"


@extend_schema_view(
    list=extend_schema(summary="Ledger entries, newest first (cursor pages)"),
    retrieve=extend_schema(summary="One ledger entry, with its hash, link and evidence"),
    create=extend_schema(
        summary="Append a manual entry (staff, managers, admins)",
        description=(
            "JSON, or multipart/form-data with one or more `evidence` files (PDF, PNG, JPEG, WebP "
            "or CSV). Refusals name the field: unknown indicator, wrong unit, value out of range, "
            "period ending before it starts, a subject outside the co-op or of the wrong scope, "
            "superseding another co-op's entry or one already corrected, a disallowed or "
            "oversized file. Nothing is appended then."
        ),
        request={"application/json": LedgerAppendSerializer, "multipart/form-data": LedgerAppendSerializer},
    ),
)
@extend_schema(tags=["ledger"])
class LedgerEntryViewSet(CoopScopedCreateViewSet):
    """The append-only, hash-chained indicator ledger. No PUT, PATCH or DELETE."""

    serializer_class = LedgerEntrySerializer
    write_roles = RECORD
    pagination_class = LedgerCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = LedgerFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.ledger_entries(user=self.request.user).order_by("-id")

    def get_serializer_class(self):
        if self.action == "create":
            return LedgerAppendSerializer
        if self.action == "verify":
            return VerifyQuerySerializer
        return LedgerEntrySerializer

    @extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    def create(self, request, *args, **kwargs):
        return self.run_idempotently(request, lambda: self._append(request))

    def _append(self, request) -> Response:
        serializer = LedgerAppendSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        cooperative = data.pop("cooperative")
        require(request.user, cooperative, self.write_roles)
        entry = services.ledger_append(actor=request.user, cooperative=cooperative, **data)
        # Answer with the entry as a GET shows it (hash, link, evidence), not the request.
        return self.answer(entry, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Verify a co-op's chain, optionally against a head kept outside",
        parameters=[
            OpenApiParameter(
                "cooperative", OpenApiTypes.STR, required=True, description="Co-operative slug."
            ),
            OpenApiParameter("head", OpenApiTypes.STR, description="SEQUENCE:HASH from a report."),
        ],
        responses={200: VerificationSerializer},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def verify(self, request):
        query = VerifyQuerySerializer(data=request.query_params.dict(), context={"request": request})
        query.is_valid(raise_exception=True)
        cooperative = get_object_or_404(
            cooperatives_for(request.user), slug=query.validated_data["cooperative"]
        )
        anchor = None
        if query.validated_data.get("head"):
            try:
                anchor = selectors.parse_anchor(query.validated_data["head"])
            except ValueError as error:
                raise serializers.ValidationError({"head": [str(error)]}) from error
        result = selectors.verify_chain(cooperative=cooperative, anchor=anchor)
        return Response(VerificationSerializer(result.as_dict()).data)


def register(router) -> None:
    router.register("indicators", IndicatorViewSet, basename="indicator")
    router.register("ledger", LedgerEntryViewSet, basename="ledger")
