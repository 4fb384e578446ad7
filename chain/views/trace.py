"""Traceability: from a shipment to every lot, batch, family and association behind it
(page and CSV), and from a family to every shipment its production went into.

Auditors verify certification claims with these, so the CSV carries every lot, and its
text cells can never run as a spreadsheet formula.
"""

from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.views.generic import ListView, TemplateView, View

from chain import selectors
from chain.views import reads
from chain.views.shipments import ShipmentMixin
from coop import selectors as coop_selectors
from coop.spreadsheets import SpreadsheetCSV, spreadsheet_text
from coop.views.base import PAGE_SIZE, CooperativeMixin

TRACE_ROWS = 500  # lots listed on the page; the CSV has them all

# A cell starting with one of these is a formula to Excel, LibreOffice or Google Sheets
# (a tab or line break can hide one behind it): such text gets a leading apostrophe.

CSV_COLUMNS = [
    "shipment",
    "role",
    "lot",
    "kind",
    "product",
    "date",
    "net_kg",
    "kg_in_shipment",
    "moisture_pct",
    "family_code",
    "family",
    "family_association_code",
    "family_association",
    "collection_point_code",
    "collection_point",
]


class ShipmentTraceMixin(ShipmentMixin):
    @cached_property
    def traced(self) -> dict:
        return selectors.shipment_trace(shipment=self.shipment)

    @cached_property
    def sold(self) -> dict[int, Decimal]:
        """kg of each lot allocated to this shipment directly."""
        return dict(self.shipment.allocations.values_list("lot_id", "kg"))


class ShipmentTrace(ShipmentTraceMixin, TemplateView):
    template_name = "chain/shipment_trace.html"

    def get_context_data(self, **kwargs):
        trace, sold = self.traced, self.sold
        lots = trace["lots"]
        return super().get_context_data(
            shipment=self.shipment,
            rows=[(lot, sold.get(lot.pk)) for lot in lots[:TRACE_ROWS]],
            lot_count=len(lots),
            sold_count=len(sold),
            batch_count=sum(1 for lot in lots if lot.kind == "batch"),
            families=trace["families"],
            associations=trace["associations"],
            trace_rows=TRACE_ROWS,
            **kwargs,
        )


class ShipmentTraceCSV(ShipmentTraceMixin, View):
    def get(self, request, *args, **kwargs):
        shipment, sold = self.shipment, self.sold
        sheet = SpreadsheetCSV(request.LANGUAGE_CODE)
        # The reference is letters, digits, dots, dashes and underscores (code_validator).
        response = sheet.response(f"trace-{shipment.reference}.csv")
        writer = sheet.writer(response)
        writer.writerow(CSV_COLUMNS)
        trace = self.traced
        families = {family.pk: family for family in trace["families"]}  # with their associations
        for lot in trace["lots"]:
            family, point = families.get(lot.family_id), lot.association
            home = family.association if family else None
            writer.writerow(
                [
                    spreadsheet_text(shipment.reference),
                    "sold" if lot.pk in sold else "source",
                    spreadsheet_text(lot.code),
                    lot.kind,
                    spreadsheet_text(lot.product.name),
                    lot.collected_on.isoformat(),
                    sheet.number(lot.net_kg, normalize=True),
                    sheet.number(sold.get(lot.pk), normalize=True),
                    sheet.number(lot.moisture_pct, normalize=True),
                    spreadsheet_text(family.code if family else ""),
                    spreadsheet_text(family.household_name if family else ""),
                    spreadsheet_text(home.code if home else ""),
                    spreadsheet_text(home.name if home else ""),
                    spreadsheet_text(point.code if point else ""),
                    spreadsheet_text(point.name if point else ""),
                ]
            )
        return response


class FamilyShipments(CooperativeMixin, ListView):
    """Every shipment a family's deliveries went into, directly or through batches."""

    section = "families"
    template_name = "chain/family_shipments.html"
    paginate_by = PAGE_SIZE
    context_object_name = "shipments"

    @cached_property
    def family(self):
        families = coop_selectors.family_list(user=self.request.user, cooperative=self.cooperative)
        return get_object_or_404(families, pk=self.kwargs["pk"])

    def get_queryset(self):
        theirs = selectors.family_shipments(family=self.family).values("pk")
        return reads.shipment_list(user=self.request.user, cooperative=self.cooperative).filter(pk__in=theirs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(family=self.family, **kwargs)
        context["shipments"] = reads.with_values(context["object_list"])
        return context
