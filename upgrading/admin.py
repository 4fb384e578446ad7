"""Django admin of `upgrading`, scoped like the co-op's (`coop.admin`): each area adds its
models below. Workflows (approving, paying, appending to the ledger) live in the pages and
the API, where their rules and locks run; the admin shows those rows and changes nothing.
"""

from django.contrib import admin

from chain.admin import ParentScopedInline
from coop.admin import CoopScopedAdmin, ReadOnlyAdmin, ServiceRulesForm
from coop.tenancy import ADMINISTER, MANAGE, READ
from upgrading.models import (
    Advance,
    Assembly,
    Decision,
    Indicator,
    LedgerEntry,
    LedgerEvidence,
    PremiumAllocation,
    PremiumFund,
    PremiumReceipt,
    PremiumSpending,
    Season,
    Settlement,
    SettlementCost,
)
from upgrading.services import advances as advance_services
from upgrading.services import ledger as ledger_services

# --- Settlements --------------------------------------------------------------------------------


class SettlementCostInline(ParentScopedInline):
    model = SettlementCost
    fields = ["description", "amount"]
    readonly_fields = fields


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    """Read-only: a settlement is opened, recomputed and approved through its pages or the API
    (its lines, up to one per family, are on its page and in its CSV)."""

    inlines = [SettlementCostInline]
    list_display = [
        "reference",
        "season",
        "levels",
        "pool_source",
        "pool",
        "currency",
        "total_kg",
        "status",
        "approved_at",
        "paid_on",
        "cooperative",
    ]
    list_filter = ["status", "levels", "pool_source", ("cooperative", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["season", "cooperative"]
    search_fields = ["reference", "season__code"]
    date_hierarchy = "created_at"


# --- Seasons and advances -------------------------------------------------------------------------


class SeasonForm(ServiceRulesForm):
    # The checks season_create and season_update make (no overlap, dates in order), on the form.
    rules = staticmethod(advance_services._validate_season)


@admin.register(Season)
class SeasonAdmin(CoopScopedAdmin):
    """Seasons are written by managers through the services, like on the seasons page."""

    write_roles = MANAGE
    form = SeasonForm
    service_fields = advance_services.SEASON_FIELDS
    fields = ["cooperative", *advance_services.SEASON_FIELDS]
    list_display = ["code", "name", "product", "starts_on", "ends_on", "advance_rate", "cooperative"]
    list_filter = [("cooperative", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["product", "cooperative"]
    search_fields = ["code", "name"]

    def write(self, actor, obj, data, change):
        if change:
            return advance_services.season_update(actor=actor, season=obj, **data)
        return advance_services.season_create(actor=actor, cooperative=obj.cooperative, **data)


@admin.register(Advance)
class AdvanceAdmin(ReadOnlyAdmin):
    """Read-only: advances are created when lots are accepted, paid and cancelled on their
    page or through the API (a row lock, paying once)."""

    list_display = ["lot", "family", "season", "kg", "amount", "currency", "due_on", "status", "paid_on"]
    list_filter = ["status", "method", ("cooperative", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["lot", "family", "season", "cooperative"]
    search_fields = ["lot__code", "family__code", "family__household_name"]
    date_hierarchy = "due_on"
    show_full_result_count = False  # one advance per barrel: tens of thousands a season


# --- General assemblies -----------------------------------------------------------------------------


class DecisionInline(ParentScopedInline):
    model = Decision
    fields = ["number", "text", "votes_for", "votes_against", "votes_abstaining", "minutes_sha256"]
    readonly_fields = fields


@admin.register(Assembly)
class AssemblyAdmin(ReadOnlyAdmin):
    """Read-only: meetings and decisions are recorded on the register's pages or the API,
    where minutes are checked and hashed."""

    inlines = [DecisionInline]
    list_display = ["held_on", "kind", "members_present", "women_present", "quorum_reached", "cooperative"]
    list_filter = ["kind", "quorum_reached", ("cooperative", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["cooperative"]
    date_hierarchy = "held_on"


# --- Premium fund -----------------------------------------------------------------------------------
# Read-only: receipts are credited when a shipment is paid; allocating and spending run under
# the fund's and the allocation's row locks on the premium pages or the API.


class PremiumAdmin(ReadOnlyAdmin):
    def has_delete_permission(self, request, obj=None):
        # Not even for superusers: the fund's totals are the sum of these rows.
        return False


@admin.register(PremiumFund)
class PremiumFundAdmin(PremiumAdmin):
    list_display = ["cooperative", "currency", "received", "allocated", "spent"]
    list_select_related = ["cooperative"]


@admin.register(PremiumReceipt)
class PremiumReceiptAdmin(PremiumAdmin):
    list_display = ["shipment", "received_on", "kg", "premium_per_kg", "currency", "amount_foreign", "amount"]
    list_filter = [("cooperative", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["shipment", "cooperative"]
    search_fields = ["shipment__reference"]
    date_hierarchy = "received_on"


class PremiumSpendingInline(ParentScopedInline):
    model = PremiumSpending
    fields = ["spent_on", "amount", "description", "evidence_sha256", "recorded_by"]
    readonly_fields = fields


@admin.register(PremiumAllocation)
class PremiumAllocationAdmin(PremiumAdmin):
    inlines = [PremiumSpendingInline]
    list_display = ["project", "category", "allocated_on", "amount", "spent", "decision", "cooperative"]
    list_filter = ["category", ("cooperative", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["decision__assembly", "cooperative"]
    search_fields = ["project"]
    date_hierarchy = "allocated_on"


@admin.register(PremiumSpending)
class PremiumSpendingAdmin(PremiumAdmin):
    # The evidence file is downloaded from the premium pages, which check the co-op; the
    # admin shows its SHA-256 only (a media URL would bypass that check).
    exclude = ["evidence"]
    readonly_fields = ["evidence_sha256"]
    list_display = ["allocation", "spent_on", "amount", "description", "evidence_sha256", "cooperative"]
    list_filter = [("cooperative", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["allocation", "cooperative"]
    search_fields = ["description", "allocation__project"]
    date_hierarchy = "spent_on"


# --- Indicator ledger ------------------------------------------------------------------------------


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    """The catalogue is shared by every co-op: administrators (of any co-op) and superusers
    add indicators and change their names, range and status; code, unit, scope and source
    are fixed once it exists (entries were measured that way). Never deleted: `active`."""

    list_display = ["code", "name_en", "name_pt_br", "category", "unit", "scope", "source", "active"]
    list_filter = ["category", "scope", "source", "active"]
    search_fields = ["code", "name_en", "name_pt_br"]
    ordering = ["category", "code"]

    def get_readonly_fields(self, request, obj=None):
        return list(ledger_services.INDICATOR_FIXED) if obj is not None else []

    def _administers(self, request) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        return user.is_superuser or bool(CoopScopedAdmin._cooperative_ids(request, ADMINISTER))

    def _member(self, request) -> bool:
        # Readable by anyone with an active membership (the catalogue holds no co-op's data);
        # an expired membership or none sees no admin at all, as in the other apps.
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        return user.is_superuser or bool(CoopScopedAdmin._cooperative_ids(request, READ))

    def has_module_permission(self, request):
        return self._member(request)

    def has_view_permission(self, request, obj=None):
        return self._member(request)

    def has_add_permission(self, request):
        return self._administers(request)

    def has_change_permission(self, request, obj=None):
        return self._administers(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name]
            for name in form.cleaned_data
            if name in ledger_services.INDICATOR_FIELDS
        }
        if change:
            saved = ledger_services.indicator_update(actor=request.user, indicator=obj, **data)
        else:
            saved = ledger_services.indicator_create(actor=request.user, **data)
        obj.pk = saved.pk
        obj._state.adding = False


class LedgerEvidenceInline(ParentScopedInline):
    model = LedgerEvidence
    fields = ["name", "content_type", "size", "sha256"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    """Read-only and never deleted (the database refuses it too): entries are appended
    through the ledger's pages, API and the derived-indicators task."""

    inlines = [LedgerEvidenceInline]
    list_display = [
        "sequence",
        "indicator",
        "period_from",
        "period_to",
        "value",
        "unit",
        "source",
        "recorded_at",
        "cooperative",
    ]
    list_filter = ["source", "scope", ("cooperative", admin.RelatedOnlyFieldListFilter), "indicator"]
    list_select_related = ["indicator", "cooperative"]
    search_fields = ["indicator__code", "hash"]
    ordering = ["cooperative", "-sequence"]
    show_full_result_count = False  # the ledger grows to millions: no COUNT(*) per page

    def has_delete_permission(self, request, obj=None):
        return False

    def history_view(self, request, object_id, extra_context=None):
        # No simple-history table: the entry is its own history (it never changes).
        self._visible_or_404(request, object_id)
        return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
