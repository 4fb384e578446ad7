"""Forms of the co-op pages, one module per sub-domain; the shared ones re-exported here."""

from coop.forms.access import InviteForm, MembershipChangeForm, MembershipFilterForm
from coop.forms.base import SEARCH_MAX_LENGTH, DateInput, SearchForm, add_service_errors, any_choice
from coop.forms.people import (
    AssociationFilterForm,
    AssociationForm,
    FamilyFilterForm,
    FamilyForm,
    MemberFilterForm,
    MemberForm,
)

__all__ = [
    "InviteForm",
    "MembershipChangeForm",
    "MembershipFilterForm",
    "SEARCH_MAX_LENGTH",
    "AssociationFilterForm",
    "AssociationForm",
    "DateInput",
    "FamilyFilterForm",
    "FamilyForm",
    "MemberFilterForm",
    "MemberForm",
    "SearchForm",
    "add_service_errors",
    "any_choice",
]
