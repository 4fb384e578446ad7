"""Production pages: recording barrels and nut purchases, lots, batches, labels, receipts.

Recording needs RECORD (staff, managers, admins); auditors read everything, including
labels and receipts, and write nothing. Lots are always looked up within the co-op of
the URL, so another co-op's lot, label or receipt answers 404.
"""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View

from coop import selectors, services
from coop.collection_points import remember_point, remembered_point
from coop.forms import add_service_errors
from coop.forms.production import (
    BarrelForm,
    BatchForm,
    LotFilterForm,
    OtherDeliveryForm,
    PurchaseForm,
    RejectForm,
)
from coop.models import Family, Lot, Product
from coop.tenancy import RECORD
from coop.views.base import PAGE_SIZE, CooperativeMixin, ServiceFormView, keyset_page

LINEAGE_ROWS = 50
HISTORY_ROWS = 50


class LotMixin(CooperativeMixin):
    section = "lots"

    @cached_property
    def lot(self) -> Lot:
        return get_object_or_404(
            selectors.lot_list(user=self.request.user, cooperative=self.cooperative), pk=self.kwargs["pk"]
        )


# --- Recording deliveries -------------------------------------------------------------


class DeliveryRecord(ServiceFormView):
    """A phone form for one delivery; the next one starts from this one's place and price."""

    section = "lots"
    required_roles = RECORD
    template_name = "coop/lot_record.html"
    detail_name = "lot_saved"
    kind = ""

    @property
    def defaults_key(self) -> str:
        return f"lot-defaults:{self.cooperative.pk}:{self.kind}"

    def get(self, request, *args, **kwargs):
        return self.refuse_unhandled() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.refuse_unhandled() or super().post(request, *args, **kwargs)

    def refuse_unhandled(self):
        """A honey co-op buys no nuts, a babassu one fills no barrels: no form (lot_record
        refuses them too, for the API and the import)."""
        if self.kind in selectors.kinds_handled(cooperative=self.cooperative):
            return None
        context = {"kind_label": Lot.Kind(self.kind).label, "title": self.title}
        return render(self.request, "coop/lot_kind_refused.html", context, status=404)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        remembered = self.request.session.get(self.defaults_key, {})
        product = remembered.get("product")
        if product is None:
            default = selectors.default_delivery_product(cooperative=self.cooperative, kind=self.kind)
            product = default.pk if default else None
        return {
            "collected_on": timezone.localdate(),
            "product": product,
            "association": remembered.get("association"),
            # Kept as text in the session; a Decimal is shown the page's way ("3,20").
            "price_per_kg": Decimal(price) if (price := remembered.get("price_per_kg")) else None,
        }

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        # "New barrel" on a family's page: that family is already chosen.
        # The collection point chosen anywhere this session, when it fits this kind of lot.
        point = remembered_point(self.request, cooperative=self.cooperative)
        if not form.is_bound and point and form.fields["association"].queryset.filter(pk=point).exists():
            form.initial["association"] = point
        family = self.request.GET.get("family", "")
        if not form.is_bound and family.isdigit():
            found = Family.objects.filter(cooperative=self.cooperative, pk=int(family)).first()
            if found is not None:
                form.fields["family"].set_initial_object(found)
        return form

    def save(self, form):
        try:
            lot = services.lot_record(
                actor=self.request.user, cooperative=self.cooperative, kind=self.kind, **form.service_data()
            )
        except ValidationError as error:
            if "confirm_unusual" in getattr(error, "error_dict", {}):
                form.ask_confirmation()  # the values in words, and the box to confirm them
            raise
        data = form.cleaned_data
        remember_point(self.request, cooperative=self.cooperative, association=data.get("association"))
        self.request.session[self.defaults_key] = {
            "product": data["product"].pk,
            "association": data["association"].pk if data.get("association") else None,
            "price_per_kg": str(data["price_per_kg"]) if data.get("price_per_kg") is not None else None,
        }
        return lot

    def saved(self, obj) -> None:
        pass  # the page after saving says it, bigger

    def cancel_url(self):
        return reverse("lot_list", kwargs={"slug": self.cooperative.slug})


class BarrelRecord(DeliveryRecord):
    kind = Lot.Kind.BARREL
    form_class = BarrelForm
    title = gettext_lazy("New barrel")


