"""REST API for production: the product catalogue, lots, batches and lineage.

Who may write: managers and admins keep the product catalogue; staff, managers and
admins record lots and batches and accept or reject lots; auditors never write (403).
Lineage answers come from the recursive selectors in `coop.selectors.production`: a
fixed number of queries however long the chain of batches.
"""

from django.db.models import Prefetch, Q
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from config.rest import CursorPagination
from coop import selectors, services
from coop.api.base import CoopScopedCreateViewSet, CoopScopedViewSet
from coop.filters import LotFilter, ProductFilter, SearchFilter
from coop.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from coop.models import Lot, LotInput, Product
from coop.serializers import (
    ActionSerializer,
    BatchSerializer,
    FamilyProductsSerializer,
    LotProductsSerializer,
    LotSerializer,
    LotSourcesSerializer,
    ProductSerializer,
    RejectLotSerializer,
)
from coop.tenancy import MANAGE, RECORD, require, scope

NEWEST_FIRST = ("-collected_on", "-id")
LINEAGE_ACTIONS = {"sources", "products"}


@extend_schema_view(
    list=extend_schema(summary="List products"),
    create=extend_schema(summary="Add a product to a co-op's catalogue (managers and admins)"),
)
@extend_schema(tags=["products"])
class ProductViewSet(CoopScopedViewSet):
    """The products a co-operative handles. A product made by transformation (oil from
    nuts) names the product it is made from, in the same co-op, and the expected yield
    (kg out per kg in) its batches are checked against. No DELETE: lots refer to it."""

    serializer_class = ProductSerializer
    write_roles = MANAGE
    filterset_class = ProductFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "unit"]
    ordering = ["cooperative__name", "code"]

    def get_queryset(self):
        return scope(Product.objects.all(), self.request.user).select_related("cooperative")

    def create_row(self, *, cooperative, data):
        return services.product_create(actor=self.request.user, cooperative=cooperative, **data)

    def update_row(self, *, instance, data):
        return services.product_update(actor=self.request.user, product=instance, **data)


