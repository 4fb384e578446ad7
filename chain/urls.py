"""Pages of the value chain under /c/<slug>/ (included from config.urls)."""

from django.urls import path

from chain.views import buyers, contracts, market, shipments, trace

urlpatterns = [
    path("buyers/", buyers.BuyerList.as_view(), name="buyer_list"),
    path("buyers/new/", buyers.BuyerCreate.as_view(), name="buyer_create"),
    path("buyers/<int:pk>/", buyers.BuyerDetail.as_view(), name="buyer_detail"),
    path("buyers/<int:pk>/edit/", buyers.BuyerEdit.as_view(), name="buyer_edit"),
    path("contracts/", contracts.ContractList.as_view(), name="contract_list"),
    path("contracts/new/", contracts.ContractCreate.as_view(), name="contract_create"),
    path("contracts/<int:pk>/", contracts.ContractDetail.as_view(), name="contract_detail"),
    path("contracts/<int:pk>/edit/", contracts.ContractEdit.as_view(), name="contract_edit"),
    path("contracts/<int:pk>/minimum/", contracts.ContractAmendMinimum.as_view(), name="contract_minimum"),
    path("shipments/", shipments.ShipmentList.as_view(), name="shipment_list"),
    path("shipments/new/", shipments.ShipmentCreate.as_view(), name="shipment_create"),
    path("shipments/<int:pk>/", shipments.ShipmentDetail.as_view(), name="shipment_detail"),
    path("shipments/<int:pk>/edit/", shipments.ShipmentEdit.as_view(), name="shipment_edit"),
    path("shipments/<int:pk>/lots/", shipments.ShipmentAllocate.as_view(), name="shipment_allocate"),
    path("shipments/<int:pk>/confirm/", shipments.ShipmentConfirm.as_view(), name="shipment_confirm"),
    path("shipments/<int:pk>/shipped/", shipments.ShipmentMarkShipped.as_view(), name="shipment_shipped"),
    path("shipments/<int:pk>/paid/", shipments.ShipmentMarkPaid.as_view(), name="shipment_paid"),
    # Traceability
    path("shipments/<int:pk>/trace/", trace.ShipmentTrace.as_view(), name="shipment_trace"),
    path("shipments/<int:pk>/trace.csv", trace.ShipmentTraceCSV.as_view(), name="shipment_trace_csv"),
    path("families/<int:pk>/shipments/", trace.FamilyShipments.as_view(), name="family_shipments"),
    path("market/", market.MarketPosition.as_view(), name="market_position"),
]
