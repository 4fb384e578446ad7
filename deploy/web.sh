#!/usr/bin/env bash
# The web process: gunicorn with the project's settings file (gunicorn.conf.py, configured
# by the environment). The image's command, and what tests/config/test_production_server.py runs.
set -euo pipefail
cd "$(dirname "$0")/.."
exec gunicorn -c gunicorn.conf.py config.wsgi