class PurchaseRecord(DeliveryRecord):
    kind = Lot.Kind.NUT_PURCHASE
    form_class = PurchaseForm
    title = gettext_lazy("New nut purchase")


class OtherDeliveryRecord(DeliveryRecord):
    kind = Lot.Kind.DELIVERY
    form_class = OtherDeliveryForm
    title = gettext_lazy("New delivery")


# The record buttons, in the order they are offered, with the kind of lot each records.
RECORD_ACTIONS = (
    (Lot.Kind.BARREL, "lot_record_barrel", gettext_lazy("New barrel")),
    (Lot.Kind.NUT_PURCHASE, "lot_record_purchase", gettext_lazy("New nut purchase")),
    (Lot.Kind.DELIVERY, "lot_record_delivery", gettext_lazy("New delivery")),
)


def record_actions(cooperative) -> list[tuple[str, str]]:
    """(label, URL) of the capture forms of the kinds this co-op handles (one query)."""
    handled = selectors.kinds_handled(cooperative=cooperative)
    return [
        (label, reverse(name, kwargs={"slug": cooperative.slug}))
        for kind, name, label in RECORD_ACTIONS
        if kind in handled
    ]


class RecordChoose(CooperativeMixin, TemplateView):
    """ "Record" in the menu: every capture form this co-op uses, big enough for a thumb."""

    section = "record"
    required_roles = RECORD
    template_name = "coop/lot_record_choose.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(record_actions=record_actions(self.cooperative), **kwargs)


class LotSaved(LotMixin, TemplateView):
    """After recording: what was recorded, print it, record another."""

    template_name = "coop/lot_saved.html"

    def get_context_data(self, **kwargs):
        again = {kind: name for kind, name, _label in RECORD_ACTIONS}
        again_name = again.get(self.lot.kind)
        return super().get_context_data(
            lot=self.lot,
            again_url=reverse(again_name, kwargs={"slug": self.cooperative.slug}) if again_name else "",
            **kwargs,
        )


# --- Lot list and detail -------------------------------------------------------------------


class LotList(CooperativeMixin, TemplateView):
    section = "lots"
    template_name = "coop/lot_list.html"

    def get_context_data(self, **kwargs):
        filters = LotFilterForm(self.request.GET, cooperative=self.cooperative)
        value = filters.value
        lots = selectors.lot_list(
            user=self.request.user,
            cooperative=self.cooperative,
            kind=value("kind") or "",
            status=value("status") or "",
            product=value("product"),
            family=value("family"),
            collected_from=value("collected_from"),
            collected_to=value("collected_to"),
            search=value("q") or "",
        )
        if filters.errors.get("family"):
            # A family code that names no family of this co-op matches no lot (not all of them).
            lots = lots.none()
        page = keyset_page(
            lots, older=self.request.GET.get("older"), newer=self.request.GET.get("newer"), size=PAGE_SIZE
        )
        return super().get_context_data(filters=filters, page=page, **kwargs)


class LotDetail(LotMixin, TemplateView):
    template_name = "coop/lot_detail.html"

    def get_context_data(self, **kwargs):
        lot = self.lot
        kwargs.setdefault("reject_form", RejectForm())
        return super().get_context_data(
            lot=lot,
            lineage=selectors.lot_lineage(lot=lot, limit=LINEAGE_ROWS),
            history=selectors.object_history(obj=lot, limit=HISTORY_ROWS),
            can_accept=lot.status == Lot.Status.RECEIVED,
            can_reject=lot.status in (Lot.Status.RECEIVED, Lot.Status.ACCEPTED)
            and not lot.consumed_kg
            and not lot.allocated_kg,
            **kwargs,
        )


class LotAccept(LotMixin, View):
    required_roles = RECORD
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            lot = services.lot_accept(actor=request.user, lot=self.lot)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Lot %(code)s accepted.") % {"code": lot.code})
        return redirect(self.detail_url("lot_detail", self.lot.pk))


