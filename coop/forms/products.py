"""The form of a product's usual ranges (coop.plausibility), edited by managers."""

from django import forms

from coop.forms.numbers import DecimalInputMeta
from coop.models import Product

RANGE_FIELDS = [
    "usual_net_kg_min",
    "usual_net_kg_max",
    "usual_moisture_min_pct",
    "usual_moisture_max_pct",
    "reference_price_per_kg",
    "price_tolerance_pct",
]


class ProductRangesForm(forms.ModelForm):
    class Meta(DecimalInputMeta):
        model = Product
        fields = RANGE_FIELDS

    def __init__(self, *args, cooperative, **kwargs):
        super().__init__(*args, **kwargs)

    def _post_clean(self):
        pass  # the service checks the row (product_update), with its own messages
