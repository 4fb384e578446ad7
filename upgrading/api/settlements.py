"""REST API for season settlements: `settlements` (list, one, open), their `lines` (a page
at a time, by level and association) and the workflow actions `recompute`, `approve` and
`pay`.

Every member of a co-op reads its settlements; managers and admins open and act on them
(staff and auditors: 403). A refusal is a 400 naming the field (`pool`, `levels`,
`season`, `corrects`, `status`, ...) and writes nothing; POSTs honour `Idempotency-Key`.
No PUT, PATCH or DELETE: a draft is recomputed, an approved settlement never changes and
a correction is a new settlement that `corrects` it.
"""

import django_filters as filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from config.rest import PageNumberPagination
from coop.api.base import CoopScopedCreateViewSet
from coop.filters import IntegerFilter
from coop.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from coop.models import Association
from coop.serializers import ActionSerializer
from coop.tenancy import MANAGE, require
from upgrading.models import Settlement
from upgrading.selectors import settlements as selectors
from upgrading.serializers.settlements import (
    LineQuerySerializer,
    MarkPaidSerializer,
    SettlementDetailSerializer,
    SettlementLineSerializer,
    SettlementOpenSerializer,
    SettlementSerializer,
)
from upgrading.services import settlements as services


class SettlementFilter(filters.FilterSet):
    cooperative = filters.CharFilter(field_name="cooperative__slug", label=_("Co-operative (slug)"))
    season = IntegerFilter(field_name="season", label=_("Season id"))

    class Meta:
        model = Settlement
        fields = ["cooperative", "season", "status", "levels"]


class LinePagination(PageNumberPagination):
    page_size = 100


@extend_schema_view(
    list=extend_schema(summary="List settlements, newest first"),
    retrieve=extend_schema(summary="One settlement, with its cost items and the totals of its lines"),
)
@extend_schema(tags=["settlements"])
class SettlementViewSet(CoopScopedCreateViewSet):
    """Season settlements: a pool shared pro rata to the accepted kg each family delivered
    in the season, in one level (pool → families) or two (pool → associations → families),
    exact to the cent. Status goes draft → approved → paid; only a draft is recomputed."""

    serializer_class = SettlementDetailSerializer
    write_roles = MANAGE
    filterset_class = SettlementFilter
    search_fields = ["reference", "season__code"]
    ordering_fields = ["created_at", "reference", "status"]
    ordering = ["-created_at", "-id"]

    def get_serializer_class(self):
        if self.action == "list":
            return SettlementSerializer
        return super().get_serializer_class()

    def selector(self, *, user):
        return selectors.settlement_list(user=user)

    def answer(self, instance, *, status_code=status.HTTP_200_OK) -> Response:
        settlement = self._as_listed(instance)
        context = {
            **self.get_serializer_context(),
            "totals": selectors.settlement_totals(settlement=settlement),
        }
        return Response(SettlementDetailSerializer(settlement, context=context).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        return self.answer(self.get_object())

    @extend_schema(
        summary="Open a settlement and compute its lines (managers and admins)",
        description=(
            "Give `pool` (the amount to share), or leave it out to compute it as the season's "
            "revenue (confirmed, shipped and paid sales of the season's product shipped within the "
            "season, at each shipment's exchange rate) minus `cost_items`. A season whose settlement "
            "is approved takes only a correction (`corrects`). Answers the draft with the totals "
            "of its lines; GET `lines` for the lines themselves."
        ),
        request=SettlementOpenSerializer,
        responses={201: SettlementDetailSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    def create(self, request, *args, **kwargs):
        return self.run_idempotently(request, lambda: self._open(request))

    def _open(self, request) -> Response:
        body = SettlementOpenSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.to_service()
        require(request.user, data["season"].cooperative, self.write_roles)
        settlement = services.settlement_open(actor=request.user, **data)
        return self.answer(settlement, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="A settlement's lines, a page at a time",
        description=(
            "Associations (two levels) first, then families, each in code order; `level` and "
            "`association` narrow them. `net` may be negative: it is carried into the next "
            "settlement of the product."
        ),
        parameters=[LineQuerySerializer],
        responses=SettlementLineSerializer(many=True),
    )
    @action(
        detail=True,
        methods=["get"],
        serializer_class=SettlementLineSerializer,
        pagination_class=LinePagination,
        filter_backends=[],
    )
    def lines(self, request, pk=None):
        settlement = self.get_object()
        query = LineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        lines = settlement.lines.select_related("association", "family").order_by(
            "level", "association__code", "family__code", "pk"
        )
        if "level" in query.validated_data:
            lines = lines.filter(level=query.validated_data["level"])
        if "association" in query.validated_data:
            association = get_object_or_404(
                Association.objects.filter(cooperative=settlement.cooperative_id),
                pk=query.validated_data["association"],
            )
            lines = lines.filter(association=association)
        page = self.paginate_queryset(lines)
        return self.get_paginated_response(SettlementLineSerializer(page, many=True).data)

    @extend_schema(
        summary="Compute a draft's lines again (managers and admins)",
        description="From the season's current deliveries, advances and (for a computed pool) revenue.",
        request=None,
        responses=SettlementDetailSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"], serializer_class=ActionSerializer)
    @idempotent
    def recompute(self, request, pk=None):
        settlement = self.get_object()
        self.get_serializer(data=request.data).is_valid(raise_exception=True)  # no fields expected
        return self.answer(services.settlement_recompute(actor=request.user, settlement=settlement))

    @extend_schema(
        summary="Approve a draft: its lines are frozen (managers and admins)",
        description=(
            "Records who approved and when. Refused (400 on `status`) when the settlement is not "
            "a draft, while the season has advances due, when deliveries, advances or revenue "
            "changed since the lines were computed, or when another settlement of the season "
            "already stands. Two managers approving at once approve once."
        ),
        request=None,
        responses=SettlementDetailSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"], serializer_class=ActionSerializer)
    @idempotent
    def approve(self, request, pk=None):
        settlement = self.get_object()
        self.get_serializer(data=request.data).is_valid(raise_exception=True)
        return self.answer(services.settlement_approve(actor=request.user, settlement=settlement))

    @extend_schema(
        summary="Record that an approved settlement was paid out (managers and admins)",
        request=MarkPaidSerializer,
        responses=SettlementDetailSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"], serializer_class=MarkPaidSerializer)
    @idempotent
    def pay(self, request, pk=None):
        settlement = self.get_object()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        paid_on = body.validated_data["paid_on"]
        return self.answer(
            services.settlement_mark_paid(actor=request.user, settlement=settlement, paid_on=paid_on)
        )


def register(router) -> None:
    router.register("settlements", SettlementViewSet, basename="settlement")
