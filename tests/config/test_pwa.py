"""The installable app: web manifest, icons and service worker, served locally."""

import io
import json

from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image

from config.pwa import offline_assets


def test_the_manifest_describes_an_installable_app(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == manifest["short_name"] == "Mutirão"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/", "/", "standalone")
    assert manifest["theme_color"] == "#2f6b3a"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}


def test_every_icon_is_a_local_png_of_its_declared_size(client):
    for icon in json.loads(client.get("/manifest.webmanifest").content)["icons"]:
        assert icon["src"].startswith("/static/icons/")
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        with open(path, "rb") as handle:
            image = Image.open(io.BytesIO(handle.read()))
        width, height = (int(n) for n in icon["sizes"].split("x"))
        assert image.format == "PNG" and image.size == (width, height)


def test_the_service_worker_is_served_from_the_root_never_cached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    body = response.content.decode()
    assert json.dumps(offline_assets()) in body
    assert "{{" not in body and "{%" not in body


def test_every_asset_the_worker_precaches_exists(client):
    # One missing file and the worker's install fails: no offline at all.
    for url in offline_assets():
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url
        else:
            assert client.get(url).status_code == 200, url


def test_the_csp_lets_the_worker_and_the_manifest_load_from_this_origin_only(client):
    policy = client.get("/sw.js")["Content-Security-Policy"]
    assert "worker-src 'self'" in policy
    assert "manifest-src 'self'" in policy
    assert "script-src 'self'" in policy


def test_every_page_links_the_manifest_and_registers_the_worker(client, personas):
    html = client.get(reverse("login")).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    # Signed out: the script drops the capture pages kept for offline use.
    assert 'src="/static/js/pwa.js" data-service-worker="/sw.js" data-signed-out="true"' in html
    client.force_login(personas.staff)
    html = client.get(reverse("cooperative_home", args=["coop-a"]), follow=True).content.decode()
    assert 'src="/static/js/pwa.js" data-service-worker="/sw.js" defer' in html
