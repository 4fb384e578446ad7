"""Reads for `coop`, shared by pages, API, reports and tasks; all importable from here."""

from coop.selectors.people import (
    association_list,
    cooperative_list,
    cooperative_summary,
    family_history,
    family_list,
    member_list,
)
from coop.selectors.production import (
    family_certified_on,
    family_products,
    lot_families,
    lot_products,
    lot_sources,
)

__all__ = [
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
