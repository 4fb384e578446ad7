from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from coop.models import Role
from coop.navigation import coop_menu
from coop.tenancy import MANAGE, RECORD, cooperatives_for

# The co-op switcher keeps the user in the same section of the other co-operative.
SECTION_LIST_URLS = {
    "associations": "association_list",
    "families": "family_list",
    "members": "member_list",
    "lots": "lot_list",
    "certifications": "certification_list",
    "inspections": "inspection_list",
    "buyers": "buyer_list",
    "contracts": "contract_list",
    "shipments": "shipment_list",
    "market": "market_position",
    # upgrading's sections (coop only names them, it imports nothing from there)
    "advances": "advance_list",
    "assemblies": "assembly_list",
    "premium": "premium_fund",
    "settlements": "settlement_list",
    "indicators": "indicator_list",
    "reports": "report_list",
}


def tenancy(request):
    """The co-op being viewed, the user's role in it, and the co-ops they may switch to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    current = getattr(request, "cooperative", None)
    role = getattr(request, "role", None)
    url_name = SECTION_LIST_URLS.get(getattr(request, "coop_section", None), "cooperative_home")
    my_cooperatives = list(cooperatives_for(user).only("slug", "name", "short_name"))
    section = getattr(request, "coop_section", None)
    return {
        "menu": coop_menu(slug=current.slug, role=role, section=section) if current else None,
        # The capture forms of the kinds this co-op handles: read only by the pages that show them.
        "record_actions": SimpleLazyObject(lambda: _record_actions(current)) if current else [],
        "my_cooperatives": my_cooperatives,
        "coop_switch": [
            (coop, reverse(url_name, kwargs={"slug": coop.slug}))
            for coop in my_cooperatives
            if current is None or coop.pk != current.pk
        ],
        "current_cooperative": current,
        "current_role": role,
        "current_role_label": Role(role).label if role else "",
        "can_record": role in RECORD,
        "can_manage": role in MANAGE,
    }


def _record_actions(cooperative):
    from coop.views.production import record_actions  # views import this module's app

    return record_actions(cooperative)
