"""The import page: upload a CSV or XLSX file of families or lots, see a preview, confirm.

1. The upload is checked in full (a dry run of the import service): either every
   problem is listed, by row and column, or the first rows are shown as they will be
   saved, with counts.
2. The file is kept (coop.imports.pending) until the user confirms; confirming runs the
   import again for real, so whatever changed in between is checked too.
Only roles that record families and lots (RECORD) may import: auditors get 403, people
outside the co-op 404.
"""

import csv

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from coop.forms.imports import ImportForm
from coop.imports import KINDS, ImportRejected, import_file
from coop.imports.pending import pending_discard, pending_keep, pending_read, pending_take
from coop.spreadsheets import spreadsheet_text
from coop.tenancy import RECORD
from coop.views.base import CooperativeMixin

PAGE_PROBLEMS = 200  # problems listed on the page; every one in the CSV download
LIST_AFTER_IMPORT = {"families": "family_list", "lots": "lot_list"}
TEMPLATE_ROWS = {
    "families": [
        {
            "code": "F0001",
            "household_name": "Família Sousa",
            "association": "HR-01",
            "municipality": "Simplício Mendes",
            "joined_on": "2012-03-01",
            "status": "active",
            "land_tenure": "owner",
            "hives": "24",
            "latitude": "-7.853",
            "longitude": "-41.910",
        }
    ],
    "lots": [
        {
            "kind": "barrel",
            "family": "F0001",
            "association": "HR-01",
            "product": "HONEY",
            "harvested_on": "2026-02-20",
            "collected_on": "2026-03-01",
            "gross_kg": "21.5",
            "net_kg": "20.0",
            "moisture_pct": "18.5",
        },
        {
            "kind": "nut_purchase",
            "family": "F0002",
            "association": "CANT-01",
            "product": "NUTS",
            "collected_on": "2026-03-02",
            "net_kg": "12.5",
            "price_per_kg": "3.20",
            "organic": "no",
        },
    ],
}


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
            self.request, cooperative=self.cooperative, kind=kind, filename=upload.name, data=data
        )
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
        token = request.POST.get("token", "")
        if "cancel" in request.POST:
            pending_discard(request, token=token)
            messages.info(request, _("Import cancelled: nothing was saved."))
            return redirect("import_upload", slug=slug)
        taken = pending_take(request, cooperative=self.cooperative, token=token)
        if taken is None:
            messages.error(
                request, _("This preview has expired or was already imported. Upload the file again.")
            )
            return redirect("import_upload", slug=slug)
        entry, data = taken
        try:
            result = import_file(
                actor=request.user,
                cooperative=self.cooperative,
                kind=entry["kind"],
                data=data,
                filename=entry["filename"],
                # The preview listed the unusual values; the box says the importer checked them.
                confirm_unusual=request.POST.get("confirm_unusual") == "1",
            )
        except ImportRejected as rejected:
            # The co-op changed since the preview (a code taken, a family suspended).
            form = ImportForm(initial={"kind": entry["kind"]})
            return render(request, "coop/import_form.html", {"form": form, **_problems(rejected)})
        if result.kind == "families":
            text = _("Imported %(count)s families.") % {"count": result.created}
        else:
            text = _(
                "Imported %(count)s lots (%(accepted)s accepted, %(rejected)s rejected for moisture)."
            ) % {
                "count": result.created,
                **result.counts,
            }
        messages.success(request, text)
        try:
            return redirect(LIST_AFTER_IMPORT[result.kind], slug=slug)
        except NoReverseMatch:
            return redirect("cooperative_home", slug=slug)


class ImportProblems(ImportMixin, View):
    """Every problem of a refused file, as CSV (the page lists the first ones only)."""

    def get(self, request, slug, token):
        kept = pending_read(request, cooperative=self.cooperative, token=token)
        if kept is None:
            raise Http404
        entry, data = kept
        try:
            import_file(
                actor=request.user,
                cooperative=self.cooperative,
                kind=entry["kind"],
                data=data,
                filename=entry["filename"],
                dry_run=True,
            )
            problems = []
        except ImportRejected as rejected:
            problems = rejected.problems
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="problems.csv"'
        response.write("\ufeff")  # so that Excel reads the accents as UTF-8
        writer = csv.writer(response)
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
    """An empty file with the right header and example rows, to fill in a spreadsheet."""

    def get(self, request, slug, kind):
        if kind not in KINDS:
            raise Http404
        columns = KINDS[kind][0].names
        # Brazilian spreadsheets expect ';' between cells and a decimal comma.
        brazilian = request.LANGUAGE_CODE.lower().startswith("pt")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
        response.write("\ufeff")
        writer = csv.writer(response, delimiter=";" if brazilian else ",")
        writer.writerow(columns)
        for example in TEMPLATE_ROWS[kind]:
            row = [example.get(column, "") for column in columns]
            writer.writerow([_decimal_comma(cell) for cell in row] if brazilian else row)
        return response


def _decimal_comma(cell: str) -> str:
    is_number = cell.replace(".", "", 1).lstrip("-").isdigit()
    return cell.replace(".", ",") if is_number else cell
