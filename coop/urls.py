from django.urls import include, path

from coop.views import base, people

# Each kind of row has the same four pages under its co-op: list, new, detail, edit.
cooperative_patterns = [
    path("", base.CooperativeHome.as_view(), name="cooperative_home"),
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
]

urlpatterns = [
    path("", base.home, name="home"),
    path("c/<slug:slug>/", include(cooperative_patterns)),
]
