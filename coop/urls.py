from django.urls import path

from coop import views

urlpatterns = [
    path("", views.home, name="home"),
]
