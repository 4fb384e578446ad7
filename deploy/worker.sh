#!/bin/sh
# A Celery worker. Its node name (celery@<container hostname>) is what the compose
# healthcheck pings; scale with `docker compose up -d --scale worker=N`. Extra arguments go
# to `celery worker` (e.g. `-Q reports` for a worker of one queue).
set -eu
cd "$(dirname "$0")/.."
exec celery -A config worker --loglevel "${LOG_LEVEL:-INFO}" --concurrency "${CELERY_WORKER_CONCURRENCY:-2}" "$@"
