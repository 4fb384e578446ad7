"""Every source map our static files point at is shipped.

With DEBUG off, the manifest storage rewrites each `sourceMappingURL` to the map's hashed
name, and `collectstatic` fails when the map is missing (Chart.js's did). The collection
itself, with DEBUG off, is run by tests/config/test_production_server.py.
"""

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"
# `//# sourceMappingURL=x.map` (JavaScript) and `/*# sourceMappingURL=x.map */` (CSS).
SOURCE_MAP = re.compile(rb"[#@]\s*sourceMappingURL=([^\s*'\"]+)")


def _source_map_references():
    for path in sorted(STATIC.rglob("*")):
        if path.suffix in {".js", ".css"}:
            for match in SOURCE_MAP.finditer(path.read_bytes()):
                yield path, match.group(1).decode()


def test_the_vendored_scripts_point_at_their_maps():
    # The search below would pass vacuously if it found nothing.
    assert (STATIC / "vendor/chartjs/chart.umd.min.js", "chart.umd.min.js.map") in set(
        _source_map_references()
    )


def test_every_source_map_reference_in_static_resolves():
    missing = [
        f"{path.relative_to(STATIC)} -> {url}"
        for path, url in _source_map_references()
        if not url.startswith("data:") and not (path.parent / url.split("?")[0]).is_file()
    ]
    assert missing == []
