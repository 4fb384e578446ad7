"""The production route, run for real: what the image does, then a browser's requests.

Once for the module: `deploy/collectstatic.sh` (DEBUG off) into a temporary folder; a new
PostgreSQL database migrated by `manage.py migrate` with production settings; a small co-op
and its manager written into it (tests/config/production_server_data.py); then the real
gunicorn started by `deploy/web.sh` with the project's gunicorn.conf.py, DEBUG off, a strong
random key and its own ALLOWED_HOSTS, on a free port of 127.0.0.1 (the broker and cache of
the environment, Redis in CI, when it gives them). Requests say they came
through the TLS proxy (X-Forwarded-Proto), as the reverse proxy's do, so the HTTPS redirect
and secure cookies stay on as in production.

The server is always stopped (and its database dropped) by the fixture's finaliser; a
failing test prints the server's log.
"""

import gzip
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import brotli
import psycopg
import pytest
from django.contrib.staticfiles import finders
from django.db import connection

# One server for the module: with `--dist loadgroup` (make test) xdist keeps its tests on one worker.
pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("production_server")]

PROJECT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
FAR_FUTURE = "max-age=315360000"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _database_url(name: str) -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or HOST}:{db['PORT'] or 5432}/{name}"


def _run(args, env, timeout=600):
    result = subprocess.run(args, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


class Server:
    """The running gunicorn: its address, its log and its database."""

    def __init__(self, *, port, log_path, static_root, database_url, login):
        self.port = port
        self.log_path = log_path
        self.static_root = static_root
        self.database_url = database_url
        self.login = login

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class Browser:
    """Requests as a browser behind the TLS proxy sends them, with its cookies."""

    def __init__(self, server: Server):
        self.server = server
        self.cookies: dict[str, str] = {}

    def request(self, method, path, *, headers=None, body=None, host=None):
        conn = http.client.HTTPConnection(HOST, self.server.port, timeout=30)
        sent = {
            "Host": host or f"{HOST}:{self.server.port}",
            "X-Forwarded-Proto": "https",
            "Accept-Language": "pt-BR,pt;q=0.9",
            "User-Agent": "Mozilla/5.0 (production-server test)",
            **(headers or {}),
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            content = response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, content

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def page(self, path, **kwargs) -> str:
        status, headers, content = self.get(path, **kwargs)
        assert status == 200, f"GET {path}: {status}"
        return content.decode()

    def log_in(self, username, password):
        form = self.page("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        origin = f"https://{HOST}:{self.server.port}"
        body = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
        status, headers, _ = self.request(
            "POST",
            "/accounts/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": f"{origin}/accounts/login/",
            },
        )
        assert status == 302, f"log in answered {status}"
        return headers["Location"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("production")
    static_root = folder / "static"
    log_path = folder / "gunicorn.log"
    database = f"{connection.settings_dict['NAME']}_server_{os.getpid()}"
    database_url = _database_url(database)
    maintenance_url = _database_url("postgres")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GUNICORN_", "SENTRY_", "PYTEST_"))
        and key not in {"DEBUG", "WEB_CONCURRENCY", "LOG_FORMAT"}
    }
    port = _free_port()
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS=f"{HOST},localhost",
        DATABASE_URL=database_url,
        STATIC_ROOT=str(static_root),
        MEDIA_ROOT=str(folder / "media"),
        BEHIND_TLS_PROXY="true",
        GUNICORN_BIND=f"{HOST}:{port}",
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="2",
    )

    _run([PROJECT / "deploy" / "collectstatic.sh"], env)
    with psycopg.connect(maintenance_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
        admin.execute(f'CREATE DATABASE "{database}"')
    process = None
    try:
        _run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env)
        login = json.loads(_run([sys.executable, "-m", "tests.config.production_server_data"], env))
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [PROJECT / "deploy" / "web.sh"],
                cwd=PROJECT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the finaliser stops every worker
            )
        running = Server(
            port=port, log_path=log_path, static_root=static_root, database_url=database_url, login=login
        )
        _wait_until_ready(process, running)
        yield running
    finally:
        if process is not None:
            _stop(process)
        with psycopg.connect(maintenance_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _wait_until_ready(process, server, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{server.log()}")
        try:
            status, _, _ = Browser(server).get("/healthz")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"gunicorn did not answer /healthz within {seconds} s:\n{server.log()}")


def _stop(process):
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=40)  # gunicorn.conf.py's graceful timeout is 30 s
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


@pytest.fixture(autouse=True)
def _server_log_on_failure(request, server):
    yield
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        print(f"--- gunicorn log ({server.log_path}) ---\n{server.log()}")


@pytest.fixture
def browser(server):
    return Browser(server)


def test_collectstatic_hashed_and_compressed_every_file_the_apps_ship(server):
    manifest = json.loads((server.static_root / "staticfiles.json").read_text())["paths"]
    shipped = {path for finder in finders.get_finders() for path, _ in finder.list(["CVS", ".*", "*~"])}
    # Ours, the admin's, DRF's and the API docs' (sidecar) files are all in the manifest.
    assert {"css/mutirao.css", "admin/css/base.css", "rest_framework/css/default.css"} <= shipped
    assert any(path.startswith("drf_spectacular_sidecar/") for path in shipped)
    assert shipped - set(manifest) == set()
    for name in ("css/mutirao.css", "vendor/chartjs/chart.umd.min.js", "js/charts.js"):
        assert (server.static_root / f"{manifest[name]}.gz").is_file(), name


