"""REST API for shipments (sales), their lot allocations, traceability and market position.

Who may write: managers and admins create, edit (while draft), allocate, confirm, ship
and mark paid; staff and auditors read everything of their co-ops and write nothing
(403). Confirmation is where the fair-trade rules run (`chain.services.shipment_confirm`):
a refusal is a 400 naming the lot and the rule, and nothing is written.

Traceability answers come from the recursive selector `chain.selectors.shipment_trace`:
a fixed number of queries however many lots and batches stand behind a shipment.
"""

import csv
import io
from decimal import Decimal

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Prefetch, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from chain import selectors, services
from chain.filters import AllocationFilter, ShipmentFilter
from chain.models import Allocation, Shipment
from chain.serializers import (
    AllocationSerializer,
    MarketPositionQuerySerializer,
    MarketPositionSerializer,
    PaySerializer,
    ShipmentAllocationsSerializer,
    ShipmentDetailSerializer,
    ShipmentSerializer,
    ShipmentTraceSerializer,
)
from config.rest import CursorPagination
from coop.api.base import CoopScopedViewSet
from coop.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from coop.models import Family, Lot, LotInput
from coop.serializers import ActionSerializer
from coop.spreadsheets import spreadsheet_safe
from coop.tenancy import MANAGE, cooperatives_for, scope

# Actions that only need the shipment itself: no totals, no lots prefetched.
LOOKUP_ONLY = {"lot_trace", "confirm", "ship", "pay", "set_allocations"}

# A text cell starting with one of these is a formula (or becomes one) in a spreadsheet.


def with_totals(shipments):
    """Each shipment's allocated kg and number of lots, as sub-selects: they stay right
    however the list is filtered (a join would be narrowed by a filter on allocations)."""
    lines = Allocation.objects.filter(shipment=OuterRef("pk")).order_by().values("shipment")
    return shipments.annotate(
        allocated_kg=Coalesce(
            Subquery(lines.annotate(total=Sum("kg")).values("total")),
            Value(Decimal("0")),
            output_field=DecimalField(max_digits=20, decimal_places=3),
        ),
        allocation_count=Coalesce(
            Subquery(lines.annotate(total=Count("pk")).values("total")),
            Value(0),
            output_field=IntegerField(),
        ),
    )


def listed_shipments(user):
    return with_totals(
        scope(Shipment.objects.all(), user).select_related(
            "cooperative", "buyer", "contract", "product", "price_overridden_by", "confirmed_by"
        )
    )


# --- Traceability -------------------------------------------------------------------------


def shipment_trace_answer(shipment: Shipment) -> dict:
    """Everything behind a shipment, split into deliveries and batches, with the links
    between them and the lots as allocated: seven queries whatever the number of lots."""
    trace = selectors.shipment_trace(shipment=shipment)
    batches = [lot for lot in trace["lots"] if lot.kind == Lot.Kind.BATCH]
    links = LotInput.objects.filter(output__in=[batch.pk for batch in batches]).order_by("output", "source")
    return {
        "shipment": shipment.pk,
        "reference": shipment.reference,
        "allocations": list(shipment.allocations.select_related("lot").order_by("lot__code")),
        "lots": [lot for lot in trace["lots"] if lot.kind != Lot.Kind.BATCH],
        "batches": batches,
        "links": list(links),
        "families": trace["families"],
        "associations": trace["associations"],
    }


TRACE_COLUMNS = [
    "shipment",
    "lot",
    "kind",
    "product",
    "collected_on",
    "net_kg",
    "sold_kg",
    "went_into",
    "family",
    "household_name",
    "family_association",
    "collection_point",
    "collection_point_name",
    "organic",
    "moisture_pct",
]


def trace_rows(answer: dict) -> list[list]:
    """One row per lot behind the shipment (batches and deliveries): what it is, how much
    of it was sold here directly, which batches it went into, and whose it was."""
    families = {family.pk: family for family in answer["families"]}
    codes = {lot.pk: lot.code for lot in [*answer["lots"], *answer["batches"]]}
    sold = {allocation.lot_id: allocation.kg for allocation in answer["allocations"]}
    went_into: dict[int, list[str]] = {}
    for link in answer["links"]:
        went_into.setdefault(link.source_id, []).append(codes.get(link.output_id, ""))
    rows = [TRACE_COLUMNS]
    for lot in [*answer["batches"], *answer["lots"]]:
        family = families.get(lot.family_id)
        rows.append(
            [
                answer["reference"],
                lot.code,
                lot.kind,
                lot.product.code,
                lot.collected_on,
                lot.net_kg,
                sold.get(lot.pk, ""),
                " ".join(sorted(went_into.get(lot.pk, []))),
                family.code if family else "",
                family.household_name if family else "",
                family.association.code if family and family.association else "",
                lot.association.code if lot.association else "",
                lot.association.name if lot.association else "",
                "yes" if lot.organic else "no",
                lot.moisture_pct if lot.moisture_pct is not None else "",
            ]
        )
    return rows


