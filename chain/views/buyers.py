"""Buyers: everybody in the co-op reads them; managers create and edit them."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from chain import services
from chain.forms import BuyerFilterForm, BuyerForm
from chain.models import Buyer
from chain.views import reads
from coop import selectors as coop_selectors
from coop.tenancy import MANAGE
from coop.views.base import DETAIL_ROWS, CooperativeMixin, CoopListView, EditMixin, ServiceFormView

HISTORY_ROWS = 50


class BuyerList(CoopListView):
    section = "buyers"
    template_name = "chain/buyer_list.html"
    filter_form_class = BuyerFilterForm

    def select(self, value):
        return reads.buyer_list(
            user=self.request.user,
            cooperative=self.cooperative,
            search=value("q") or "",
            kind=value("kind") or "",
        )


class BuyerMixin(CooperativeMixin):
    section = "buyers"

    @cached_property
    def buyer(self) -> Buyer:
        return get_object_or_404(
            reads.buyer_list(user=self.request.user, cooperative=self.cooperative), pk=self.kwargs["pk"]
        )


class BuyerDetail(BuyerMixin, TemplateView):
    template_name = "chain/buyer_detail.html"

    def get_context_data(self, **kwargs):
        buyer = self.buyer
        user, cooperative = self.request.user, self.cooperative
        contracts = reads.contract_list(user=user, cooperative=cooperative, buyer=buyer)[:DETAIL_ROWS]
        shipments = reads.shipment_list(user=user, cooperative=cooperative, buyer=buyer)
        return super().get_context_data(
            buyer=buyer,
            contracts=list(contracts),
            shipments=reads.with_values(shipments[:DETAIL_ROWS]),
            history=coop_selectors.object_history(obj=buyer, limit=HISTORY_ROWS),
            **kwargs,
        )


class BuyerCreate(ServiceFormView):
    section = "buyers"
    required_roles = MANAGE
    form_class = BuyerForm
    detail_name = "buyer_detail"
    title = gettext_lazy("New buyer")

    def save(self, form):
        return services.buyer_create(
            actor=self.request.user, cooperative=self.cooperative, **form.cleaned_data
        )

    def cancel_url(self):
        return reverse("buyer_list", kwargs={"slug": self.cooperative.slug})


class BuyerEdit(EditMixin, BuyerMixin, BuyerCreate):
    title = gettext_lazy("Edit buyer")

    @property
    def object(self):
        return self.buyer

    def save(self, form):
        return services.buyer_update(actor=self.request.user, buyer=self.buyer, **form.cleaned_data)