class LotReject(LotDetail):
    required_roles = RECORD
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = RejectForm(request.POST)
        if form.is_valid():
            try:
                lot = services.lot_reject(
                    actor=request.user, lot=self.lot, reason=form.cleaned_data["rejection_reason"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Lot %(code)s rejected.") % {"code": lot.code})
                return redirect(self.detail_url("lot_detail", lot.pk))
        return self.render_to_response(self.get_context_data(reject_form=form), status=400)


# --- Batches ---------------------------------------------------------------------------------


class BatchCreate(CooperativeMixin, FormView):
    """Choose the product made, tick input lots (with what each has left), save.

    "Show lots" (or, with htmx, changing the product or the search) re-reads the
    available lots without saving and keeps what was already ticked.
    """

    section = "lots"
    required_roles = RECORD
    template_name = "coop/lot_batch.html"
    form_class = BatchForm
    CANDIDATE_ROWS = 100

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "cooperative": self.cooperative}
        if self.refreshing:
            # Re-reading the list is not saving: show what was typed, without errors.
            kwargs.pop("data", None)
            kwargs.pop("files", None)
            kwargs["initial"] = self.request.POST.dict()
        return kwargs

    @cached_property
    def refreshing(self) -> bool:
        return self.request.method == "POST" and "refresh" in self.request.POST

    def get_initial(self):
        return {
            "collected_on": timezone.localdate(),
            "product": self.request.GET.get("product"),
            "association": remembered_point(self.request, cooperative=self.cooperative),
        }

    def post(self, request, *args, **kwargs):
        if self.refreshing:
            return self.render_to_response(self.get_context_data())
        return super().post(request, *args, **kwargs)

    def _product(self, raw) -> Product | None:
        if not raw or not str(raw).isdigit():
            return None
        products = Product.objects.filter(cooperative=self.cooperative).select_related("made_from")
        return products.filter(pk=int(raw)).first()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        source = self.request.POST if self.request.method == "POST" else self.request.GET
        chosen = {int(pk): source.get(f"kg-{pk}", "") for pk in source.getlist("lot") if str(pk).isdigit()}
        product = self._product(source.get("product") or form.initial.get("product"))
        candidates = []
        if product is not None:
            candidates = selectors.batch_input_candidates(
                cooperative=self.cooperative,
                product=product,
                search=(source.get("q") or "").strip()[:40],
                include=list(chosen),
                limit=self.CANDIDATE_ROWS,
            )
        rows = [
            {
                "lot": lot,
                "checked": lot.pk in chosen,
                "kg": chosen.get(lot.pk) or lot.remaining,
                "errors": form.input_errors.get(lot.pk, []) if form.is_bound else [],
            }
            for lot in candidates
        ]
        context.update(
            product=product,
            rows=rows,
            rows_cut=len(candidates) >= self.CANDIDATE_ROWS,
            cancel_url=reverse("lot_list", kwargs={"slug": self.cooperative.slug}),
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            batch = services.batch_create(
                actor=self.request.user,
                cooperative=self.cooperative,
                product=data["product"],
                inputs=form.inputs,
                net_kg=data["net_kg"],
                collected_on=data["collected_on"],
                code=data["code"],
                association=data["association"],
                notes=data["notes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        remember_point(self.request, cooperative=self.cooperative, association=data["association"])
        messages.success(self.request, _("Batch %(code)s recorded.") % {"code": batch.code})
        if batch.yield_warning:
            messages.warning(self.request, batch.yield_warning)
        return redirect(reverse("lot_detail", kwargs={"slug": self.cooperative.slug, "pk": batch.pk}))


# --- Printed documents --------------------------------------------------------------------


class LotLabel(LotMixin, View):
    """A 100 × 60 mm label for the barrel or sack, with a QR code of the lot's code and page."""

    def get(self, request, *args, **kwargs):
        from coop import documents  # WeasyPrint needs pango: loaded only when printing

        lot = self.lot
        url = request.build_absolute_uri(
            reverse("lot_detail", kwargs={"slug": self.cooperative.slug, "pk": lot.pk})
        )
        pdf = documents.lot_label_pdf(request=request, lot=lot, url=url)
        return _pdf_response(pdf, f"label-{lot.code}.pdf")


class LotReceipt(LotMixin, View):
    """The receipt a family takes home for a nut purchase."""

    def get(self, request, *args, **kwargs):
        from coop import documents

        lot = self.lot
        if lot.kind != Lot.Kind.NUT_PURCHASE:
            raise Http404("Only nut purchases have a receipt.")
        pdf = documents.purchase_receipt_pdf(request=request, lot=lot)
        return _pdf_response(pdf, f"receipt-{lot.code}.pdf")


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    # Inline: the phone's viewer opens it, and prints from there.
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
