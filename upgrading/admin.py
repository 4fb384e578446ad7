"""Django admin of `upgrading`, scoped like the co-op's (`coop.admin`): each area adds its
models below. Workflows (approving, paying, appending to the ledger) live in the pages and
the API, where their rules and locks run; the admin shows those rows and changes nothing.
"""

from django.contrib import admin

from chain.admin import ParentScopedInline
from coop.admin import ReadOnlyAdmin
from upgrading.models import Settlement, SettlementCost

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
