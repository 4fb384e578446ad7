"""Shipments (sales): the list, a draft's form, allocating lots, and the status steps
draft → confirmed → shipped → paid, each one service call.

Staff and auditors read every shipment and see no button; the write URLs answer 403.
A refused confirmation shows the service's messages, which name the lot and the rule.
"""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from chain import services
from chain.forms import AllocationForm, MarkPaidForm, ShipmentFilterForm, ShipmentForm
from chain.models import Contract, Shipment
from chain.views import reads
from coop import selectors as coop_selectors
from coop.forms import add_service_errors
from coop.templatetags.units import kg as kg_text
from coop.tenancy import MANAGE
from coop.units import quantize_money
from coop.views.base import CooperativeMixin, CoopListView, ServiceFormView

HISTORY_ROWS = 50
ALLOCATION_ROWS = 200  # lots listed on a shipment's page; the trace and its CSV have them all
CANDIDATE_ROWS = 100  # lots offered at once on the allocation page; search for others


class ShipmentList(CoopListView):
    section = "shipments"
    template_name = "chain/shipment_list.html"
    filter_form_class = ShipmentFilterForm

    def select(self, value):
        return reads.shipment_list(
            user=self.request.user,
            cooperative=self.cooperative,
            search=value("q") or "",
            status=value("status") or "",
            buyer=value("buyer"),
            shipped_from=value("shipped_from"),
            shipped_to=value("shipped_to"),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["shipments"] = reads.with_values(context["object_list"])
        return context


class ShipmentMixin(CooperativeMixin):
    section = "shipments"

    @cached_property
    def shipment(self) -> Shipment:
        shipments = reads.shipment_list(user=self.request.user, cooperative=self.cooperative)
        shipment = get_object_or_404(
            shipments.select_related("price_overridden_by", "confirmed_by"), pk=self.kwargs["pk"]
        )
        return reads.with_values([shipment])[0]


class ShipmentDetail(ShipmentMixin, TemplateView):
    template_name = "chain/shipment_detail.html"

    def get_context_data(self, **kwargs):
        shipment = self.shipment
        allocations = list(
            shipment.allocations.select_related("lot__family", "lot__product").order_by("lot__code")[
                :ALLOCATION_ROWS
            ]
        )
        # Counted only when the page is full: most shipments fit, and cost no extra query.
        count = shipment.allocations.count() if len(allocations) == ALLOCATION_ROWS else len(allocations)
        kwargs.setdefault("paid_form", MarkPaidForm(initial={"paid_on": timezone.localdate()}))
        can_manage = self.request.role in MANAGE
        status = shipment.status
        return super().get_context_data(
            shipment=shipment,
            allocations=allocations,
            allocation_count=count,
            base_currency=self.cooperative.base_currency,
            can_change=can_manage and status == Shipment.Status.DRAFT,
            can_ship=can_manage and status == Shipment.Status.CONFIRMED,
            can_mark_paid=can_manage and status == Shipment.Status.SHIPPED,
            history=coop_selectors.object_history(obj=shipment, limit=HISTORY_ROWS),
            **kwargs,
        )


# --- The draft: its terms and its lots --------------------------------------------------------


class ShipmentCreate(ServiceFormView):
    """A draft sale. Choosing a contract re-reads the form with the contract's terms (htmx
    on change; without JavaScript, the "Use the contract's terms" button), without saving."""

    section = "shipments"
    required_roles = MANAGE
    form_class = ShipmentForm
    template_name = "chain/shipment_form.html"
    detail_name = "shipment_detail"
    title = gettext_lazy("New shipment")

    @cached_property
    def refreshing(self) -> bool:
        return self.request.method == "POST" and "refresh" in self.request.POST

    def _contract_terms(self, raw) -> dict:
        if not raw or not str(raw).isdigit():
            return {}
        contract = Contract.objects.filter(cooperative=self.cooperative, pk=int(raw)).first()
        return ShipmentForm.terms_of(contract) if contract else {}

    def get_initial(self):
        initial = {"shipped_on": timezone.localdate()}
        buyer = self.request.GET.get("buyer", "")
        if buyer.isdigit():
            initial["buyer"] = int(buyer)
        return {**initial, **self._contract_terms(self.request.GET.get("contract"))}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.refreshing:
            # Re-reading the contract's terms is not saving: show what was typed, no errors.
            kwargs.pop("data", None)
            kwargs.pop("files", None)
            kwargs["initial"] = {
                **self.request.POST.dict(),
                **self._contract_terms(self.request.POST.get("contract")),
            }
        return kwargs

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["contract"].widget.attrs.update(
            {
                "hx-post": self.request.path,
                "hx-trigger": "change",
                "hx-vals": '{"refresh": "1"}',
                "hx-include": "closest form",
                "hx-target": "#shipment-form",
                "hx-select": "#shipment-form",
                "hx-swap": "outerHTML",
            }
        )
        return form

    def post(self, request, *args, **kwargs):
        if self.refreshing:
            return self.render_to_response(self.get_context_data())
        return super().post(request, *args, **kwargs)

    def save(self, form):
        return services.shipment_create(
            actor=self.request.user, cooperative=self.cooperative, **form.service_data()
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(base_currency=self.cooperative.base_currency, **kwargs)

    def cancel_url(self):
        return reverse("shipment_list", kwargs={"slug": self.cooperative.slug})


class ShipmentEdit(ShipmentMixin, ShipmentCreate):
    title = gettext_lazy("Edit shipment")

    @property
    def object(self):
        return self.shipment

    def get_initial(self):
        shipment = self.shipment
        initial = {name: getattr(shipment, name) for name in services.SHIPMENT_FIELDS}
        initial.update(buyer=shipment.buyer_id, contract=shipment.contract_id, product=shipment.product_id)
        initial["price_per_kg"] = shipment.price_per_kg.normalize()
        initial["exchange_rate"] = shipment.exchange_rate.normalize()
        return initial

    def save(self, form):
        return services.shipment_update(
            actor=self.request.user, shipment=self.shipment, **form.service_data()
        )

    def cancel_url(self):
        return self.detail_url("shipment_detail", self.shipment.pk)


class ShipmentAllocate(ShipmentMixin, FormView):
    """Tick lots of the shipment's product (with what each has left, its family, moisture and
    certification through its lineage) and the kg of each; saving replaces the draft's lots."""

    required_roles = MANAGE
    template_name = "chain/shipment_allocate.html"
    form_class = AllocationForm

    @cached_property
    def refreshing(self) -> bool:
        return self.request.method == "POST" and "refresh" in self.request.POST

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "cooperative": self.cooperative}
        if self.refreshing:
            kwargs.pop("data", None)
            kwargs["initial"] = {"q": self.request.POST.get("q", "")}
        return kwargs

    def post(self, request, *args, **kwargs):
        if self.refreshing:
            return self.render_to_response(self.get_context_data())
        return super().post(request, *args, **kwargs)

    def _chosen(self) -> dict[int, str]:
        if self.request.method == "POST":
            data = self.request.POST
            return {int(pk): data.get(f"kg-{pk}", "") for pk in data.getlist("lot") if str(pk).isdigit()}
        return {lot_id: kg for lot_id, kg in self.shipment.allocations.values_list("lot_id", "kg")}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        shipment = self.shipment
        source = self.request.POST if self.request.method == "POST" else self.request.GET
        chosen = self._chosen()
        lots = reads.allocation_candidates(
            shipment=shipment,
            search=(source.get("q") or "").strip()[:40],
            include=list(chosen),
            limit=CANDIDATE_ROWS,
        )
        hints = reads.lot_hints(lots)
        context.update(
            shipment=shipment,
            rows=[
                {
                    "lot": lot,
                    "hints": hints.get(lot.pk),
                    "checked": lot.pk in chosen,
                    "kg": chosen.get(lot.pk) if lot.pk in chosen else lot.remaining,
                    "errors": form.row_errors.get(lot.pk, []) if form.is_bound else [],
                }
                for lot in lots
            ],
            rows_cut=len(lots) >= CANDIDATE_ROWS,
            max_moisture=shipment.contract.max_moisture_pct if shipment.contract else None,
            cancel_url=self.detail_url("shipment_detail", shipment.pk),
        )
        return context

    def get(self, request, *args, **kwargs):
        if self.shipment.status != Shipment.Status.DRAFT:
            messages.error(request, _("Only a draft shipment's lots can be changed."))
            return redirect(self.detail_url("shipment_detail", self.shipment.pk))
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            saved = services.shipment_allocate(
                actor=self.request.user, shipment=self.shipment, allocations=form.allocations
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        total = sum((allocation.kg for allocation in saved), start=Decimal("0"))
        messages.success(
            self.request,
            _("Lots allocated: %(count)s, %(kg)s in all. Confirm the shipment when it is complete.")
            % {"count": len(saved), "kg": kg_text(total)},
        )
        return redirect(self.detail_url("shipment_detail", self.shipment.pk))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- Status steps ----------------------------------------------------------------------------


class ShipmentStep(ShipmentDetail):
    """A POST from the shipment's page that calls one service; a refusal re-shows the page
    with the service's messages (the rule and the lot) and writes nothing."""

    required_roles = MANAGE
    http_method_names = ["post"]
    done_message = ""

    def run(self, shipment):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        try:
            self.run(self.shipment)
        except ValidationError as error:
            return self.refused(error)
        messages.success(request, self.done_message % {"reference": self.shipment.reference})
        return redirect(self.detail_url("shipment_detail", self.shipment.pk))

    def refused(self, error: ValidationError):
        context = self.get_context_data(step_errors=error.messages)
        # A refused confirmation also says which lot each reason is about: show it there.
        by_lot = getattr(error, "by_lot", {})
        for allocation in context.get("allocations", ()):
            allocation.refusals = by_lot.get(allocation.lot_id, [])
        return self.render_to_response(context, status=400)


class ShipmentConfirm(ShipmentStep):
    """Confirming is a step of its own: GET (or a POST without `confirm_step`) shows what
    will happen — the lots and kg, the claims, the price and value, that it cannot be
    undone — and only the POST of that page's button confirms."""

    http_method_names = ["get", "post"]
    done_message = gettext_lazy("Shipment %(reference)s confirmed: its lots are counted as sold.")
    step_template = "chain/shipment_confirm.html"

    def run(self, shipment):
        services.shipment_confirm(actor=self.request.user, shipment=shipment)

    def get(self, request, *args, **kwargs):
        shipment = self.shipment
        if shipment.status != Shipment.Status.DRAFT:
            messages.info(
                request,
                _("Shipment %(reference)s is not a draft any more.") % {"reference": shipment.reference},
            )
            return redirect(self.detail_url("shipment_detail", shipment.pk))
        totals = shipment.allocations.aggregate(count=Count("pk"), kg=Sum("kg"))
        contract = shipment.contract
        premium = contract.premium_per_kg if contract and contract.premium_per_kg else None
        return render(
            request,
            self.step_template,
            {
                "shipment": shipment,
                "lot_count": totals["count"],
                "kg": totals["kg"] or Decimal("0"),
                "premium_per_kg": premium,
                "premium": quantize_money((totals["kg"] or 0) * premium) if premium else None,
                "base_currency": self.cooperative.base_currency,
            },
        )

    def post(self, request, *args, **kwargs):
        if request.POST.get("confirm_step") != "1":
            return self.get(request, *args, **kwargs)
        return super().post(request, *args, **kwargs)


class ShipmentMarkShipped(ShipmentStep):
    done_message = gettext_lazy("Shipment %(reference)s marked as shipped.")

    def run(self, shipment):
        services.shipment_mark_shipped(actor=self.request.user, shipment=shipment)


class ShipmentMarkPaid(ShipmentStep):
    done_message = gettext_lazy("Shipment %(reference)s marked as paid.")

    def post(self, request, *args, **kwargs):
        form = MarkPaidForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(paid_form=form), status=400)
        try:
            services.shipment_mark_paid(
                actor=request.user, shipment=self.shipment, paid_on=form.cleaned_data["paid_on"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.render_to_response(self.get_context_data(paid_form=form), status=400)
        messages.success(request, self.done_message % {"reference": self.shipment.reference})
        return redirect(self.detail_url("shipment_detail", self.shipment.pk))
