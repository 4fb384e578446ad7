"""The import page: upload a CSV or XLSX file of families or lots, see a preview, confirm.

1. The upload is checked in full (a dry run of the import service): either every
   problem is listed, by row and column, or the first rows are shown as they will be
   saved, with counts.
2. The file is kept (coop.imports.pending: the default storage plus a database row) until
   the user confirms; confirming runs the import again for real, so whatever changed in
   between is checked too. Any web process may answer the confirmation.
Only roles that record families and lots (RECORD) may import: auditors get 403, people
outside the co-op 404, and so does a preview of another co-op or another user.
"""

from decimal import Decimal

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import FormView

from coop.forms.imports import ImportForm
from coop.imports import KINDS, ImportRejected, import_file
from coop.imports.pending import pending_discard, pending_get, pending_keep, pending_read, pending_take
from coop.imports.template import template_rows
from coop.spreadsheets import SpreadsheetCSV, spreadsheet_text
from coop.tenancy import RECORD
from coop.views.base import CooperativeMixin

PAGE_PROBLEMS = 200  # problems listed on the page; every one in the CSV download
LIST_AFTER_IMPORT = {"families": "family_list", "lots": "lot_list"}


class ImportMixin(CooperativeMixin):
    section = "imports"
    required_roles = RECORD


class ImportUpload(ImportMixin, FormView):
    template_name = "coop/import_form.html"
    form_class = ImportForm

    def get_initial(self):
        kind = self.request.GET.get("kind")
        return {"kind": kind if kind in KINDS else "lots"}

    def form_valid(self, form):
        kind, upload = form.cleaned_data["kind"], form.cleaned_data["file"]
        data = upload.read()
        token = pending_keep(
            user=self.request.user, cooperative=self.cooperative, kind=kind, filename=upload.name, data=data
        ).token
        try:
            result = import_file(
                actor=self.request.user,
                cooperative=self.cooperative,
                kind=kind,
                data=data,
                filename=upload.name,
                dry_run=True,
            )
        except ImportRejected as rejected:
            context = self.get_context_data(form=form, token=token, **_problems(rejected))
            return self.render_to_response(context)
        return render(
            self.request,
            "coop/import_preview.html",
            {"result": result, "token": token, "filename": upload.name, "kind": kind},
        )


def _problems(rejected: ImportRejected) -> dict:
    return {"problems": rejected.problems[:PAGE_PROBLEMS], "problem_count": len(rejected.problems)}


class ImportConfirm(ImportMixin, View):
    """Confirm (or cancel) a previewed file: it is imported again, for real."""

    def post(self, request, slug):
        token = request.POST.get("token")
        preview = pending_get(user=request.user, cooperative=self.cooperative, token=token)
        if preview is None:
            raise Http404
        if "cancel" in request.POST:
            if pending_discard(preview=preview):
                messages.info(request, _("Import cancelled: nothing was saved."))
            return redirect("import_upload", slug=slug)
        data = pending_take(preview=preview)
        if data is None:
            messages.error(
                request, _("This preview has expired or was already imported. Upload the file again.")
            )
            return redirect("import_upload", slug=slug)
        try:
            result = import_file(
                actor=request.user,
                cooperative=self.cooperative,
                kind=preview.kind,
                data=data,
                filename=preview.original_name,
                # The preview listed the unusual values; the box says the importer checked them.
                confirm_unusual=request.POST.get("confirm_unusual") == "1",
            )
        except ImportRejected as rejected:
            # The co-op changed since the preview (a code taken, a family suspended).
            form = ImportForm(initial={"kind": preview.kind})
            return render(request, "coop/import_form.html", {"form": form, **_problems(rejected)})
        counts = {name: intcomma(count) for name, count in result.counts.items()}
        if result.kind == "families":
            text = ngettext("Imported %(count)s family.", "Imported %(count)s families.", result.created)
        else:
            text = ngettext(
                "Imported %(count)s lot (accepted: %(accepted)s; rejected for moisture: %(rejected)s).",
                "Imported %(count)s lots (accepted: %(accepted)s; rejected for moisture: %(rejected)s).",
                result.created,
            )
        text %= {**counts, "count": intcomma(result.created)}
        messages.success(request, text)
        try:
            return redirect(LIST_AFTER_IMPORT[result.kind], slug=slug)
        except NoReverseMatch:
            return redirect("cooperative_home", slug=slug)


class ImportProblems(ImportMixin, View):
    """Every problem of a refused file, as CSV (the page lists the first ones only)."""

    def get(self, request, slug, token):
        preview = pending_get(user=request.user, cooperative=self.cooperative, token=token)
        data = pending_read(preview=preview) if preview else None
        if data is None:
            raise Http404
        try:
            import_file(
                actor=request.user,
                cooperative=self.cooperative,
                kind=preview.kind,
                data=data,
                filename=preview.original_name,
                dry_run=True,
            )
            problems = []
        except ImportRejected as rejected:
            problems = rejected.problems
        sheet = SpreadsheetCSV(request.LANGUAGE_CODE)
        response = sheet.response("problems.csv")
        writer = sheet.writer(response)
        writer.writerow([_("row"), _("column"), _("problem")])
        for problem in problems:
            writer.writerow(
                [
                    problem.row or "",
                    spreadsheet_text(problem.column or ""),
                    spreadsheet_text(problem.message),
                ]
            )
        return response


class ImportTemplate(ImportMixin, View):
    """The co-op's file to fill in: the header (in Portuguese for a Portuguese reader; the
    import reads both) and example rows with the co-op's own codes, as CSV in the reader's
    spreadsheet dialect (coop.spreadsheets.SpreadsheetCSV) or as XLSX."""

    def get(self, request, slug, kind, extension="csv"):
        if kind not in KINDS:
            raise Http404
        columns = KINDS[kind][0]
        headers = columns.headers(request.LANGUAGE_CODE)
        rows = [
            [example.get(name) for name in columns.names]
            for example in template_rows(cooperative=self.cooperative, kind=kind)
        ]
        filename = f"{self.cooperative.slug}-{kind}"  # a slug: letters, digits and dashes
        if extension == "xlsx":
            return _xlsx(f"{filename}.xlsx", headers, rows)
        sheet = SpreadsheetCSV(request.LANGUAGE_CODE)
        response = sheet.response(f"{filename}.csv")
        writer = sheet.writer(response)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(
                [
                    sheet.number(cell, normalize=True)
                    if isinstance(cell, Decimal)
                    else spreadsheet_text(cell)
                    for cell in row
                ]
            )
        return response


def _xlsx(filename: str, headers: list[str], rows: list[list]) -> HttpResponse:
    from openpyxl import Workbook  # only this download pays for it

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(headers)
    for row in rows:
        # Numbers stay numbers (the reader's spreadsheet shows its own decimal mark).
        sheet.append([cell if isinstance(cell, Decimal) else spreadsheet_text(cell) for cell in row])
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    workbook.save(response)
    return response
