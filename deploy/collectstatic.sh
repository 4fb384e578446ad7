#!/usr/bin/env bash
# Build step of the image, and of tests/config/test_production_server.py: compile the
# translations and collect the static files with DEBUG off, so that the manifest storage
# writes hashed, compressed copies and staticfiles.json (without it every page answers 500).
# STATIC_ROOT may name another folder. Needs no database, broker or real secret key.
set -euo pipefail
cd "$(dirname "$0")/.."

pybabel -q compile -d locale -D django

export DEBUG=false
# Settings refuse to load without a strong key; collecting files signs nothing, so a
# throwaway one does when none is given (as at image build time).
SECRET_KEY="${SECRET_KEY:-$(python -c 'import secrets; print(secrets.token_urlsafe(60))')}"
export SECRET_KEY
python manage.py collectstatic --noinput -v0
