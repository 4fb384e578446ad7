"""The Celery app. Without CELERY_BROKER_URL, tasks run eagerly in-process (see settings)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("mutirao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job, in one place (times in CELERY_TIMEZONE). A fresh deployment has them
# without configuring anything; the tasks they start are idempotent, so a beat that fires
# twice (two beat processes, a restart) asks for the same reports and gets them back.
app.conf.beat_schedule = {
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
}
