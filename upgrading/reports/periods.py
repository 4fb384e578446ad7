"""Report periods as people type them: a year ("2025"), a month ("2025-11") or a range of
days ("2025-01-01..2025-06-30", both ends inclusive).

The label is kept as typed (normalised), because it is part of a report's identity:
"2025" and "2025-01-01..2025-12-31" cover the same days but are different reports.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

YEAR = re.compile(r"^(\d{4})$")
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
MIN_YEAR, MAX_YEAR = 1900, 2999
MAX_DAYS = 3 * 366 + 1  # a pack covers at most about three years


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime.date
    end: datetime.date

    def __str__(self):
        return self.label

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_of(self, today: datetime.date) -> datetime.date:
        """The day a check looks from: the period's last day, or today if that is earlier."""
        return min(self.end, today)


def _refuse(message: str, field: str):
    raise ValidationError({field: message})


def _year(text: str, field: str) -> int:
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        _refuse(_("Use a year between %(low)d and %(high)d.") % {"low": MIN_YEAR, "high": MAX_YEAR}, field)
    return year


def parse_period(value, *, field: str = "period") -> Period:
    """`value` as a Period; anything else is a ValidationError naming `field`."""
    if not isinstance(value, str):
        _refuse(_("Give the period as text, e.g. 2025, 2025-11 or 2025-01-01..2025-06-30."), field)
    text = value.strip()
    if "\x00" in text:
        _refuse(_("Text may not contain NUL characters."), field)
    if match := YEAR.match(text):
        year = _year(match[1], field)
        return Period(f"{year:04d}", datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    if match := MONTH.match(text):
        year, month = _year(match[1], field), int(match[2])
        if not 1 <= month <= 12:
            _refuse(_("A month is 1 to 12."), field)
        last = calendar.monthrange(year, month)[1]
        return Period(
            f"{year:04d}-{month:02d}", datetime.date(year, month, 1), datetime.date(year, month, last)
        )
    if match := RANGE.match(text):
        try:
            start, end = (datetime.date.fromisoformat(part) for part in (match[1], match[2]))
        except ValueError:
            _refuse(_("One of the dates does not exist."), field)
        for day in (start, end):
            _year(str(day.year), field)
        if end < start:
            _refuse(_("The period ends before it starts."), field)
        if (end - start).days + 1 > MAX_DAYS:
            _refuse(_("A period covers at most three years."), field)
        return Period(f"{start.isoformat()}..{end.isoformat()}", start, end)
    _refuse(_("Write the period as 2025, 2025-11 or 2025-01-01..2025-06-30."), field)


def previous_month(today: datetime.date) -> Period:
    last = today.replace(day=1) - datetime.timedelta(days=1)
    return parse_period(f"{last.year:04d}-{last.month:02d}")


def previous_year(today: datetime.date) -> Period:
    return parse_period(f"{today.year - 1:04d}")
