"""REST API for buyers and contracts.

Every member of a co-op reads them; managers and admins write (staff and auditors: 403).
A contract's minimum volume is amended, never overwritten: POST a new period to
`/contracts/{id}/minimums/` and both periods stay in the contract. Fulfilment per
contract year comes from `chain.selectors.contract_fulfilment`, in a fixed number of
queries whatever the number of shipments and lots.
"""

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.response import Response

from chain import selectors, services
from chain.filters import BuyerFilter, ContractFilter
from chain.models import Buyer, Contract, ContractMinimum
from chain.serializers import (
    BuyerSerializer,
    ContractFulfilmentSerializer,
    ContractMinimumRequestSerializer,
    ContractSerializer,
    FulfilmentQuerySerializer,
)
from coop.api.base import CoopScopedViewSet
from coop.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from coop.tenancy import MANAGE, scope


@extend_schema_view(
    list=extend_schema(summary="List buyers"),
    retrieve=extend_schema(summary="One buyer"),
    create=extend_schema(summary="Add a buyer (managers and admins)"),
    update=extend_schema(summary="Change a buyer (managers and admins)"),
    partial_update=extend_schema(summary="Change some of a buyer's fields (managers and admins)"),
)
@extend_schema(tags=["buyers"])
class BuyerViewSet(CoopScopedViewSet):
    """Who a co-op sells to: fair-trade buyers, organic importers, exporters, local
    intermediaries and soap makers. A buyer's name is unique within its co-op. No DELETE:
    contracts and shipments refer to it."""

    serializer_class = BuyerSerializer
    write_roles = MANAGE
    filterset_class = BuyerFilter
    search_fields = ["name", "contact_name"]
    ordering_fields = ["name", "country", "kind"]
    ordering = ["cooperative__name", "name"]

    def get_queryset(self):
        return scope(Buyer.objects.all(), self.request.user).select_related("cooperative")

    def create_row(self, *, cooperative, data):
        return services.buyer_create(actor=self.request.user, cooperative=cooperative, **data)

    def update_row(self, *, instance, data):
        return services.buyer_update(actor=self.request.user, buyer=instance, **data)


@extend_schema_view(
    list=extend_schema(summary="List contracts, with their minimum-volume periods"),
    retrieve=extend_schema(summary="One contract, with its minimum-volume periods"),
    create=extend_schema(summary="Sign a contract (managers and admins)"),
    update=extend_schema(summary="Change a contract's terms (managers and admins)"),
    partial_update=extend_schema(summary="Change some of a contract's terms (managers and admins)"),
)
@extend_schema(tags=["contracts"])
class ContractViewSet(CoopScopedViewSet):
    """Supply contracts: buyer, product, period, price and currency, fair-trade premium,
    claims, quality limits, advance rate, status, and the minimum kg per contract year
    (`minimums`, one row per period). No DELETE: a contract ends by its status."""

    serializer_class = ContractSerializer
    write_roles = MANAGE
    filterset_class = ContractFilter
    search_fields = ["reference", "buyer__name"]
    ordering_fields = ["starts_on", "ends_on", "reference", "status"]
    ordering = ["-starts_on", "reference"]

    def get_queryset(self):
        contracts = scope(Contract.objects.all(), self.request.user)
        if self.action == "fulfilment":
            return contracts.select_related("cooperative")  # the selector reads the rest
        minimums = ContractMinimum.objects.order_by("effective_from")
        return contracts.select_related("cooperative", "buyer", "product").prefetch_related(
            Prefetch("minimums", queryset=minimums)
        )

    def create_row(self, *, cooperative, data):
        return services.contract_create(actor=self.request.user, cooperative=cooperative, **data)

    def update_row(self, *, instance, data):
        return services.contract_update(actor=self.request.user, contract=instance, **data)

    @extend_schema(
        summary="Amend the minimum volume from a date on (managers and admins)",
        description=(
            "Sets the minimum kg per contract year from `effective_from` (within the contract) "
            "until the next amendment; earlier periods keep their minimum. The same date again "
            "corrects that period. Answers the contract with all its periods."
        ),
        request=ContractMinimumRequestSerializer,
        responses=ContractSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"], serializer_class=ContractMinimumRequestSerializer)
    @idempotent
    def minimums(self, request, pk=None):
        contract = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.contract_minimum_set(actor=request.user, contract=contract, **serializer.validated_data)
        return self.answer(contract)

    @extend_schema(
        summary="Kg delivered against the minimum, per contract year",
        description=(
            "For each contract year: the minimum in force, kg delivered (confirmed, shipped and "
            "paid sales), the pace expected by today pro rata, the projected shortfall or "
            "surplus, revenue in the contract's and the co-op's currency, and the premium due."
        ),
        parameters=[
            OpenApiParameter(
                "on", OpenApiTypes.DATE, description="Measure the pace on this day instead of today."
            )
        ],
        responses=ContractFulfilmentSerializer,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def fulfilment(self, request, pk=None):
        contract = self.get_object()
        query = FulfilmentQuerySerializer(data=request.query_params, context={"contract": contract})
        query.is_valid(raise_exception=True)
        on = query.validated_data.get("on") or timezone.localdate()
        answer = {
            "contract": contract.pk,
            "reference": contract.reference,
            "currency": contract.currency,
            "base_currency": contract.cooperative.base_currency,
            "on": on,
            "years": selectors.contract_fulfilment(contract=contract, today=on),
        }
        return Response(ContractFulfilmentSerializer(answer).data)
