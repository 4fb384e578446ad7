"""Forms of the access pages: invite a person, change a role or a last day, filter the list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from coop.forms.base import DateInput, SearchForm, any_choice
from coop.models import Role


class InviteForm(forms.Form):
    email = forms.CharField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=_("A link to choose a password is sent there, if the person has no account yet."),
    )
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.STAFF)
    ends_on = forms.DateField(
        label=_("Last day of access"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for no end. For an auditor, the end of the audit."),
    )

    def __init__(self, *args, cooperative, **kwargs):
        super().__init__(*args, **kwargs)


class MembershipChangeForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    ends_on = forms.DateField(
        label=_("Last day of access"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for no end."),
    )

    def __init__(self, *args, cooperative, **kwargs):
        super().__init__(*args, **kwargs)


class MembershipFilterForm(SearchForm):
    role = forms.ChoiceField(label=_("Role"), required=False, choices=any_choice(Role.choices))
