"""Pages of the indicator ledger under /c/<slug>/.

- indicators/: every indicator with its current value against the previous period;
- indicators/<code>/: the trend (Chart.js) and the same numbers as a table;
- ledger/: the entries, newest first, filterable, each with its hash and link;
- ledger/<seq>/: one entry, its evidence (downloadable), what it corrects or is corrected by;
- ledger/new/: a manual entry with evidence (staff, managers, admins; `?supersedes=SEQ`
  corrects an entry);
- ledger/verify/: the chain checked, optionally against a head held outside.

Everyone with a role reads and verifies; auditors see no write buttons and get 403 on
writes; another co-op's entries are 404. Nobody edits or deletes: there is no such page.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from coop.forms import add_service_errors
from coop.storage import stored_file_response
from coop.tenancy import RECORD, can
from coop.views.base import PAGE_SIZE, CooperativeMixin, ServiceFormView
from upgrading.forms.ledger import LedgerEntryForm, LedgerFilterForm, VerifyForm
from upgrading.indicators import entry_unit
from upgrading.ledger_hash import GENESIS_HASH
from upgrading.models import Indicator, LedgerEntry, LedgerEvidence
from upgrading.selectors import ledger as selectors
from upgrading.services import ledger as services
from upgrading.templatetags.ledger import indicator_name, period_text

SECTION = "indicators"


class LedgerMixin(CooperativeMixin):
    section = SECTION

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_append=can(self.request.user, self.cooperative, RECORD), **kwargs)


# --- Indicators ---------------------------------------------------------------------------


class IndicatorList(LedgerMixin, TemplateView):
    template_name = "upgrading/indicator_list.html"

    def get_context_data(self, **kwargs):
        rows = selectors.indicator_overview(cooperative=self.cooperative)
        # Measurable standards first, then enabling rights, economic, environmental.
        order = list(Indicator.Category.values)
        rows.sort(key=lambda row: (order.index(row.indicator.category), row.indicator.code))
        groups: dict[str, list] = {}
        for row in rows:
            groups.setdefault(row.indicator.get_category_display(), []).append(row)
        head = selectors.ledger_head(cooperative=self.cooperative)
        return super().get_context_data(groups=list(groups.items()), head=head, **kwargs)


def chart_data(indicator: Indicator, entries: list[LedgerEntry], unit: str, title: str) -> dict:
    """What static/js/charts.js draws: the series as labels and (text) values."""
    data = {
        "type": "line",
        "labels": [period_text(e.period_from, e.period_to) for e in entries],
        "unit": unit,
        "datasets": [{"label": title, "data": [str(e.value) for e in entries], "style": "line"}],
    }
    if indicator.min_value is not None:
        data["min"] = str(indicator.min_value)
    if indicator.max_value is not None and indicator.unit == "%":
        data["max"] = str(indicator.max_value)
    return data


class IndicatorDetail(LedgerMixin, TemplateView):
    template_name = "upgrading/indicator_detail.html"

    @cached_property
    def indicator(self) -> Indicator:
        return get_object_or_404(Indicator, code=self.kwargs["code"])

    def get_context_data(self, **kwargs):
        indicator = self.indicator
        kinds = selectors.granularities(cooperative=self.cooperative, indicator=indicator)
        wanted = self.request.GET.get("period", "")
        granularity = wanted if wanted in kinds else (kinds[0] if kinds else "")
        entries = selectors.indicator_series(
            cooperative=self.cooperative, indicator=indicator, granularity=granularity
        )
        unit = entry_unit(indicator, self.cooperative)
        by_subject = indicator.scope != Indicator.Scope.COOPERATIVE
        title = indicator_name(indicator)
        return super().get_context_data(
            indicator=indicator,
            unit=unit,
            kinds=kinds,
            granularity=granularity,
            entries=entries[::-1],  # the table: newest first
            chart=None if by_subject or not entries else chart_data(indicator, entries, unit, title),
            by_subject=by_subject,
            **kwargs,
        )


# --- The ledger ------------------------------------------------------------------------------


class LedgerList(LedgerMixin, TemplateView):
    """Newest first, in keyset pages (`?before=SEQ`): the same cost on page 1 and page 10,000."""

    template_name = "upgrading/ledger_list.html"

    def get_context_data(self, **kwargs):
        filters = LedgerFilterForm(self.request.GET)
        qs = selectors.ledger_entries(
            user=self.request.user,
            cooperative=self.cooperative,
            indicator=filters.value("indicator"),
            source=filters.value("source") or "",
            period_from=filters.value("period_from"),
            period_to=filters.value("period_to"),
            current_only=bool(filters.value("current")),
        )
        before = self.request.GET.get("before", "")
        if before.isdigit() and len(before) < 19:
            qs = qs.filter(sequence__lt=int(before))
        rows = list(qs[: PAGE_SIZE + 1])
        older = rows[PAGE_SIZE - 1].sequence if len(rows) > PAGE_SIZE else None
        return super().get_context_data(
            filters=filters,
            entries=rows[:PAGE_SIZE],
            older=older,
            paged=bool(before),
            head=selectors.ledger_head(cooperative=self.cooperative),
            **kwargs,
        )


class EntryMixin(LedgerMixin):
    @cached_property
    def entry(self) -> LedgerEntry:
        return get_object_or_404(
            selectors.ledger_entries(user=self.request.user, cooperative=self.cooperative),
            sequence=self.kwargs["sequence"],
        )


class LedgerEntryDetail(EntryMixin, TemplateView):
    template_name = "upgrading/ledger_entry.html"

    def get_context_data(self, **kwargs):
        entry = self.entry
        previous = (
            LedgerEntry.objects.filter(cooperative=self.cooperative, sequence=entry.sequence - 1)
            .only("pk", "sequence", "hash")
            .first()
        )
        superseded_by = getattr(entry, "superseded_by", None)
        return super().get_context_data(
            entry=entry,
            previous=previous,
            links_ok=(previous.hash if previous else GENESIS_HASH) == entry.previous_hash,
            superseded_by=superseded_by,
            **kwargs,
        )


class LedgerEvidenceDownload(EntryMixin, View):
    """An evidence file, served through the co-op's scope (never a public media URL)."""

    def get(self, request, *args, **kwargs):
        evidence = LedgerEvidence.objects.filter(entry=self.entry, pk=kwargs["pk"]).first()
        if evidence is None:
            raise Http404
        return stored_file_response(evidence.file, filename=evidence.name, content_type=evidence.content_type)


