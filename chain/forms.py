"""Forms of the value-chain pages: buyers, contracts, shipments, allocations, list filters.

The forms parse numbers, dates and choices and offer only the co-op's own rows; the
business rules (contract period, price terms, exchange rate, lot availability, the
certification claims) are the services' to decide, and their refusals come back next
to the field they name (`coop.forms.add_service_errors`).
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.utils.translation import gettext_lazy as _

from chain.models import Buyer, Contract, Shipment
from chain.services import BUYER_FIELDS, CONTRACT_FIELDS, SHIPMENT_FIELDS
from coop.forms import DateInput, SearchForm, any_choice
from coop.forms.numbers import DecimalInputField, DecimalInputMeta
from coop.models import Lot, Product
from coop.units import ISO_4217, WEIGHT_DIGITS, WEIGHT_PLACES

# The currencies co-ops actually sell in, offered first; the rest follow alphabetically.
COMMON_CURRENCIES = ("BRL", "USD", "EUR", "GBP", "CHF")


def currency_choices(*, blank_label=None) -> list[tuple[str, str]]:
    common = [(code, code) for code in COMMON_CURRENCIES]
    rest = [(code, code) for code in ISO_4217 if code not in COMMON_CURRENCIES]
    blank = [("", blank_label)] if blank_label else []
    return [*blank, *common, *rest]


def kg_field(label, *, required=True, help_text=""):
    return DecimalInputField(
        label=label,
        required=required,
        max_digits=WEIGHT_DIGITS,
        decimal_places=WEIGHT_PLACES,
        min_value=Decimal("0"),
        help_text=help_text,
    )


class ServiceModelForm(forms.ModelForm):
    """Fields, labels and widgets from the model; the row itself is validated by the service.

    A plain ModelForm would also check the model's constraints on a half-built instance
    and report "Constraint … is violated" at the top of the form, away from the field;
    the service says it properly ("The contract cannot end before it starts.") instead.
    """

    def __init__(self, *args, cooperative, **kwargs):
        super().__init__(*args, **kwargs)
        self.cooperative = cooperative

    def _post_clean(self):
        pass


# --- Buyers --------------------------------------------------------------------------------


class BuyerForm(ServiceModelForm):
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        validators=[RegexValidator(r"^[A-Za-z]{2}$", _("Two letters, e.g. BR, GB, IT."))],
        help_text=_("ISO 3166 code, e.g. BR, GB, IT"),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off", "size": 3}),
    )

    class Meta(DecimalInputMeta):
        model = Buyer
        fields = BUYER_FIELDS
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_country(self):
        return self.cleaned_data["country"].upper()


class BuyerFilterForm(SearchForm):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=any_choice(Buyer.Kind.choices))


# --- Contracts -----------------------------------------------------------------------------


class ContractForm(ServiceModelForm):
    """A contract's terms. The minimum volume is asked on creation only: later changes are
    amendments from a date on ("Amend minimum"), so both periods stay on record."""

    advance_pct = DecimalInputField(
        label=_("Advance to families (%)"),
        required=False,
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        help_text=_("Share of the expected value advanced to each family on delivery, e.g. 50."),
    )

    class Meta(DecimalInputMeta):
        model = Contract
        fields = [name for name in CONTRACT_FIELDS if name != "advance_rate"]
        widgets = {
            "reference": forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
            "starts_on": DateInput(),
            "ends_on": DateInput(),
        }

    field_order = [
        "buyer",
        "product",
        "reference",
        "starts_on",
        "ends_on",
        "minimum_kg",
        "price_per_kg",
        "currency",
        "premium_per_kg",
        "fair_trade",
        "organic",
        "max_moisture_pct",
        "advance_pct",
        "status",
    ]

    def __init__(self, *args, cooperative, with_minimum=True, **kwargs):
        super().__init__(*args, cooperative=cooperative, **kwargs)
        self.fields["buyer"].queryset = Buyer.objects.filter(cooperative=cooperative)
        self.fields["buyer"].empty_label = _("Choose the buyer")
        self.fields["product"].queryset = Product.objects.filter(cooperative=cooperative)
        self.fields["product"].empty_label = _("Choose the product")
        self.fields["currency"].choices = currency_choices()
        self.fields["max_moisture_pct"].help_text = _(
            "Stricter than the co-op's own limit, if the buyer demands it. Leave blank otherwise."
        )
        if with_minimum:
            self.fields["minimum_kg"] = kg_field(
                _("Minimum kg per contract year"),
                required=False,
                help_text=_("The guaranteed volume, e.g. 10800. Amend it later from a date on."),
            )
            self.order_fields(self.field_order)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        pct = data.pop("advance_pct", None)
        data["advance_rate"] = None if pct is None else (pct / 100).quantize(Decimal("0.0001"))
        return data

    @staticmethod
    def initial_from(contract: Contract) -> dict:
        initial = {name: getattr(contract, name) for name in CONTRACT_FIELDS if name != "advance_rate"}
        initial["buyer"], initial["product"] = contract.buyer_id, contract.product_id
        if contract.advance_rate is not None:
            initial["advance_pct"] = (contract.advance_rate * 100).normalize()
        return initial


class ContractMinimumForm(forms.Form):
    effective_from = forms.DateField(
        label=_("From"),
        widget=DateInput(),
        help_text=_("Usually the first day of a contract year."),
    )
    minimum_kg = kg_field(_("Minimum kg per contract year"))


class ContractFilterForm(SearchForm):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=any_choice(Contract.Status.choices))
    buyer = forms.ModelChoiceField(
        label=_("Buyer"), required=False, queryset=Buyer.objects.none(), empty_label=_("All")
    )

    def limit_to(self, cooperative) -> None:
        self.fields["buyer"].queryset = Buyer.objects.filter(cooperative=cooperative).only("pk", "name")


# --- Shipments -----------------------------------------------------------------------------


def _contract_label(contract: Contract) -> str:
    return f"{contract.reference} · {contract.buyer.name}"


class ShipmentForm(ServiceModelForm):
    """A draft sale. With a contract, the buyer, product, price, currency and claims come
    from it; a different price or currency needs a reason (the service records who)."""

    class Meta(DecimalInputMeta):
        model = Shipment
        fields = SHIPMENT_FIELDS
        widgets = {
            "reference": forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
            "invoice_reference": forms.TextInput(attrs={"autocomplete": "off"}),
            "shipped_on": DateInput(),
            "price_override_reason": forms.TextInput(attrs={"autocomplete": "off"}),
        }

    field_order = [
        "contract",
        "buyer",
        "product",
        "reference",
        "shipped_on",
        "price_per_kg",
        "currency",
        "exchange_rate",
        "price_override_reason",
        "fair_trade",
        "organic",
        "invoice_reference",
    ]

    def __init__(self, *args, cooperative, **kwargs):
        super().__init__(*args, cooperative=cooperative, **kwargs)
        base = cooperative.base_currency
        fields = self.fields
        fields["contract"].queryset = (
            Contract.objects.filter(cooperative=cooperative)
            .exclude(status=Contract.Status.CANCELLED)
            .select_related("buyer", "product")
            .order_by("-starts_on", "reference")
        )
        fields["contract"].label_from_instance = _contract_label
        fields["contract"].empty_label = _("(none: a sale without a contract)")
        fields["contract"].help_text = _("Choosing a contract fills in its buyer, product, price and claims.")
        fields["buyer"].queryset = Buyer.objects.filter(cooperative=cooperative)
        fields["buyer"].required = False
        fields["buyer"].empty_label = _("Choose the buyer")
        fields["product"].queryset = Product.objects.filter(cooperative=cooperative)
        fields["product"].required = False
        fields["product"].empty_label = _("Choose the product")
        fields["price_per_kg"].required = False
        fields["price_per_kg"].help_text = _("Leave blank to use the contract's price.")
        fields["currency"] = forms.ChoiceField(
            label=_("Currency"),
            required=False,
            choices=currency_choices(blank_label=_("The contract's (or %(base)s)") % {"base": base}),
        )
        fields["exchange_rate"].required = False
        fields["exchange_rate"].help_text = _(
            "%(base)s per 1 unit of the sale's currency on the shipping date. "
            "Not needed for a sale in %(base)s."
        ) % {"base": base}
        fields["price_override_reason"].help_text = _(
            "Only when the price or currency differs from the contract's."
        )
        for name in ("fair_trade", "organic"):
            fields[name].help_text = _("A contract that requires the claim sets it.")
        self.order_fields(self.field_order)

    def clean(self):
        cleaned = super().clean()
        contract = cleaned.get("contract")
        # The contract's buyer and product are the defaults; a different one is the service's
        # to refuse, next to the field.
        if contract is not None:
            cleaned["buyer"] = cleaned.get("buyer") or contract.buyer
            cleaned["product"] = cleaned.get("product") or contract.product
        if cleaned.get("buyer") is None and "buyer" not in self.errors:
            self.add_error("buyer", _("Choose the buyer."))
        if cleaned.get("product") is None and "product" not in self.errors:
            self.add_error("product", _("Choose the product sold."))
        return cleaned

    def service_data(self) -> dict:
        return dict(self.cleaned_data)

    @staticmethod
    def terms_of(contract: Contract) -> dict:
        """What choosing `contract` puts in the form."""
        return {
            "contract": contract.pk,
            "buyer": contract.buyer_id,
            "product": contract.product_id,
            "price_per_kg": contract.price_per_kg.normalize(),
            "currency": contract.currency,
            "fair_trade": contract.fair_trade,
            "organic": contract.organic,
        }


class ShipmentFilterForm(SearchForm):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=any_choice(Shipment.Status.choices))
    buyer = forms.ModelChoiceField(
        label=_("Buyer"), required=False, queryset=Buyer.objects.none(), empty_label=_("All")
    )
    shipped_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    shipped_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def limit_to(self, cooperative) -> None:
        self.fields["buyer"].queryset = Buyer.objects.filter(cooperative=cooperative).only("pk", "name")


class MarkPaidForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())


class MarketYearForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)

    def __init__(self, data, *, years: list[int]):
        super().__init__(data)
        self.fields["year"].choices = [(year, year) for year in years]


# --- Allocations ---------------------------------------------------------------------------


class AllocationForm(forms.Form):
    """Lots ticked on the page (`lot`) and the kg typed for each (`kg-<id>`), plus a search.

    Replaces the draft's allocations as a whole. Kilograms beyond what a lot has left are
    pointed out here, on the lot's row; `shipment_confirm` decides for good, under locks.
    """

    q = forms.CharField(
        label=_("Find lots"),
        required=False,
        max_length=40,
        help_text=_("A lot code, or a family code."),
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, cooperative, **kwargs):
        super().__init__(*args, **kwargs)
        self.cooperative = cooperative
        self.allocations: list[tuple[Lot, Decimal]] = []
        self.row_errors: dict[int, list[str]] = {}

    def chosen(self) -> dict[int, str]:
        data = self.data if self.is_bound else {}
        picked = data.getlist("lot") if hasattr(data, "getlist") else []
        return {int(pk): data.get(f"kg-{pk}", "") for pk in picked if str(pk).isdigit()}

    def clean(self):
        cleaned = super().clean()
        chosen = self.chosen()
        lots = Lot.objects.filter(cooperative=self.cooperative).with_remaining().in_bulk(list(chosen))
        parse = DecimalInputField(
            max_digits=WEIGHT_DIGITS,
            decimal_places=WEIGHT_PLACES,
            validators=[MinValueValidator(Decimal("0.001"), _("Enter more than zero kilograms."))],
        )
        for pk, typed in chosen.items():
            lot = lots.get(pk)
            if lot is None:
                # Another co-op's lot, or a made-up id: as if it did not exist.
                raise ValidationError(_("A lot does not exist in this co-operative."))
            try:
                kg = parse.clean(typed)
            except ValidationError as error:
                self.row_errors[pk] = error.messages
                continue
            if kg > lot.remaining:
                self.row_errors[pk] = [_("Only %(left)s kg left.") % {"left": lot.remaining.normalize()}]
                continue
            self.allocations.append((lot, kg))
        if self.row_errors:
            raise ValidationError(_("Check the kilograms of the lots marked below."), code="row_kg")
        return cleaned
