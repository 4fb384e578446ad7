"""Season settlement pages: the list, opening a draft (entered or computed pool, cost
lines), a settlement with its lines (associations, then each association's families, with
totals that add up to the pool), recompute, approve, mark paid, the CSV of every line and
each family's payout statement (PDF).

Every member of the co-op reads everything, the statements included; managers and admins
open, change, approve and mark paid (others see no button, and those URLs answer 403).
Another co-op's settlement or family answers 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View

from coop import selectors as coop_selectors
from coop.forms import add_service_errors
from coop.models import Family
from coop.spreadsheets import SpreadsheetCSV, spreadsheet_text
from coop.tenancy import MANAGE
from coop.units import quantize_money
from coop.views.base import PAGE_SIZE, CooperativeMixin, CoopListView
from upgrading.forms.settlements import (
    CostFormSet,
    LineFilterForm,
    MarkPaidForm,
    SettlementEditForm,
    SettlementFilterForm,
    SettlementForm,
)
from upgrading.models import Settlement, SettlementLine
from upgrading.selectors import settlements as selectors
from upgrading.services import settlements as services

HISTORY_ROWS = 50
CSV_CHUNK = 2000  # lines read from the database at a time while the CSV streams

CSV_COLUMNS = [
    "settlement",
    "season",
    "status",
    "level",
    "association_code",
    "association",
    "family_code",
    "family",
    "kg",
    "gross_share",
    "advances",
    "carried_in",
    "net",
    "currency",
    "net_before_correction",
]


def _cents(value):
    # A subquery's value comes back from SQLite through a float, unrounded: back to cents.
    return None if value is None else quantize_money(value)


class SettlementMixin(CooperativeMixin):
    section = "settlements"

    @cached_property
    def settlement(self) -> Settlement:
        settlements = selectors.settlement_list(user=self.request.user, cooperative=self.cooperative)
        return get_object_or_404(settlements, pk=self.kwargs["pk"])

    def settlement_url(self, name: str = "settlement_detail") -> str:
        return self.detail_url(name, self.settlement.pk)


# --- List ------------------------------------------------------------------------------------


class SettlementList(CoopListView):
    section = "settlements"
    template_name = "upgrading/settlement_list.html"
    filter_form_class = SettlementFilterForm
    context_object_name = "settlements"

    def select(self, value):
        return selectors.settlement_list(
            user=self.request.user,
            cooperative=self.cooperative,
            status=value("status") or "",
            season=value("season"),
            search=value("q") or "",
        )


# --- Opening and changing a draft -------------------------------------------------------------


class SettlementOpen(SettlementMixin, FormView):
    """The settlement's terms and, for a computed pool, the costs recorded against the
    season's revenue; saving computes the lines and shows them for checking."""

    required_roles = MANAGE
    template_name = "upgrading/settlement_form.html"
    form_class = SettlementForm
    title = gettext_lazy("Open a settlement")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "cooperative": self.cooperative}

    def get_initial(self):
        initial = {"levels": Settlement.Levels.FAMILIES, "pool_source": Settlement.PoolSource.ENTERED}
        corrects = self.request.GET.get("corrects", "")
        if corrects.isdigit():
            found = Settlement.objects.filter(cooperative=self.cooperative, pk=int(corrects)).first()
            if found is not None:
                initial.update(
                    corrects=found.pk,
                    season=found.season_id,
                    levels=found.levels,
                    decision=found.decision_id,
                    reference=f"{found.reference}-C",
                )
        return initial

    def cost_formset(self, initial=None) -> CostFormSet:
        data = self.request.POST if self.request.method == "POST" else None
        return CostFormSet(data, prefix="costs", initial=initial)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("costs", self.cost_formset())
        return super().get_context_data(
            title=self.title,
            cancel_url=self.cancel_url(),
            base_currency=self.cooperative.base_currency,
            **kwargs,
        )

    def cancel_url(self) -> str:
        return reverse("settlement_list", kwargs={"slug": self.cooperative.slug})

    def post(self, request, *args, **kwargs):
        form, costs = self.get_form(), self.cost_formset()
        if not (form.is_valid() and costs.is_valid()):
            return self.render_to_response(self.get_context_data(form=form, costs=costs), status=400)
        try:
            settlement = self.save(form, costs.rows())
        except ValidationError as error:
            add_service_errors(form, error)
            return self.render_to_response(self.get_context_data(form=form, costs=costs), status=400)
        messages.success(
            request,
            _("Settlement %(ref)s computed: check its lines, then approve it.")
            % {"ref": settlement.reference},
        )
        return redirect(self.detail_url("settlement_detail", settlement.pk))

    def save(self, form, costs) -> Settlement:
        return services.settlement_open(actor=self.request.user, **form.service_data(costs))


