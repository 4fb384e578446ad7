from django.urls import include, path

from coop import views

# Each kind of row has the same four pages under its co-op: list, new, detail, edit.
cooperative_patterns = [
    path("", views.CooperativeHome.as_view(), name="cooperative_home"),
    path("associations/", views.AssociationList.as_view(), name="association_list"),
    path("associations/new/", views.AssociationCreate.as_view(), name="association_create"),
    path("associations/<int:pk>/", views.AssociationDetail.as_view(), name="association_detail"),
    path("associations/<int:pk>/edit/", views.AssociationEdit.as_view(), name="association_edit"),
    path("families/", views.FamilyList.as_view(), name="family_list"),
    path("families/new/", views.FamilyCreate.as_view(), name="family_create"),
    path("families/<int:pk>/", views.FamilyDetail.as_view(), name="family_detail"),
    path("families/<int:pk>/edit/", views.FamilyEdit.as_view(), name="family_edit"),
    path("members/", views.MemberList.as_view(), name="member_list"),
    path("members/new/", views.MemberCreate.as_view(), name="member_create"),
    path("members/<int:pk>/", views.MemberDetail.as_view(), name="member_detail"),
    path("members/<int:pk>/edit/", views.MemberEdit.as_view(), name="member_edit"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", include(cooperative_patterns)),
]
