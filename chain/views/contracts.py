"""Contracts: the list with each active contract's fulfilment bar, the detail with its
minimum periods and its fulfilment per contract year, and the manager's forms (terms,
and "amend minimum", which keeps the earlier period on record)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from chain import selectors, services
from chain.forms import ContractFilterForm, ContractForm, ContractMinimumForm
from chain.models import Contract
from chain.views import reads
from coop import selectors as coop_selectors
from coop.forms import add_service_errors
from coop.tenancy import MANAGE
from coop.views.base import DETAIL_ROWS, CooperativeMixin, CoopListView, ServiceFormView

HISTORY_ROWS = 50


class ContractList(CoopListView):
    section = "contracts"
    template_name = "chain/contract_list.html"
    filter_form_class = ContractFilterForm

    def select(self, value):
        return reads.contract_list(
            user=self.request.user,
            cooperative=self.cooperative,
            search=value("q") or "",
            status=value("status") or "",
            buyer=value("buyer"),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        contracts = list(context["object_list"])
        active = [c for c in contracts if c.status == Contract.Status.ACTIVE]
        progress = selectors.current_contract_years(contracts=active, today=today)
        context["rows"] = [
            (contract, progress.get(contract.pk), reads.bar(progress.get(contract.pk)))
            for contract in contracts
        ]
        return context


class ContractMixin(CooperativeMixin):
    section = "contracts"

    @cached_property
    def contract(self) -> Contract:
        return get_object_or_404(
            reads.contract_list(user=self.request.user, cooperative=self.cooperative), pk=self.kwargs["pk"]
        )


class ContractDetail(ContractMixin, TemplateView):
    template_name = "chain/contract_detail.html"

    def get_context_data(self, **kwargs):
        contract = self.contract
        today = timezone.localdate()
        years = selectors.contract_fulfilment(contract=contract, today=today)
        shipments = reads.shipment_list(
            user=self.request.user, cooperative=self.cooperative, contract=contract
        )
        kwargs.setdefault("minimum_form", ContractMinimumForm(initial=self._next_year_start(years, today)))
        return super().get_context_data(
            contract=contract,
            periods=reads.minimum_periods(contract),
            years=[(year, reads.bar(year), _year_state(year, today)) for year in years],
            today=today,
            base_currency=self.cooperative.base_currency,
            advance_pct=contract.advance_rate * 100 if contract.advance_rate is not None else None,
            shipments=reads.with_values(shipments[:DETAIL_ROWS]),
            history=coop_selectors.object_history(obj=contract, limit=HISTORY_ROWS),
            **kwargs,
        )

    @staticmethod
    def _next_year_start(years, today) -> dict:
        # An amendment usually starts with a contract year: offer the next one.
        following = [year.starts_on for year in years if year.starts_on > today]
        return {"effective_from": following[0]} if following else {}


def _year_state(year, today) -> str:
    if year.starts_on > today:
        return "future"
    return "current" if today <= year.ends_on else "past"


class ContractAmendMinimum(ContractDetail):
    """POST from the contract's page: a minimum from a date on (the earlier one stays)."""

    required_roles = MANAGE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = ContractMinimumForm(request.POST)
        if form.is_valid():
            try:
                services.contract_minimum_set(actor=request.user, contract=self.contract, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Minimum amended."))
                return redirect(self.detail_url("contract_detail", self.contract.pk))
        return self.render_to_response(self.get_context_data(minimum_form=form), status=400)


class ContractCreate(ServiceFormView):
    section = "contracts"
    required_roles = MANAGE
    form_class = ContractForm
    detail_name = "contract_detail"
    title = gettext_lazy("New contract")

    def get_initial(self):
        buyer = self.request.GET.get("buyer", "")
        return {"buyer": buyer if buyer.isdigit() else None, "status": Contract.Status.ACTIVE}

    def save(self, form):
        return services.contract_create(
            actor=self.request.user, cooperative=self.cooperative, **form.service_data()
        )

    def cancel_url(self):
        return reverse("contract_list", kwargs={"slug": self.cooperative.slug})


class ContractEdit(ContractMixin, ContractCreate):
    title = gettext_lazy("Edit contract")

    @property
    def object(self):
        return self.contract

    def get_form_kwargs(self):
        # The minimum changes by amendment, from a date on: not here.
        return {**super().get_form_kwargs(), "with_minimum": False}

    def get_initial(self):
        return ContractForm.initial_from(self.contract)

    def save(self, form):
        return services.contract_update(
            actor=self.request.user, contract=self.contract, **form.service_data()
        )

    def cancel_url(self):
        return self.detail_url("contract_detail", self.contract.pk)
