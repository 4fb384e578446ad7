"""The production stack as files: docker-compose.yml, the Dockerfile, .env.example and the
scripts they run. No Docker engine runs here, so the structure is checked by reading the
files, and what can run without Docker (the scripts, the proxy's configuration) is run.
"""

import gzip
import http.server
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (PROJECT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)  # PyYAML resolves the `<<: *anchor` merges
SERVICES = COMPOSE["services"]
DOCKERFILE = (PROJECT / "Dockerfile").read_text()
APP_SERVICES = ("web", "worker", "beat")
ONE_SHOT = ("migrate", "createbucket")


def env_example() -> dict[str, str]:
    """Names listed in .env.example: set (NAME=value) or, for those docker-compose.yml sets
    from its own services, shown commented out (# NAME=value)."""
    listed = {}
    for line in (PROJECT / ".env.example").read_text().splitlines():
        match = re.match(r"^#?\s?([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            listed[match[1]] = match[2]
    return listed


def active_env_example() -> dict[str, str]:
    lines = (PROJECT / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if re.match(r"^[A-Z][A-Z0-9_]*=", line))


def command_of(service: str) -> str:
    command = SERVICES[service].get("command", [])
    return " ".join(command) if isinstance(command, list) else command


def healthcheck_of(service: str) -> str:
    test = SERVICES[service]["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else test


# --- The services -------------------------------------------------------------------------


def test_the_stack_has_every_service():
    assert {
        "db",
        "broker",
        "cache",
        "minio",
        "createbucket",
        "migrate",
        "web",
        "worker",
        "beat",
        "proxy",
    } <= set(SERVICES)


def test_exactly_one_beat():
    beats = [name for name in SERVICES if re.search(r"\bbeat(\.sh)?\b", command_of(name))]
    assert beats == ["beat"]
    # Neither replicas nor a scale setting may multiply it.
    assert SERVICES["beat"].get("deploy", {}).get("replicas", 1) == 1
    assert "scale" not in SERVICES["beat"]


def test_migrate_runs_once_and_the_app_waits_for_it_to_succeed():
    migrate = SERVICES["migrate"]
    assert command_of("migrate") == "deploy/migrate.sh"
    assert migrate["restart"] == "no"
    assert "healthcheck" not in migrate
    for name in APP_SERVICES:
        assert SERVICES[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, (
            name
        )
    # The bucket exists before anything could write a file to it.
    assert SERVICES["createbucket"]["restart"] == "no"
    for name in (*APP_SERVICES, "migrate"):
        assert SERVICES[name]["depends_on"]["createbucket"] == {"condition": "service_completed_successfully"}


def test_every_long_running_service_has_a_healthcheck():
    for name, service in SERVICES.items():
        if name in ONE_SHOT:
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        assert service.get("restart") == "unless-stopped", name


def test_the_worker_healthcheck_pings_this_worker_through_celery():
    # `$$` is compose's escape for `$`: the container's shell expands $HOSTNAME.
    assert "celery -A config inspect ping -d celery@$$HOSTNAME" in healthcheck_of("worker")
    assert "/healthz" in healthcheck_of("web")


def test_the_broker_never_evicts_and_the_cache_does():
    broker, cache = command_of("broker"), command_of("cache")
    assert "--appendonly yes" in broker and "--maxmemory-policy noeviction" in broker
    assert "--maxmemory-policy allkeys-lru" in cache
    assert re.search(r"--maxmemory \d+[kmg]b\b", cache)
    # Two servers, each used for its own job by the app.
    environment = SERVICES["web"]["environment"]
    assert environment["CELERY_BROKER_URL"].startswith("redis://broker:")
    assert environment["CACHE_URL"].startswith("rediscache://cache:")


def test_the_app_services_share_one_configuration():
    for name in ("migrate", *APP_SERVICES):
        service = SERVICES[name]
        assert service["build"] == "." and service["env_file"] == ".env", name
        assert service["environment"] == SERVICES["web"]["environment"], name


def test_the_proxy_is_the_only_door():
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"proxy"}
    assert {"80:80", "443:443"} <= set(SERVICES["proxy"]["ports"])


def test_every_image_is_pinned_to_an_exact_version():
    for name, service in SERVICES.items():
        if "build" in service:
            continue
        image = service["image"]
        tag = image.rsplit(":", 1)[1] if ":" in image else ""
        # A full release number (major.minor, and the patch where the project has one),
        # or MinIO's dated release; never `latest` or a bare major version.
        pinned = r"\d+\.\d+(\.\d+)?(-[a-z0-9]+)?|RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ"
        assert re.fullmatch(pinned, tag), f"{name}: {image} is not pinned"


# --- .env.example ------------------------------------------------------------------------


def test_every_variable_the_compose_file_uses_is_in_env_example():
    used = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", COMPOSE_TEXT))
    assert "POSTGRES_PASSWORD" in used
    assert used - set(env_example()) == set()


def test_every_variable_the_settings_read_is_in_env_example():
    read = set()
    for module in (PROJECT / "config").glob("*.py"):
        # env.str("NAME", ...) and the like, and the settings' own helpers (_api_rate("NAME", ...)).
        calls = r"\b(?:env\.\w+|_api_rate)\(\s*\"([A-Z][A-Z0-9_]*)\""
        read |= set(re.findall(calls, module.read_text()))
    assert {"SECRET_KEY", "DATABASE_URL", "CACHE_URL", "API_RATE_WRITES"} <= read
    assert read - set(env_example()) == set()


def test_every_variable_the_scripts_read_is_in_env_example():
    read = set()
    for script in (PROJECT / "deploy").glob("*.sh"):
        read |= set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", script.read_text()))
    assert read - set(env_example()) == set()


def test_the_secrets_in_env_example_are_for_a_trial_and_say_so():
    values = active_env_example()
    for name in ("SECRET_KEY", "POSTGRES_PASSWORD", "AWS_SECRET_ACCESS_KEY", "MINIO_ROOT_PASSWORD"):
        assert "local-trial" in values[name], name
    # MinIO refuses passwords and secret keys under 8 characters.
    assert len(values["MINIO_ROOT_PASSWORD"]) >= 8 and len(values["AWS_SECRET_ACCESS_KEY"]) >= 8
    # Part of a URL (DATABASE_URL): nothing that would need escaping.
    assert re.fullmatch(r"[A-Za-z0-9_-]+", values["POSTGRES_PASSWORD"])


def test_env_example_as_copied_starts_the_app_in_production_mode(tmp_path):
    # What the containers get: .env.example, plus the addresses compose adds (a SQLite file
    # stands in for the database, nothing is connected to at start-up).
    env = {key: value for key, value in os.environ.items() if key not in active_env_example()}
    env.update(active_env_example())
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'trial.sqlite3'}",
        CACHE_URL="locmemcache://",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    env.pop("CELERY_BROKER_URL", None)
    printed = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DEBUG, settings.ALLOWED_HOSTS, settings.SECURE_PROXY_SSL_HEADER)"
    )
    result = subprocess.run(
        [sys.executable, "-c", printed], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == (
        "False ['localhost', '127.0.0.1'] ('HTTP_X_FORWARDED_PROTO', 'https')"
    )


# --- The scripts and the Dockerfile ---------------------------------------------------------


def named_scripts() -> set[str]:
    names = set(re.findall(r"\bdeploy/[\w.-]+", DOCKERFILE))
    for service in SERVICES.values():
        for part in (
            service.get("command"),
            service.get("healthcheck", {}).get("test"),
            service.get("volumes"),
        ):
            names |= set(re.findall(r"\bdeploy/[\w.-]+", str(part or "")))
    return names


def test_the_scripts_the_dockerfile_and_compose_name_exist_and_are_executable():
    names = named_scripts()
    assert {
        "deploy/collectstatic.sh",
        "deploy/web.sh",
        "deploy/migrate.sh",
        "deploy/worker.sh",
        "deploy/beat.sh",
        "deploy/beat-healthcheck.sh",
        "deploy/minio-init.sh",
        "deploy/Caddyfile",
    } <= names
    for name in names:
        path = PROJECT / name
        assert path.is_file(), name
        if name.endswith(".sh"):
            assert os.access(path, os.X_OK), f"{name} is not executable"
            # The image has sh and bash (Debian); nothing else is sure to be there.
            shebang = path.read_text().splitlines()[0]
            shell = {"#!/bin/sh": "sh", "#!/bin/bash": "bash", "#!/usr/bin/env bash": "bash"}.get(shebang)
            assert shell, f"{name}: unexpected interpreter {shebang!r}"
            assert subprocess.run([shell, "-n", str(path)]).returncode == 0, f"{name}: syntax error"


def test_the_start_scripts_run_what_they_should():
    def script(name):
        return (PROJECT / "deploy" / name).read_text()

    assert "exec gunicorn -c gunicorn.conf.py config.wsgi" in script("web.sh")
    assert "exec python manage.py migrate --noinput" in script("migrate.sh")
    assert "exec celery -A config worker" in script("worker.sh")
    # Plain beat: the scheduler (the database's) comes from the settings.
    assert re.search(r"exec celery -A config beat( --loglevel \S+)?\n", script("beat.sh"))


def dockerfile_stages() -> list[str]:
    return re.split(r"(?m)^FROM ", DOCKERFILE)[1:]


def test_the_dockerfile_base_images_are_pinned():
    stages = dockerfile_stages()
    assert len(stages) >= 2, "a multi-stage build"
    for stage in stages:
        image = stage.split()[0]
        assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", image), image


def test_the_dockerfile_installs_from_the_lock_with_hashes_and_runs_as_a_user():
    assert re.search(r"pip install --require-hashes .*-r \S*requirements\.lock", DOCKERFILE)
    assert "requirements.txt" not in DOCKERFILE
    final = dockerfile_stages()[-1]
    users = re.findall(r"(?m)^USER (\S+)", final)
    assert users and users[-1] not in {"root", "0"}
    # The user comes before the command, and pango is there for WeasyPrint.
    assert final.index("USER ") < final.index("CMD ")
    assert "libpango-1.0-0" in final and "libpangoft2-1.0-0" in final and "fonts-" in final
    # Static files collected by the same script as the production test, with DEBUG off.
    assert "deploy/collectstatic.sh" in final and "DEBUG=true" not in DOCKERFILE
    assert re.search(r'(?m)^CMD \["deploy/web\.sh"\]', final)


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = set((PROJECT / ".dockerignore").read_text().split())
    assert {
        ".env",
        ".git",
        ".venv",
        "media",
        "*.sqlite3",
        "db.sqlite3*",
        "node_modules",
        "screenshots",
        "**/__pycache__",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
    } <= ignored
    # The example is documentation, not a secret; the lock must be there for the build.
    assert "!.env.example" in ignored
    assert not ignored & {"requirements.lock", "deploy", "*.lock"}


# --- Running what runs without Docker ---------------------------------------------------------


def script_env(tmp_path, **extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"}
    }
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}",
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY=secrets.token_urlsafe(60),
        DATABASE_URL=f"sqlite:///{tmp_path / 'stack.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        **extra,
    )
    return env


