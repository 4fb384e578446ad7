"""Pages of a co-operative's people: its associations, families and members.

Associations need MANAGE to write, families and members RECORD (see `coop.views.base`).
"""

import re

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, View

from coop import selectors, services
from coop.forms import (
    SEARCH_MAX_LENGTH,
    AssociationFilterForm,
    AssociationForm,
    FamilyFilterForm,
    FamilyForm,
    MemberFilterForm,
    MemberForm,
)
from coop.models import Role
from coop.tenancy import MANAGE, RECORD
from coop.views.base import DETAIL_ROWS, CooperativeMixin, CoopListView, EditMixin, ServiceFormView

FIELD_NAME = re.compile(r"[a-z_]{1,30}")  # the picker field a search answers for


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
        made_from, made_from_count = selectors.family_made_from(family=self.object, limit=DETAIL_ROWS)
        return super().get_context_data(
            members=members,
            history=history,
            lots=selectors.family_lots(family=self.object, limit=DETAIL_ROWS),
            made_from=made_from,
            made_from_count=made_from_count,
            certifications=selectors.certification_list(
                user=self.request.user, cooperative=self.cooperative, family=self.object
            )[:DETAIL_ROWS],
            inspections=selectors.inspection_list(
                user=self.request.user, cooperative=self.cooperative, family=self.object
            )[:DETAIL_ROWS],
            **kwargs,
        )


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


# --- Pickers: the matches of the family and member pickers, as an HTML fragment ---------


class PickerSearch(CooperativeMixin, View):
    """GET ?field=<name>&<name>_q=<text>: at most 20 rows of this co-op, as radio buttons."""

    template_name = "coop/widgets/_picker_options.html"
    match_template = ""

    def search(self, text):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        field = request.GET.get("field", "")
        if not FIELD_NAME.fullmatch(field):
            field = "q"
        text = (request.GET.get(f"{field}_q") or request.GET.get("q") or "").strip()[:SEARCH_MAX_LENGTH]
        widget = {
            "name": field,
            "q": text,
            "options": self.search(text) if text else [],
            "chosen": None,
            "match_template": self.match_template,
        }
        return render(request, self.template_name, {"widget": widget})


class FamilySearch(PickerSearch):
    match_template = "coop/widgets/_family_match.html"

    def search(self, text):
        return selectors.family_search(user=self.request.user, cooperative=self.cooperative, query=text)


class MemberSearch(PickerSearch):
    match_template = "coop/widgets/_member_match.html"

    def search(self, text):
        return selectors.member_search(user=self.request.user, cooperative=self.cooperative, query=text)
