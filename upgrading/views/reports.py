"""Reports pages under /c/<slug>/reports/: the list with the request form, status and
history; a report's page (check results with links, or the pack's files and hashes);
downloads; and the auditor's page of evidence packs with their hashes.

Every report is looked up among the co-op's own (another co-op's answers 404). Anyone
of the co-op reads and downloads, except a pack with national IDs, which only an
administrator downloads. Requesting goes through `service.report_request`, which decides
who may ask for what (managers: everything; auditors: evidence packs; staff: nothing).
"""

import base64
import io
import posixpath

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView, View

from coop.forms import add_service_errors
from coop.models import Role
from coop.storage import stored_file_response
from coop.tenancy import ADMINISTER, can
from coop.views.base import PAGE_SIZE, CooperativeMixin
from upgrading.forms.reports import ReportRequestForm, requestable_kinds
from upgrading.models import Report
from upgrading.reports import csvsafe
from upgrading.reports.compliance import TITLES
from upgrading.reports.service import report_request
from upgrading.selectors import reports as selectors

CONTENT_TYPES = {".zip": "application/zip", ".pdf": "application/pdf"}
CHECK_BADGES = {"pass": "pace-ok", "warning": "pace-behind", "fail": "result-sanction"}
STATUS_BADGES = {
    "queued": "status-draft",
    "running": "status-confirmed",
    "done": "pace-ok",
    "failed": "result-sanction",
}


def checks_for_display(report: Report) -> list[dict]:
    return [
        {
            **check,
            "title": TITLES.get(check["code"], check["code"]),
            "badge": CHECK_BADGES.get(check["status"], ""),
        }
        for check in report.summary.get("checks", [])
    ]


def may_download(user, report: Report) -> bool:
    if report.summary.get("include_national_ids"):
        return can(user, report.cooperative, ADMINISTER)
    return True


class ReportMixin(CooperativeMixin):
    section = "reports"

    @cached_property
    def report(self) -> Report:
        reports = selectors.report_list(user=self.request.user, cooperative=self.cooperative)
        return get_object_or_404(reports, pk=self.kwargs["pk"])


class ReportList(CooperativeMixin, ListView):
    """The co-op's reports, newest first, with the request form for those who may ask."""

    section = "reports"
    template_name = "upgrading/report_list.html"
    paginate_by = PAGE_SIZE
    context_object_name = "reports"

    def get_queryset(self):
        return selectors.report_list(user=self.request.user, cooperative=self.cooperative)

    def form(self, data=None):
        return ReportRequestForm(data, role=self.request.role)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "form" not in context and requestable_kinds(self.request.role):
            context["form"] = self.form()
        context["pending"] = any(
            r.status in (Report.Status.QUEUED, Report.Status.RUNNING) for r in context["reports"]
        )
        context["badges"] = STATUS_BADGES
        return context

    def post(self, request, *args, **kwargs):
        if not requestable_kinds(request.role):
            raise PermissionDenied(_("Your role does not allow asking for reports."))
        form = self.form(request.POST)
        if form.is_valid():
            try:
                report, created = report_request(
                    actor=request.user, cooperative=self.cooperative, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if created:
                    messages.success(request, _("Report requested: %(report)s.") % {"report": report})
                else:
                    messages.info(request, _("This report already exists: %(report)s.") % {"report": report})
                return redirect("report_detail", slug=self.cooperative.slug, pk=report.pk)
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ReportDetail(ReportMixin, TemplateView):
    template_name = "upgrading/report_detail.html"

    def get_context_data(self, **kwargs):
        report = self.report
        return super().get_context_data(
            report=report,
            checks=checks_for_display(report),
            figures=report.summary.get("figures", {}),
            pack=report.summary.get("pack"),
            verification=report.summary.get("ledger_verification"),
            versions=list(selectors.report_versions(report=report)[:20]),
            may_download=may_download(self.request.user, report),
            badges=STATUS_BADGES,
            pending=report.status in (Report.Status.QUEUED, Report.Status.RUNNING),
            **kwargs,
        )


class ReportDownload(ReportMixin, View):
    """The report's file, streamed from storage, with its SHA-256 in `Repr-Digest`."""

    def get(self, request, *args, **kwargs):
        report = self.report
        if report.status != Report.Status.DONE or not report.file:
            raise Http404(_("This report has no file yet."))
        if not may_download(request.user, report):
            raise PermissionDenied(_("Only an administrator may download a pack with national IDs."))
        return report_file_response(report)


def report_file_response(report: Report) -> FileResponse:
    name = posixpath.basename(report.file.name)
    extension = posixpath.splitext(name)[1]
    response = stored_file_response(
        report.file, filename=name, content_type=CONTENT_TYPES.get(extension, "application/octet-stream")
    )
    # RFC 9530: the client can check what it received against the hash on the page.
    response["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(report.sha256)).decode()}:"
    return response


class ReportFindingsXLSX(ReportMixin, View):
    """A compliance report's findings as a spreadsheet (every text cell formula-safe)."""

    def get(self, request, *args, **kwargs):
        report = self.report
        if report.status != Report.Status.DONE:
            raise Http404(_("This report has no results yet."))
        rows = [[_("Check"), _("Result"), _("Record"), _("Details"), _("Link")]]
        results = {"pass": _("pass"), "warning": _("warning"), "fail": _("fail")}
        base = request.build_absolute_uri("/").rstrip("/")
        for check in checks_for_display(report):
            result = results.get(check["status"], check["status"])
            rows.append([str(check["title"]), result, "", check["summary"], ""])
            for finding in check["findings"]:
                link = base + finding["url"] if finding["url"] else ""
                rows.append([str(check["title"]), result, finding["label"], finding["detail"], link])
        buffer = io.BytesIO()
        csvsafe.write_xlsx(buffer, title=report.period, rows=rows)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        filename = (
            f"findings-{report.cooperative.slug}-{report.period.replace('..', '_to_')}-v{report.version}.xlsx"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class EvidencePackList(CooperativeMixin, ListView):
    """For auditors: every finished evidence pack with the SHA-256 of the ZIP and of its
    manifest, and the ledger head it was made at."""

    section = "reports"
    template_name = "upgrading/report_packs.html"
    paginate_by = PAGE_SIZE
    context_object_name = "packs"

    def get_queryset(self):
        return selectors.evidence_packs(user=self.request.user, cooperative=self.cooperative)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_admin"] = self.request.role == Role.ADMIN
        return context


urlpatterns = [
    path("reports/", ReportList.as_view(), name="report_list"),
    path("reports/packs/", EvidencePackList.as_view(), name="report_packs"),
    path("reports/<int:pk>/", ReportDetail.as_view(), name="report_detail"),
    path("reports/<int:pk>/download/", ReportDownload.as_view(), name="report_download"),
    path("reports/<int:pk>/findings.xlsx", ReportFindingsXLSX.as_view(), name="report_findings_xlsx"),
]