class CSVRenderer(renderers.BaseRenderer):
    """Rows (a list of lists, the header first) as CSV for a spreadsheet: UTF-8 with a
    byte-order mark, so Excel reads the accents, and every formula-like text cell
    neutralised. An error answer (a dict) comes out as `field,message` rows."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict):
            data = [
                ["field", "message"],
                *[
                    [field, " ".join(map(str, messages)) if isinstance(messages, list) else str(messages)]
                    for field, messages in data.items()
                ],
            ]
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        for row in data or []:
            writer.writerow([spreadsheet_safe(cell) for cell in row])
        return buffer.getvalue().encode(self.charset)


# --- Shipments ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List shipments, newest first"),
    retrieve=extend_schema(summary="One shipment, with its lots"),
    create=extend_schema(
        summary="Prepare a sale as a draft (managers and admins)",
        description=(
            "Price and currency come from the contract unless given; a different price needs "
            "`price_override_reason` and records who set it. `allocations` may list the lots "
            "now; nothing is counted against them until the shipment is confirmed."
        ),
    ),
    update=extend_schema(summary="Change a draft shipment's terms (managers and admins)"),
    partial_update=extend_schema(summary="Change some of a draft shipment's terms (managers and admins)"),
)
@extend_schema(tags=["shipments"])
class ShipmentViewSet(CoopScopedViewSet):
    """Sales: a buyer, an optional contract (a local sale has none), the price and
    currency with the exchange rate to the co-op's currency, the claims (fair trade,
    organic) and the lots sold. Status goes draft → confirmed → shipped → paid, by the
    actions `confirm`, `ship` and `pay`; only a draft can be edited. No DELETE.

    The list shows each shipment's totals; GET one shipment for its lots, or page through
    all allocations at `/api/v1/allocations/`.
    """

    serializer_class = ShipmentDetailSerializer
    write_roles = MANAGE
    filterset_class = ShipmentFilter
    search_fields = ["reference", "invoice_reference", "buyer__name"]
    ordering_fields = ["shipped_on", "reference", "status"]
    ordering = ["-shipped_on", "-id"]

    def get_serializer_class(self):
        if self.action == "list":
            return ShipmentSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        if self.action in LOOKUP_ONLY:
            return scope(Shipment.objects.all(), self.request.user).select_related("cooperative")
        if self.action == "list":
            return listed_shipments(self.request.user)
        return self._with_lots(listed_shipments(self.request.user))

    def _with_lots(self, shipments):
        lines = Allocation.objects.select_related("lot").order_by("lot__code")
        return shipments.prefetch_related(Prefetch("allocations", queryset=lines))

    def _as_listed(self, instance):
        return self._with_lots(listed_shipments(self.request.user)).get(pk=instance.pk)

    def create_row(self, *, cooperative, data):
        return services.shipment_create(actor=self.request.user, cooperative=cooperative, **data)

    def update_row(self, *, instance, data):
        return services.shipment_update(actor=self.request.user, shipment=instance, **data)

    @extend_schema(
        summary="Replace a draft shipment's lots (managers and admins)",
        description=(
            "The body lists every lot of the shipment and the kg of each; lots left out are "
            "removed. Refused once the shipment is confirmed."
        ),
        request=ShipmentAllocationsSerializer,
        responses=ShipmentDetailSerializer,
    )
    @action(
        detail=True,
        methods=["put"],
        url_path="allocations",
        url_name="allocations",
        serializer_class=ShipmentAllocationsSerializer,
    )
    def set_allocations(self, request, pk=None):
        shipment = self.get_object()
        serializer = ShipmentAllocationsSerializer(
            data=request.data, context={**self.get_serializer_context(), "shipment": shipment}
        )
        serializer.is_valid(raise_exception=True)
        services.shipment_allocate(
            actor=request.user, shipment=shipment, allocations=serializer.validated_data["allocations"]
        )
        return self.answer(shipment)

    @extend_schema(
        summary="Confirm a sale: count its lots, if every rule holds (managers and admins)",
        description=(
            "Checks, under row locks on the lots: kg left on each lot, product, the contract's "
            "quality limits, certification of every family behind each lot for a fair-trade or "
            "organic claim, and mass balance. A refusal is a 400 whose `allocations` messages "
            "name the lot and the rule; nothing is written."
        ),
        request=None,
        responses=ShipmentDetailSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"], serializer_class=ActionSerializer)
    @idempotent
    def confirm(self, request, pk=None):
        shipment = self.get_object()
        self.get_serializer(data=request.data).is_valid(raise_exception=True)  # no fields expected
        return self.answer(services.shipment_confirm(actor=request.user, shipment=shipment))

    @extend_schema(
        summary="Mark a confirmed shipment as shipped (managers and admins)",
        request=None,
        responses=ShipmentDetailSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"], serializer_class=ActionSerializer)
    @idempotent
    def ship(self, request, pk=None):
        shipment = self.get_object()
        self.get_serializer(data=request.data).is_valid(raise_exception=True)
        return self.answer(services.shipment_mark_shipped(actor=request.user, shipment=shipment))

    @extend_schema(
        summary="Record the buyer's payment of a shipped shipment (managers and admins)",
        request=PaySerializer,
        responses=ShipmentDetailSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"], serializer_class=PaySerializer)
    @idempotent
    def pay(self, request, pk=None):
        shipment = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        paid_on = serializer.validated_data["paid_on"]
        return self.answer(
            services.shipment_mark_paid(actor=request.user, shipment=shipment, paid_on=paid_on)
        )

    @extend_schema(
        summary="Every lot, batch, family and association behind a shipment",
        description=(
            "JSON by default; as a spreadsheet (one row per lot) at `trace.csv` or with "
            "`?format=csv`. A fixed number of queries however many lots are behind it."
        ),
        responses={
            (200, "application/json"): ShipmentTraceSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One row per lot."),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[*api_settings.DEFAULT_RENDERER_CLASSES, CSVRenderer],
        filter_backends=[],
        url_path="trace",
        url_name="trace",
    )
    # Not `def trace`: DRF would also route HTTP TRACE requests to a method of that name.
    def lot_trace(self, request, pk=None, **kwargs):
        shipment = self.get_object()
        answer = shipment_trace_answer(shipment)
        if request.accepted_renderer.format == CSVRenderer.format:
            filename = f"trace-{shipment.reference}.csv"  # references are letters, digits, . _ -
            return Response(
                trace_rows(answer), headers={"Content-Disposition": f'attachment; filename="{filename}"'}
            )
        return Response(ShipmentTraceSerializer(answer).data)


@extend_schema_view(
    list=extend_schema(summary="List lot allocations, newest first (cursor pagination)"),
    retrieve=extend_schema(summary="One lot allocation"),
)
@extend_schema(tags=["shipments"])
class AllocationViewSet(viewsets.ReadOnlyModelViewSet):
    """Which lots went into which shipments, and how many kg: read-only (a shipment's
    lots change with PUT /api/v1/shipments/{id}/allocations/). Pages with a cursor,
    newest first: this table grows to millions of rows."""

    serializer_class = AllocationSerializer
    pagination_class = CursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = AllocationFilter

    def get_queryset(self):
        return scope(Allocation.objects.all(), self.request.user).select_related(
            "cooperative", "shipment", "lot"
        )


@extend_schema(tags=["families"])
class FamilyShipmentsViewSet(viewsets.GenericViewSet):
    """For `GET /api/v1/families/{id}/shipments/` (the rest of /families/ is coop's)."""

    serializer_class = ShipmentSerializer
    filter_backends = []

    def get_queryset(self):
        return scope(Family.objects.all(), self.request.user)

    @extend_schema(
        summary="Every shipment a family's production went into, directly or through batches",
        responses=ShipmentSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def shipments(self, request, pk=None):
        family = self.get_object()
        shipments = with_totals(
            selectors.family_shipments(family=family)
            .filter(cooperative=family.cooperative_id)
            .select_related("cooperative", "price_overridden_by", "confirmed_by")
        ).order_by("-shipped_on", "-id")
        page = self.paginate_queryset(shipments)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class _OneObjectSchema(AutoSchema):
    """The market position is one object per co-op and year, though served as a list route."""

    def _is_list_view(self, serializer=None):
        return False


@extend_schema(tags=["market-position"])
class MarketPositionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """`GET /api/v1/market-position/?cooperative=<slug>&year=2026`."""

    schema = _OneObjectSchema()
    serializer_class = MarketPositionSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(
        summary="A co-op's market position in a year",
        description=(
            "The share of kg sold under fair-trade contracts against everything else (local "
            "sales, conventional buyers), the fair-trade price as a multiple of the other sales' "
            "price per product, and each buyer's share of revenue, largest first (buyer "
            "concentration: a lock-in risk). Confirmed, shipped and paid sales of the year."
        ),
        parameters=[
            OpenApiParameter("cooperative", str, required=True, description="Slug of a co-op you belong to."),
            OpenApiParameter("year", int, description="Year of shipping; this year if left out."),
        ],
    )
    def list(self, request):
        query = MarketPositionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        cooperative = get_object_or_404(
            cooperatives_for(request.user), slug=query.validated_data["cooperative"]
        )
        year = query.validated_data.get("year") or timezone.localdate().year
        position = selectors.market_position(cooperative=cooperative, year=year)
        largest = position.largest_buyer
        answer = {
            "cooperative": cooperative.slug,
            "base_currency": cooperative.base_currency,
            "year": position.year,
            "fair_trade_kg": position.fair_trade_kg,
            "other_kg": position.other_kg,
            "fair_trade_share": position.fair_trade_share,
            "price_multiples": [
                {"product": product, "multiple": multiple}
                for product, multiple in sorted(
                    position.price_multiples.items(), key=lambda item: item[0].code
                )
            ],
            "buyers": position.buyers,
            "largest_buyer_share": largest.share if largest else None,
        }
        return Response(self.get_serializer(answer).data, status=status.HTTP_200_OK)
