"""Seasons and advances: the seasons and their terms (managers), the advances list with its
totals, an advance's page where staff record the payment, and a family's printed statement.

Everyone in the co-op reads; staff, managers and admins record payments (RECORD);
managers and admins set seasons and cancel advances (MANAGE); auditors see no button
and the write URLs answer them 403. Another co-op's season, advance or family is a 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from coop import selectors as coop_selectors
from coop.forms import add_service_errors
from coop.models import Family
from coop.tenancy import MANAGE, RECORD, scope
from coop.views.base import PAGE_SIZE, CooperativeMixin, ServiceFormView, keyset_page
from upgrading.forms.advances import AdvanceFilterForm, CancelForm, PayForm, SeasonForm
from upgrading.models import Advance, Season
from upgrading.selectors import advances as selectors
from upgrading.services import advances as services

HISTORY_ROWS = 50

# --- Seasons ----------------------------------------------------------------------------------


class SeasonList(CooperativeMixin, TemplateView):
    section = "advances"
    template_name = "upgrading/season_list.html"

    def get_context_data(self, **kwargs):
        live = ~Q(advances__status=Advance.Status.CANCELLED)
        seasons = selectors.season_list(user=self.request.user, cooperative=self.cooperative).annotate(
            advance_count=Count("advances", filter=live),
            due=Sum("advances__amount", filter=Q(advances__status=Advance.Status.DUE)),
            paid=Sum("advances__amount", filter=Q(advances__status=Advance.Status.PAID)),
        )
        seasons = list(seasons)
        for season in seasons:
            season.advance_pct = None if season.advance_rate is None else season.advance_rate * 100
        return super().get_context_data(
            seasons=seasons, base_currency=self.cooperative.base_currency, **kwargs
        )


class SeasonMixin(CooperativeMixin):
    section = "advances"

    @cached_property
    def season(self) -> Season:
        return get_object_or_404(
            selectors.season_list(user=self.request.user, cooperative=self.cooperative), pk=self.kwargs["pk"]
        )


class SeasonCreate(ServiceFormView):
    section = "advances"
    required_roles = MANAGE
    form_class = SeasonForm
    detail_name = "season_list"
    title = gettext_lazy("New season")

    def save(self, form):
        return services.season_create(
            actor=self.request.user, cooperative=self.cooperative, **form.service_data()
        )

    def form_valid(self, form):
        try:
            season = self.save(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        self.saved(season)
        return redirect(self.cancel_url())

    def cancel_url(self):
        return reverse("season_list", kwargs={"slug": self.cooperative.slug})


class SeasonEdit(SeasonMixin, SeasonCreate):
    title = gettext_lazy("Edit season")

    @property
    def object(self):
        return self.season

    def get_initial(self):
        return SeasonForm.initial_from(self.season)

    def save(self, form):
        return services.season_update(actor=self.request.user, season=self.season, **form.service_data())


# --- Advances ---------------------------------------------------------------------------------


class AdvanceList(CooperativeMixin, TemplateView):
    """Newest deliveries first, a page at a time by cursor (a season has tens of thousands
    of barrels), with the totals of everything the filters select, summed in SQL."""

    section = "advances"
    template_name = "upgrading/advance_list.html"

    def get_context_data(self, **kwargs):
        filters = AdvanceFilterForm(self.request.GET, cooperative=self.cooperative)
        value = filters.value
        advances = selectors.advance_list(
            user=self.request.user,
            cooperative=self.cooperative,
            status=value("status") or "",
            season=value("season"),
            family=value("family"),
            association=value("association"),
            due_from=value("due_from"),
            due_to=value("due_to"),
            search=value("q") or "",
        )
        if filters.errors.get("family"):
            advances = advances.none()  # an unknown family code matches nothing, not everything
        page = keyset_page(
            advances,
            older=self.request.GET.get("older"),
            newer=self.request.GET.get("newer"),
            size=PAGE_SIZE,
            date_field="due_on",
        )
        family, season = value("family"), value("season")
        return super().get_context_data(
            filters=filters,
            page=page,
            totals=selectors.advance_totals(advances),
            base_currency=self.cooperative.base_currency,
            statement_family=family if family and season else None,
            statement_season=season if family and season else None,
            **kwargs,
        )


class AdvanceMixin(CooperativeMixin):
    section = "advances"

    @cached_property
    def advance(self) -> Advance:
        advances = selectors.advance_list(user=self.request.user, cooperative=self.cooperative)
        return get_object_or_404(
            advances.select_related("lot__product", "family__association", "contract", "paid_by"),
            pk=self.kwargs["pk"],
        )


class AdvanceDetail(AdvanceMixin, TemplateView):
    template_name = "upgrading/advance_detail.html"

    def get_context_data(self, **kwargs):
        advance = self.advance
        due = advance.status == Advance.Status.DUE
        kwargs.setdefault("pay_form", PayForm())
        kwargs.setdefault("cancel_form", CancelForm())
        return super().get_context_data(
            advance=advance,
            rate_pct=advance.rate * 100,
            can_pay=due and self.request.role in RECORD,
            can_cancel=due and self.request.role in MANAGE,
            history=coop_selectors.object_history(obj=advance, limit=HISTORY_ROWS),
            **kwargs,
        )


class AdvancePay(AdvanceDetail):
    """POST from the advance's page: the payment, or the page again with what was wrong."""

    required_roles = RECORD
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = PayForm(request.POST)
        if form.is_valid():
            try:
                advance = services.advance_pay(actor=request.user, advance=self.advance, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Advance for lot %(code)s recorded as paid.") % {"code": advance.lot.code},
                )
                return redirect(self.detail_url("advance_detail", advance.pk))
        return self.render_to_response(self.get_context_data(pay_form=form), status=400)


