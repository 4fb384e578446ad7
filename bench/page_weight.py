"""Benchmark: what a phone downloads, and how soon a page is usable, on slow 3G.

    DEBUG=true .venv/bin/python bench/page_weight.py            # the demo of `make run`
    DEBUG=true DATABASE_URL=postgres://... .venv/bin/python bench/page_weight.py --repeat 5

Serves the app from this process (Django's threaded test server, static files through
WhiteNoise and the middleware as in production, so compressed), logs the demo users in
(honey-staff, honey-manager: `manage.py seed_demo` made them) and opens each page in a
fresh chromium context at 360 × 740, the cache disabled:

- once at full speed, adding up the bytes that came over the wire (CDP
  Network.loadingFinished encodedDataLength: headers and compressed bodies);
- `--repeat` times on emulated slow 3G (400 kbit/s down and up, 400 ms round trip) with
  the CPU 4 × slower (Emulation.setCPUThrottlingRate), timing from the start of the
  navigation: usable (the document parsed and painted with its stylesheet), and load.

Prints a table and the machine's load average (the timings grow with it: the best of the
runs is the figure least disturbed by other processes). Public tools only: Playwright
for Python driving Debian's chromium. It asserts nothing; tests/browser/test_phone_shell.py
holds the limits (≤ 100 KB for a staff page, ≤ 2 s to a usable capture form).
"""

import argparse
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares the thread

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.testcases import LiveServerThread  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 360, "height": 740}
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}
CPU_SLOWDOWN = 4
USABLE_AT = """Math.max(
    performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd,
    performance.getEntriesByName("first-contentful-paint")[0].startTime)"""
LOADED_AT = "performance.getEntriesByType('navigation')[0].loadEventEnd"


def pages(slug: str) -> list[tuple[str, str, str]]:
    """(who, what, path) of the pages measured."""
    return [
        ("staff", "staff home", f"/c/{slug}/"),
        ("staff", "barrel form", f"/c/{slug}/lots/new/barrel/"),
        ("staff", "lots", f"/c/{slug}/lots/"),
        ("manager", "manager home (charts)", f"/c/{slug}/"),
    ]


def session_cookie(username: str, url: str) -> dict:
    user = get_user_model().objects.get(username=username)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": url,
    }


def open_cold(browser, cookie: dict, base_url: str, *, throttled: bool):
    context = browser.new_context(viewport=PHONE, locale="pt-BR", base_url=base_url)
    context.add_cookies([cookie])
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if throttled:
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    received: dict[str, int] = {}
    cdp.on("Network.loadingFinished", lambda e: received.update({e["requestId"]: e["encodedDataLength"]}))
    return context, page, received


def measure(browser, cookie, base_url, path, repeat) -> dict:
    context, page, received = open_cold(browser, cookie, base_url, throttled=False)
    page.goto(path, wait_until="networkidle")
    weight, requests = sum(received.values()), len(received)
    context.close()
    usable, loaded = [], []
    for _ in range(repeat):
        context, page, _received = open_cold(browser, cookie, base_url, throttled=True)
        page.goto(path, wait_until="load")
        page.wait_for_function("performance.getEntriesByName('first-contentful-paint').length > 0")
        usable.append(page.evaluate(USABLE_AT))
        loaded.append(page.evaluate(LOADED_AT))
        context.close()
    return {"bytes": weight, "requests": requests, "usable": usable, "loaded": loaded}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--coop", default="honey", help="the co-op's slug (default: honey)")
    parser.add_argument("--staff", default="honey-staff")
    parser.add_argument("--manager", default="honey-manager")
    parser.add_argument("--repeat", type=int, default=3, help="throttled loads per page (default 3)")
    args = parser.parse_args()
    if not shutil.which(CHROMIUM):
        sys.exit("needs chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # No static handler of its own: WhiteNoise and the middleware serve static files.
    server = LiveServerThread("localhost", lambda app: app)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base_url = f"http://localhost:{server.port}"
    users = {"staff": args.staff, "manager": args.manager}
    cookies = {who: session_cookie(username, base_url) for who, username in users.items()}
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        for who, what, path in pages(args.coop):
            rows.append((what, path, measure(browser, cookies[who], base_url, path, args.repeat)))
        browser.close()
    server.terminate()

    print(
        f"360 x 740, cold cache; throttled: slow 3G (400 kbit/s, 400 ms RTT) and CPU {CPU_SLOWDOWN}x slower"
    )
    print(
        f"{'page':<24} {'KB over the wire':>16} {'requests':>8} {'usable ms (best, all)':>28} {'load ms':>8}"
    )
    for what, _path, figures in rows:
        usable = ", ".join(f"{ms:.0f}" for ms in figures["usable"])
        print(
            f"{what:<24} {figures['bytes'] / 1000:>16.1f} {figures['requests']:>8} "
            f"{min(figures['usable']):>8.0f} ({usable}) {min(figures['loaded']):>8.0f}"
        )
    one, five, fifteen = os.getloadavg()
    print(f"load average: {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
