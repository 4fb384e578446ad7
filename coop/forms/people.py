"""Forms of the people pages: associations, families, members and their list filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from coop.forms.base import DateInput, SearchForm, any_choice
from coop.forms.numbers import decimal_formfield
from coop.models import Association, Family, Member
from coop.services import ASSOCIATION_FIELDS, FAMILY_FIELDS, MEMBER_FIELDS


def _coordinate_field(db_field, **kwargs):
    # Latitudes and longitudes in Brazil are mostly negative: "-4,61" is a place, not a typo.
    if db_field.name in ("latitude", "longitude"):
        kwargs["allow_negative"] = True
    return decimal_formfield(db_field, **kwargs)


class AssociationForm(forms.ModelForm):
    class Meta:
        model = Association
        fields = ASSOCIATION_FIELDS
        formfield_callback = _coordinate_field

    def __init__(self, *args, cooperative, **kwargs):
        super().__init__(*args, **kwargs)


class FamilyForm(forms.ModelForm):
    class Meta:
        model = Family
        fields = FAMILY_FIELDS
        formfield_callback = _coordinate_field
        widgets = {
            "joined_on": DateInput(),
            "hives": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
        }

    def __init__(self, *args, cooperative, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this co-op's associations: another co-op's id is "not one of the choices".
        self.fields["association"].queryset = Association.objects.filter(cooperative=cooperative)
        self.fields["association"].empty_label = _("(none)")


class MemberForm(forms.ModelForm):
    """Member data. The CPF is never put back into a page for someone who may not see it:
    `keep_national_id` shows an empty CPF field where blank means "keep the recorded one"."""

    class Meta:
        model = Member
        fields = MEMBER_FIELDS
        widgets = {
            "birth_year": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1900}),
            "national_id": forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 11}
            ),
        }

    def __init__(self, *args, cooperative, keep_national_id=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["family"].queryset = Family.objects.filter(cooperative=cooperative)
        self.fields["family"].empty_label = _("Choose a family")
        self.keep_national_id = keep_national_id
        if keep_national_id:
            self.fields["national_id"].help_text = _(
                "A CPF is recorded and is not shown here. Leave blank to keep it, or type a new one."
            )

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if self.keep_national_id and not data.get("national_id"):
            data.pop("national_id", None)
        return data


class AssociationFilterForm(SearchForm):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=any_choice(Association.Kind.choices))


class _AssociationFilter(SearchForm):
    association = forms.ModelChoiceField(
        label=_("Association"), required=False, queryset=Association.objects.none(), empty_label=_("All")
    )

    def limit_to(self, cooperative) -> None:
        associations = Association.objects.filter(cooperative=cooperative)
        self.fields["association"].queryset = associations.only("pk", "code", "name")


class FamilyFilterForm(_AssociationFilter):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=any_choice(Family.Status.choices))


class MemberFilterForm(_AssociationFilter):
    gender = forms.ChoiceField(label=_("Gender"), required=False, choices=any_choice(Member.Gender.choices))