def test_the_login_page_answers_in_portuguese(browser):
    status, headers, content = browser.get("/accounts/login/", headers={"X-Request-ID": "prod-login-1"})
    page = content.decode()
    assert status == 200
    assert '<html lang="pt-br">' in page and "<h1>Entrar</h1>" in page
    assert headers["X-Request-ID"] == "prod-login-1"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "max-age=31536000" in headers["Strict-Transport-Security"]


def test_the_access_log_carries_the_request_id(browser, server):
    browser.get("/accounts/login/", headers={"X-Request-ID": "prod-access-log-1"})
    deadline = time.monotonic() + 10
    while "[prod-access-log-1] gunicorn.access" not in server.log() and time.monotonic() < deadline:
        time.sleep(0.2)
    [line] = [line for line in server.log().splitlines() if "[prod-access-log-1] gunicorn.access" in line]
    assert '"GET /accounts/login/ HTTP/1.1" 200' in line


@pytest.mark.parametrize(
    ("accept_encoding", "encodings"),
    [("gzip, deflate, br", {"br", "gzip"}), ("gzip", {"gzip"})],
    ids=["brotli-or-gzip", "gzip"],
)
def test_a_hashed_static_file_is_served_compressed_for_ever(browser, server, accept_encoding, encodings):
    page = browser.page("/accounts/login/")
    url = re.search(r'href="(/static/css/mutirao\.[0-9a-f]{12}\.css)"', page).group(1)
    status, headers, content = browser.get(url, headers={"Accept-Encoding": accept_encoding})
    assert status == 200
    assert headers["Content-Encoding"] in encodings
    assert FAR_FUTURE in headers["Cache-Control"] and "immutable" in headers["Cache-Control"]
    assert "Accept-Encoding" in headers["Vary"]
    body = brotli.decompress(content) if headers["Content-Encoding"] == "br" else gzip.decompress(content)
    assert body == (server.static_root / url.removeprefix("/static/")).read_bytes()


def test_an_unknown_address_gets_the_projects_own_404_page(browser):
    status, _, content = browser.get("/no-such-page/")
    page = content.decode()
    assert status == 404
    assert "<h1>Página não encontrada</h1>" in page
    assert "URLconf" not in page and "Django" not in page  # not the debug page


def test_a_host_outside_allowed_hosts_gets_the_projects_own_400_page_and_a_log_line(browser, server):
    status, headers, content = browser.get("/accounts/login/", host="evil.example")
    assert status == 400
    assert "<h1>Requisição inválida</h1>" in content.decode()
    request_id = headers["X-Request-ID"]
    assert f"[{request_id}] django.security.DisallowedHost: Invalid HTTP_HOST header: 'evil.example'" in (
        server.log()
    )


def test_a_managers_home_renders_with_its_charts(browser, server):
    assert browser.log_in(server.login["username"], server.login["password"]) == "/"
    status, headers, _ = browser.get("/")
    assert status == 302 and headers["Location"] == f"/c/{server.login['slug']}/"
    page = browser.page(headers["Location"])
    assert "Cooperativa do Mel" in page and "Produção por mês (kg)" in page
    # The production chart: its canvas, and its numbers for static/js/charts.js to draw.
    assert '<canvas data-chart="production-data"' in page
    data = re.search(r'<script id="production-data" type="application/json">(.*?)</script>', page)
    assert len(json.loads(data.group(1))["labels"]) == 12
    scripts = re.findall(r'src="(/static/[^"]+\.js)"', page)
    assert any(re.fullmatch(r"/static/vendor/chartjs/chart\.umd\.min\.[0-9a-f]{12}\.js", s) for s in scripts)
    # Every file the page loads is there, hashed; Chart.js's source map resolves too.
    for url in scripts + re.findall(r'href="(/static/[^"]+\.css)"', page):
        status, _, content = browser.get(url)
        assert status == 200, url
        source_map = re.search(rb"sourceMappingURL=(\S+)", content)
        if source_map:
            map_url = url.rsplit("/", 1)[0] + "/" + source_map.group(1).decode()
            assert browser.get(map_url)[0] == 200, map_url


def test_a_failing_page_gets_the_projects_own_500_page(browser, server):
    browser.log_in(server.login["username"], server.login["password"])
    home = f"/c/{server.login['slug']}/"
    # Every co-op page reads the co-operative: take its table away while the server runs.
    with psycopg.connect(server.database_url, autocommit=True) as db:
        db.execute("ALTER TABLE coop_cooperative RENAME TO coop_cooperative_away")
        try:
            status, headers, content = browser.get(home)
        finally:
            db.execute("ALTER TABLE coop_cooperative_away RENAME TO coop_cooperative")
    page = content.decode()
    assert status == 500
    assert "<h1>Algo deu errado</h1>" in page and "Traceback" not in page
    assert f"[{headers['X-Request-ID']}] django.request: Internal Server Error: {home}" in server.log()
    # And the page is back once the table is.
    assert browser.get(home)[0] == 200
