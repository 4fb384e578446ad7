"""The co-op's "People with access" pages: who may use Mutirão for this co-op, and as what.

For the co-op's administrators (and superusers): other roles answer 403, other co-ops
404 (`CooperativeMixin`). Every change is one `coop.services` call; the page shows the
set-password link of a new account as well as emailing it, since a small co-op's
installation often has no working email.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View

from coop import invitations, selectors, services
from coop.forms import InviteForm, MembershipChangeForm, MembershipFilterForm, add_service_errors
from coop.tenancy import ADMINISTER, can
from coop.views.base import CooperativeMixin, CoopListView, ServiceFormView

SECTION = "access"


NEW_LINK = "access:new-link"  # the session key of a link to show once, on the list


def _say_link(request, membership, link) -> None:
    who = membership.user.get_username()
    if link:
        messages.warning(
            request,
            _(
                "%(user)s can now use Mutirão as %(role)s. Their link to choose a password was "
                "emailed to them; you may also send it yourself, from below (it works once, for "
                "%(days)d days)."
            )
            % {"user": who, "role": membership.get_role_display(), "days": invitations.link_validity_days()},
        )
        # Shown once in a field to copy (a long address would not wrap inside a message).
        request.session[NEW_LINK] = {"user": who, "link": link}
    else:
        messages.success(
            request,
            _("%(user)s can now use Mutirão as %(role)s, with the password they already have.")
            % {"user": who, "role": membership.get_role_display()},
        )


class MembershipList(CoopListView):
    section = SECTION
    required_roles = ADMINISTER
    template_name = "coop/membership_list.html"
    filter_form_class = MembershipFilterForm

    def select(self, value):
        return selectors.membership_list(
            user=self.request.user,
            cooperative=self.cooperative,
            search=value("q") or "",
            role=value("role") or "",
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(new_link=self.request.session.pop(NEW_LINK, None), **kwargs)


class AccessFormView(ServiceFormView):
    """A form of the access pages: back to the list once saved."""

    section = SECTION
    required_roles = ADMINISTER

    def form_valid(self, form):
        try:
            membership = self.save(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        self.saved(membership)
        return redirect("membership_list", slug=self.cooperative.slug)

    def cancel_url(self):
        return reverse("membership_list", kwargs={"slug": self.cooperative.slug})


class MembershipInvite(AccessFormView):
    form_class = InviteForm
    title = gettext_lazy("Give a person access")

    def get_context_data(self, **kwargs):
        return super().get_context_data(submit_label=_("Give access"), **kwargs)

    def save(self, form):
        return services.membership_invite(
            actor=self.request.user, cooperative=self.cooperative, **form.cleaned_data
        ).membership

    def saved(self, membership) -> None:
        link = invitations.invitation_send(
            membership=membership, site_url=invitations.site_url_for(self.request)
        )
        _say_link(self.request, membership, link)

    def form_valid(self, form):
        response = super().form_valid(form)
        return (
            redirect("membership_list", slug=self.cooperative.slug)
            if response.status_code == 302
            else response
        )

    def cancel_url(self):
        return reverse("membership_list", kwargs={"slug": self.cooperative.slug})


class MembershipMixin:
    @cached_property
    def membership(self):
        return get_object_or_404(
            selectors.membership_list(user=self.request.user, cooperative=self.cooperative),
            pk=self.kwargs["pk"],
        )


class MembershipDetail(MembershipMixin, AccessFormView):
    """One person's access: change the role or last day, end it, see its history."""

    form_class = MembershipChangeForm
    template_name = "coop/membership_detail.html"
    title = gettext_lazy("Access")

    def get_initial(self):
        return {"role": self.membership.role, "ends_on": self.membership.ends_on}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            membership=self.membership,
            needs_password=invitations.needs_password(self.membership.user),
            history=selectors.membership_history(membership=self.membership),
            **kwargs,
        )

    def save(self, form):
        return services.membership_change(
            actor=self.request.user, membership=self.membership, **form.cleaned_data
        )

    def saved(self, membership) -> None:
        messages.success(
            self.request,
            _("%(user)s: role and last day saved.") % {"user": membership.user.get_username()},
        )


class MembershipEnd(MembershipMixin, CooperativeMixin, View):
    """End a person's access at once. Ending one's own leaves the co-op's pages behind."""

    required_roles = ADMINISTER
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        membership = self.membership
        try:
            services.membership_end(actor=request.user, membership=membership)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("membership_detail", slug=self.cooperative.slug, pk=membership.pk)
        messages.success(
            request, _("%(user)s no longer has access.") % {"user": membership.user.get_username()}
        )
        if not can(request.user, self.cooperative, ADMINISTER):
            return redirect("home")
        return redirect("membership_list", slug=self.cooperative.slug)


class MembershipResendLink(MembershipMixin, CooperativeMixin, View):
    """A new set-password link for someone who has not chosen a password yet (the first
    expired or was lost). Never for an account with a password: that would hand it over."""

    required_roles = ADMINISTER
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        membership = self.membership
        if not invitations.needs_password(membership.user):
            messages.error(request, _("This person has already chosen a password."))
        else:
            link = invitations.invitation_send(
                membership=membership, site_url=invitations.site_url_for(request)
            )
            _say_link(request, membership, link)
            return redirect("membership_list", slug=self.cooperative.slug)
        return redirect("membership_detail", slug=self.cooperative.slug, pk=membership.pk)
