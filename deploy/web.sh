#!/bin/sh
# PLACEHOLDER (helper `image`): helper `prodserver` owns this script; keep its version at merge.
set -eu
cd "$(dirname "$0")/.."
exec gunicorn -c gunicorn.conf.py config.wsgi
