#!/bin/sh
# Celery beat: exactly one per installation. The schedule comes from the database
# (CELERY_BEAT_SCHEDULER in config/settings.py), where the admin shows it.
set -eu
cd "$(dirname "$0")/.."
exec celery -A config beat --loglevel "${LOG_LEVEL:-INFO}"
