"""Compliance reports and certification evidence packs.

- `periods`: "2025", "2025-11", "2025-01-01..2025-06-30" as dates;
- `compliance`: the checks (pass / warning / fail, with links to the offending records);
- `tables`, `evidence`: the evidence pack, every CSV streamed from the database into
  a ZIP with a manifest and SHA256SUMS;
- `csvsafe`: spreadsheet cells that can never run as formulas;
- `figures`, `pdf`: the PDF summary for people;
- `service`: the report records (request, run, finish or fail), called by the views,
  the API, the command and the Celery tasks.
"""

import functools
import tomllib
from pathlib import Path


@functools.cache
def app_version() -> str:
    """The version in pyproject.toml: written into every report and pack."""
    try:
        with open(Path(__file__).resolve().parents[2] / "pyproject.toml", "rb") as handle:
            return tomllib.load(handle)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"
