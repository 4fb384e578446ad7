"""Decimal numbers typed by people, and written back for them to edit.

Staff type "20,4" (kg), "18,5" (%) and "3,20" (R$/kg) the way Brazilians write them; a
phone's keypad or an English speaker gives "20.4". Both must mean the same number, and a
value that could mean two numbers must be refused, never guessed: "1.234" read the wrong
way turns a 1,234 kg purchase into 1.234 kg, or a price of 1,234 into 1234.

The rules (the offline page's JavaScript copy mirrors them; docs/numbers.md too):

1. Spaces around the value (also no-break spaces) are ignored. Empty → no value.
2. Refused outright: more than MAX_LENGTH characters; a NUL or any other control
   character; anything but digits, one leading sign, "." and "," (letters, "R$", "kg",
   "%", spaces inside: "Type only digits and a comma").
3. A leading "-" (or the minus sign U+2212) is a negative number, refused unless the
   field allows negatives; a leading "+" is ignored.
4. A comma is only ever the decimal separator, and there is at most one: "20,4" = 20.4,
   "1234,56" = 1234.56. Two commas ("1,234,567", English grouping) are refused.
5. Dots before a comma group thousands, pt-BR style: "1.234,56" = 1234.56. The groups
   must be well formed: 1 to 3 digits, then groups of exactly 3 ("12.34,5" is refused).
6. A comma before a dot ("1,234.5", English grouping) is refused: it is the same
   characters in the other order, and guessing is what this module exists not to do.
7. Without a comma, one dot is a decimal point ("20.4", "0.500", "1234.5") except when
   it could also be a thousands separator: 1 to 3 digits not starting with 0, a dot,
   exactly 3 digits ("1.234", "20.400"). That is AMBIGUOUS and refused with both
   readings offered ("write 1234 or 1,234").
8. Without a comma, several dots are thousands groups ("1.234.567" = 1234567), well
   formed as in rule 5; otherwise refused.
9. There are digits on both sides of a decimal separator: ",5" and "20," are refused
   ("write 0,5" / "write 20").
10. The number keeps exactly the digits typed (Decimal, never float); places and size
    are the form field's to check (max_digits, decimal_places, min/max values).

Writing back (`format_for_input`): pt-BR shows "1234,5" (decimal comma, no grouping, so
what is shown is what one would type); other languages show the plain form "1234.5",
except that a value that rule 7 would find ambiguous gets a fourth decimal ("1.2340"),
so a form sent back unchanged always parses to the same number.
"""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_LENGTH = 40  # far more than any kg, price or percentage; a pasted page is refused

_ALLOWED = re.compile(r"^[0-9.,]+$")
_GROUPED = re.compile(r"^[1-9][0-9]{0,2}(\.[0-9]{3})+$")  # 1.234 / 12.345.678
_AMBIGUOUS = re.compile(r"^[1-9][0-9]{0,2}\.[0-9]{3}$")  # 1.234: grouping or decimals?
_MINUS_SIGNS = ("-", "\u2212")
_SPACES = " \t\u00a0\u202f"
AMBIGUOUS_MESSAGE = gettext_lazy(
    "“%(text)s” could be read two ways: write %(thousands)s for thousands or %(decimal)s for decimals."
)


def _error(message: str, code: str, label: str, **params) -> ValidationError:
    text = message % params if params else message
    if label:
        # "Net kg: ..." names the field wherever the message ends up (a form, an import row).
        text = _("%(field)s: %(problem)s") % {"field": label, "problem": text}
    return ValidationError(text, code=code)


