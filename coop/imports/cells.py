"""Turning one cell of a CSV or XLSX row into a Python value, or a reason it cannot be.

A CSV cell is a string; an XLSX cell may already be a number, a date or a boolean. The
same column accepts both. Numbers take a decimal point or a Brazilian decimal comma
("20,5"); dates are ISO (2026-03-10) or Brazilian (10/03/2026).

A text cell that starts like a formula (=, +, -, @) is refused: imported text is exported
again later, and a spreadsheet would run it ("=HYPERLINK(...)", CSV injection).

Converters remember the values they have already read, because a file of barrels
repeats the same few weights, dates and percentages thousands of times.
"""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator
from django.utils import translation
from django.utils.translation import gettext as _

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CELL_TYPES = (str, int, float, Decimal, date, bool)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_BR_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_CACHE_LIMIT = 10_000  # distinct values remembered per column
TRUE_WORDS = {"yes", "y", "true", "1", "sim", "s", "x"}
FALSE_WORDS = {"no", "n", "false", "0", "não", "nao"}


class CellError(Exception):
    """The cell's value is not acceptable; the message says why."""


def is_blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _refuse_formula(raw) -> None:
    if not isinstance(raw, _CELL_TYPES):
        # openpyxl hands array and data-table formulas back as objects
        raise CellError(_("Formulas are not accepted: paste the values instead."))
    if isinstance(raw, str) and raw.startswith("="):
        raise CellError(_("Formulas are not accepted: paste the values instead."))


def text(raw, *, max_length: int | None = None) -> str:
    """A text cell, stripped; "" when blank."""
    if type(raw) is str:  # the common case, kept short: a CSV has nothing else
        value = raw.strip()
        if not value:
            return ""
    elif raw is None:
        return ""
    else:
        _refuse_formula(raw)
        if isinstance(raw, bool):
            raise CellError(_("Enter text, not TRUE or FALSE."))
        value = _number_text(raw)
    if value.startswith(FORMULA_STARTS):
        if value[0] == "=":
            raise CellError(_("Formulas are not accepted: paste the values instead."))
        raise CellError(_("Text may not start with =, +, - or @ (a spreadsheet would run it as a formula)."))
    if "\x00" in value:
        raise CellError(_("Text may not contain NUL characters."))
    if max_length is not None and len(value) > max_length:
        raise CellError(
            _("At most %(max)s characters (this has %(length)s).") % {"max": max_length, "length": len(value)}
        )
    return value


def _number_text(raw) -> str:
    # A code typed as a number in a spreadsheet (123) comes back as 123 or 123.0.
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, date):
        return raw.isoformat()
    return str(raw)


class DecimalColumn:
    """Numbers for one model field, checked against its digits and decimal places."""

    def __init__(self, model_field):
        # The field's own DecimalValidator: the same digits/places rule full_clean applies.
        self.validators = [v for v in model_field.validators if isinstance(v, DecimalValidator)]
        self.cache: dict = {}

    def __call__(self, raw) -> Decimal | None:
        if raw is None:
            return None
        if type(raw) is not str:  # XLSX numbers: nothing to remember (and True == 1 as a key)
            found = self._read(raw)
        else:
            try:
                found = self.cache[raw]
            except KeyError:
                if len(self.cache) > _CACHE_LIMIT:
                    self.cache.clear()
                found = self.cache[raw] = self._read(raw)
        if isinstance(found, CellError):
            raise found
        return found

    def _read(self, raw):
        try:
            value = self._parse(raw)
            if value is not None:
                for validator in self.validators:
                    validator(value)
            return value
        except CellError as error:
            return error
        except ValidationError as error:
            return CellError(" ".join(error.messages))

    @staticmethod
    def _parse(raw) -> Decimal | None:
        _refuse_formula(raw)
        if isinstance(raw, bool):
            raise CellError(_("Enter a number, e.g. 20.5 or 20,5."))
        if isinstance(raw, int | Decimal):
            return Decimal(raw)
        if isinstance(raw, float):
            return Decimal(repr(raw))  # the shortest text that is this float: 20.5, not 20.499999…
        if not isinstance(raw, str):
            raise CellError(_("Enter a number, e.g. 20.5 or 20,5."))
        value = raw.strip()
        if not value:
            return None
        if not _NUMBER.fullmatch(value):
            raise CellError(_("Enter a number, e.g. 20.5 or 20,5 (no thousands separators)."))
        try:
            return Decimal(value.replace(",", "."))
        except InvalidOperation:
            raise CellError(_("Enter a number, e.g. 20.5 or 20,5.")) from None


def integer(raw) -> int | None:
    if raw is None or isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    value = DecimalColumn._parse(raw)
    if value is None:
        return None
    if value != value.to_integral_value():
        raise CellError(_("Enter a whole number."))
    return int(value)


class DateColumn:
    def __init__(self):
        self.cache: dict = {}

    def __call__(self, raw) -> date | None:
        if raw is None:
            return None
        if type(raw) is not str:
            found = raw if type(raw) is date else self._read(raw)
        else:
            try:
                found = self.cache[raw]
            except KeyError:
                if len(self.cache) > _CACHE_LIMIT:
                    self.cache.clear()
                found = self.cache[raw] = self._read(raw)
        if isinstance(found, CellError):
            raise found
        return found

    @staticmethod
    def _read(raw):
        wrong = CellError(_("Enter a date as YYYY-MM-DD or DD/MM/YYYY."))
        try:
            _refuse_formula(raw)
        except CellError as error:
            return error
        if isinstance(raw, datetime):
            return CellError(_("Enter a date without a time."))
        if not isinstance(raw, str):
            return wrong
        value = raw.strip()
        if not value:
            return None
        try:
            if _ISO_DATE.fullmatch(value):
                return date.fromisoformat(value)
            match = _BR_DATE.fullmatch(value)
            if match:
                day, month, year = (int(part) for part in match.groups())
                return date(year, month, day)
        except ValueError:
            return CellError(_("This date does not exist."))
        return wrong


def boolean(raw) -> bool | None:
    """Yes/no in English or Portuguese, or an XLSX TRUE/FALSE; None when blank."""
    if raw is None or isinstance(raw, bool):
        return raw
    if raw == "":
        return None
    _refuse_formula(raw)
    value = str(raw).strip().lower()
    if not value:
        return None
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise CellError(_("Enter yes or no (sim or não)."))


class ChoiceColumn:
    """A TextChoices value, given as its value or its label (English or Portuguese)."""

    def __init__(self, choices, *, allowed=None):
        self.values = {}
        allowed = set(allowed or choices.values)
        for value, label in choices.choices:
            if value not in allowed:
                continue
            self.values[value.lower()] = value
            for language in ("en", "pt-br"):
                with translation.override(language):
                    self.values[str(label).lower()] = value
        self.hint = ", ".join(v for v in choices.values if v in allowed)

    def __call__(self, raw) -> str:
        found = self.values.get(raw) if type(raw) is str else None
        if found is not None:  # the value exactly as written: "barrel"
            return found
        if raw is None:
            return ""
        _refuse_formula(raw)
        value = str(raw).strip()
        if not value:
            return ""
        try:
            return self.values[value.lower()]
        except KeyError:
            raise CellError(
                _("“%(value)s” is not one of: %(choices)s.") % {"value": value[:50], "choices": self.hint}
            ) from None
