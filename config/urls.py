from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter

from chain import api as chain_api
from config import pwa
from config.health import healthz
from config.throttling import TokenRequestThrottle
from coop import api as coop_api
from upgrading import api as upgrading_api
from upgrading.views import dashboard as upgrading_dashboard

handler404 = "config.rest.page_not_found"

router = DefaultRouter()
coop_api.register(router)
chain_api.register(router)
upgrading_api.register(router)

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("manifest.webmanifest", pwa.manifest, name="web_manifest"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    # DRF's token view has no throttle of its own: limit it per client address.
    path(
        "api/v1/auth/token/",
        ObtainAuthToken.as_view(throttle_classes=[TokenRequestThrottle]),
        name="api-token",
    ),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("c/<slug:slug>/", include("chain.urls")),
    path("c/<slug:slug>/", include("upgrading.urls")),
    path("", include(upgrading_dashboard.federation_urlpatterns)),
    path("", include("coop.urls")),
]
