"""The installable app: the web manifest and the service worker, served from the site root.

The service worker must be served from `/` to control every page (a script under
/static/ could only control /static/), and never from a stale HTTP cache, or a fix would
take a day to reach the phones. It is a template so that it precaches exactly the asset
URLs the pages use (hashed names in production): a new deployment changes them, hence the
worker's bytes, hence the browser installs the new worker.
"""

import hashlib
import json

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

THEME_COLOUR = "#2f6b3a"  # --brand in static/css/mutirao.css
BACKGROUND_COLOUR = "#f4f6f2"  # --wash
ICONS = (
    ("icons/icon-192.png", "192x192", "any"),
    ("icons/icon-512.png", "512x512", "any"),
    ("icons/icon-maskable-512.png", "512x512", "maskable"),
)
# What every page and the capture page load: kept by the worker for the hours offline.
OFFLINE_ASSETS = (
    "css/mutirao.css",
    "css/capture.css",
    "vendor/htmx/htmx.min.js",
    "vendor/idb/idb.umd.js",
    "js/pwa.js",
    "js/outbox.js",
    "js/capture.js",
)


@require_GET
def manifest(request):
    data = {
        "name": "Mutirão",
        "short_name": "Mutirão",
        "description": _("Production, sales and premiums of the co-operative, recorded where they happen."),
        "lang": get_language(),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in ICONS
        ],
    }
    return JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )


def offline_assets() -> list[str]:
    return (
        [static(path) for path in OFFLINE_ASSETS]
        + [static(path) for path, _s, _p in ICONS]
        + [reverse("web_manifest")]
    )


@require_GET
@never_cache
def service_worker(request):
    assets = offline_assets()
    version = hashlib.sha256("\n".join(assets).encode()).hexdigest()[:12]
    context = {
        "assets": json.dumps(assets),
        "version": version,
        "static_url": json.dumps(settings.STATIC_URL),
        # Unhashed asset names in development: revalidate them, or an edit never shows.
        "revalidate": json.dumps(settings.DEBUG),
    }
    response = render(request, "pwa/sw.js", context, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response
