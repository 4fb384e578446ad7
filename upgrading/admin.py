"""Django admin of `upgrading`, scoped like the co-op's (`coop.admin`): each area adds its
models below. Workflows (approving, paying, appending to the ledger) live in the pages and
the API, where their rules and locks run; the admin shows those rows and changes nothing.
"""

from django.contrib import admin

from chain.admin import ParentScopedInline
from coop.admin import CoopScopedAdmin, ReadOnlyAdmin, ServiceRulesForm
from coop.tenancy import MANAGE
from upgrading.models import Advance, Assembly, Decision, Season, Settlement, SettlementCost
from upgrading.services import advances as advance_services

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
