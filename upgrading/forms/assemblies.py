"""Forms of the general-assembly register: a meeting with its attendance, and a decision.

The rules (women within members present, votes cast within members present, no meeting
in the future, the minutes' real content type) are the services'
(`upgrading.services.assemblies`); their refusals come back next to the field.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from chain.forms import ServiceModelForm
from coop.forms import DateInput
from coop.forms.numbers import DecimalInputMeta
from upgrading.models import Assembly
from upgrading.services.assemblies import ASSEMBLY_FIELDS, MAX_PEOPLE

MINUTES_HELP = _("PDF, image or plain text, up to 10 MB. Its SHA-256 is kept to prove it unchanged.")


def _count_input():
    return forms.NumberInput(attrs={"inputmode": "numeric", "min": "0", "step": "1"})


class AssemblyForm(ServiceModelForm):
    minutes = forms.FileField(label=_("Minutes"), required=False, help_text=MINUTES_HELP)

    class Meta(DecimalInputMeta):
        model = Assembly
        fields = ASSEMBLY_FIELDS
        widgets = {
            "held_on": DateInput(),
            "members_eligible": _count_input(),
            "members_present": _count_input(),
            "women_present": _count_input(),
        }

    def __init__(self, *args, cooperative, **kwargs):
        super().__init__(*args, cooperative=cooperative, **kwargs)
        for name in ("members_eligible", "members_present", "women_present"):
            self.fields[name].max_value = MAX_PEOPLE
            self.fields[name].min_value = 0

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class DecisionForm(forms.Form):
    number = forms.IntegerField(
        label=_("Number"),
        required=False,
        min_value=1,
        max_value=32767,
        help_text=_("Blank: the next number of this assembly."),
        widget=_count_input(),
    )
    text = forms.CharField(
        label=_("Decision"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was decided, as written in the minutes."),
    )
    votes_for = forms.IntegerField(
        label=_("Votes for"), min_value=0, max_value=MAX_PEOPLE, widget=_count_input()
    )
    votes_against = forms.IntegerField(
        label=_("Votes against"),
        required=False,
        min_value=0,
        max_value=MAX_PEOPLE,
        initial=0,
        widget=_count_input(),
    )
    votes_abstaining = forms.IntegerField(
        label=_("Abstentions"),
        required=False,
        min_value=0,
        max_value=MAX_PEOPLE,
        initial=0,
        widget=_count_input(),
    )
    minutes = forms.FileField(label=_("Minutes"), required=False, help_text=MINUTES_HELP)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("votes_against", "votes_abstaining"):
            if data.get(name) is None:
                data[name] = 0
        return data