class AdvanceCancel(AdvanceDetail):
    required_roles = MANAGE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = CancelForm(request.POST)
        if form.is_valid():
            try:
                advance = services.advance_cancel(
                    actor=request.user, advance=self.advance, reason=form.cleaned_data["cancelled_reason"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("Advance for lot %(code)s cancelled.") % {"code": advance.lot.code}
                )
                return redirect(self.detail_url("advance_detail", advance.pk))
        return self.render_to_response(self.get_context_data(cancel_form=form), status=400)


class FamilyStatement(CooperativeMixin, View):
    """A family's advances in a season, printed (A4) for the family to keep."""

    def get(self, request, *args, **kwargs):
        from coop.documents import render_pdf  # WeasyPrint needs pango: loaded only when printing

        family = get_object_or_404(
            scope(Family.objects.all(), request.user)
            .filter(cooperative=self.cooperative)
            .select_related("association"),
            pk=kwargs["family"],
        )
        season = get_object_or_404(
            selectors.season_list(user=request.user, cooperative=self.cooperative), pk=kwargs["season"]
        )
        statement = selectors.family_statement(family=family, season=season)
        for advance in statement.advances:
            advance.rate_pct = advance.rate * 100  # "50%" reads better than "0.5" to a family
        pdf = render_pdf(
            request=request,
            template_name="upgrading/advance_statement_pdf.html",
            context={
                "statement": statement,
                "cooperative": self.cooperative,
                "base_currency": self.cooperative.base_currency,
                "printed_at": timezone.localtime(),
            },
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        # Codes are letters, digits, . _ - (code_validator): safe in a header.
        filename = f"advances-{season.code}-{family.code}.pdf"
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        return response


urlpatterns = [
    path("seasons/", SeasonList.as_view(), name="season_list"),
    path("seasons/new/", SeasonCreate.as_view(), name="season_create"),
    path("seasons/<int:pk>/edit/", SeasonEdit.as_view(), name="season_edit"),
    path("advances/", AdvanceList.as_view(), name="advance_list"),
    path("advances/<int:pk>/", AdvanceDetail.as_view(), name="advance_detail"),
    path("advances/<int:pk>/pay/", AdvancePay.as_view(), name="advance_pay"),
    path("advances/<int:pk>/cancel/", AdvanceCancel.as_view(), name="advance_cancel"),
    path(
        "families/<int:family>/advances/<int:season>/statement.pdf",
        FamilyStatement.as_view(),
        name="advance_statement",
    ),
]
