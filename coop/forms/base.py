"""What every form of the co-op pages shares: service errors, date inputs, list filters.

A form's cleaned data is passed as is to one service (`coop.services`); whatever the
service refuses comes back as a `ValidationError` that `add_service_errors` puts next
to the field it names. Choice fields only offer rows of the co-op being edited.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SEARCH_MAX_LENGTH = 100


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: by field where it names one."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


class DateInput(forms.DateInput):
    # The browser's date picker sends and expects ISO dates whatever the language.
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


# --- List filters: every value is checked, an invalid one is simply ignored. ----------


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, data, *, cooperative):
        super().__init__(data)
        self.limit_to(cooperative)
        self.is_valid()

    def limit_to(self, cooperative) -> None:
        """Narrow choice fields to `cooperative` (before validation, so a forged id is refused)."""

    @property
    def refined(self) -> bool:
        """A filter other than the search box is in use: the folded filters show open."""
        return any(self.data.get(name) for name in self.fields if name != "q")

    def value(self, name):
        # Fields that failed validation are absent from cleaned_data: they do not filter.
        return self.cleaned_data.get(name) or None


def any_choice(choices):
    return [("", _("All")), *choices]
