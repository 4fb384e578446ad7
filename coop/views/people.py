"""Pages of a co-operative: its associations, families and members.

Every page under /c/<slug>/ first resolves the co-op among the user's own
(`cooperatives_for`): a co-op they do not belong to, or a row of another co-op,
answers 404. Pages that write need a role set (MANAGE for associations, RECORD for
families and members), otherwise 403. Views stay thin: read through
`coop.selectors`, write through one `coop.services` function.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, ListView, TemplateView

from coop import selectors, services
from coop.forms import (
    AssociationFilterForm,
    AssociationForm,
    FamilyFilterForm,
    FamilyForm,
    MemberFilterForm,
    MemberForm,
    add_service_errors,
)
from coop.models import Role
from coop.tenancy import MANAGE, RECORD, cooperatives_for, require, role_of

PAGE_SIZE = 50
DETAIL_ROWS = 50  # rows of a related list shown on a detail page; the rest via the list page


def home(request):
    """One co-op: go straight to it. Several (a federation) or none: list them."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    cooperatives = list(selectors.cooperative_list(user=request.user))
    if len(cooperatives) == 1:
        return redirect("cooperative_home", slug=cooperatives[0].slug)
    rows = [(coop, Role(coop.role).label) for coop in cooperatives]
    return render(request, "coop/cooperative_list.html", {"cooperatives": rows})


class CooperativeMixin:
    """Resolve the co-op of the URL among the user's own and check the role for writing.

    Sets `request.cooperative` and `request.role` (shown by the context processor) and
    `request.coop_section` (the co-op switcher links to the same section elsewhere).
    """

    section: str | None = None
    required_roles: frozenset | None = None  # None: any role may read the page

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        request.cooperative = get_object_or_404(cooperatives_for(request.user), slug=kwargs["slug"])
        request.role = role_of(request.user, request.cooperative)
        request.coop_section = self.section
        if self.required_roles is not None:
            require(request.user, request.cooperative, self.required_roles)
        return super().dispatch(request, *args, **kwargs)

    @property
    def cooperative(self):
        return self.request.cooperative

    def detail_url(self, name: str, pk: int) -> str:
        return reverse(name, kwargs={"slug": self.cooperative.slug, "pk": pk})


class CooperativeHome(CooperativeMixin, TemplateView):
    template_name = "coop/cooperative_home.html"

    def get_context_data(self, **kwargs):
        summary = selectors.cooperative_summary(cooperative=self.cooperative)
        return super().get_context_data(summary=summary, **kwargs)


# --- Lists ---------------------------------------------------------------------------


class CoopListView(CooperativeMixin, ListView):
    """A paginated list read through one selector, filtered by a validated filter form."""

    paginate_by = PAGE_SIZE
    filter_form_class: type

    def get_queryset(self):
        self.filters = self.filter_form_class(self.request.GET, cooperative=self.cooperative)
        return self.select(self.filters.value)

    def select(self, value):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        return super().get_context_data(filters=self.filters, **kwargs)


class AssociationList(CoopListView):
    section = "associations"
    template_name = "coop/association_list.html"
    filter_form_class = AssociationFilterForm

    def select(self, value):
        return selectors.association_list(
            user=self.request.user,
            cooperative=self.cooperative,
            search=value("q") or "",
            kind=value("kind") or "",
        )


class FamilyList(CoopListView):
    section = "families"
    template_name = "coop/family_list.html"
    filter_form_class = FamilyFilterForm

    def select(self, value):
        return selectors.family_list(
            user=self.request.user,
            cooperative=self.cooperative,
            search=value("q") or "",
            status=value("status") or "",
            association=value("association"),
        )


class MemberList(CoopListView):
    section = "members"
    template_name = "coop/member_list.html"
    filter_form_class = MemberFilterForm

    def select(self, value):
        return selectors.member_list(
            user=self.request.user,
            cooperative=self.cooperative,
            search=value("q") or "",
            gender=value("gender") or "",
            association=value("association"),
        )


# --- Details ---------------------------------------------------------------------------


class AssociationDetail(CooperativeMixin, DetailView):
    section = "associations"
    template_name = "coop/association_detail.html"
    context_object_name = "association"

    def get_queryset(self):
        return selectors.association_list(user=self.request.user, cooperative=self.cooperative)

    def get_context_data(self, **kwargs):
        families = selectors.family_list(
            user=self.request.user, cooperative=self.cooperative, association=self.object
        )
        return super().get_context_data(families=families[:DETAIL_ROWS], **kwargs)


class FamilyDetail(CooperativeMixin, DetailView):
    section = "families"
    template_name = "coop/family_detail.html"
    context_object_name = "family"

    def get_queryset(self):
        return selectors.family_list(user=self.request.user, cooperative=self.cooperative)

    def get_context_data(self, **kwargs):
        members = selectors.member_list(
            user=self.request.user, cooperative=self.cooperative, family=self.object
        )
        history = selectors.family_history(family=self.object)
        return super().get_context_data(members=members, history=history, **kwargs)


