"""Forms of the internal control system: inspections, certifications, their filters."""

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from coop import selectors
from coop.forms.base import DateInput, SearchForm, any_choice
from coop.forms.production import setup_family_picker
from coop.forms.widgets import PickerField
from coop.models import Association, Certification, Inspection, Member, Scheme


def setup_member_picker(field: PickerField, *, user, cooperative) -> None:
    members = Member.objects.filter(cooperative=cooperative).select_related("family")
    field.setup(
        queryset=members,
        # Names are not unique: only a name borne by exactly one member resolves by itself.
        exact=lambda text: _only(members.filter(name__iexact=text)),
        search=lambda text: selectors.member_search(user=user, cooperative=cooperative, query=text),
        search_url=reverse("member_search", kwargs={"slug": cooperative.slug}),
        match_template="coop/widgets/_member_match.html",
    )


def _only(queryset):
    rows = list(queryset[:2])
    return rows[0] if len(rows) == 1 else None


class InspectionForm(forms.Form):
    """An internal inspection of one family or one collection point."""

    inspector = PickerField(
        label=_("Inspector"), help_text=_("A member of the co-op: type part of the name.")
    )
    family = PickerField(
        label=_("Family inspected"),
        required=False,
        help_text=_("Either a family or a collection point."),
    )
    association = forms.ModelChoiceField(
        label=_("Collection point inspected"), queryset=Association.objects.none(), required=False
    )
    inspected_on = forms.DateField(label=_("Inspected on"), widget=DateInput())
    result = forms.ChoiceField(
        label=_("Result"), choices=[("", _("Choose the result")), *Inspection.Result.choices]
    )
    findings = forms.CharField(
        label=_("Findings"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    follow_up_on = forms.DateField(label=_("Follow-up date"), required=False, widget=DateInput())

    def __init__(self, *args, cooperative, user, **kwargs):
        super().__init__(*args, **kwargs)
        setup_member_picker(self.fields["inspector"], user=user, cooperative=cooperative)
        setup_family_picker(self.fields["family"], user=user, cooperative=cooperative)
        self.fields["association"].queryset = Association.objects.filter(
            cooperative=cooperative,
            kind__in=[
                Association.Kind.CANTINA,
                Association.Kind.HONEY_ROOM,
                Association.Kind.PRODUCTION_CENTRE,
            ],
        )
        self.fields["association"].empty_label = _("(none)")

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class CertificationGrantForm(forms.Form):
    scheme = forms.ChoiceField(label=_("Scheme"), choices=Scheme.choices)
    standard = forms.CharField(
        label=_("Standard"), max_length=120, help_text=_("E.g. EU 2018/848, Fairtrade SPO, SisOrg.")
    )
    reference = forms.CharField(label=_("Certificate / reference"), max_length=120)
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    valid_to = forms.DateField(label=_("Valid to"), widget=DateInput())
    approved_by = forms.ModelChoiceField(
        label=_("Approving inspection"),
        queryset=Inspection.objects.none(),
        help_text=_("A compliant inspection of this family in the year before the certificate starts."),
    )

    def __init__(self, *args, family, **kwargs):
        super().__init__(*args, **kwargs)
        inspections = selectors.approving_inspections(family=family)
        self.fields["approved_by"].queryset = Inspection.objects.filter(
            pk__in=[inspection.pk for inspection in inspections]
        ).select_related("inspector")
        self.fields["approved_by"].empty_label = _("Choose an inspection")
        self.fields["approved_by"].label_from_instance = lambda i: (
            _("%(date)s by %(inspector)s")
            % {
                "date": date_format(i.inspected_on, "SHORT_DATE_FORMAT"),
                "inspector": i.inspector.name,
            }
        )


class FamilyChoiceForm(forms.Form):
    """Step one of granting a certification from the certifications page: which family."""

    family = PickerField(label=_("Family"), help_text=_("Type the family's code or part of its name."))

    def __init__(self, *args, cooperative, user, **kwargs):
        super().__init__(*args, **kwargs)
        setup_family_picker(self.fields["family"], user=user, cooperative=cooperative)


class CertificationStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Certification.Status.choices)


class InspectionCloseForm(forms.Form):
    closed_on = forms.DateField(label=_("Closed on"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"closed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


# --- List filters -------------------------------------------------------------------------


class CertificationFilterForm(SearchForm):
    scheme = forms.ChoiceField(label=_("Scheme"), required=False, choices=any_choice(Scheme.choices))
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=any_choice(Certification.Status.choices)
    )
    valid_on = forms.DateField(label=_("Valid on"), required=False, widget=DateInput())


class InspectionFilterForm(SearchForm):
    result = forms.ChoiceField(
        label=_("Result"), required=False, choices=any_choice(Inspection.Result.choices)
    )
    open_sanctions = forms.BooleanField(label=_("Open sanctions only"), required=False)
