"""Forms of the ledger pages: a manual entry with its evidence files, the ledger's
filters, and the auditor's head to check. Forms only read and convert what was typed;
every rule (scope, range, unit, supersession, evidence) is the service's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from coop.forms import DateInput
from coop.models import Association, Family
from coop.numbers import parse_decimal
from upgrading.evidence import max_bytes
from upgrading.models import Indicator, LedgerEntry
from upgrading.selectors.ledger import parse_anchor
from upgrading.services.ledger import MAX_EVIDENCE_FILES, MAX_NOTE_LENGTH
from upgrading.templatetags.ledger import indicator_name

EVIDENCE_ACCEPT = ".pdf,.png,.jpg,.jpeg,.webp,.csv,.txt"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe); the service checks each."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class LedgerEntryForm(forms.Form):
    indicator = forms.ModelChoiceField(
        label=_("Indicator"),
        queryset=Indicator.objects.none(),
        to_field_name="code",
        empty_label=_("Choose an indicator"),
    )
    period_from = forms.DateField(label=_("Period from"), widget=DateInput())
    period_to = forms.DateField(label=_("Period to"), widget=DateInput())
    value = forms.CharField(
        label=_("Value"),
        max_length=40,
        help_text=_("In the indicator's unit: a percentage as 41.5, a count as 3."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    association = forms.ModelChoiceField(
        label=_("Association or collection point"),
        queryset=Association.objects.none(),
        required=False,
        help_text=_("Only for indicators measured per association."),
    )
    family = forms.CharField(
        label=_("Family code"),
        max_length=30,
        required=False,
        help_text=_("Only for indicators measured per family."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Where the figure comes from (survey, minutes, incident book), or why it corrects an entry."
        ),
    )
    evidence = MultipleFileField(
        label=_("Evidence files"),
        required=False,
        help_text=_("Up to %(n)d files (PDF, image or CSV) of at most %(mb)d MB each.")
        % {"n": MAX_EVIDENCE_FILES, "mb": max_bytes() // (1024 * 1024)},
    )

    def __init__(self, *args, cooperative, supersedes: LedgerEntry | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cooperative = cooperative
        self.supersedes = supersedes
        self.fields["indicator"].queryset = Indicator.objects.filter(
            active=True, source=Indicator.Source.MANUAL
        ).order_by("category", "code")
        self.fields["indicator"].label_from_instance = lambda i: f"{indicator_name(i)} ({i.unit})"
        self.fields["association"].queryset = Association.objects.filter(cooperative=cooperative).order_by(
            "code"
        )
        if supersedes is not None:
            # A correction keeps its indicator.
            self.fields["indicator"].disabled = True
            self.initial.setdefault("indicator", supersedes.indicator.code)

    def clean_value(self):
        # "41,5" and "41.5" alike (coop.numbers); some indicators may go below zero.
        return parse_decimal(self.cleaned_data["value"], allow_negative=True)

    def clean_family(self):
        code = self.cleaned_data.get("family", "").strip()
        if not code:
            return None
        family = Family.objects.filter(cooperative=self.cooperative, code=code).first()
        if family is None:
            raise forms.ValidationError(_("No family with this code in this co-operative."))
        return family

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["evidence"] = data.get("evidence") or []
        if self.supersedes is not None:
            data["supersedes"] = self.supersedes
            data["indicator"] = self.supersedes.indicator
        return data


class LedgerFilterForm(forms.Form):
    """The ledger's filters; an invalid value is ignored rather than refused."""

    indicator = forms.ModelChoiceField(
        label=_("Indicator"), queryset=Indicator.objects.none(), to_field_name="code", required=False
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", _("All")), *Indicator.Source.choices], required=False
    )
    period_from = forms.DateField(label=_("Periods from"), required=False, widget=DateInput())
    period_to = forms.DateField(label=_("to"), required=False, widget=DateInput())
    current = forms.BooleanField(label=_("Only current (not corrected) entries"), required=False)

    def __init__(self, data):
        super().__init__(data)
        self.fields["indicator"].queryset = Indicator.objects.order_by("code")
        self.fields["indicator"].empty_label = _("All")
        self.is_valid()

    def value(self, name):
        return self.cleaned_data.get(name) or None


class VerifyForm(forms.Form):
    head = forms.CharField(
        label=_("Head you hold (optional)"),
        required=False,
        max_length=100,
        help_text=_(
            "As printed in a compliance report or evidence pack: SEQUENCE:HASH. The ledger must still "
            "contain it; this is how a deleted or rewritten tail is found."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "code"}),
    )

    def clean_head(self):
        text = self.cleaned_data.get("head", "").strip()
        if not text:
            return None
        try:
            return parse_anchor(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error
