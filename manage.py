#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # A bare checkout (no database, no secret key, no DEBUG given) is a developer's: run its
    # commands (makemigrations, test data, shell) in development mode, as `make` does. A
    # deployment always sets DATABASE_URL and SECRET_KEY, so it keeps DEBUG off and still
    # fails loudly on a missing or weak key.
    if not any(os.environ.get(name) for name in ("DEBUG", "SECRET_KEY", "DATABASE_URL")):
        os.environ["DEBUG"] = "true"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
