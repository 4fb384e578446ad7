"""Indicators in the reader's language: names, values with their unit, periods.

`{{ indicator|indicator_name }}` → the Portuguese or English name;
`{{ entry.value|indicator_value:entry.unit }}` → "41,5%", "R$ 1.234,56", "3", "120 ha";
`{{ entry|period_label }}` → "2025", "mar. 2025" or "01/03/2025 – 15/04/2025".
"""

import datetime
from decimal import Decimal

from django import template
from django.utils import formats
from django.utils.translation import get_language

from coop.templatetags.units import money, number, pct

register = template.Library()
CURRENCY_LENGTH = 3


def _portuguese() -> bool:
    return (get_language() or "pt-br").startswith("pt")


@register.filter
def indicator_name(indicator) -> str:
    return indicator.name_pt_br if _portuguese() and indicator.name_pt_br else indicator.name_en


@register.filter
def indicator_description(indicator) -> str:
    if _portuguese() and indicator.description_pt_br:
        return indicator.description_pt_br
    return indicator.description_en


@register.filter
def indicator_value(value, unit: str = "") -> str:
    """A value with its unit, as the reader writes numbers."""
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    if unit == "%":
        return pct(value)
    if len(unit) == CURRENCY_LENGTH and unit.isupper():
        return money(value, unit)
    if unit == "count":
        return number(value, 0) if value == value.to_integral_value() else number(value, 4)
    shown = number(value, 4)
    return f"{shown}\u00a0{unit}" if unit and unit != "ratio" else shown


@register.filter
def signed_change(value, unit: str = "") -> str:
    """+3,5 p.p. / −120,00: the change since the previous period."""
    if value is None:
        return "—"
    value = Decimal(value)
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    shown = indicator_value(abs(value), unit)
    if unit == "%":
        shown = shown.rstrip("%") + "\u00a0p.p."
    return f"{sign}{shown}"


def period_text(period_from: datetime.date, period_to: datetime.date) -> str:
    if (period_from.month, period_from.day, period_to.month, period_to.day) == (1, 1, 12, 31) and (
        period_from.year == period_to.year
    ):
        return str(period_from.year)
    next_day = period_to + datetime.timedelta(days=1)
    if (
        period_from.day == 1
        and next_day.day == 1
        and (period_from.year, period_from.month)
        == (
            period_to.year,
            period_to.month,
        )
    ):
        return formats.date_format(period_from, "YEAR_MONTH_FORMAT")
    short = "SHORT_DATE_FORMAT"
    return f"{formats.date_format(period_from, short)} – {formats.date_format(period_to, short)}"


@register.filter
def period_label(entry) -> str:
    return period_text(entry.period_from, entry.period_to)


@register.filter
def short_hash(value: str) -> str:
    return f"{value[:12]}…" if value else ""