class SettlementEdit(SettlementOpen):
    form_class = SettlementEditForm
    title = gettext_lazy("Change the settlement")

    def get(self, request, *args, **kwargs):
        if self.settlement.status != Settlement.Status.DRAFT:
            messages.error(request, _("Only a draft settlement can be changed; open a correction instead."))
            return redirect(self.settlement_url())
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        settlement = self.settlement
        return {
            "reference": settlement.reference,
            "levels": settlement.levels,
            "pool_source": settlement.pool_source,
            "pool": settlement.pool if settlement.pool_source == Settlement.PoolSource.ENTERED else None,
            "decision": settlement.decision_id,
            "notes": settlement.notes,
        }

    def cost_formset(self, initial=None) -> CostFormSet:
        if self.request.method != "POST":
            initial = [
                {"description": item.description, "amount": item.amount}
                for item in self.settlement.cost_items.all()
            ]
        return super().cost_formset(initial=initial)

    def get_context_data(self, **kwargs):
        return super().get_context_data(settlement=self.settlement, **kwargs)

    def cancel_url(self) -> str:
        return self.settlement_url()

    def save(self, form, costs) -> Settlement:
        return services.settlement_update(
            actor=self.request.user, settlement=self.settlement, **form.service_data(costs)
        )


# --- One settlement ----------------------------------------------------------------------------


class SettlementDetail(SettlementMixin, TemplateView):
    """The pool and how it was set, then the lines of one level: the associations (two
    levels), or the families — all of them, one association's, or those a search finds —
    a page at a time, each with the totals of what is listed."""

    template_name = "upgrading/settlement_detail.html"

    def get_context_data(self, **kwargs):
        settlement = self.settlement
        two_levels = settlement.levels == Settlement.Levels.ASSOCIATIONS
        filters = LineFilterForm(self.request.GET, cooperative=self.cooperative)
        level = filters.value("level") or (
            SettlementLine.Level.ASSOCIATION if two_levels else SettlementLine.Level.FAMILY
        )
        if not two_levels:
            level = SettlementLine.Level.FAMILY
        association = filters.value("association") if level == SettlementLine.Level.FAMILY else None
        lines = selectors.settlement_lines(
            settlement=settlement, level=level, association=association, search=filters.value("q") or ""
        )
        paginator = Paginator(lines, PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("page"))
        totals = selectors.settlement_totals(settlement=settlement)
        filtered = bool(association or filters.value("q"))
        can_manage = self.request.role in MANAGE
        status = settlement.status
        kwargs.setdefault("paid_form", MarkPaidForm(initial={"paid_on": timezone.localdate()}))
        corrections = list(
            settlement.corrections.order_by("created_at", "pk").only("pk", "reference", "status")
        )
        draft = status == Settlement.Status.DRAFT
        return super().get_context_data(
            settlement=settlement,
            freshness=selectors.settlement_freshness(settlement=settlement) if draft else None,
            cost_items=list(settlement.cost_items.all()),
            filters=filters,
            level=level,
            association=association,
            association_line=(
                settlement.lines.filter(
                    level=SettlementLine.Level.ASSOCIATION, association=association
                ).first()
                if association and two_levels
                else None
            ),
            lines=page.object_list,
            page_obj=page,
            paginator=paginator,
            is_paginated=page.has_other_pages(),
            totals=totals,
            level_totals=totals.get(level),
            listed_totals=selectors.lines_totals(lines) if filtered else None,
            two_levels=two_levels,
            can_change=can_manage and status == Settlement.Status.DRAFT,
            can_approve=can_manage and status == Settlement.Status.DRAFT,
            can_mark_paid=can_manage and status == Settlement.Status.APPROVED,
            corrections=corrections,
            # Only the settlement that stands is corrected: a corrected one's correction is.
            can_correct=can_manage
            and status in selectors.STANDING
            and not any(c.status in selectors.STANDING for c in corrections),
            history=coop_selectors.object_history(obj=settlement, limit=HISTORY_ROWS),
            **kwargs,
        )


class SettlementStep(SettlementDetail):
    """A POST from the settlement's page calling one service; a refusal re-shows the page
    with the service's message and writes nothing."""

    required_roles = MANAGE
    http_method_names = ["post"]
    done_message = ""

    def run(self, settlement):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        try:
            self.run(self.settlement)
        except ValidationError as error:
            return self.render_to_response(self.get_context_data(step_errors=error.messages), status=400)
        messages.success(request, self.done_message % {"ref": self.settlement.reference})
        return redirect(self.settlement_url())


