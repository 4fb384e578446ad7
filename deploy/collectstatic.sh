#!/bin/sh
# PLACEHOLDER (helper `image`): helper `prodserver` owns this script; keep its version at merge.
# Compiles the translations and collects the static files with DEBUG off, so that the
# manifest of hashed names is written into STATIC_ROOT. Run at image build time.
set -eu
cd "$(dirname "$0")/.."
pybabel -q compile -d locale -D django
DEBUG=false python manage.py collectstatic --noinput -v0
