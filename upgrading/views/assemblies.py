"""The general-assembly register: meetings with their attendance, the decisions voted, and
their minutes (served only to members of the co-op, never from a public media URL).

Everyone in the co-op reads; managers and admins record meetings and decisions (MANAGE);
staff and auditors see no button and get 403 on the write URLs. Another co-op's assembly,
decision or minutes answer 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView, TemplateView, View

from coop import selectors as coop_selectors
from coop.forms import add_service_errors
from coop.storage import stored_file_response
from coop.tenancy import MANAGE, scope
from coop.views.base import PAGE_SIZE, CooperativeMixin, ServiceFormView
from upgrading.forms.assemblies import AssemblyForm, DecisionForm
from upgrading.models import Assembly, Decision
from upgrading.services import assemblies as services

HISTORY_ROWS = 50


def assemblies_of(user, cooperative):
    return scope(Assembly.objects.all(), user).filter(cooperative=cooperative)


class AssemblyList(CooperativeMixin, ListView):
    section = "assemblies"
    template_name = "upgrading/assembly_list.html"
    paginate_by = PAGE_SIZE
    context_object_name = "assemblies"

    def get_queryset(self):
        return (
            assemblies_of(self.request.user, self.cooperative)
            .annotate(decision_count=Count("decisions"))
            .order_by("-held_on", "-pk")
        )


class AssemblyMixin(CooperativeMixin):
    section = "assemblies"

    @cached_property
    def assembly(self) -> Assembly:
        return get_object_or_404(assemblies_of(self.request.user, self.cooperative), pk=self.kwargs["pk"])


class AssemblyDetail(AssemblyMixin, TemplateView):
    template_name = "upgrading/assembly_detail.html"

    def get_context_data(self, **kwargs):
        assembly = self.assembly
        kwargs.setdefault("decision_form", DecisionForm())
        return super().get_context_data(
            assembly=assembly,
            decisions=list(assembly.decisions.order_by("number")),
            history=coop_selectors.object_history(obj=assembly, limit=HISTORY_ROWS),
            **kwargs,
        )


class AssemblyCreate(ServiceFormView):
    section = "assemblies"
    required_roles = MANAGE
    form_class = AssemblyForm
    template_name = "upgrading/assembly_form.html"
    detail_name = "assembly_detail"
    title = gettext_lazy("Record a general assembly")

    def save(self, form):
        return services.assembly_record(
            actor=self.request.user, cooperative=self.cooperative, **form.service_data()
        )

    def cancel_url(self):
        return reverse("assembly_list", kwargs={"slug": self.cooperative.slug})


class AssemblyEdit(AssemblyMixin, AssemblyCreate):
    title = gettext_lazy("Correct the assembly's record")

    @property
    def object(self):
        return self.assembly

    def get_initial(self):
        return {name: getattr(self.assembly, name) for name in services.ASSEMBLY_FIELDS}

    def save(self, form):
        return services.assembly_update(
            actor=self.request.user, assembly=self.assembly, **form.service_data()
        )

    def cancel_url(self):
        return self.detail_url("assembly_detail", self.assembly.pk)


class DecisionCreate(AssemblyDetail):
    """POST from the assembly's page: the decision, or the page again with what was wrong."""

    required_roles = MANAGE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = DecisionForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                decision = services.decision_record(
                    actor=request.user, assembly=self.assembly, **form.service_data()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Decision %(n)s recorded.") % {"n": decision.number})
                return redirect(self.detail_url("assembly_detail", self.assembly.pk))
        return self.render_to_response(self.get_context_data(decision_form=form), status=400)


def minutes_response(field_file, sha256: str) -> FileResponse:
    """The minutes as a download, with their recorded SHA-256 (the API serves them alike)."""
    response = stored_file_response(field_file, filename=field_file.name.rsplit("/", 1)[-1])
    response["X-Content-SHA256"] = sha256
    return response


class AssemblyMinutes(AssemblyMixin, View):
    def get(self, request, *args, **kwargs):
        return minutes_response(self.assembly.minutes, self.assembly.minutes_sha256)


class DecisionMinutes(CooperativeMixin, View):
    section = "assemblies"

    def get(self, request, *args, **kwargs):
        decisions = scope(Decision.objects.all(), request.user).filter(cooperative=self.cooperative)
        decision = get_object_or_404(decisions, pk=kwargs["pk"])
        return minutes_response(decision.minutes, decision.minutes_sha256)


urlpatterns = [
    path("assemblies/", AssemblyList.as_view(), name="assembly_list"),
    path("assemblies/new/", AssemblyCreate.as_view(), name="assembly_create"),
    path("assemblies/<int:pk>/", AssemblyDetail.as_view(), name="assembly_detail"),
    path("assemblies/<int:pk>/edit/", AssemblyEdit.as_view(), name="assembly_edit"),
    path("assemblies/<int:pk>/decisions/", DecisionCreate.as_view(), name="decision_create"),
    path("assemblies/<int:pk>/minutes/", AssemblyMinutes.as_view(), name="assembly_minutes"),
    path("decisions/<int:pk>/minutes/", DecisionMinutes.as_view(), name="decision_minutes"),
]