class SettlementRecompute(SettlementStep):
    done_message = gettext_lazy("Settlement %(ref)s computed again from the season's current figures.")

    def run(self, settlement):
        services.settlement_recompute(actor=self.request.user, settlement=settlement)


class SettlementApprove(SettlementStep):
    done_message = gettext_lazy("Settlement %(ref)s approved: its lines can no longer change.")

    def run(self, settlement):
        services.settlement_approve(actor=self.request.user, settlement=settlement)


class SettlementMarkPaid(SettlementStep):
    done_message = gettext_lazy("Settlement %(ref)s marked as paid.")

    def post(self, request, *args, **kwargs):
        form = MarkPaidForm(request.POST)
        if form.is_valid():
            try:
                services.settlement_mark_paid(
                    actor=request.user, settlement=self.settlement, paid_on=form.cleaned_data["paid_on"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, self.done_message % {"ref": self.settlement.reference})
                return redirect(self.settlement_url())
        return self.render_to_response(self.get_context_data(paid_form=form), status=400)


# --- Exports -----------------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


class SettlementLinesCSV(SettlementMixin, View):
    """Every line (associations first, then families), streamed: 20,000 families fit in a
    few megabytes of memory. Text that a spreadsheet would run as a formula is neutralised."""

    def get(self, request, *args, **kwargs):
        settlement = self.settlement
        sheet = SpreadsheetCSV(request.LANGUAGE_CODE)
        writer = sheet.writer(_Echo())
        number = sheet.number

        def rows():
            yield sheet.BOM  # so that Excel reads the accents as UTF-8
            yield writer.writerow(CSV_COLUMNS)
            for level in (SettlementLine.Level.ASSOCIATION, SettlementLine.Level.FAMILY):
                lines = selectors.settlement_lines(settlement=settlement, level=level)
                for line in lines.iterator(chunk_size=CSV_CHUNK):
                    association, family = line.association, line.family
                    yield writer.writerow(
                        [
                            spreadsheet_text(settlement.reference),
                            spreadsheet_text(settlement.season.code),
                            settlement.status,
                            line.level,
                            spreadsheet_text(association.code if association else ""),
                            spreadsheet_text(association.name if association else ""),
                            spreadsheet_text(family.code if family else ""),
                            spreadsheet_text(family.household_name if family else ""),
                            number(line.kg),
                            number(line.gross_share),
                            number(line.advances),
                            number(line.carried_in),
                            number(line.net),
                            settlement.currency,
                            number(_cents(getattr(line, "corrected_net", None))),
                        ]
                    )

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        # References are letters, digits, dots, dashes and underscores (code_validator).
        response["Content-Disposition"] = f'attachment; filename="settlement-{settlement.reference}.csv"'
        return response


class FamilyStatement(SettlementMixin, View):
    """A family's payout statement (A5 PDF): its kg, its share and how it was computed, each
    advance deducted, what it owed before, and the net paid or carried."""

    def get(self, request, *args, **kwargs):
        from coop import documents  # WeasyPrint needs pango: loaded only when printing

        settlement = self.settlement
        family = get_object_or_404(
            Family.objects.filter(cooperative=self.cooperative), pk=self.kwargs["family"]
        )
        statement = selectors.family_statement(settlement=settlement, family=family)
        if statement is None:
            raise Http404("This family has no line in this settlement.")
        pdf = documents.render_pdf(
            request=request,
            template_name="upgrading/settlement_statement_pdf.html",
            context={
                "settlement": settlement,
                "family": family,
                **statement,
                "printed_on": timezone.localdate(),
            },
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="statement-{settlement.reference}-{family.code}.pdf"'
        )
        return response


urlpatterns = [
    path("settlements/", SettlementList.as_view(), name="settlement_list"),
    path("settlements/new/", SettlementOpen.as_view(), name="settlement_open"),
    path("settlements/<int:pk>/", SettlementDetail.as_view(), name="settlement_detail"),
    path("settlements/<int:pk>/edit/", SettlementEdit.as_view(), name="settlement_edit"),
    path("settlements/<int:pk>/recompute/", SettlementRecompute.as_view(), name="settlement_recompute"),
    path("settlements/<int:pk>/approve/", SettlementApprove.as_view(), name="settlement_approve"),
    path("settlements/<int:pk>/paid/", SettlementMarkPaid.as_view(), name="settlement_paid"),
    path("settlements/<int:pk>/lines.csv", SettlementLinesCSV.as_view(), name="settlement_lines_csv"),
    path(
        "settlements/<int:pk>/families/<int:family>/statement.pdf",
        FamilyStatement.as_view(),
        name="settlement_statement",
    ),
]
