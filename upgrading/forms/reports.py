"""The request form of the reports page."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from coop.models import Role, Scheme
from upgrading.models import Report
from upgrading.reports.periods import parse_period
from upgrading.reports.service import REQUEST_ROLES


def requestable_kinds(role) -> list[tuple[str, str]]:
    return [(kind, label) for kind, label in Report.Kind.choices if role in REQUEST_ROLES[kind]]


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=Report.Kind.choices)
    period = forms.CharField(
        label=_("Period"),
        max_length=30,
        help_text=_("A year (2025), a month (2025-11) or a range of days (2025-01-01..2025-06-30)."),
    )
    scheme = forms.ChoiceField(
        label=_("Scheme"),
        choices=[("", _("Organic and fair trade"))] + list(Scheme.choices),
        required=False,
        help_text=_("Evidence packs only."),
    )
    regenerate = forms.BooleanField(label=_("Make a new version even if this report exists"), required=False)
    include_national_ids = forms.BooleanField(
        label=_("Include members' national IDs (CPF)"),
        required=False,
        help_text=_("Sensitive: only administrators may, and only for an evidence pack."),
    )

    def __init__(self, *args, role=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = requestable_kinds(role)
        if role != Role.ADMIN:
            del self.fields["include_national_ids"]

    def clean_period(self):
        try:
            return parse_period(self.cleaned_data["period"], field="period").label
        except ValidationError as error:
            raise ValidationError(error.message_dict["period"]) from error
