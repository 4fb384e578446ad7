"""Forms of the premium-fund pages: allocating to a project, recording spending, and the
year of the premium-use report.

The forms parse numbers, dates and files and offer only the co-op's own approving
decisions; the rules (balance, remainder, the decision's date, the evidence's real
content) are `upgrading.services.premium`'s, and its refusals come back next to the
field they name (`coop.forms.add_service_errors`).
"""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from coop.forms import DateInput
from coop.forms.numbers import DecimalInputField
from coop.units import MONEY_DIGITS, MONEY_PLACES
from upgrading.models import PremiumAllocation, PremiumSpending
from upgrading.selectors.premium import approving_decisions


def _amount_field(label, help_text=""):
    return DecimalInputField(
        label=label,
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        min_value=Decimal("0.01"),
        help_text=help_text,
    )


class DecisionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, decision):
        return _("%(day)s, decision %(number)s: %(text)s") % {
            "day": date_format(decision.assembly.held_on, "SHORT_DATE_FORMAT"),
            "number": decision.number,
            "text": decision.text[:80],
        }


class AllocationForm(forms.Form):
    project = forms.CharField(
        label=_("Project"),
        max_length=PremiumAllocation._meta.get_field("project").max_length,
        help_text=_("As the premium plan names it, e.g. “School transport 2026”."),
    )
    category = forms.ChoiceField(label=_("Category"), choices=PremiumAllocation.Category.choices)
    decision = DecisionChoiceField(
        label=_("Approving decision"),
        queryset=None,
        help_text=_("Only decisions approved by an assembly with quorum are offered."),
    )
    allocated_on = forms.DateField(label=_("Allocated on"), widget=DateInput())
    amount = _amount_field(_("Amount"))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, cooperative, **kwargs):
        super().__init__(*args, **kwargs)
        self.cooperative = cooperative
        self.fields["decision"].queryset = approving_decisions(cooperative=cooperative)
        self.fields["allocated_on"].initial = timezone.localdate()
        self.fields["amount"].help_text = _("In %(currency)s, at most the fund's balance.") % {
            "currency": cooperative.base_currency
        }


class SpendForm(forms.Form):
    spent_on = forms.DateField(label=_("Spent on"), widget=DateInput())
    amount = _amount_field(_("Amount"))
    description = forms.CharField(
        label=_("Description"),
        max_length=PremiumSpending._meta.get_field("description").max_length,
        help_text=_("What was bought or paid, e.g. “40 school kits, invoice 1234”."),
    )
    evidence = forms.FileField(
        label=_("Evidence"),
        required=False,
        help_text=_("The invoice, receipt or a photo: PDF, PNG, JPEG, WebP or text."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.webp,.txt,.csv"}),
    )

    def __init__(self, *args, cooperative, allocation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cooperative = cooperative
        self.fields["spent_on"].initial = timezone.localdate()
        if allocation is not None:
            self.fields["amount"].help_text = _("At most what remains of the allocation.")


class ReportYearForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)

    def __init__(self, data, *, years: list[int]):
        super().__init__(data)
        self.fields["year"].choices = [(year, year) for year in years]
