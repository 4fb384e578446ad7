"""Query-string filters for the co-op API (django-filter), and a guarded search.

Filters only narrow a queryset the viewset has already scoped to the user's
co-operatives, so naming another co-op's slug or id simply finds nothing. A malformed
value (a letter where an id goes, an unknown status) is a 400 naming the parameter.
"""

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework import filters as drf_filters

from coop.models import (
    Association,
    Certification,
    Cooperative,
    Family,
    Inspection,
    Lot,
    Member,
    Membership,
    Product,
)
from coop.serializers.base import MAX_ID

MAX_SEARCH_LENGTH = 100


class SearchFilter(drf_filters.SearchFilter):
    """DRF's search, refusing what would crash or burden the database: a NUL character
    (PostgreSQL cannot take it in a query) and very long searches (one LIKE per word)."""

    def get_search_terms(self, request):
        raw = request.query_params.get(self.search_param, "")
        if "\x00" in raw:
            raise exceptions.ValidationError({self.search_param: [_("Text may not contain NUL characters.")]})
        if len(raw) > MAX_SEARCH_LENGTH:
            raise exceptions.ValidationError(
                {self.search_param: [_("Search for at most %d characters.") % MAX_SEARCH_LENGTH]}
            )
        return super().get_search_terms(request)


class IntegerFilter(filters.NumberFilter):
    """A whole number within the range of a database integer (NumberFilter takes decimals)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


def _cooperative_filter():
    return filters.CharFilter(field_name="cooperative__slug", label=_("Co-operative (slug)"))


def _municipality_filter():
    return filters.CharFilter(lookup_expr="iexact", label=_("Municipality (exact, any case)"))


class CooperativeFilter(filters.FilterSet):
    class Meta:
        model = Cooperative
        fields = ["state", "base_currency"]


class AssociationFilter(filters.FilterSet):
    cooperative = _cooperative_filter()
    municipality = _municipality_filter()

    class Meta:
        model = Association
        fields = ["cooperative", "kind", "municipality"]


class FamilyFilter(filters.FilterSet):
    cooperative = _cooperative_filter()
    association = IntegerFilter(field_name="association", label=_("Association id"))
    municipality = _municipality_filter()
    joined_after = filters.DateFilter(
        field_name="joined_on", lookup_expr="gte", label=_("Joined on or after")
    )
    joined_before = filters.DateFilter(
        field_name="joined_on", lookup_expr="lte", label=_("Joined on or before")
    )
    hives_min = IntegerFilter(field_name="hives", lookup_expr="gte", label=_("At least this many hives"))
    hives_max = IntegerFilter(field_name="hives", lookup_expr="lte", label=_("At most this many hives"))

    class Meta:
        model = Family
        fields = ["cooperative", "association", "status", "land_tenure", "municipality"]


class MemberFilter(filters.FilterSet):
    cooperative = _cooperative_filter()
    family = IntegerFilter(field_name="family", label=_("Family id"))
    association = IntegerFilter(field_name="family__association", label=_("Association id of the family"))
    born_after = IntegerFilter(field_name="birth_year", lookup_expr="gte", label=_("Born in or after year"))
    born_before = IntegerFilter(field_name="birth_year", lookup_expr="lte", label=_("Born in or before year"))

    class Meta:
        model = Member
        fields = ["cooperative", "family", "association", "gender", "role_in_family", "literacy"]


class ProductFilter(filters.FilterSet):
    cooperative = _cooperative_filter()
    made_from = IntegerFilter(field_name="made_from", label=_("Id of the input product"))

    class Meta:
        model = Product
        fields = ["cooperative", "unit", "made_from", "mass_balance_allowed"]


class LotFilter(filters.FilterSet):
    """`code` is exact (it hits the co-op's unique index); `search` looks inside lot and
    family codes. No ordering parameter: lots page by cursor, newest id first."""

    cooperative = _cooperative_filter()
    code = filters.CharFilter(label=_("Lot code (exact)"))
    family = IntegerFilter(field_name="family", label=_("Family id"))
    family_code = filters.CharFilter(field_name="family__code", label=_("Family code (exact)"))
    association = IntegerFilter(field_name="association", label=_("Collection point id"))
    product = IntegerFilter(field_name="product", label=_("Product id"))
    collected_after = filters.DateFilter(
        field_name="collected_on", lookup_expr="gte", label=_("Collected on or after")
    )
    collected_before = filters.DateFilter(
        field_name="collected_on", lookup_expr="lte", label=_("Collected on or before")
    )

    class Meta:
        model = Lot
        fields = ["cooperative", "kind", "status", "organic", "family", "association", "product"]


class CertificationFilter(filters.FilterSet):
    cooperative = _cooperative_filter()
    family = IntegerFilter(field_name="family", label=_("Family id"))
    family_code = filters.CharFilter(field_name="family__code", label=_("Family code (exact)"))
    valid_on = filters.DateFilter(
        method="filter_valid_on", label=_("In force on this date (active, in period)")
    )

    class Meta:
        model = Certification
        fields = ["cooperative", "family", "scheme", "status"]

    def filter_valid_on(self, queryset, name, value):
        return queryset.valid_on(value)


class InspectionFilter(filters.FilterSet):
    cooperative = _cooperative_filter()
    family = IntegerFilter(field_name="family", label=_("Family id"))
    association = IntegerFilter(field_name="association", label=_("Collection point id"))
    inspector = IntegerFilter(field_name="inspector", label=_("Inspector (member) id"))
    inspected_after = filters.DateFilter(
        field_name="inspected_on", lookup_expr="gte", label=_("Inspected on or after")
    )
    inspected_before = filters.DateFilter(
        field_name="inspected_on", lookup_expr="lte", label=_("Inspected on or before")
    )
    open = filters.BooleanFilter(
        field_name="closed_on", lookup_expr="isnull", label=_("Not closed yet (true) or closed (false)")
    )
    open_sanctions = filters.BooleanFilter(
        method="filter_open_sanctions", label=_("Sanctions not closed yet (true), or everything else (false)")
    )

    class Meta:
        model = Inspection
        fields = ["cooperative", "family", "association", "inspector", "result"]

    def filter_open_sanctions(self, queryset, name, value):
        sanctions = queryset.open_sanctions()
        return sanctions if value else queryset.exclude(pk__in=sanctions.values("pk"))


class MembershipFilter(filters.FilterSet):
    cooperative = _cooperative_filter()
    active = filters.BooleanFilter(method="filter_active", label=_("In force today"))

    class Meta:
        model = Membership
        fields = ["cooperative", "role", "active"]

    def filter_active(self, queryset, name, value):
        in_force = Membership.objects.active().values("pk")
        return queryset.filter(pk__in=in_force) if value else queryset.exclude(pk__in=in_force)
