"""REST API of `chain` under /api/v1/: buyers and contracts (`chain.api.contracts`),
shipments, allocations, traceability and market position (`chain.api.shipments`).

Same conventions as `coop.api`: querysets scoped through `coop.tenancy.scope`, writes
by managers and admins only, each one call to a service in `chain.services`.
"""

from chain.api.contracts import BuyerViewSet, ContractViewSet
from chain.api.shipments import (
    AllocationViewSet,
    FamilyShipmentsViewSet,
    MarketPositionViewSet,
    ShipmentViewSet,
)


def register(router) -> None:
    router.register("buyers", BuyerViewSet, basename="buyer")
    router.register("contracts", ContractViewSet, basename="contract")
    router.register("shipments", ShipmentViewSet, basename="shipment")
    router.register("allocations", AllocationViewSet, basename="allocation")
    router.register("market-position", MarketPositionViewSet, basename="market-position")
    # /families/{id}/shipments/ lives beside coop's family routes. The API root shows one
    # link per prefix, the last registered: put this one first, so "families" keeps
    # linking to the family list whatever order the apps register in.
    router.register("families", FamilyShipmentsViewSet, basename="family-shipments")
    router.registry.insert(0, router.registry.pop())