class MemberDetail(CooperativeMixin, DetailView):
    section = "members"
    template_name = "coop/member_detail.html"
    context_object_name = "member"

    def get_queryset(self):
        return selectors.member_list(user=self.request.user, cooperative=self.cooperative).select_related(
            "family__association"
        )

    def get_context_data(self, **kwargs):
        # The CPF is sensitive: administrators see it, everyone else a masked form.
        show_national_id = self.request.role == Role.ADMIN
        return super().get_context_data(show_national_id=show_national_id, **kwargs)


# --- Forms ---------------------------------------------------------------------------


class ServiceFormView(CooperativeMixin, FormView):
    """A form whose cleaned data goes to one service; its refusals show next to the field."""

    template_name = "coop/form.html"
    title = ""
    detail_name = ""  # URL name of the page shown after saving

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "cooperative": self.cooperative}

    def form_valid(self, form):
        try:
            saved = self.save(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved: %(object)s.") % {"object": saved})
        return redirect(self.detail_url(self.detail_name, saved.pk))

    def save(self, form):
        raise NotImplementedError

    def cancel_url(self) -> str:
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=self.title, cancel_url=self.cancel_url(), **kwargs)


class EditMixin:
    """The object being edited, found in the current co-op only (another co-op's: 404)."""

    def get_initial(self):
        return model_to_dict(self.object, fields=self.form_class._meta.fields)

    def cancel_url(self):
        return self.detail_url(self.detail_name, self.object.pk)


class AssociationCreate(ServiceFormView):
    section = "associations"
    required_roles = MANAGE
    form_class = AssociationForm
    detail_name = "association_detail"
    title = gettext_lazy("New association")

    def save(self, form):
        return services.association_create(
            actor=self.request.user, cooperative=self.cooperative, **form.cleaned_data
        )

    def cancel_url(self):
        return reverse("association_list", kwargs={"slug": self.cooperative.slug})


class AssociationEdit(EditMixin, AssociationCreate):
    title = gettext_lazy("Edit association")

    @cached_property
    def object(self):
        return get_object_or_404(
            selectors.association_list(user=self.request.user, cooperative=self.cooperative),
            pk=self.kwargs["pk"],
        )

    def save(self, form):
        return services.association_update(
            actor=self.request.user, association=self.object, **form.cleaned_data
        )


class FamilyCreate(ServiceFormView):
    section = "families"
    required_roles = RECORD
    form_class = FamilyForm
    detail_name = "family_detail"
    title = gettext_lazy("New family")

    def save(self, form):
        return services.family_create(
            actor=self.request.user, cooperative=self.cooperative, **form.cleaned_data
        )

    def cancel_url(self):
        return reverse("family_list", kwargs={"slug": self.cooperative.slug})


class FamilyEdit(EditMixin, FamilyCreate):
    title = gettext_lazy("Edit family")

    @cached_property
    def object(self):
        return get_object_or_404(
            selectors.family_list(user=self.request.user, cooperative=self.cooperative), pk=self.kwargs["pk"]
        )

    def save(self, form):
        return services.family_update(actor=self.request.user, family=self.object, **form.cleaned_data)


class MemberCreate(ServiceFormView):
    section = "members"
    required_roles = RECORD
    form_class = MemberForm
    detail_name = "member_detail"
    title = gettext_lazy("New member")

    def get_initial(self):
        # "Add member" on a family page passes ?family=<pk>; the form's choices are this
        # co-op's families, so another co-op's id simply selects nothing.
        return {"family": self.request.GET.get("family")}

    def save(self, form):
        return services.member_create(
            actor=self.request.user, cooperative=self.cooperative, **form.service_data()
        )

    def cancel_url(self):
        family = self.request.GET.get("family", "")
        if family.isdigit():
            return self.detail_url("family_detail", int(family))
        return reverse("member_list", kwargs={"slug": self.cooperative.slug})


class MemberEdit(EditMixin, MemberCreate):
    title = gettext_lazy("Edit member")

    @cached_property
    def object(self):
        return get_object_or_404(
            selectors.member_list(user=self.request.user, cooperative=self.cooperative), pk=self.kwargs["pk"]
        )

    @property
    def keep_national_id(self) -> bool:
        # Only administrators see a recorded CPF; others may replace it but not read it.
        return bool(self.object.national_id) and self.request.role != Role.ADMIN

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "keep_national_id": self.keep_national_id}

    def get_initial(self):
        initial = EditMixin.get_initial(self)
        if self.keep_national_id:
            initial["national_id"] = ""
        return initial

    def save(self, form):
        return services.member_update(actor=self.request.user, member=self.object, **form.service_data())
