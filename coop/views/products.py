"""The products page: what each product's deliveries usually are, and editing it.

Every member reads it; managers and admins (MANAGE) edit a product's usual ranges, the
values a delivery may have without being confirmed (coop.plausibility). Another co-op's
product answers 404, a role that may not manage 403.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from coop import services
from coop.forms import add_service_errors
from coop.forms.products import RANGE_FIELDS, ProductRangesForm
from coop.models import Lot, Product
from coop.plausibility import KIND_DEFAULTS
from coop.templatetags.units import number, pct
from coop.tenancy import MANAGE
from coop.views.base import CooperativeMixin, ServiceFormView


def _kg_range(usual) -> str:
    return f"{number(usual.low)}–{number(usual.high)} kg"


def _pct_range(usual) -> str:
    return f"{pct(usual.low)}–{pct(usual.high)}"


class ProductList(CooperativeMixin, TemplateView):
    section = "products"
    template_name = "coop/product_list.html"

    def get_context_data(self, **kwargs):
        products = Product.objects.filter(cooperative=self.cooperative).select_related("made_from")
        return super().get_context_data(
            products=products.order_by("name"),
            barrel_kg=_kg_range(KIND_DEFAULTS[Lot.Kind.BARREL]["net_kg"]),
            barrel_moisture=_pct_range(KIND_DEFAULTS[Lot.Kind.BARREL]["moisture_pct"]),
            purchase_kg=_kg_range(KIND_DEFAULTS[Lot.Kind.NUT_PURCHASE]["net_kg"]),
            can_edit=self.request.role in MANAGE,
            **kwargs,
        )


class ProductRangesEdit(ServiceFormView):
    section = "products"
    required_roles = MANAGE
    form_class = ProductRangesForm
    title = gettext_lazy("Usual values of a delivery")
    detail_name = "product_list"

    @cached_property
    def object(self) -> Product:
        return get_object_or_404(Product.objects.filter(cooperative=self.cooperative), pk=self.kwargs["pk"])

    def get_initial(self):
        return {name: getattr(self.object, name) for name in RANGE_FIELDS}

    def save(self, form):
        return services.product_update(actor=self.request.user, product=self.object, **form.cleaned_data)

    def form_valid(self, form):
        try:
            saved = self.save(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        self.saved(saved)
        return redirect(self.cancel_url())

    def get_context_data(self, **kwargs):
        return super().get_context_data(subtitle=self.object.name, **kwargs)

    def cancel_url(self):
        return reverse("product_list", kwargs={"slug": self.cooperative.slug})
