"""Forms of the production pages: recording deliveries, batches, and the lot list filter.

Business rules (weights, moisture, dates, family status, unique codes) are the
services' to decide: these forms parse numbers and dates and offer the co-op's rows.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from coop import selectors
from coop.forms.base import DateInput, SearchForm, any_choice
from coop.forms.numbers import DecimalInputField
from coop.forms.widgets import PickerField
from coop.models import Association, Family, Lot, Product
from coop.services.production import COLLECTION_POINTS
from coop.templatetags.units import pct
from coop.units import WEIGHT_DIGITS, WEIGHT_PLACES


def _kg_field(label, *, required=True, help_text=""):
    # Whole barrels are typed as "20", partial ones as "19,5" or "19.5": the phone shows a number pad.
    return DecimalInputField(
        label=label,
        required=required,
        max_digits=WEIGHT_DIGITS,
        decimal_places=WEIGHT_PLACES,
        help_text=help_text,
    )


def setup_family_picker(field: PickerField, *, user, cooperative) -> None:
    families = Family.objects.filter(cooperative=cooperative)
    field.setup(
        queryset=families.select_related("association"),
        exact=lambda text: families.filter(code__iexact=text).select_related("association").first(),
        search=lambda text: selectors.family_search(user=user, cooperative=cooperative, query=text),
        search_url=reverse("family_search", kwargs={"slug": cooperative.slug}),
        match_template="coop/widgets/_family_match.html",
    )


class DeliveryForm(forms.Form):
    """What staff type when a family delivers: a honey barrel or a nut purchase.

    `more_fields` are the rarely used ones, folded away on a phone.
    """

    kind: str = ""
    more_fields: tuple[str, ...] = ()

    family = PickerField(label=_("Family"), help_text=_("Type the family's code or part of its name."))
    net_kg = _kg_field(_("Net kg"))
    collected_on = forms.DateField(label=_("Date"), widget=DateInput())
    association = forms.ModelChoiceField(
        label=_("Collection point"), queryset=Association.objects.none(), required=False
    )
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    code = forms.CharField(
        label=_("Lot code"),
        required=False,
        max_length=40,
        help_text=_("The code on the label, if it has one. Leave blank to number it automatically."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    # Shown only once the service found an unusual value (coop.plausibility): ticking it
    # confirms the values shown then, carried in `unusual_seen`; changed values ask again.
    confirm_unusual = forms.BooleanField(label=_("I confirm the value is correct"), required=False)
    unusual_seen = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    CONFIRMATION_FIELDS = ("confirm_unusual", "unusual_seen")
    PLAUSIBILITY_FIELDS = ("net_kg", "moisture_pct", "price_per_kg")

    def __init__(self, *args, cooperative, user, **kwargs):
        super().__init__(*args, **kwargs)
        setup_family_picker(self.fields["family"], user=user, cooperative=cooperative)
        # Deliveries are of raw products (honey, nuts), never of what a batch makes.
        self.fields["product"].queryset = Product.objects.filter(cooperative=cooperative, made_from=None)
        self.fields["product"].empty_label = None
        points = Association.objects.filter(cooperative=cooperative)
        if self.kind in COLLECTION_POINTS:
            points = points.filter(kind__in=COLLECTION_POINTS[self.kind])
        self.fields["association"].queryset = points
        self.fields["association"].empty_label = _("(none)")

    def main_fields(self):
        return [
            field
            for field in self.visible_fields()
            if field.name not in self.more_fields and field.name not in self.CONFIRMATION_FIELDS
        ]

    def extra_fields(self):
        return [field for field in self.visible_fields() if field.name in self.more_fields]

    def extra_has_errors(self) -> bool:
        return any(self[name].errors for name in self.more_fields)

    def _values_signature(self) -> str:
        """The values a confirmation is about, as text (what was shown when it was asked)."""
        data = self.cleaned_data
        return "|".join(str(data.get(name, "")) for name in self.PLAUSIBILITY_FIELDS)

    @property
    def asks_confirmation(self) -> bool:
        return bool(self.data.get("unusual_seen")) or "confirm_unusual" in self.errors

    def ask_confirmation(self) -> None:
        """After the service found unusual values: show the checkbox, for these values."""
        self.data = self.data.copy()
        self.data["unusual_seen"] = self._values_signature()
        self.data.pop("confirm_unusual", None)  # an earlier tick was for other values

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        seen = data.pop("unusual_seen", "")
        data["confirm_unusual"] = bool(data.get("confirm_unusual")) and seen == self._values_signature()
        return data


class BarrelForm(DeliveryForm):
    kind = Lot.Kind.BARREL
    more_fields = ("code", "harvested_on", "gross_kg", "notes")
    field_order = [
        "family",
        "net_kg",
        "moisture_pct",
        "collected_on",
        "association",
        "product",
        "code",
        "harvested_on",
        "gross_kg",
        "notes",
    ]

    moisture_pct = DecimalInputField(
        label=_("Moisture (%)"),
        error_messages={"required": _("Measure the honey's moisture before recording the barrel.")},
        max_digits=8,  # wider than the column, so "101" reaches the service's own message
        decimal_places=2,
    )
    harvested_on = forms.DateField(label=_("Harvested on"), required=False, widget=DateInput())
    gross_kg = _kg_field(_("Gross kg"), required=False, help_text=_("With the barrel."))

    def __init__(self, *args, cooperative, **kwargs):
        super().__init__(*args, cooperative=cooperative, **kwargs)
        self.fields["moisture_pct"].help_text = _(
            "Refractometer reading. Above %(limit)s the barrel is recorded as rejected."
        ) % {"limit": pct(cooperative.moisture_limit_pct)}


class PurchaseForm(DeliveryForm):
    kind = Lot.Kind.NUT_PURCHASE
    more_fields = ("code", "notes")
    field_order = [
        "family",
        "net_kg",
        "price_per_kg",
        "collected_on",
        "association",
        "product",
        "code",
        "notes",
    ]

    price_per_kg = DecimalInputField(
        label=_("Price per kg"),
        max_digits=12,
        decimal_places=4,
        help_text=_("Paid to the family on the spot, in the co-op's currency."),
    )


class OtherDeliveryForm(DeliveryForm):
    """Anything else a family brings (propolis, wax, ...): weighed, nothing more required."""

    kind = Lot.Kind.DELIVERY
    more_fields = ("code", "harvested_on", "gross_kg", "notes")
    field_order = [
        "family",
        "net_kg",
        "product",
        "collected_on",
        "association",
        "code",
        "harvested_on",
        "gross_kg",
        "notes",
    ]

    harvested_on = forms.DateField(label=_("Harvested on"), required=False, widget=DateInput())
    gross_kg = _kg_field(_("Gross kg"), required=False)

    def __init__(self, *args, cooperative, **kwargs):
        super().__init__(*args, cooperative=cooperative, **kwargs)
        # Only the products delivered this way (or that do not say).
        self.fields["product"].queryset = self.fields["product"].queryset.filter(
            delivered_as__in=["", Lot.Kind.DELIVERY]
        )


class RejectForm(forms.Form):
    rejection_reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Say why, e.g. fermented, foreign matter, wrong product."),
    )


# --- Lot list filter ---------------------------------------------------------------------


class LotFilterForm(SearchForm):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=any_choice(Lot.Kind.choices))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=any_choice(Lot.Status.choices))
    product = forms.ModelChoiceField(
        label=_("Product"), required=False, queryset=Product.objects.none(), empty_label=_("All")
    )
    family = forms.CharField(
        label=_("Family code"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    collected_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    collected_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    q = forms.CharField(
        label=_("Lot code"),
        required=False,
        max_length=40,
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, data, *, cooperative):
        self.cooperative = cooperative
        super().__init__(data, cooperative=cooperative)

    def limit_to(self, cooperative) -> None:
        self.fields["product"].queryset = Product.objects.filter(cooperative=cooperative).only("pk", "name")

    def clean_family(self):
        # A family is given by its code; another co-op's code finds nothing here.
        code = self.cleaned_data["family"].strip()
        if not code:
            return None
        family = Family.objects.filter(cooperative=self.cooperative, code__iexact=code).first()
        if family is None:
            raise ValidationError(_("No family has this code."))
        return family


# --- Batches -------------------------------------------------------------------------------


class BatchForm(forms.Form):
    """An output product, its kg and date; the inputs are rows of the page (`lot`, `kg-<id>`)."""

    product = forms.ModelChoiceField(label=_("Output product"), queryset=Product.objects.none())
    q = forms.CharField(
        label=_("Find input lots"),
        required=False,
        max_length=40,
        help_text=_("A lot code, or a family code."),
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )
    net_kg = _kg_field(_("Output net kg"))
    collected_on = forms.DateField(label=_("Production date"), widget=DateInput())
    association = forms.ModelChoiceField(
        label=_("Where"), queryset=Association.objects.none(), required=False
    )
    code = forms.CharField(
        label=_("Batch code"),
        required=False,
        max_length=40,
        help_text=_("Leave blank to number it automatically."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, cooperative, **kwargs):
        super().__init__(*args, **kwargs)
        self.cooperative = cooperative
        products = Product.objects.filter(cooperative=cooperative).select_related("made_from")
        self.fields["product"].queryset = products
        self.fields["product"].empty_label = _("Choose the product made")
        self.fields["product"].label_from_instance = _product_label
        self.fields["association"].queryset = Association.objects.filter(
            cooperative=cooperative,
            kind__in=[Association.Kind.PRODUCTION_CENTRE, Association.Kind.HONEY_ROOM],
        )
        self.fields["association"].empty_label = _("(none)")
        self.inputs: list[tuple[Lot, Decimal]] = []
        self.input_errors: dict[int, list[str]] = {}

    def chosen(self) -> dict[int, str]:
        """The rows ticked on the page and the kg typed for each, as typed."""
        data = self.data if self.is_bound else {}
        picked = data.getlist("lot") if hasattr(data, "getlist") else []
        return {int(pk): data.get(f"kg-{pk}", "") for pk in picked if str(pk).isdigit()}

    def clean(self):
        cleaned = super().clean()
        chosen = self.chosen()
        if not chosen:
            raise ValidationError(_("Tick at least one input lot."), code="no_inputs")
        lots = Lot.objects.filter(cooperative=self.cooperative).in_bulk(list(chosen))
        parse = DecimalInputField(max_digits=WEIGHT_DIGITS, decimal_places=WEIGHT_PLACES)
        for pk, typed in chosen.items():
            lot = lots.get(pk)
            if lot is None:
                # Another co-op's lot, or a made-up id: as if it did not exist.
                raise ValidationError(_("An input lot does not exist in this co-operative."))
            try:
                kg = parse.clean(typed)
            except ValidationError as error:
                self.input_errors[pk] = error.messages
                continue
            self.inputs.append((lot, kg))
        if self.input_errors:
            raise ValidationError(_("Check the kilograms of the input lots marked below."), code="input_kg")
        return cleaned


def _product_label(product: Product) -> str:
    if product.made_from_id:
        return _("%(name)s (from %(input)s)") % {"name": product.name, "input": product.made_from.name}
    return product.name
