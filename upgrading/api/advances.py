"""REST API for seasons and advances.

- `seasons`: every member reads; managers and admins create and change (staff and
  auditors: 403). No DELETE: advances refer to them.
- `advances`: read-only rows (created when a delivery is accepted), a cursor page at a
  time, newest first (a season holds one per barrel: tens of thousands); `totals` sums
  what a filter selects. `pay` records the payment (staff, managers, admins), `cancel`
  cancels a due advance (managers, admins); both take an `Idempotency-Key`, so a phone
  retrying the same POST gets the first answer and writes nothing.
"""

from datetime import timedelta

import django_filters as filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.rest import CursorPagination
from coop.api.base import CoopScopedViewSet, HasWriteRole
from coop.filters import IntegerFilter
from coop.idempotency import IDEMPOTENCY_KEY_PARAMETER, IdempotentCreateMixin, idempotent
from coop.tenancy import MANAGE, RECORD, scope
from upgrading.models import Advance, Season
from upgrading.selectors import advances as selectors
from upgrading.serializers.advances import (
    AdvanceCancelSerializer,
    AdvancePaySerializer,
    AdvanceSerializer,
    AdvanceTotalsSerializer,
    SeasonSerializer,
)
from upgrading.services import advances as services


def _cooperative_filter():
    return filters.CharFilter(field_name="cooperative__slug", label=_("Co-operative (slug)"))


class SeasonFilter(filters.FilterSet):
    cooperative = _cooperative_filter()
    product = IntegerFilter(field_name="product", label=_("Product id"))
    active_on = filters.DateFilter(method="filter_active_on", label=_("Covering this date"))

    class Meta:
        model = Season
        fields = ["cooperative", "product"]

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(starts_on__lte=value, ends_on__gte=value)


class AdvanceFilter(filters.FilterSet):
    """No ordering: advances page by cursor, newest id first."""

    cooperative = _cooperative_filter()
    season = IntegerFilter(field_name="season", label=_("Season id"))
    family = IntegerFilter(field_name="family", label=_("Family id"))
    family_code = filters.CharFilter(field_name="family__code", lookup_expr="iexact", label=_("Family code"))
    association = IntegerFilter(field_name="family__association", label=_("Association id (of the family)"))
    lot = IntegerFilter(field_name="lot", label=_("Lot id"))
    lot_code = filters.CharFilter(field_name="lot__code", label=_("Lot code (exact)"))
    due_after = filters.DateFilter(field_name="due_on", lookup_expr="gte", label=_("Delivered on or after"))
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lte", label=_("Delivered on or before"))
    overdue_days = IntegerFilter(
        method="filter_overdue", max_value=3650, label=_("Still due more than this many days after delivery")
    )

    class Meta:
        model = Advance
        fields = ["cooperative", "status", "season", "family", "lot", "method"]

    def filter_overdue(self, queryset, name, value):
        limit = timezone.localdate() - timedelta(days=value)
        return queryset.filter(status=Advance.Status.DUE, due_on__lt=limit)


@extend_schema_view(
    list=extend_schema(summary="List seasons, newest first"),
    retrieve=extend_schema(summary="One season"),
    create=extend_schema(summary="Open a season and set its advance terms (managers and admins)"),
    update=extend_schema(summary="Change a season (managers and admins)"),
    partial_update=extend_schema(summary="Change some of a season's fields (managers and admins)"),
)
@extend_schema(tags=["advances"])
class SeasonViewSet(CoopScopedViewSet):
    """A product's season: deliveries in it are advanced `advance_rate × reference price ×
    net kg`. A blank rate or price takes the active contract's on the delivery day (a
    foreign contract's price converted with `reference_exchange_rate`). Two seasons of a
    product may not overlap. Changing a season changes only later deliveries' advances."""

    serializer_class = SeasonSerializer
    write_roles = MANAGE
    filterset_class = SeasonFilter
    search_fields = ["code", "name"]
    ordering_fields = ["starts_on", "code"]
    ordering = ["-starts_on", "code"]

    def get_queryset(self):
        return scope(Season.objects.all(), self.request.user).select_related("cooperative", "product")

    def create_row(self, *, cooperative, data):
        return services.season_create(actor=self.request.user, cooperative=cooperative, **data)

    def update_row(self, *, instance, data):
        return services.season_update(actor=self.request.user, season=instance, **data)


@extend_schema_view(
    list=extend_schema(summary="List advances, newest first (cursor pagination)"),
    retrieve=extend_schema(summary="One advance"),
)
@extend_schema(tags=["advances"])
class AdvanceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Money advanced to a family for an accepted delivery, in the co-op's currency:
    `rate × reference_price_per_kg × kg = amount`, rounded half up to the cent. Created by
    the system when a lot is accepted; cancelled when a lot is rejected before payment.
    Status goes due → paid (action `pay`) or due → cancelled (action `cancel`)."""

    serializer_class = AdvanceSerializer
    permission_classes = [HasWriteRole]
    # The idempotent replay of `pay` and `cancel`, without IdempotentCreateMixin's `create`
    # (a router would route POST /advances/ to it: advances are never created by hand).
    run_idempotently = IdempotentCreateMixin.run_idempotently
    stored_idempotent_response = IdempotentCreateMixin.stored_idempotent_response
    _replay = IdempotentCreateMixin._replay
    pagination_class = CursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = AdvanceFilter

    @property
    def write_roles(self):
        return MANAGE if self.action == "cancel" else RECORD

    def get_queryset(self):
        return scope(Advance.objects.all(), self.request.user).select_related(
            "cooperative", "lot", "family", "season", "contract", "paid_by"
        )

    def answer(self, advance):
        return Response(AdvanceSerializer(self.get_queryset().get(pk=advance.pk)).data)

    @extend_schema(
        summary="Totals of the advances a filter selects, per currency and status",
        description="Takes the list's filters; sums in the database, however many advances match.",
        responses=AdvanceTotalsSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def totals(self, request):
        advances = self.filter_queryset(scope(Advance.objects.all(), request.user))
        answer = [
            {
                "currency": currency,
                "statuses": [
                    {"status": row.status, "count": row.count, "kg": row.kg, "amount": row.amount}
                    for row in totals.rows
                ],
                "advanced": totals.advanced,
            }
            for currency, totals in selectors.advance_totals_by_currency(advances).items()
        ]
        return Response(AdvanceTotalsSerializer(answer, many=True).data)

    @extend_schema(
        summary="Record that the family was paid (staff, managers and admins)",
        description=(
            "Only a due advance; `paid_on` not before the delivery nor in the future. Paying "
            "an advance already paid is a 400 saying when; retry with the same "
            "`Idempotency-Key` to get the first answer instead."
        ),
        request=AdvancePaySerializer,
        responses=AdvanceSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"], serializer_class=AdvancePaySerializer)
    @idempotent
    def pay(self, request, pk=None):
        advance = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.answer(
            services.advance_pay(actor=request.user, advance=advance, **serializer.validated_data)
        )

    @extend_schema(
        summary="Cancel a due advance (managers and admins)",
        request=AdvanceCancelSerializer,
        responses=AdvanceSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"], serializer_class=AdvanceCancelSerializer)
    @idempotent
    def cancel(self, request, pk=None):
        advance = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.answer(
            services.advance_cancel(
                actor=request.user, advance=advance, reason=serializer.validated_data["cancelled_reason"]
            )
        )


def register(router) -> None:
    router.register("seasons", SeasonViewSet, basename="season")
    router.register("advances", AdvanceViewSet, basename="advance")
