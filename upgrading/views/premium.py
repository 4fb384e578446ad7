"""Pages of the fair-trade premium fund: the fund (balance, receipts, allocations,
spending), the lists behind it, allocating to a project, recording spending with its
evidence, and the yearly premium-use report (page and CSV).

Every member of the co-op reads; managers and admins allocate and spend (others see no
button, and the write URLs answer 403). Another co-op's allocation, spending or evidence
file answers 404: each is looked up among the rows of the co-op in the URL, which must be
one of the user's own.
"""

from pathlib import PurePosixPath

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from coop import selectors as coop_selectors
from coop.forms import add_service_errors
from coop.spreadsheets import SpreadsheetCSV, spreadsheet_text
from coop.storage import stored_file_response
from coop.tenancy import MANAGE
from coop.views.base import CooperativeMixin, ServiceFormView, keyset_page
from upgrading.forms.premium import AllocationForm, ReportYearForm, SpendForm
from upgrading.selectors import premium as selectors
from upgrading.services import premium as services

OPEN_ALLOCATION_ROWS = 100  # open allocations on the fund's page; the list has them all
LATEST_ROWS = 10  # latest receipts and spending on the fund's page
HISTORY_ROWS = 50

# Evidence is served as a download with the type its name says, among the accepted ones
# (`upgrading.evidence` checked the content when it was uploaded); anything else is bytes.
EVIDENCE_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".txt": "text/plain",
    ".csv": "text/csv",
}


class PremiumMixin(CooperativeMixin):
    section = "premium"

    def premium_url(self, name: str, *args) -> str:
        return reverse(name, args=[self.cooperative.slug, *args])


class PremiumFund(PremiumMixin, TemplateView):
    template_name = "upgrading/premium_fund.html"

    def get_context_data(self, **kwargs):
        user, coop = self.request.user, self.cooperative
        allocations = list(
            selectors.premium_allocation_list(user=user, cooperative=coop, open_only=True)[
                : OPEN_ALLOCATION_ROWS + 1
            ]
        )
        return super().get_context_data(
            fund=selectors.premium_fund_summary(cooperative=coop),
            allocations=allocations[:OPEN_ALLOCATION_ROWS],
            allocations_cut=len(allocations) > OPEN_ALLOCATION_ROWS,
            receipts=list(selectors.premium_receipt_list(user=user, cooperative=coop)[:LATEST_ROWS]),
            spending=list(selectors.premium_spending_list(user=user, cooperative=coop)[:LATEST_ROWS]),
            latest_rows=LATEST_ROWS,
            **kwargs,
        )


# --- Lists --------------------------------------------------------------------------------------


class PremiumKeysetList(PremiumMixin, TemplateView):
    """Newest first, a page at a time by cursor (no COUNT, no deep OFFSET)."""

    date_field = ""

    def rows(self):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        page = keyset_page(
            self.rows(),
            older=self.request.GET.get("older"),
            newer=self.request.GET.get("newer"),
            date_field=self.date_field,
        )
        fund = selectors.premium_fund_summary(cooperative=self.cooperative)
        return super().get_context_data(page=page, currency=fund.currency, **kwargs)


class PremiumReceiptList(PremiumKeysetList):
    template_name = "upgrading/premium_receipt_list.html"
    date_field = "received_on"

    def rows(self):
        return selectors.premium_receipt_list(user=self.request.user, cooperative=self.cooperative)


class PremiumAllocationList(PremiumKeysetList):
    template_name = "upgrading/premium_allocation_list.html"
    date_field = "allocated_on"

    def rows(self):
        return selectors.premium_allocation_list(user=self.request.user, cooperative=self.cooperative)


class PremiumSpendingList(PremiumKeysetList):
    template_name = "upgrading/premium_spending_list.html"
    date_field = "spent_on"

    def rows(self):
        return selectors.premium_spending_list(user=self.request.user, cooperative=self.cooperative)


# --- One allocation -----------------------------------------------------------------------------