@extend_schema_view(
    list=extend_schema(summary="List lots, newest first (cursor pagination)"),
    retrieve=extend_schema(summary="One lot"),
    create=extend_schema(
        summary="Record a delivery: a honey barrel, a nut purchase or another delivery",
        description=(
            "Staff, managers and admins. A barrel wetter than the co-op's moisture limit is "
            "recorded as `rejected`, with the reason, not refused. Leave `code` out to get the "
            "next one of the co-op's sequence (BR26-00042). Batches: POST /api/v1/lots/batches/."
        ),
    ),
)
@extend_schema(tags=["lots"])
class LotViewSet(CoopScopedCreateViewSet):
    """Lots: honey barrels, nut purchases, other deliveries and batches made from them.

    There is no PUT, PATCH or DELETE. A lot is evidence (of a payment, of what went into
    a shipment, of a certification claim), so it is never edited or removed: a wrong lot
    is rejected (`POST /api/v1/lots/{id}/reject/` with the reason) and recorded again,
    and both stay in its history. Lists page with a cursor (`next`/`previous` links,
    `page_size`), newest first, since lots grow to millions of rows.
    """

    serializer_class = LotSerializer
    pagination_class = CursorPagination
    filter_backends = [DjangoFilterBackend, SearchFilter]
    filterset_class = LotFilter
    search_fields = ["code", "family__code"]
    write_roles = RECORD

    def get_queryset(self):
        lots = scope(Lot.objects.all(), self.request.user).select_related(
            "cooperative", "product", "family", "recorded_by", "unusual_confirmed_by"
        )
        if self.action in LINEAGE_ACTIONS:
            return lots  # the answer is the lineage, not the lot itself
        inputs = LotInput.objects.select_related("source").order_by("pk")
        return lots.prefetch_related(Prefetch("inputs", queryset=inputs))

    def create_row(self, *, cooperative, data):
        return services.lot_record(actor=self.request.user, cooperative=cooperative, **data)

    @extend_schema(
        summary="Make a batch from input lots",
        description=(
            "Staff, managers and admins. Takes `kg` of each input lot (at most what it has "
            "left) and records the output lot. The inputs must be accepted lots of the "
            "product the batch is made from (nuts for oil) or of the same product (honey "
            "homogenised for export). Output kg far from the expected yield are recorded "
            "with a `yield_warning`, not refused."
        ),
        request=BatchSerializer,
        responses={201: LotSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=False, methods=["post"], serializer_class=BatchSerializer)
    @idempotent
    def batches(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        cooperative = data.pop("cooperative")
        require(request.user, cooperative, RECORD)
        batch = services.batch_create(actor=request.user, cooperative=cooperative, **data)
        return self.answer(batch, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Accept a received lot",
        request=None,
        responses=LotSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"], serializer_class=ActionSerializer)
    @idempotent
    def accept(self, request, pk=None):
        lot = self.get_object()
        self.get_serializer(data=request.data).is_valid(raise_exception=True)  # no fields expected
        return self.answer(services.lot_accept(actor=request.user, lot=lot))

    @extend_schema(
        summary="Reject a lot, saying why",
        description="A lot already used by a batch or a shipment cannot be rejected.",
        request=RejectLotSerializer,
        responses=LotSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"], serializer_class=RejectLotSerializer)
    @idempotent
    def reject(self, request, pk=None):
        lot = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reason = serializer.validated_data["reason"]
        return self.answer(services.lot_reject(actor=request.user, lot=lot, reason=reason))

    @extend_schema(
        summary="Where a lot came from: every source lot and family", responses=LotSourcesSerializer
    )
    @action(detail=True, methods=["get"])
    def sources(self, request, pk=None):
        lot = self.get_object()
        # Lineage never leaves a co-op (batch_create checks); these filters keep it so regardless,
        # and the links shown join only the lots shown.
        lots = list(
            selectors.lot_sources(lot=lot).filter(cooperative=lot.cooperative_id).order_by(*NEWEST_FIRST)
        )
        families = selectors.lot_families(lot=lot).filter(cooperative=lot.cooperative_id).order_by("code")
        ids = [source.pk for source in lots]
        links = LotInput.objects.filter(output__in=[lot.pk, *ids], source__in=ids).order_by(
            "output", "source"
        )
        answer = {"lot": lot.pk, "lots": lots, "families": families, "links": links}
        return Response(LotSourcesSerializer(answer).data)

    @extend_schema(summary="Everything made from a lot, at any depth", responses=LotProductsSerializer)
    @action(detail=True, methods=["get"])
    def products(self, request, pk=None):
        lot = self.get_object()
        lots = list(
            selectors.lot_products(lot=lot)
            .filter(cooperative=lot.cooperative_id)
            .select_related("family")
            .order_by(*NEWEST_FIRST)
        )
        ids = [made.pk for made in lots]
        links = LotInput.objects.filter(source__in=[lot.pk, *ids], output__in=ids).order_by(
            "output", "source"
        )
        return Response(LotProductsSerializer({"lot": lot.pk, "lots": lots, "links": links}).data)


class FamilyLineageMixin:
    """For the family viewset: `GET /api/v1/families/{id}/products/`."""

    @extend_schema(
        summary="Everything made from a family's deliveries, at any depth",
        responses=FamilyProductsSerializer,
        tags=["families"],
    )
    @action(detail=True, methods=["get"], url_path="products", url_name="products")
    def products(self, request, pk=None):
        family = self.get_object()
        lots = list(
            selectors.family_products(family=family)
            .filter(cooperative=family.cooperative_id)
            .select_related("family")
            .order_by(*NEWEST_FIRST)
        )
        ids = [made.pk for made in lots]
        links = (
            LotInput.objects.filter(output__in=ids)
            .filter(Q(source__family=family) | Q(source__in=ids))
            .order_by("output", "source")
        )
        return Response(FamilyProductsSerializer({"family": family.pk, "lots": lots, "links": links}).data)
