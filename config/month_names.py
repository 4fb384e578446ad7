"""Month names as Portuguese writes them inside a date: in lower case.

Django's pt_BR catalogue capitalises the month names ("4 de Dezembro de 2026"); Portuguese
writes "4 de dezembro de 2026". The project's catalogue (LOCALE_PATHS, which Django reads
before its own) translates the same messages in lower case: the full names the `F` date
format uses (DATE_FORMAT, DATETIME_FORMAT, YEAR_MONTH_FORMAT) and their "alt. month"
forms (`E`). They are marked here only so that `makemessages` keeps them.
"""

from django.utils.translation import gettext_noop, pgettext_lazy

MONTHS = (
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
)
MONTHS_ALT = (
    pgettext_lazy("alt. month", "January"),
    pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"),
    pgettext_lazy("alt. month", "April"),
    pgettext_lazy("alt. month", "May"),
    pgettext_lazy("alt. month", "June"),
    pgettext_lazy("alt. month", "July"),
    pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"),
    pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"),
    pgettext_lazy("alt. month", "December"),
)
