"""gunicorn.conf.py: its settings come from the environment, with defaults that serve a
small co-op's server, and a bad value stops gunicorn with a message naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
VARIABLES = (
    "GUNICORN_BIND",
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
    "GUNICORN_TIMEOUT",
    "GUNICORN_GRACEFUL_TIMEOUT",
    "GUNICORN_KEEPALIVE",
    "GUNICORN_MAX_REQUESTS",
    "GUNICORN_MAX_REQUESTS_JITTER",
    "LOG_FORMAT",
)


def _print_config(**env_extra):
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update(env_extra)
    return subprocess.run(
        [str(GUNICORN), "--print-config", "-c", "gunicorn.conf.py", "config.wsgi"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _settings(result):
    assert result.returncode == 0, result.stderr
    pairs = (line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def test_defaults():
    settings = _settings(_print_config())
    assert settings["bind"] == "['0.0.0.0:8000']"
    assert (settings["worker_class"], settings["workers"], settings["threads"]) == ("gthread", "3", "4")
    assert (settings["timeout"], settings["graceful_timeout"], settings["keepalive"]) == ("60", "30", "5")
    assert (settings["max_requests"], settings["max_requests_jitter"]) == ("1000", "100")
    assert settings["accesslog"] == "-" and settings["control_socket_disable"] == "True"


def test_every_setting_comes_from_the_environment():
    settings = _settings(
        _print_config(
            GUNICORN_BIND="127.0.0.1:9000",
            WEB_CONCURRENCY="5",
            GUNICORN_THREADS="8",
            GUNICORN_TIMEOUT="120",
            GUNICORN_GRACEFUL_TIMEOUT="45",
            GUNICORN_KEEPALIVE="2",
            GUNICORN_MAX_REQUESTS="500",
            GUNICORN_MAX_REQUESTS_JITTER="50",
        )
    )
    assert settings["bind"] == "['127.0.0.1:9000']"
    assert (settings["workers"], settings["threads"]) == ("5", "8")
    assert (settings["timeout"], settings["graceful_timeout"], settings["keepalive"]) == ("120", "45", "2")
    assert (settings["max_requests"], settings["max_requests_jitter"]) == ("500", "50")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("GUNICORN_TIMEOUT", "a minute", "GUNICORN_TIMEOUT must be a whole number"),
        ("GUNICORN_THREADS", "-2", "GUNICORN_THREADS must not be negative"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be one of text, json"),
    ],
)
def test_a_bad_value_stops_gunicorn_naming_the_variable(variable, value, message):
    result = _print_config(**{variable: value})
    assert result.returncode != 0
    assert message in result.stdout + result.stderr


def test_gunicorn_is_the_pinned_release():
    import gunicorn

    pins = (PROJECT / "requirements.txt").read_text().splitlines()
    assert f"gunicorn=={gunicorn.__version__}" in [line.split()[0] for line in pins if line.strip()]
