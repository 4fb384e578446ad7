"""Forms of the seasons and advances pages: a season's terms, recording a payment,
cancelling, and the advances list's filters.

Forms parse numbers, dates and choices and offer only the co-op's own rows; the rules
(seasons that do not overlap, a payment not before the delivery nor in the future, paying
once) are the services' (`upgrading.services.advances`), and their refusals come back
next to the field they name.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chain.forms import ServiceModelForm
from coop.forms import DateInput, SearchForm, any_choice
from coop.forms.numbers import DecimalInputField, DecimalInputMeta
from coop.models import Association, Family, Product
from upgrading.models import Advance, Season
from upgrading.services.advances import MAX_REASON_LENGTH, MAX_REFERENCE_LENGTH, SEASON_FIELDS

RATE_QUANTUM = Decimal("0.0001")


class SeasonForm(ServiceModelForm):
    """A season and its advance terms; the rate is typed as a percentage (50 for half)."""

    advance_pct = DecimalInputField(
        label=_("Advance to families (%)"),
        required=False,
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        help_text=_(
            "Share of the expected value advanced on delivery, e.g. 50. Blank: the active contract's."
        ),
    )

    class Meta(DecimalInputMeta):
        model = Season
        fields = [name for name in SEASON_FIELDS if name != "advance_rate"]
        widgets = {
            "code": forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
            "starts_on": DateInput(),
            "ends_on": DateInput(),
        }

    field_order = [
        "product",
        "code",
        "name",
        "starts_on",
        "ends_on",
        "advance_pct",
        "reference_price_per_kg",
        "reference_exchange_rate",
    ]

    def __init__(self, *args, cooperative, **kwargs):
        super().__init__(*args, cooperative=cooperative, **kwargs)
        base = cooperative.base_currency
        self.fields["product"].queryset = Product.objects.filter(cooperative=cooperative)
        self.fields["product"].empty_label = _("Choose the product")
        self.fields["reference_price_per_kg"].help_text = _(
            "In %(base)s per kg. Blank: the price of the active contract on the delivery day."
        ) % {"base": base}
        self.fields["reference_exchange_rate"].help_text = _(
            "%(base)s per 1 unit of a foreign contract's currency, used when the price comes from "
            "such a contract. Without it, deliveries under a foreign contract get no advance."
        ) % {"base": base}
        self.order_fields(self.field_order)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        pct = data.pop("advance_pct", None)
        data["advance_rate"] = None if pct is None else (pct / 100).quantize(RATE_QUANTUM)
        return data

    @staticmethod
    def initial_from(season: Season) -> dict:
        initial = {name: getattr(season, name) for name in SEASON_FIELDS if name != "advance_rate"}
        initial["product"] = season.product_id
        if season.advance_rate is not None:
            initial["advance_pct"] = (season.advance_rate * 100).normalize()
        for name in ("reference_price_per_kg", "reference_exchange_rate"):
            if initial[name] is not None:
                initial[name] = initial[name].normalize()
        return initial


class PayForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())
    method = forms.ChoiceField(label=_("How"), choices=Advance.Method.choices)
    payment_reference = forms.CharField(
        label=_("Payment reference"),
        required=False,
        max_length=MAX_REFERENCE_LENGTH,
        help_text=_("The Pix or transfer id, the cheque number, or the receipt book's page."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"paid_on": timezone.localdate(), "method": Advance.Method.PIX})
        super().__init__(*args, **kwargs)


class CancelForm(forms.Form):
    cancelled_reason = forms.CharField(
        label=_("Why cancel it"),
        max_length=MAX_REASON_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class AdvanceFilterForm(SearchForm):
    """Filters of the advances list; a family is given by its code, `q` is a lot code."""

    q = forms.CharField(
        label=_("Lot code"),
        required=False,
        max_length=40,
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=any_choice(Advance.Status.choices))
    season = forms.ModelChoiceField(
        label=_("Season"), required=False, queryset=Season.objects.none(), empty_label=_("All")
    )
    association = forms.ModelChoiceField(
        label=_("Association"), required=False, queryset=Association.objects.none(), empty_label=_("All")
    )
    family = forms.CharField(
        label=_("Family code"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    due_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    due_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, data, *, cooperative):
        self.cooperative = cooperative
        super().__init__(data, cooperative=cooperative)

    def limit_to(self, cooperative) -> None:
        self.fields["season"].queryset = Season.objects.filter(cooperative=cooperative).order_by("-starts_on")
        self.fields["association"].queryset = Association.objects.filter(cooperative=cooperative).only(
            "pk", "code", "name"
        )

    def clean_family(self):
        # Another co-op's family code finds nothing here.
        code = self.cleaned_data["family"].strip()
        if not code:
            return None
        family = Family.objects.filter(cooperative=self.cooperative, code__iexact=code).first()
        if family is None:
            raise ValidationError(_("No family has this code."))
        return family
