#!/bin/sh
# Healthcheck of the beat container: beat has no control channel to ping (a worker has), so
# check what it needs to do its job: the database that holds the schedule and the broker it
# sends the due tasks to. Either unreachable: unhealthy, with the reason on stderr.
set -eu
cd "$(dirname "$0")/.."
exec python - <<'PY'
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection  # noqa: E402

from config.celery import app  # noqa: E402

with connection.cursor() as cursor:
    cursor.execute("SELECT 1")
with app.connection_for_write() as broker:
    broker.ensure_connection(max_retries=1, timeout=5)
PY
