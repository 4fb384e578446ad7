"""Weights, money and percentages written the way the reader's language writes them.

`{{ lot.net_kg|kg }}` → "1.234,5 kg" in Portuguese, "1,234.5 kg" in English;
`{{ lot.amount_paid|money:lot.currency }}` → "R$ 1.234,56" / "R$1,234.56". Babel knows
each locale's separators and currency symbols; nothing is rounded here beyond display.
"""

from decimal import Decimal

from babel.numbers import format_currency, format_decimal
from django import template
from django.utils.translation import get_language, to_locale

from coop.numbers import format_for_input

register = template.Library()


def _locale() -> str:
    return to_locale(get_language() or "pt-br")


@register.filter
def kg(value) -> str:
    """Kilograms with up to 3 decimals, trailing zeros dropped, and the unit."""
    if value is None or value == "":
        return "—"
    return f"{format_decimal(Decimal(value), format='#,##0.###', locale=_locale())}\u00a0kg"


@register.filter
def number(value, places: int = 3) -> str:
    """A bare number with up to `places` decimals (for tables whose heading says the unit)."""
    if value is None or value == "":
        return "—"
    pattern = "#,##0." + "#" * int(places) if int(places) else "#,##0"
    return format_decimal(Decimal(value), format=pattern, locale=_locale())


@register.filter
def money(value, currency: str = "BRL") -> str:
    """An amount in `currency`, with its symbol and exactly its usual decimals."""
    if value is None or value == "":
        return "—"
    return format_currency(Decimal(value), currency or "BRL", locale=_locale())


@register.filter
def unit_price(value, currency: str = "BRL") -> str:
    """A price per kg: the currency's decimals, or more when the price has them (R$ 2,3750)."""
    if value is None or value == "":
        return "—"
    value = Decimal(value).normalize()
    places = max(2, -value.as_tuple().exponent)
    pattern = "¤\u00a0#,##0." + "0" * places if _locale().startswith("pt") else "¤#,##0." + "0" * places
    return format_currency(value, currency or "BRL", format=pattern, locale=_locale(), currency_digits=False)


@register.filter
def pct(value) -> str:
    """A percentage with up to 2 decimals: "18,5 %" is written "18,5%" in both languages."""
    if value is None or value == "":
        return "—"
    return f"{format_decimal(Decimal(value), format='#,##0.##', locale=_locale())}%"


@register.filter
def input_decimal(value) -> str:
    """A decimal as an <input type="number"> wants it: a dot, no grouping, no trailing zeros."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)  # what was typed, shown back as typed
    if not number.is_finite():
        return str(value)
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def typed_decimal(value) -> str:
    """A decimal as a text input shows it for editing ("20,4" in Portuguese): see coop.numbers.

    What the user typed (a string) comes back exactly as typed.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    return format_for_input(value, language=get_language() or "")
