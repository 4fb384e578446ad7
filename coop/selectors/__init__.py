"""Reads for `coop`, shared by pages, API, reports and tasks; all importable from here."""

from coop.selectors.certification import approving_inspections, certification_list, inspection_list
from coop.selectors.history import object_history
from coop.selectors.people import (
    association_list,
    cooperative_list,
    cooperative_summary,
    family_history,
    family_list,
    family_search,
    member_list,
    member_search,
)
from coop.selectors.production import (
    Lineage,
    batch_input_candidates,
    current_purchase_price,
    default_delivery_product,
    family_certified_on,
    family_lots,
    family_made_from,
    family_products,
    lot_families,
    lot_lineage,
    lot_list,
    lot_products,
    lot_sources,
)

__all__ = [
    "Lineage",
    "approving_inspections",
    "batch_input_candidates",
    "current_purchase_price",
    "default_delivery_product",
    "certification_list",
    "family_lots",
    "family_made_from",
    "family_search",
    "inspection_list",
    "lot_lineage",
    "lot_list",
    "member_search",
    "object_history",
    "association_list",
    "cooperative_list",
    "cooperative_summary",
    "family_certified_on",
    "family_history",
    "family_list",
    "family_products",
    "lot_families",
    "lot_products",
    "lot_sources",
    "member_list",
]
