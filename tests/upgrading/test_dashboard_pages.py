"""What every dashboard shares: tenancy, no inline code (CSP), charts with their tables,
and a layout that fits a 360px phone — checked here without a browser, on the HTML and the
stylesheet (the real-browser check comes with the journeys)."""

import re

import pytest
from django.contrib.staticfiles import finders

from tests.upgrading import dashboard_data
from tests.upgrading.dashboard_data import Tables, chart_data, url

dash = dashboard_data.dash

BOARDS = ("cooperative_home", "dashboard_work", "dashboard_overview", "dashboard_audit")
PHONE_PX = 360
REM_PX = 16


def _pages(client, personas, coop):
    """Every dashboard as the person whose board it is (and the federation view)."""
    cases = [
        (personas.staff, url("cooperative_home", coop)),
        (personas.manager, url("cooperative_home", coop)),
        (personas.manager, url("dashboard_work", coop)),
        (personas.manager, url("dashboard_audit", coop)),
        (personas.auditor, url("cooperative_home", coop)),
        (personas.auditor, url("dashboard_overview", coop)),
        (personas.auditor, "/dashboard/federation/"),
    ]
    for user, address in cases:
        client.force_login(user)
        response = client.get(address)
        assert response.status_code == 200, address
        yield address, response


@pytest.mark.parametrize("name", BOARDS)
def test_outsiders_and_expired_members_get_404(client, personas, dash, coop_a, name):
    for user in (personas.outsider, personas.expired):
        client.force_login(user)
        assert client.get(url(name, coop_a)).status_code == 404, (user, name)


@pytest.mark.parametrize("name", BOARDS)
def test_anonymous_visitors_are_sent_to_log_in(client, coop_a, name):
    response = client.get(url(name, coop_a))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_dashboards_carry_no_inline_script_or_style(client, personas, dash, coop_a):
    for address, response in _pages(client, personas, coop_a):
        html = response.content.decode()
        assert "style=" not in html, address
        assert "<style" not in html, address
        for script in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in script or 'type="application/json"' in script, (address, script)


def test_each_chart_has_its_data_and_the_same_numbers_as_a_table(client, personas, dash, coop_a):
    seen = 0
    for address, response in _pages(client, personas, coop_a):
        html = response.content.decode()
        for chart_id in re.findall(r'<canvas data-chart="([\w-]+)-data"', html):
            seen += 1
            data = chart_data(response, chart_id)
            figure = html[html.index(f'data-chart="{chart_id}-data"') :]
            figure = figure[: figure.index("</figure>")]
            [table] = Tables(figure).tables
            body = table["rows"][1:]
            assert [row[0][2].strip() for row in body] == data["labels"], (address, chart_id)
            for dataset in data["datasets"]:
                assert len(dataset["data"]) == len(body)
                for value in dataset["data"]:
                    assert value is None or re.fullmatch(r"-?\d+(\.\d+)?", value), value  # exact decimals
    assert seen >= 5


def test_the_assets_are_served_locally(client, personas, dash, coop_a):
    for path in ("css/dashboard.css", "vendor/chartjs/chart.umd.min.js", "js/charts.js"):
        assert finders.find(path), path
    client.force_login(personas.manager)
    html = client.get(url("cooperative_home", coop_a)).content.decode()
    assert "/static/css/dashboard.css" in html and "/static/js/charts.js" in html
    assert "http://" not in html.split("</head>")[0] and "https://" not in html.split("</head>")[0]


# --- 360px, without a browser ----------------------------------------------------------------


def test_every_table_becomes_cards_on_a_phone(client, personas, dash, coop_a):
    for address, response in _pages(client, personas, coop_a):
        for table in Tables(response.content.decode()).tables:
            assert "rows" in table["attrs"].get("class", "").split(), address
            for row in table["rows"][1:]:
                for tag, attrs, _text in row:
                    assert tag == "th" or attrs.get("data-label"), (address, row)


def test_no_long_unbreakable_text_outside_the_wrapping_hash_boxes(client, personas, dash, coop_a):
    for address, response in _pages(client, personas, coop_a):
        main = response.content.decode().split("<main", 1)[1]
        main = re.sub(r'<code class="hash[^"]*">.*?</code>', " ", main, flags=re.S)
        main = re.sub(r"<script\b.*?</script>", " ", main, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", main)
        long_words = [word for word in text.split() if len(word) > 30]
        assert not long_words, (address, long_words)


def _rules_outside_wide_media(css: str) -> str:
    """The stylesheet without its `@media (min-width: …)` and `@media print` blocks: what a
    phone applies."""
    kept, i = [], 0
    while (found := css.find("@media", i)) != -1:
        kept.append(css[i:found])
        opening = css.index("{", found)
        depth, end = 1, opening + 1
        while depth:
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        header = css[found:opening]
        if "min-width" not in header and "print" not in header:
            kept.append(css[found:end])
        i = end
    kept.append(css[i:])
    return "".join(kept)


def test_the_stylesheet_sets_nothing_wider_than_a_phone():
    with open(finders.find("css/dashboard.css"), encoding="utf-8") as handle:
        css = re.sub(r"/\*.*?\*/", "", handle.read(), flags=re.S)
    phone = _rules_outside_wide_media(css)
    assert "@media" not in phone or "max-width" in phone
    for prop, value, unit in re.findall(
        r"(?<![-\w])((?:min-)?width|flex-basis)\s*:\s*([\d.]+)(px|rem|em)", phone
    ):
        pixels = float(value) * (REM_PX if unit in ("rem", "em") else 1)
        assert pixels <= PHONE_PX, f"{prop}: {value}{unit}"
    for prop, value, unit in re.findall(r"(flex)\s*:\s*\d+\s+\d+\s+([\d.]+)(px|rem|em)", phone):
        pixels = float(value) * (REM_PX if unit in ("rem", "em") else 1)
        assert pixels <= PHONE_PX, f"{prop}: {value}{unit}"
    hash_rule = re.search(r"code\.hash\s*\{([^}]*)\}", phone).group(1)
    assert "overflow-wrap: anywhere" in hash_rule
    canvas_box = re.search(r"\.chart-canvas\s*\{([^}]*)\}", phone).group(1)
    assert "width: 100%" in canvas_box
    assert "white-space: nowrap" not in phone


@pytest.mark.parametrize(
    "target, kept",
    [
        ("/c/coop-a/lots/5/", "/c/coop-a/lots/5/"),
        ("lots/?status=received", "/c/coop-a/lots/?status=received"),
        ("/c/coop-b/lots/5/", None),  # another co-op's page
        ("https://evil.example.org/", None),
        ("//evil.example.org/", None),
        ("javascript:alert(1)", None),
        ("/c/coop-a/../../admin/", None),
        ("/\\evil.example.org", None),
        ("", None),
    ],
)
def test_a_reports_links_stay_inside_the_co_op(target, kept):
    from upgrading.views.dashboard import check_url

    assert check_url(target, "coop-a") == kept