class AllocationMixin(PremiumMixin):
    @cached_property
    def allocation(self):
        allocations = selectors.premium_allocation_list(user=self.request.user, cooperative=self.cooperative)
        return get_object_or_404(allocations, pk=self.kwargs["pk"])


class PremiumAllocationDetail(AllocationMixin, TemplateView):
    template_name = "upgrading/premium_allocation_detail.html"

    def get_context_data(self, **kwargs):
        allocation = self.allocation
        spending = selectors.premium_spending_list(
            user=self.request.user, cooperative=self.cooperative, allocation=allocation
        )
        page = keyset_page(
            spending,
            older=self.request.GET.get("older"),
            newer=self.request.GET.get("newer"),
            date_field="spent_on",
        )
        return super().get_context_data(
            allocation=allocation,
            page=page,
            currency=selectors.premium_fund_summary(cooperative=self.cooperative).currency,
            can_spend=self.request.role in MANAGE and allocation.remainder > 0,
            history=coop_selectors.object_history(obj=allocation, limit=HISTORY_ROWS),
            **kwargs,
        )


# --- Writing ------------------------------------------------------------------------------------


class PremiumAllocate(PremiumMixin, ServiceFormView):
    required_roles = MANAGE
    form_class = AllocationForm
    template_name = "upgrading/premium_form.html"
    detail_name = "premium_allocation_detail"
    title = gettext_lazy("Allocate premium to a project")

    def save(self, form):
        return services.premium_allocate(
            actor=self.request.user, cooperative=self.cooperative, **form.cleaned_data
        )

    def saved(self, allocation) -> None:
        messages.success(self.request, _("Allocated to %(project)s.") % {"project": allocation.project})

    def cancel_url(self):
        return self.premium_url("premium_fund")

    def get_context_data(self, **kwargs):
        fund = selectors.premium_fund_summary(cooperative=self.cooperative)
        return super().get_context_data(fund=fund, **kwargs)


class PremiumSpend(AllocationMixin, ServiceFormView):
    required_roles = MANAGE
    form_class = SpendForm
    template_name = "upgrading/premium_form.html"
    title = gettext_lazy("Record spending")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "allocation": self.allocation}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.premium_spend(
                actor=self.request.user,
                allocation=self.allocation,
                spent_on=data["spent_on"],
                amount=data["amount"],
                description=data["description"],
                evidence=data.get("evidence") or None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Spending recorded against %(project)s.") % {"project": self.allocation.project}
        )
        return redirect(self.cancel_url())

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def cancel_url(self):
        return self.premium_url("premium_allocation_detail", self.allocation.pk)

    def get_context_data(self, **kwargs):
        currency = selectors.premium_fund_summary(cooperative=self.cooperative).currency
        return super().get_context_data(
            allocation=self.allocation, subtitle=self.allocation.project, currency=currency, **kwargs
        )


class PremiumEvidence(PremiumMixin, View):
    """The evidence file of one spending, as a download, to members of its co-op only."""

    def get(self, request, *args, **kwargs):
        spending = get_object_or_404(
            selectors.premium_spending_list(user=request.user, cooperative=self.cooperative), pk=kwargs["pk"]
        )
        name = PurePosixPath(spending.evidence.name).name
        content_type = EVIDENCE_TYPES.get(PurePosixPath(name).suffix.lower(), "application/octet-stream")
        return stored_file_response(spending.evidence, filename=name, content_type=content_type)


# --- The yearly report --------------------------------------------------------------------------


class ReportMixin(PremiumMixin):
    @cached_property
    def year(self) -> int:
        return self.form.cleaned_data.get("year") or timezone.localdate().year

    @cached_property
    def form(self) -> ReportYearForm:
        years = selectors.premium_years(cooperative=self.cooperative)
        this_year = timezone.localdate().year
        if this_year not in years:
            years = sorted({*years, this_year}, reverse=True)
        form = ReportYearForm(self.request.GET if "year" in self.request.GET else None, years=years)
        if form.is_bound:
            form.is_valid()
        else:
            form.cleaned_data = {}
        return form

    @cached_property
    def report(self):
        return selectors.premium_use_report(cooperative=self.cooperative, year=self.year)


