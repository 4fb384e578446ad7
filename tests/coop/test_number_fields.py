"""Every kg, money and percentage input of the pages is a DecimalInputField (coop.numbers)."""

from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from chain import forms as chain_forms
from coop.forms import people as people_forms
from coop.forms import production as production_forms
from coop.forms import products as product_forms
from coop.forms.numbers import DecimalInput, DecimalInputField
from upgrading.forms import advances, premium, settlements

FORMS = [
    production_forms.BarrelForm,
    production_forms.PurchaseForm,
    production_forms.BatchForm,
    chain_forms.ContractForm,
    chain_forms.ContractMinimumForm,
    chain_forms.ShipmentForm,
    advances.SeasonForm,
    settlements.SettlementForm,
    settlements.CostForm,
    premium.AllocationForm,
    premium.SpendForm,
    people_forms.AssociationForm,
    people_forms.FamilyForm,
    product_forms.ProductRangesForm,
]


@pytest.mark.parametrize("form_class", FORMS, ids=lambda f: f.__name__)
def test_every_decimal_field_parses_like_people_write(form_class):
    decimals = {n: f for n, f in form_class.base_fields.items() if isinstance(f, forms.DecimalField)}
    assert decimals, "a form listed here has decimal fields"
    for name, field in decimals.items():
        assert isinstance(field, DecimalInputField), name
        assert isinstance(field.widget, DecimalInput), name
        attrs = field.widget.get_context(name, None, {})["widget"]["attrs"]
        assert field.widget.input_type == "text" and attrs["inputmode"] == "decimal", name


def test_the_minimum_added_on_creation_is_one_too(coop_a):
    form = chain_forms.ContractForm(cooperative=coop_a)
    assert isinstance(form.fields["minimum_kg"], DecimalInputField)


@pytest.mark.parametrize(
    "typed, expected",
    [("20,4", "20.4"), ("20.4", "20.4"), ("1.234,5", "1234.5"), ("1234,5", "1234.5"), (" 7 ", "7")],
)
def test_the_field_reads_both_forms(typed, expected):
    field = DecimalInputField(max_digits=12, decimal_places=3, label="Net kg")
    assert field.clean(typed) == Decimal(expected)


def test_the_field_still_checks_places_digits_and_range():
    field = DecimalInputField(
        max_digits=5, decimal_places=2, min_value=Decimal("0"), max_value=Decimal("100")
    )
    for typed in ("18,555", "1000", "100,5"):
        with pytest.raises(forms.ValidationError):
            field.clean(typed)


def test_coordinates_may_be_negative():
    field = people_forms.FamilyForm.base_fields["latitude"]
    assert field.clean("-7,853") == Decimal("-7.853")
    with pytest.raises(forms.ValidationError):
        DecimalInputField(max_digits=6, decimal_places=2).clean("-7,85")


def test_values_are_shown_in_the_pages_language():
    widget = DecimalInput()
    with translation.override("pt-br"):
        assert widget.format_value(Decimal("20.400")) == "20,4"
    with translation.override("en"):
        assert widget.format_value(Decimal("20.400")) == "20.4"
        assert widget.format_value(Decimal("1.234")) == "1.2340"
    assert widget.format_value("20,4 typed") == "20,4 typed"
