"""The internal control system's pages: certifications of families and inspections.

Inspections are recorded by RECORD roles; granting, suspending or withdrawing a
certificate and closing a sanction are MANAGE decisions. Auditors read everything.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View

from coop import selectors, services
from coop.forms import add_service_errors
from coop.forms.certification import (
    CertificationFilterForm,
    CertificationGrantForm,
    CertificationStatusForm,
    FamilyChoiceForm,
    InspectionCloseForm,
    InspectionFilterForm,
    InspectionForm,
)
from coop.models import Family, Inspection
from coop.tenancy import MANAGE, RECORD
from coop.views.base import CooperativeMixin, CoopListView, ServiceFormView

HISTORY_ROWS = 50


class CertificationList(CoopListView):
    section = "certifications"
    template_name = "coop/certification_list.html"
    filter_form_class = CertificationFilterForm

    def select(self, value):
        return selectors.certification_list(
            user=self.request.user,
            cooperative=self.cooperative,
            scheme=value("scheme") or "",
            status=value("status") or "",
            valid_on=value("valid_on"),
            search=value("q") or "",
        )


class CertificationMixin(CooperativeMixin):
    section = "certifications"

    @cached_property
    def certification(self):
        return get_object_or_404(
            selectors.certification_list(user=self.request.user, cooperative=self.cooperative),
            pk=self.kwargs["pk"],
        )


class CertificationDetail(CertificationMixin, TemplateView):
    template_name = "coop/certification_detail.html"

    def get_context_data(self, **kwargs):
        certification = self.certification
        return super().get_context_data(
            certification=certification,
            history=selectors.object_history(obj=certification, limit=HISTORY_ROWS),
            **kwargs,
        )


class CertificationSetStatus(CertificationMixin, View):
    """Suspend, withdraw or reinstate a certificate (a POST from its page)."""

    required_roles = MANAGE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = CertificationStatusForm(request.POST)
        if form.is_valid():
            try:
                certification = services.certification_set_status(
                    actor=request.user, certification=self.certification, status=form.cleaned_data["status"]
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request,
                    _("Certification %(reference)s is now %(status)s.")
                    % {
                        "reference": certification.reference,
                        "status": certification.get_status_display().lower(),
                    },
                )
        else:
            messages.error(request, _("Unknown status."))
        return redirect(self.detail_url("certification_detail", self.certification.pk))


class CertificationChooseFamily(CooperativeMixin, FormView):
    """Granting starts from a family: pick it, then go to its grant form."""

    section = "certifications"
    required_roles = MANAGE
    template_name = "coop/form.html"
    form_class = FamilyChoiceForm

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "cooperative": self.cooperative, "user": self.request.user}
        if "family_q" in self.request.GET or "family" in self.request.GET:
            kwargs["data"] = self.request.GET
        return kwargs

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_bound and form.is_valid():
            return redirect(self.detail_url("certification_grant", form.cleaned_data["family"].pk))
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Grant a certification"),
            form_method="get",
            submit_label=_("Next"),
            cancel_url=reverse("certification_list", kwargs={"slug": self.cooperative.slug}),
            **kwargs,
        )


class CertificationGrant(ServiceFormView):
    section = "certifications"
    required_roles = MANAGE
    form_class = CertificationGrantForm
    detail_name = "certification_detail"
    title = gettext_lazy("Grant a certification")

    @cached_property
    def family(self) -> Family:
        return get_object_or_404(Family.objects.filter(cooperative=self.cooperative), pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("cooperative")
        return {**kwargs, "family": self.family}

    def save(self, form):
        return services.certification_grant(actor=self.request.user, family=self.family, **form.cleaned_data)

    def cancel_url(self):
        return self.detail_url("family_detail", self.family.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(subtitle=str(self.family), **kwargs)


# --- Inspections -------------------------------------------------------------------------------


class InspectionList(CoopListView):
    section = "inspections"
    template_name = "coop/inspection_list.html"
    filter_form_class = InspectionFilterForm

    def select(self, value):
        return selectors.inspection_list(
            user=self.request.user,
            cooperative=self.cooperative,
            result=value("result") or "",
            open_sanctions=bool(value("open_sanctions")),
            search=value("q") or "",
        )


class InspectionMixin(CooperativeMixin):
    section = "inspections"

    @cached_property
    def inspection(self) -> Inspection:
        return get_object_or_404(
            selectors.inspection_list(user=self.request.user, cooperative=self.cooperative),
            pk=self.kwargs["pk"],
        )


class InspectionDetail(InspectionMixin, TemplateView):
    template_name = "coop/inspection_detail.html"

    def get_context_data(self, **kwargs):
        inspection = self.inspection
        kwargs.setdefault("close_form", InspectionCloseForm())
        return super().get_context_data(
            inspection=inspection,
            can_close=inspection.result != Inspection.Result.COMPLIANT and inspection.closed_on is None,
            history=selectors.object_history(obj=inspection, limit=HISTORY_ROWS),
            **kwargs,
        )


class InspectionClose(InspectionDetail):
    required_roles = MANAGE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = InspectionCloseForm(request.POST)
        if form.is_valid():
            try:
                services.inspection_close(
                    actor=request.user, inspection=self.inspection, closed_on=form.cleaned_data["closed_on"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Inspection closed."))
                return redirect(self.detail_url("inspection_detail", self.inspection.pk))
        return self.render_to_response(self.get_context_data(close_form=form), status=400)


class InspectionRecord(ServiceFormView):
    section = "inspections"
    required_roles = RECORD
    form_class = InspectionForm
    detail_name = "inspection_detail"
    title = gettext_lazy("New inspection")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        return {"inspected_on": timezone.localdate()}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        family = self.request.GET.get("family", "")
        if not form.is_bound and family.isdigit():
            found = Family.objects.filter(cooperative=self.cooperative, pk=int(family)).first()
            if found is not None:
                form.fields["family"].set_initial_object(found)
        return form

    def save(self, form):
        return services.inspection_record(
            actor=self.request.user, cooperative=self.cooperative, **form.service_data()
        )

    def cancel_url(self):
        return reverse("inspection_list", kwargs={"slug": self.cooperative.slug})