def parse_decimal(text: str, *, allow_negative: bool = False, label: str = "") -> Decimal | None:
    """The number `text` means under the rules of this module's docstring, or None if blank.

    Raises ValidationError (its message names `label` when given) for anything refused.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        text = str(text)
    if len(text) > MAX_LENGTH:
        raise _error(_("this is too long to be a number."), "too_long", label)
    text = text.strip(_SPACES)
    if not text:
        return None
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        raise _error(_("type only digits and a comma, e.g. 20,4."), "invalid", label)
    negative = text[0] in _MINUS_SIGNS
    if negative or text[0] == "+":
        text = text[1:]
    if not text or not _ALLOWED.match(text) or not any(char.isdigit() for char in text):
        raise _error(_("type only digits and a comma, e.g. 20,4."), "invalid", label)

    normalized = _normalize(text, label)
    if negative and not allow_negative:
        raise _error(_("cannot be negative."), "negative", label)
    try:
        number = Decimal(("-" if negative else "") + normalized)
    except InvalidOperation:  # pragma: no cover - the patterns above let only digits through
        raise _error(_("type only digits and a comma, e.g. 20,4."), "invalid", label) from None
    return number


def _normalize(text: str, label: str) -> str:
    """Digits with at most one "." as the decimal point, from the typed separators."""
    commas, dots = text.count(","), text.count(".")
    if commas > 1:
        raise _error(
            _("use the comma only for decimals, once (e.g. 1234,5 or 1.234,5)."), "two_commas", label
        )
    if commas == 1:
        whole, _sep, fraction = text.partition(",")
        if "." in fraction:
            # "1,234.5": English grouping, or two separators in the wrong order.
            raise _error(
                _("“%(text)s” mixes comma and dot the English way; write 1234,5 or 1.234,5."),
                "wrong_order",
                label,
                text=text,
            )
        if dots and not _GROUPED.match(whole):
            raise _error(
                _("dots group thousands in threes (1.234,5); write it without dots."),
                "bad_grouping",
                label,
            )
        return _decimal_parts(whole.replace(".", ""), fraction, ",", label)
    if dots == 0:
        return text
    if dots > 1:
        if not _GROUPED.match(text):
            raise _error(_("only one decimal point: write 1234.5 or 1234,5."), "bad_grouping", label)
        return text.replace(".", "")
    if _AMBIGUOUS.match(text):
        whole, _sep, fraction = text.partition(".")
        raise _error(
            str(AMBIGUOUS_MESSAGE),
            "ambiguous",
            label,
            text=text,
            thousands=whole + fraction,
            decimal=f"{whole},{fraction}",
        )
    whole, _sep, fraction = text.partition(".")
    return _decimal_parts(whole, fraction, ".", label)


def _decimal_parts(whole: str, fraction: str, separator: str, label: str) -> str:
    if not whole:
        raise _error(_("write a 0 before the %(sep)s, e.g. 0%(sep)s5."), "no_whole", label, sep=separator)
    if not fraction:
        raise _error(
            _("nothing after the %(sep)s: write %(whole)s."), "no_fraction", label, sep=separator, whole=whole
        )
    return f"{whole}.{fraction}"


def _plain(value: Decimal) -> str:
    """Digits and a point, never an exponent: Decimal("1E+3") → "1000"."""
    text = format(value, "f")
    return text


def format_for_input(value, *, language: str = "") -> str:
    """`value` as a person would type it back (see the module docstring's last part).

    Trailing zeros are dropped (20.400 kg → "20,4"); nothing else is rounded.
    """
    if value is None or value == "":
        return ""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        return str(value)
    text = _plain(number)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if language.lower().startswith("pt"):
        return text.replace(".", ",")
    unsigned = text.lstrip("-")
    if _AMBIGUOUS.match(unsigned):
        text += "0"  # "1.234" could be read as 1234; "1.2340" cannot
    return text


def format_pt_br(value: Decimal, *, grouping: bool = True) -> str:
    """`value` written the pt-BR way with every digit kept: "1.234,56", or "1234,56"."""
    text = _plain(value)
    sign = "-" if text.startswith("-") else ""
    whole, _sep, fraction = text.lstrip("-").partition(".")
    if grouping:
        whole = f"{int(whole):,}".replace(",", ".")
    return sign + whole + ("," + fraction if fraction else "")