class PremiumReport(ReportMixin, TemplateView):
    template_name = "upgrading/premium_report.html"

    def get_context_data(self, **kwargs):
        form, year = self.form, self.year
        form.fields["year"].initial = year
        return super().get_context_data(form=form, year=year, report=self.report, **kwargs)


CSV_COLUMNS = [
    "year",
    "section",
    "category",
    "project",
    "contract",
    "buyer",
    "shipments",
    "kg",
    "premium_currency",
    "premium_amount",
    "received",
    "allocated",
    "spent",
    "balance",
    "families",
    "currency",
]


def _number(value) -> str:
    # Numbers as a machine reads them: a dot, no grouping.
    return "" if value is None else f"{value:f}"


def report_rows(report, number=_number) -> list[list]:
    """The report as one table: a `section` column says what each row is; `number` writes
    the numbers (a machine's form by default, the reader's spreadsheet's in the download)."""
    currency = report.currency

    def row(section, **values):
        cells = {"year": report.year, "section": section, "currency": currency, **values}
        return [cells.get(column, "") for column in CSV_COLUMNS]

    rows = [CSV_COLUMNS, row("opening_balance", balance=number(report.opening_balance))]
    for line in report.contracts:
        rows.append(
            row(
                "receipts",
                contract=spreadsheet_text(line.reference),
                buyer=spreadsheet_text(line.buyer),
                shipments=line.shipments,
                kg=number(line.kg),
                premium_currency=line.currency,
                premium_amount=number(line.amount_foreign),
                received=number(line.amount),
            )
        )
    for line in report.projects:
        rows.append(
            row(
                "project",
                category=line.category,
                project=spreadsheet_text(line.project),
                allocated=number(line.allocated),
                spent=number(line.spent),
            )
        )
    for line in report.categories:
        rows.append(
            row(
                "category",
                category=line.category,
                allocated=number(line.allocated),
                spent=number(line.spent),
            )
        )
    rows.append(
        row(
            "total",
            kg=number(report.received_kg),
            received=number(report.received),
            allocated=number(report.allocated),
            spent=number(report.spent),
        )
    )
    if report.families:
        rows.append(
            row(
                "per_family",
                received=number(report.received_per_family),
                allocated=number(report.allocated_per_family),
                spent=number(report.spent_per_family),
                families=report.families,
            )
        )
    rows.append(row("closing_balance", balance=number(report.closing_balance)))
    rows.append(row("unspent_allocations", balance=number(report.unspent_at_end)))
    return rows


class PremiumReportCSV(ReportMixin, View):
    def get(self, request, *args, **kwargs):
        sheet = SpreadsheetCSV(request.LANGUAGE_CODE)
        # The slug is letters, digits and dashes; the year a number.
        response = sheet.response(f"premium-{self.cooperative.slug}-{self.year}.csv")
        sheet.writer(response).writerows(report_rows(self.report, number=sheet.number))
        return response


urlpatterns = [
    path("premium/", PremiumFund.as_view(), name="premium_fund"),
    path("premium/receipts/", PremiumReceiptList.as_view(), name="premium_receipts"),
    path("premium/allocations/", PremiumAllocationList.as_view(), name="premium_allocations"),
    path("premium/allocations/new/", PremiumAllocate.as_view(), name="premium_allocate"),
    path(
        "premium/allocations/<int:pk>/", PremiumAllocationDetail.as_view(), name="premium_allocation_detail"
    ),
    path("premium/allocations/<int:pk>/spend/", PremiumSpend.as_view(), name="premium_spend"),
    path("premium/spending/", PremiumSpendingList.as_view(), name="premium_spending"),
    path("premium/spending/<int:pk>/evidence/", PremiumEvidence.as_view(), name="premium_evidence"),
    path("premium/report/", PremiumReport.as_view(), name="premium_report"),
    path("premium/report.csv", PremiumReportCSV.as_view(), name="premium_report_csv"),
]
