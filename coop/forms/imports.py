"""The import page's upload form: which kind of rows, and the file."""

from django import forms
from django.utils.translation import gettext_lazy as _

from coop.imports import MAX_FILE_BYTES
from coop.imports.files import EXTENSIONS

KIND_CHOICES = [("families", _("Families")), ("lots", _("Lots (barrels, nut purchases, deliveries)"))]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=KIND_CHOICES, widget=forms.RadioSelect)
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8, comma or semicolon) or Excel .xlsx (first sheet), at most %(mb)s MB.")
        % {"mb": MAX_FILE_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Refused before reading it: the size is known from the upload itself.
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB; split it into smaller files.")
                % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload
