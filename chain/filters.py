"""Query-string filters for the value-chain API (django-filter).

As in `coop.filters`: filters only narrow a queryset already scoped to the user's
co-operatives, so another co-op's slug or id finds nothing; a malformed value is a 400
naming the parameter.
"""

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from chain.models import Allocation, Buyer, Contract, Shipment
from coop.filters import IntegerFilter


def _cooperative_filter():
    return filters.CharFilter(field_name="cooperative__slug", label=_("Co-operative (slug)"))


class BuyerFilter(filters.FilterSet):
    cooperative = _cooperative_filter()
    country = filters.CharFilter(lookup_expr="iexact", label=_("Country (ISO 3166 code)"))

    class Meta:
        model = Buyer
        fields = ["cooperative", "kind", "country"]


class ContractFilter(filters.FilterSet):
    cooperative = _cooperative_filter()
    buyer = IntegerFilter(field_name="buyer", label=_("Buyer id"))
    product = IntegerFilter(field_name="product", label=_("Product id"))
    active_on = filters.DateFilter(method="filter_active_on", label=_("In force on this date"))

    class Meta:
        model = Contract
        fields = ["cooperative", "buyer", "product", "status", "fair_trade", "organic"]

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(starts_on__lte=value, ends_on__gte=value)


class ShipmentFilter(filters.FilterSet):
    cooperative = _cooperative_filter()
    buyer = IntegerFilter(field_name="buyer", label=_("Buyer id"))
    contract = IntegerFilter(field_name="contract", label=_("Contract id"))
    product = IntegerFilter(field_name="product", label=_("Product id"))
    local = filters.BooleanFilter(
        field_name="contract", lookup_expr="isnull", label=_("Sold without a contract (true) or under one")
    )
    lot = IntegerFilter(method="filter_lot", label=_("Id of a lot allocated to the shipment"))
    shipped_after = filters.DateFilter(
        field_name="shipped_on", lookup_expr="gte", label=_("Shipped on or after")
    )
    shipped_before = filters.DateFilter(
        field_name="shipped_on", lookup_expr="lte", label=_("Shipped on or before")
    )

    class Meta:
        model = Shipment
        fields = ["cooperative", "buyer", "contract", "product", "status", "fair_trade", "organic"]

    def filter_lot(self, queryset, name, value):
        # A sub-select rather than a join: a lot is in a shipment at most once, but a join
        # would multiply the rows the list's totals are summed over.
        return queryset.filter(pk__in=Allocation.objects.filter(lot=value).values("shipment"))


class AllocationFilter(filters.FilterSet):
    """No ordering: allocations page by cursor, newest id first."""

    cooperative = _cooperative_filter()
    shipment = IntegerFilter(field_name="shipment", label=_("Shipment id"))
    lot = IntegerFilter(field_name="lot", label=_("Lot id"))
    lot_code = filters.CharFilter(field_name="lot__code", label=_("Lot code (exact)"))
    shipment_reference = filters.CharFilter(
        field_name="shipment__reference", label=_("Shipment reference (exact)")
    )

    class Meta:
        model = Allocation
        fields = ["cooperative", "shipment", "lot"]
