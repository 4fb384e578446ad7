"""The Celery app. Without CELERY_BROKER_URL, tasks run eagerly in-process (see settings)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("mutirao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job's default, in one place (times in CELERY_TIMEZONE). The schedule itself
# lives in the database (django-celery-beat's DatabaseScheduler, shown in the admin, where an
# operator may change or pause an entry): `migrate` installs the defaults missing there and
# leaves the rest alone (config/schedule.py). The tasks they start are idempotent, so a beat
# that fires twice (two beat processes, a restart) asks for the same reports and gets them back.
DEFAULT_BEAT_SCHEDULE = {
    # Last month's derived indicators of every co-op (and in January last year's), on the 1st
    # at 02:30, before the compliance reports that print them.
    "monthly-derived-indicators": {
        "task": "upgrading.tasks.request_derived_indicators",
        "schedule": crontab(minute=30, hour=2, day_of_month=1),
    },
    # Last month's compliance report of every co-op, on the 1st at 03:00.
    "monthly-compliance-reports": {
        "task": "upgrading.tasks.request_monthly_compliance_reports",
        "schedule": crontab(minute=0, hour=3, day_of_month=1),
    },
    # Last year's certification evidence pack of every co-op and scheme, on 2 January at 04:00.
    "yearly-evidence-packs": {
        "task": "upgrading.tasks.request_yearly_evidence_packs",
        "schedule": crontab(minute=0, hour=4, day_of_month=2, month_of_year=1),
    },
    # Housekeeping, every night between 01:00 and 02:00 when nobody records barrels.
    "nightly-purge-idempotency-keys": {
        "task": "coop.tasks.purge_idempotency_keys",
        "schedule": crontab(minute=10, hour=1),
    },
    "nightly-purge-expired-sessions": {
        "task": "coop.tasks.purge_expired_sessions",
        "schedule": crontab(minute=20, hour=1),
    },
    # Import previews expire after a day; their files go within the hour after that.
    "hourly-purge-import-previews": {
        "task": "coop.tasks.purge_import_previews",
        "schedule": crontab(minute=40),
    },
}
# Empty on purpose: DatabaseScheduler rewrites the database rows from `beat_schedule` each time
# beat starts, which would undo an operator's change made in the admin.
app.conf.beat_schedule = {}
