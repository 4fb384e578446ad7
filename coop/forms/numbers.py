"""The form field for every kg, money and percentage typed in the pages.

`DecimalInputField` reads "20,4" and "20.4" alike and refuses what could mean two
numbers (the rules: `coop.numbers`). Its input is `type="text"` with
`inputmode="decimal"`: phones show the numeric keypad, and the comma survives (a
`type="number"` input drops or refuses it on many Android keyboards and browsers).
Values come back in the form of the page's language: "20,4" in pt-BR, "20.4" in English.
"""

from decimal import Decimal

from django import forms
from django.db import models
from django.utils.translation import get_language

from coop.numbers import format_for_input, parse_decimal


class DecimalInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
            return format_for_input(value, language=get_language() or "")
        return super().format_value(value)


class DecimalInputField(forms.DecimalField):
    """A DecimalField (max_digits, decimal_places, min/max checks) that parses like people write.

    Negatives are refused unless `allow_negative=True` or `min_value` is below zero
    (latitudes and longitudes, in Brazil mostly negative).
    """

    widget = DecimalInput

    def __init__(self, *, allow_negative: bool | None = None, **kwargs):
        super().__init__(**kwargs)
        if allow_negative is None:
            allow_negative = self.min_value is not None and self.min_value < 0
        self.allow_negative = allow_negative

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        number = parse_decimal(str(value), allow_negative=self.allow_negative, label=str(self.label or ""))
        if number is None:
            return None
        if not number.is_finite():  # pragma: no cover - the parser never makes one
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number

    def widget_attrs(self, widget):
        # Not DecimalField's step/min/max: they belong to type="number", which this is not.
        return forms.Field.widget_attrs(self, widget)


def decimal_formfield(db_field: models.Field, **kwargs):
    """`formfield_callback` of model forms: their decimal columns become DecimalInputFields."""
    if isinstance(db_field, models.DecimalField):
        widget = kwargs.get("widget")
        if widget is None or isinstance(widget, forms.NumberInput) or widget is forms.NumberInput:
            kwargs["widget"] = DecimalInput
        return db_field.formfield(form_class=DecimalInputField, **kwargs)
    return db_field.formfield(**kwargs)


class DecimalInputMeta:
    """Inherit a model form's Meta from this: its decimal columns become DecimalInputFields."""

    formfield_callback = decimal_formfield
