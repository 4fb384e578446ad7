"""The picker: choose one row among thousands by typing its code or name.

It works without JavaScript: type a family's code and save, or a name and save, and
when several rows match they come back as radio buttons to choose from. With htmx the
matches appear as you type (a GET to a small search endpoint that answers the same
radio buttons as an HTML fragment). The chosen row's id travels in `<name>`, what was
typed in `<name>_q`.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class PickerWidget(forms.Widget):
    template_name = "coop/widgets/picker.html"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.search_url = ""
        self.match_template = ""
        self.chosen = None  # the row the field resolved to, shown as the checked choice
        self.matches = []  # rows offered when what was typed named several (or none)

    def value_from_datadict(self, data, files, name):
        return {"pk": data.get(name, ""), "q": data.get(f"{name}_q", "")}

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_q" not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen, q = self.chosen, ""
        if isinstance(value, dict):
            q = value.get("q", "")
        elif isinstance(value, models.Model):
            chosen = value
        if chosen is not None and not q:
            q = getattr(chosen, "code", "") or str(chosen)
        options = self.matches or ([chosen] if chosen is not None else [])
        context["widget"].update(
            q=q,
            chosen=chosen,
            options=options,
            search_url=self.search_url,
            match_template=self.match_template,
        )
        return context


class PickerField(forms.Field):
    """A row of one queryset, given by id (a radio choice) or by what was typed.

    The form calls `setup()` with the co-op's queryset and two lookups: `exact(text)`
    (a row whose code is exactly the text, or None) and `search(text)` (a short list).
    """

    widget = PickerWidget
    default_error_messages = {
        "required": _("Choose one."),
        "none": _("Nothing matches “%(text)s”."),
        "several": _("Several match “%(text)s”: choose one below."),
    }

    def setup(self, *, queryset, exact, search, search_url: str, match_template: str) -> None:
        self.queryset, self.exact, self.search = queryset, exact, search
        self.widget.search_url = search_url
        self.widget.match_template = match_template

    def set_initial_object(self, obj) -> None:
        self.widget.chosen = obj

    def clean(self, value):
        value = value if isinstance(value, dict) else {"pk": value, "q": ""}
        pk, text = str(value.get("pk") or "").strip(), (value.get("q") or "").strip()
        obj = None
        if pk.isdigit():
            # Another co-op's id, or a made-up one, is simply not in the queryset.
            obj = self.queryset.filter(pk=int(pk)).first()
        if obj is None and text:
            obj = self.exact(text)
            if obj is None:
                matches = list(self.search(text))
                if len(matches) == 1:
                    obj = matches[0]
                else:
                    self.widget.matches = matches
                    code = "several" if matches else "none"
                    raise ValidationError(self.error_messages[code], code=code, params={"text": text})
        if obj is None:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        self.widget.chosen = obj
        return obj
