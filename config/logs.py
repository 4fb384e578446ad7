"""Logging for Django, Celery and gunicorn alike: one line per record, carrying the request id.

`LOG_FORMAT=text` (the default) writes `time level [request id] logger: message`;
`LOG_FORMAT=json` writes one JSON object per line, for a log collector. gunicorn.conf.py and
the settings build their configuration from the same function, so gunicorn's own lines (its
access log included) look like the application's.
"""

import logging
import time

from pythonjsonlogger.json import JsonFormatter

TEXT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
JSON_FIELDS = ["asctime", "levelname", "name", "message", "request_id"]
FORMATS = ("text", "json")

# gunicorn's access-log atoms worth a field of their own in JSON.
ACCESS_FIELDS = {
    "remote_addr": "h",
    "method": "m",
    "path": "U",
    "query": "q",
    "status": "s",
    "bytes": "B",
    "duration_ms": "M",
    "referer": "f",
    "user_agent": "a",
}


class UtcTimes:
    """Times in UTC, ISO 8601: Django sets the process's time zone in its workers but not
    in gunicorn's master, and lines of one log must sort and compare."""

    converter = time.gmtime
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"


class TextFormatter(UtcTimes, logging.Formatter):
    pass


class JsonLineFormatter(UtcTimes, JsonFormatter):
    """python-json-logger's formatter; an access line also gets its parts as fields."""

    def add_fields(self, log_data, record, message_dict):
        super().add_fields(log_data, record, message_dict)
        log_data.pop("request", None)  # Django's request object: its path is in the message
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            for field, atom in ACCESS_FIELDS.items():
                log_data[field] = record.args.get(atom)


def logging_config(*, level: str = "INFO", log_format: str = "text") -> dict:
    """A dictConfig for the whole process. Raises ValueError on an unknown format."""
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}.")
    level = level.upper()
    if not isinstance(logging.getLevelName(level), int):
        raise ValueError(f"LOG_LEVEL {level!r} is not a logging level.")
    formatter = (
        {"()": JsonLineFormatter, "fmt": JSON_FIELDS}
        if log_format == "json"
        else {"()": TextFormatter, "fmt": TEXT}
    )
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stdout",
        "formatter": "line",
        "filters": ["request_id"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "config.request_id.RequestIdFilter"}},
        "formatters": {"line": formatter},
        "handlers": {"console": handler},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "INFO"},
            # Replaces Django's own handlers for "django" (a second console line in
            # development, mail to ADMINS): its records reach the root's handler.
            "django": {"level": level},
            # gunicorn's loggers do not propagate: give them the same handler.
            "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }
