"""Forms of the settlement pages: opening (or changing) a draft, its cost lines, payment,
and the list and line filters.

The form checks types and offers only rows of the co-op; every rule (whole cents, a
season with deliveries, one standing settlement per season, ...) is the service's, and
its refusals come back next to the field they name.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from coop.forms.base import DateInput, SearchForm, any_choice
from coop.forms.numbers import DecimalInputField
from coop.models import Association
from coop.units import MONEY_DIGITS, MONEY_PLACES
from upgrading.models import Decision, Season, Settlement, SettlementLine
from upgrading.selectors.settlements import STANDING
from upgrading.services.settlements import MAX_COST_LINES

NOTES_MAX_LENGTH = 2000


def _money(**kwargs) -> DecimalInputField:
    return DecimalInputField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, min_value=0, **kwargs)


class SettlementForm(forms.Form):
    """Open a draft: the season, how the pool is set (entered, or revenue minus the costs
    listed in `CostFormSet`), one or two levels, and what authorised it."""

    season = forms.ModelChoiceField(label=_("Season"), queryset=Season.objects.none())
    reference = forms.CharField(
        label=_("Reference"),
        max_length=60,
        help_text=_("Letters, digits, dots, dashes and underscores, e.g. SET-MEL-2025."),
    )
    levels = forms.TypedChoiceField(
        label=_("Shared"),
        coerce=int,
        choices=Settlement.Levels.choices,
        initial=Settlement.Levels.FAMILIES,
        widget=forms.RadioSelect,
    )
    pool_source = forms.ChoiceField(
        label=_("Pool"),
        choices=Settlement.PoolSource.choices,
        initial=Settlement.PoolSource.ENTERED,
        widget=forms.RadioSelect,
    )
    pool = _money(
        label=_("Pool to distribute"),
        required=False,
        help_text=_("In the co-op's currency. Only when the pool is entered."),
    )
    decision = forms.ModelChoiceField(
        label=_("Authorising decision"),
        required=False,
        queryset=Decision.objects.none(),
        help_text=_("The general assembly's decision to share this pool."),
    )
    corrects = forms.ModelChoiceField(
        label=_("Corrects"),
        required=False,
        queryset=Settlement.objects.none(),
        help_text=_("The approved settlement of the season that this one corrects, if any."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=NOTES_MAX_LENGTH, widget=forms.Textarea
    )

    def __init__(self, *args, cooperative, **kwargs):
        super().__init__(*args, **kwargs)
        self.cooperative = cooperative
        if "season" in self.fields:
            self.fields["season"].queryset = Season.objects.filter(cooperative=cooperative).select_related(
                "product"
            )
        self.fields["decision"].queryset = Decision.objects.filter(cooperative=cooperative).select_related(
            "assembly"
        )
        if "corrects" in self.fields:
            self.fields["corrects"].queryset = Settlement.objects.filter(
                cooperative=cooperative, status__in=STANDING
            ).exclude(corrections__status__in=STANDING)

    def clean(self):
        data = super().clean()
        if data.get("pool_source") == Settlement.PoolSource.ENTERED and data.get("pool") is None:
            self.add_error("pool", _("Enter the pool, or compute it from the season's revenue minus costs."))
        return data

    def service_data(self, costs: list[tuple[str, object]]) -> dict:
        data = dict(self.cleaned_data)
        entered = data.pop("pool_source") == Settlement.PoolSource.ENTERED
        data["pool"] = data["pool"] if entered else None
        # Costs are recorded only to compute the pool; an entered pool needs none.
        data["costs"] = [] if entered else costs
        return data


class SettlementEditForm(SettlementForm):
    """Change a draft: its season and what it corrects stay as they are."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["season"]
        del self.fields["corrects"]


class CostForm(forms.Form):
    description = forms.CharField(label=_("Cost"), max_length=200, required=False)
    amount = _money(label=_("Amount"), required=False)

    def clean(self):
        data = super().clean()
        described, amount = bool((data.get("description") or "").strip()), data.get("amount")
        if described and amount is None:
            self.add_error("amount", _("Enter the amount of this cost."))
        if amount is not None and not described:
            self.add_error("description", _("Say what this cost was."))
        return data


class BaseCostFormSet(forms.BaseFormSet):
    def rows(self) -> list[tuple[str, object]]:
        """The filled-in rows as (description, amount); empty rows are skipped."""
        return [
            (form.cleaned_data["description"].strip(), form.cleaned_data["amount"])
            for form in self.forms
            if form.cleaned_data.get("description") and form.cleaned_data.get("amount") is not None
        ]


CostFormSet = forms.formset_factory(
    CostForm,
    formset=BaseCostFormSet,
    extra=3,
    max_num=MAX_COST_LINES,
    validate_max=True,
    absolute_max=MAX_COST_LINES,
)


class MarkPaidForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())


class SettlementFilterForm(SearchForm):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=any_choice(Settlement.Status.choices)
    )
    season = forms.ModelChoiceField(
        label=_("Season"), required=False, queryset=Season.objects.none(), empty_label=_("All")
    )

    def limit_to(self, cooperative) -> None:
        self.fields["season"].queryset = Season.objects.filter(cooperative=cooperative).only(
            "pk", "code", "name"
        )


class LineFilterForm(SearchForm):
    """The lines shown on a settlement's page: a level, one association's families, a search."""

    level = forms.ChoiceField(label=_("Level"), required=False, choices=SettlementLine.Level.choices)
    association = forms.ModelChoiceField(
        label=_("Association"), required=False, queryset=Association.objects.none(), empty_label=_("All")
    )

    def limit_to(self, cooperative) -> None:
        self.fields["association"].queryset = Association.objects.filter(cooperative=cooperative).only(
            "pk", "code", "name"
        )
