"""Django admin for the value chain, scoped exactly like `coop.admin`: a non-superuser sees
only their co-operatives' buyers, contracts and shipments, and another co-op's row is
"not found".

- Buyers and contracts are written by managers through the services (`buyer_create`,
  `contract_update`, ...); a contract's minimums are amended in its inline through
  `contract_minimum_set`, so every period stays (10.8 t from one date, 17.8 t from the next).
- Shipments are read-only here, allocations included: allocating, confirming (row locks,
  traceability, mass balance), shipping and payment are workflows of the shipment pages
  and the API.
"""

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext as _

from chain import services
from chain.models import Allocation, Buyer, Contract, ContractMinimum, Shipment
from coop.admin import CoopScopedAdmin, ReadOnlyAdmin, ServiceRulesForm
from coop.tenancy import MANAGE

# --- Inlines follow their parent ----------------------------------------------------------


class ParentScopedInline(admin.TabularInline):
    """Permissions come from the parent's admin (memberships, not Django's model
    permissions); rows are never deleted here."""

    extra = 0
    can_delete = False

    def _parent(self):
        return self.admin_site._registry[self.parent_model]

    def has_view_permission(self, request, obj=None):
        return self._parent().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._parent().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        parent = self._parent()
        return parent.has_change_permission(request, obj) if obj else parent.has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


# --- Buyers ---------------------------------------------------------------------------------


def _buyer_rules(buyer: Buyer) -> None:
    # The check buyer_create and buyer_update make, so a clash shows on the form. (The
    # model's unique constraint is skipped on change: the co-operative is not a form field.)
    services._unique_in_coop(buyer, "name", _("A buyer of this name already exists in this co-operative."))


class BuyerForm(ServiceRulesForm):
    rules = staticmethod(_buyer_rules)


@admin.register(Buyer)
class BuyerAdmin(CoopScopedAdmin):
    write_roles = MANAGE
    form = BuyerForm
    service_fields = services.BUYER_FIELDS
    fields = ["cooperative", *services.BUYER_FIELDS]
    list_display = ["name", "kind", "country", "contact_name", "cooperative"]
    list_filter = ["kind", ("cooperative", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["cooperative"]
    search_fields = ["name", "contact_name", "email"]

    def write(self, actor, obj, data, change):
        if change:
            return services.buyer_update(actor=actor, buyer=obj, **data)
        return services.buyer_create(actor=actor, cooperative=obj.cooperative, **data)


# --- Contracts ------------------------------------------------------------------------------


class ContractForm(ServiceRulesForm):
    # Same co-operative for buyer and product, end not before start, reference unused.
    rules = staticmethod(services._validate_contract)


class MinimumForm(forms.ModelForm):
    class Meta:
        model = ContractMinimum
        fields = ["effective_from", "minimum_kg"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # An amendment is a new period from a new date; a period's date never moves,
            # so the earlier minimum keeps applying to the years before it.
            self.fields["effective_from"].disabled = True


class MinimumFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        contract = self.instance  # holds the dates being saved with it
        for form in self.forms:
            day = form.cleaned_data.get("effective_from")
            if form.has_changed() and day and not (contract.starts_on <= day <= contract.ends_on):
                # contract_minimum_set's rule, checked before anything is saved.
                form.add_error("effective_from", _("The date must fall within the contract."))


class ContractMinimumInline(ParentScopedInline):
    model = ContractMinimum
    form = MinimumForm
    formset = MinimumFormSet
    fields = ["effective_from", "minimum_kg"]
    ordering = ["effective_from"]


@admin.register(Contract)
class ContractAdmin(CoopScopedAdmin):
    write_roles = MANAGE
    form = ContractForm
    inlines = [ContractMinimumInline]
    service_fields = services.CONTRACT_FIELDS
    fields = ["cooperative", *services.CONTRACT_FIELDS]
    list_display = [
        "reference",
        "buyer",
        "product",
        "starts_on",
        "ends_on",
        "price_per_kg",
        "currency",
        "fair_trade",
        "organic",
        "status",
        "cooperative",
    ]
    list_filter = ["status", "fair_trade", "organic", ("cooperative", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["buyer", "product", "cooperative"]
    search_fields = ["reference", "buyer__name"]
    date_hierarchy = "starts_on"

    def write(self, actor, obj, data, change):
        if change:
            return services.contract_update(actor=actor, contract=obj, **data)
        return services.contract_create(actor=actor, cooperative=obj.cooperative, **data)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ContractMinimum:
            return super().save_formset(request, form, formset, change)
        # Each new or changed period through the service (role check, history, the rules).
        # The lists are what the admin's change message reads from a formset it saved.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.forms:
            if row.has_changed() and row.cleaned_data:
                saved = services.contract_minimum_set(
                    actor=request.user,
                    contract=formset.instance,
                    effective_from=row.cleaned_data["effective_from"],
                    minimum_kg=row.cleaned_data["minimum_kg"],
                )
                if row.instance.pk:
                    formset.changed_objects.append((saved, row.changed_data))
                else:
                    formset.new_objects.append(saved)
        return None


# --- Shipments ------------------------------------------------------------------------------


class AllocationInline(ParentScopedInline):
    model = Allocation
    fields = ["lot", "kg"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("lot")


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    """Read-only: confirming is a workflow with row locks and the certification rules."""

    inlines = [AllocationInline]
    list_display = [
        "reference",
        "buyer",
        "contract",
        "shipped_on",
        "price_per_kg",
        "currency",
        "fair_trade",
        "organic",
        "status",
        "paid_on",
        "cooperative",
    ]
    list_filter = [
        "status",
        "fair_trade",
        "organic",
        ("buyer", admin.RelatedOnlyFieldListFilter),
        ("cooperative", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["buyer", "contract", "contract__buyer", "cooperative"]
    search_fields = ["reference", "invoice_reference", "buyer__name", "contract__reference"]
    date_hierarchy = "shipped_on"