def test_migrate_script_migrates_an_empty_database(tmp_path):
    env = script_env(tmp_path)
    result = subprocess.run(
        [str(PROJECT / "deploy/migrate.sh")], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    check = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--check"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert check.returncode == 0, "migrate.sh left migrations unapplied"


def compose_healthcheck_command(service: str) -> str:
    """The healthcheck's shell command as the container runs it: `$$` is compose's `$`."""
    (command,) = SERVICES[service]["healthcheck"]["test"][1:]
    return command.replace("$$", "$")


@pytest.mark.broker
def test_the_worker_healthcheck_answers_while_the_worker_runs(tmp_path):
    # deploy/worker.sh on a queue of its own (so it takes no other test's tasks), named as
    # a container's worker is: celery@<the container's HOSTNAME>.
    hostname = f"worker-{secrets.token_hex(4)}"
    env = script_env(tmp_path, CELERY_BROKER_URL=os.environ["CELERY_BROKER_URL"], HOSTNAME=hostname)
    healthcheck = compose_healthcheck_command("worker")

    def healthy() -> bool:
        probe = subprocess.run(
            ["sh", "-c", healthcheck], cwd=PROJECT, env=env, capture_output=True, timeout=60
        )
        return probe.returncode == 0

    worker = subprocess.Popen(
        [str(PROJECT / "deploy/worker.sh"), "--pool", "solo", "-Q", hostname, "-n", f"celery@{hostname}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # The worker takes a few seconds to connect; the compose file gives it start_period.
        assert any(healthy() for _ in range(10)), "the running worker never answered the ping"
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    assert not healthy()


@pytest.mark.broker
def test_the_beat_healthcheck_fails_when_the_broker_is_unreachable(tmp_path):
    check = [str(PROJECT / "deploy/beat-healthcheck.sh")]
    up = script_env(tmp_path, CELERY_BROKER_URL=os.environ["CELERY_BROKER_URL"])
    result = subprocess.run(check, env=up, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    # A port where nothing listens.
    down = script_env(tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:9/0")
    result = subprocess.run(check, env=down, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "Connection refused" in result.stderr


# --- The reverse proxy, run for real ---------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class EchoHeaders(http.server.BaseHTTPRequestHandler):
    """The upstream: answers with the request headers it received, as JSON."""

    def do_GET(self):
        body = json.dumps({"headers": dict(self.headers), "padding": "x" * 2000}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def proxy(tmp_path):
    """deploy/Caddyfile in front of EchoHeaders, in the local-trial mode (plain HTTP)."""
    if not shutil.which("caddy"):
        pytest.skip("needs the caddy binary (Debian's caddy package; .ci/run installs it)")
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EchoHeaders)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port, admin = free_port(), free_port()
    # Only the admin address differs from the container's (its default port may be taken here).
    wrapper = tmp_path / "Caddyfile"
    wrapper.write_text(f"{{\n\tadmin 127.0.0.1:{admin}\n}}\nimport {PROJECT / 'deploy/Caddyfile'}\n")
    env = {
        **os.environ,
        "SITE_ADDRESS": f":{port}",
        "UPSTREAM": f"127.0.0.1:{upstream.server_address[1]}",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    caddy = subprocess.Popen(
        ["caddy", "run", "--config", str(wrapper), "--adapter", "caddyfile"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        caddy.terminate()
        caddy.wait(timeout=30)
        upstream.shutdown()


def test_the_proxy_forwards_the_scheme_and_a_request_id_and_compresses(proxy):
    # A client's own claims are replaced, not passed on: it cannot pretend to be on HTTPS.
    request = urllib.request.Request(
        proxy,
        headers={"Accept-Encoding": "gzip", "X-Forwarded-Proto": "https", "X-Request-ID": "chosen-by-client"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        received = json.loads(gzip.decompress(response.read()))["headers"]
    assert received["X-Forwarded-Proto"] == "http"
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", received["X-Request-Id"]
    )
    assert received["X-Forwarded-For"] == "127.0.0.1"


def test_the_proxy_configuration_is_valid_with_a_domain(tmp_path):
    # Production mode: a domain name turns on TLS (certificates are only fetched at run time).
    if not shutil.which("caddy"):
        pytest.skip("needs the caddy binary (Debian's caddy package; .ci/run installs it)")
    env = {**os.environ, "SITE_ADDRESS": "mutirao.example.org", "XDG_DATA_HOME": str(tmp_path)}
    result = subprocess.run(
        ["caddy", "adapt", "--config", str(PROJECT / "deploy/Caddyfile"), "--adapter", "caddyfile"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    (server,) = config["apps"]["http"]["servers"].values()
    assert server["listen"] == [":443"]  # HTTPS, with Caddy's automatic redirect from port 80
    assert server["routes"][0]["match"] == [{"host": ["mutirao.example.org"]}]


# --- The README's deploy steps match the files -------------------------------------------------


def readme_section(title: str) -> str:
    text = (PROJECT / "README.md").read_text()
    start = text.index(f"## {title}\n")
    following = text.find("\n## ", start + 1)
    return text[start : following if following != -1 else None]


def test_the_readme_deploy_and_operations_steps_match_the_files():
    from django.core.management import get_commands

    steps = readme_section("Deploy") + readme_section("Operations")
    assert "cp .env.example .env" in steps and "docker compose up -d --build" in steps
    # Every service of the compose file is introduced, and the commands use real services.
    for name in SERVICES:
        assert f"| `{name}`" in steps or f"`{name}` |" in steps or f"`{name}`," in steps, name
    used = set(re.findall(r"docker compose (?:exec|run)(?: (?:-T|--rm|--entrypoint \S+))* (\w+)", steps))
    assert used and used <= set(SERVICES)
    # Every variable it tells the reader to set is one .env.example lists.
    told = set(re.findall(r"`([A-Z][A-Z0-9_]+)=", steps))
    assert {"SITE_ADDRESS", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT"} <= told
    assert told - set(env_example()) == set()
    # Every management command it names exists.
    named = set(re.findall(r"manage\.py (\w+)", steps))
    assert {"create_cooperative", "verify_ledger", "createsuperuser"} <= named
    assert named <= set(get_commands())
