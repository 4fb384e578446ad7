"""gunicorn's settings for Mutirão, from the environment (deploy/web.sh starts gunicorn with it).

Threaded workers (gthread): a request mostly waits on PostgreSQL, so a few threads per
process serve more requests for the memory of one process. Workers are recycled after
GUNICORN_MAX_REQUESTS requests (with jitter, so they do not all restart together), which
bounds any slow leak. Slow work (reports, evidence packs) runs in Celery, not here.
"""

import os
import sys
from pathlib import Path

# gunicorn reads this file before it puts the project on the import path.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from config.logs import logging_config  # noqa: E402


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}.") from None
    if number < 0:
        raise SystemExit(f"{name} must not be negative, not {value!r}.")
    return number


bind = [os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")]
worker_class = "gthread"
# WEB_CONCURRENCY is the usual name for the number of web processes.
workers = max(1, _int("WEB_CONCURRENCY", 3))
threads = max(1, _int("GUNICORN_THREADS", 4))
# A request still running after this many seconds is killed, its worker restarted.
timeout = _int("GUNICORN_TIMEOUT", 60)
# On a restart or deploy, requests in flight get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Above the reverse proxy's idle timeout would be wasted; below it causes spurious 502s.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# The proxy's address may set X-Forwarded-*: gunicorn reads FORWARDED_ALLOW_IPS itself.

# Logs: everything to standard output, one line per record, as the application's (text or
# JSON, with the request id: the access line takes it from the X-Request-ID response header).
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s"'
logconfig_dict = logging_config(
    level=os.environ.get("LOG_LEVEL", "INFO"), log_format=os.environ.get("LOG_FORMAT", "text")
)
# No control socket (gunicornc): nobody uses it in a container, and two servers on one
# machine would fight over its default path.
control_socket_disable = True
