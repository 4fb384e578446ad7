#!/bin/sh
# The one-shot `migrate` service: web, worker and beat start only after it exits with 0.
# `migrate` also installs the default beat schedule where it is missing (config/schedule.py).
set -eu
cd "$(dirname "$0")/.."
exec python manage.py migrate --noinput
