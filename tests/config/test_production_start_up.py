"""Bad production settings stop the real server at start-up with a message naming the
setting, instead of a server that answers every page with a 500.

gunicorn (deploy/web.sh) loads the application in each worker: a worker that cannot load
it makes gunicorn exit, and the log says why. SQLite stands in for PostgreSQL: the settings
fail before any connection.
"""

import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(tmp_path, **settings):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "WEB_CONCURRENCY"}
        and not key.startswith(("GUNICORN_", "DJANGO_"))
    }
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        DEBUG="false",
        ALLOWED_HOSTS="mutirao.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
        GUNICORN_BIND=f"127.0.0.1:{_free_port()}",
        WEB_CONCURRENCY="1",
    )
    env.update({key: value for key, value in settings.items() if value is not None})
    process = subprocess.Popen(
        [PROJECT / "deploy" / "web.sh"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        output, _ = process.communicate()
        pytest.fail(f"gunicorn kept running with bad settings:\n{output}")
    return process.returncode, output


@pytest.mark.parametrize(
    ("secret_key", "message"),
    [
        (None, "SECRET_KEY must be set when DEBUG is off."),
        ("short-key", "SECRET_KEY is too weak"),
        ("ab" * 40, "SECRET_KEY is too weak"),
        ("django-insecure-" + secrets.token_urlsafe(50), "SECRET_KEY is too weak"),
    ],
    ids=["missing", "short", "few-characters", "django-insecure"],
)
def test_gunicorn_refuses_to_start_without_a_strong_secret_key(tmp_path, secret_key, message):
    returncode, output = _start(tmp_path, SECRET_KEY=secret_key)
    assert returncode != 0
    assert f"ImproperlyConfigured: {message}" in output