class LedgerEntryCreate(LedgerMixin, ServiceFormView):
    required_roles = RECORD
    form_class = LedgerEntryForm
    template_name = "upgrading/ledger_form.html"
    title = gettext_lazy("Record an indicator")

    @cached_property
    def supersedes(self) -> LedgerEntry | None:
        sequence = self.request.GET.get("supersedes", "")
        if not sequence:
            return None
        if not sequence.isdigit() or len(sequence) > 18:
            raise Http404
        return get_object_or_404(
            LedgerEntry.objects.select_related("indicator"),
            cooperative=self.cooperative,
            sequence=int(sequence),
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "supersedes": self.supersedes}

    def get_initial(self):
        initial = {}
        code = self.request.GET.get("indicator", "")
        if code and Indicator.objects.filter(code=code, source=Indicator.Source.MANUAL, active=True).exists():
            initial["indicator"] = code
        entry = self.supersedes
        if entry is not None:
            initial.update(
                period_from=entry.period_from,
                period_to=entry.period_to,
                value=entry.value.normalize(),
                association=entry.association_id,
                family=entry.family.code if entry.family_id else "",
            )
        return initial

    def form_valid(self, form):
        try:
            entry = services.ledger_append(
                actor=self.request.user, cooperative=self.cooperative, **form.service_data()
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Entry #%(seq)s recorded.") % {"seq": entry.sequence})
        return redirect("ledger_entry", slug=self.cooperative.slug, sequence=entry.sequence)

    def cancel_url(self):
        if self.supersedes is not None:
            return reverse(
                "ledger_entry", kwargs={"slug": self.cooperative.slug, "sequence": self.supersedes.sequence}
            )
        return reverse("indicator_list", kwargs={"slug": self.cooperative.slug})

    def get_context_data(self, **kwargs):
        return super().get_context_data(supersedes=self.supersedes, **kwargs)


class LedgerVerify(LedgerMixin, TemplateView):
    """Auditors (and everyone with a role) check the chain, optionally against a head they hold."""

    template_name = "upgrading/ledger_verify.html"

    def get_context_data(self, **kwargs):
        asked = "verify" in self.request.GET
        form = VerifyForm(self.request.GET if asked else None)
        result = None
        if asked and form.is_valid():
            result = selectors.verify_chain(cooperative=self.cooperative, anchor=form.cleaned_data["head"])
        return super().get_context_data(form=form, result=result, **kwargs)


urlpatterns = [
    path("indicators/", IndicatorList.as_view(), name="indicator_list"),
    path("indicators/<str:code>/", IndicatorDetail.as_view(), name="indicator_detail"),
    path("ledger/", LedgerList.as_view(), name="ledger_list"),
    path("ledger/new/", LedgerEntryCreate.as_view(), name="ledger_create"),
    path("ledger/verify/", LedgerVerify.as_view(), name="ledger_verify"),
    path("ledger/<int:sequence>/", LedgerEntryDetail.as_view(), name="ledger_entry"),
    path(
        "ledger/<int:sequence>/evidence/<int:pk>/", LedgerEvidenceDownload.as_view(), name="ledger_evidence"
    ),
]
