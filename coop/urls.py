from django.urls import include, path

from coop.views import access, base, capture, imports, people, production, products
from coop.views import certification as ics

# Each kind of row has the same four pages under its co-op: list, new, detail, edit.
# The co-op's home ("", `cooperative_home`) is the role dashboard of upgrading.urls.
cooperative_patterns = [
    path("associations/", people.AssociationList.as_view(), name="association_list"),
    path("associations/new/", people.AssociationCreate.as_view(), name="association_create"),
    path("associations/<int:pk>/", people.AssociationDetail.as_view(), name="association_detail"),
    path("associations/<int:pk>/edit/", people.AssociationEdit.as_view(), name="association_edit"),
    path("families/", people.FamilyList.as_view(), name="family_list"),
    path("families/new/", people.FamilyCreate.as_view(), name="family_create"),
    path("families/<int:pk>/", people.FamilyDetail.as_view(), name="family_detail"),
    path("families/<int:pk>/edit/", people.FamilyEdit.as_view(), name="family_edit"),
    path("members/", people.MemberList.as_view(), name="member_list"),
    path("members/new/", people.MemberCreate.as_view(), name="member_create"),
    path("members/<int:pk>/", people.MemberDetail.as_view(), name="member_detail"),
    path("members/<int:pk>/edit/", people.MemberEdit.as_view(), name="member_edit"),
    # The pickers' live search: an HTML fragment of at most 20 matches.
    path("families/search/", people.FamilySearch.as_view(), name="family_search"),
    path("members/search/", people.MemberSearch.as_view(), name="member_search"),
    # Production
    path("lots/", production.LotList.as_view(), name="lot_list"),
    path("lots/new/", production.RecordChoose.as_view(), name="lot_record_choose"),
    path("lots/new/barrel/", production.BarrelRecord.as_view(), name="lot_record_barrel"),
    path("lots/new/purchase/", production.PurchaseRecord.as_view(), name="lot_record_purchase"),
    path("lots/new/delivery/", production.OtherDeliveryRecord.as_view(), name="lot_record_delivery"),
    # Offline capture: recorded on the phone, sent through the API when there is signal.
    path("capture/", capture.CapturePage.as_view(), name="capture"),
    path("lots/new/batch/", production.BatchCreate.as_view(), name="lot_batch_create"),
    path("lots/<int:pk>/", production.LotDetail.as_view(), name="lot_detail"),
    path("lots/<int:pk>/saved/", production.LotSaved.as_view(), name="lot_saved"),
    path("lots/<int:pk>/accept/", production.LotAccept.as_view(), name="lot_accept"),
    path("lots/<int:pk>/reject/", production.LotReject.as_view(), name="lot_reject"),
    path("lots/<int:pk>/label.pdf", production.LotLabel.as_view(), name="lot_label"),
    path("lots/<int:pk>/receipt.pdf", production.LotReceipt.as_view(), name="lot_receipt"),
    # Products and the usual values of their deliveries (coop.plausibility)
    path("products/", products.ProductList.as_view(), name="product_list"),
    path("products/<int:pk>/ranges/", products.ProductRangesEdit.as_view(), name="product_ranges_edit"),
    # Internal control system
    path("certifications/", ics.CertificationList.as_view(), name="certification_list"),
    path("certifications/new/", ics.CertificationChooseFamily.as_view(), name="certification_choose"),
    path("certifications/<int:pk>/", ics.CertificationDetail.as_view(), name="certification_detail"),
    path(
        "certifications/<int:pk>/status/",
        ics.CertificationSetStatus.as_view(),
        name="certification_set_status",
    ),
    path(
        "families/<int:pk>/certifications/new/",
        ics.CertificationGrant.as_view(),
        name="certification_grant",
    ),
    path("inspections/", ics.InspectionList.as_view(), name="inspection_list"),
    path("inspections/new/", ics.InspectionRecord.as_view(), name="inspection_record"),
    path("inspections/<int:pk>/", ics.InspectionDetail.as_view(), name="inspection_detail"),
    path("inspections/<int:pk>/close/", ics.InspectionClose.as_view(), name="inspection_close"),
    # Who has access to the co-op ("Pessoas com acesso"): for its administrators.
    path("access/", access.MembershipList.as_view(), name="membership_list"),
    path("access/invite/", access.MembershipInvite.as_view(), name="membership_invite"),
    path("access/<int:pk>/", access.MembershipDetail.as_view(), name="membership_detail"),
    path("access/<int:pk>/end/", access.MembershipEnd.as_view(), name="membership_end"),
    path("access/<int:pk>/resend/", access.MembershipResendLink.as_view(), name="membership_resend"),
    # Import of families and lots: upload and preview, confirm, problems, blank templates.
    path("import/", imports.ImportUpload.as_view(), name="import_upload"),
    path("import/confirm/", imports.ImportConfirm.as_view(), name="import_confirm"),
    path("import/<str:token>/problems.csv", imports.ImportProblems.as_view(), name="import_problems"),
    path("import/template/<slug:kind>.csv", imports.ImportTemplate.as_view(), name="import_template"),
    path(
        "import/template/<slug:kind>.xlsx",
        imports.ImportTemplate.as_view(),
        {"extension": "xlsx"},
        name="import_template_xlsx",
    ),
]

urlpatterns = [
    path("", base.home, name="home"),
    path("c/<slug:slug>/", include(cooperative_patterns)),
]
