"""The default beat schedule (config/celery.py) installed into django-celery-beat's tables.

Installed after every `migrate` (a `post_migrate` receiver, connected by `coop`), and by
`manage.py install_schedule`, rather than by a data migration:

- one definition: a migration would have to copy the defaults (two places to keep in step)
  or import config/celery.py, whose later edits would silently change what an old
  migration does;
- a default added later reaches every deployment at its next `migrate` (the one-shot
  migrate service of each deploy), with no new migration;
- the schedule belongs to the operator once installed: an entry that exists (by name) is
  left as it is, edited or paused in the admin; `install_schedule --reset` puts the
  defaults back.
"""

from django.apps import apps as global_apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from config.celery import DEFAULT_BEAT_SCHEDULE

DESCRIPTION = "Default from config/celery.py. `manage.py install_schedule --reset` restores it."


def _crontab_fields(schedule) -> dict:
    # The fields as written in config/celery.py ("*/5", "1-5"), not celery's expanded sets.
    return {
        "minute": str(schedule._orig_minute),
        "hour": str(schedule._orig_hour),
        "day_of_week": str(schedule._orig_day_of_week),
        "day_of_month": str(schedule._orig_day_of_month),
        "month_of_year": str(schedule._orig_month_of_year),
    }


def schedule_install(*, reset: bool = False, using: str = DEFAULT_DB_ALIAS, apps=global_apps) -> list[str]:
    """Create each default periodic task missing from the database; return their names.

    With `reset`, every default is written back as defined in code (and enabled), whatever
    an operator changed. Entries that are not defaults are never touched.
    """
    periodic_task = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab_schedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    periodic_tasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    existing = set(
        periodic_task.objects.using(using)
        .filter(name__in=DEFAULT_BEAT_SCHEDULE)
        .values_list("name", flat=True)
    )
    written = []
    with transaction.atomic(using=using):
        for name, entry in DEFAULT_BEAT_SCHEDULE.items():
            if name in existing and not reset:
                continue
            crontab, _ = crontab_schedule.objects.using(using).get_or_create(
                **_crontab_fields(entry["schedule"]), timezone=settings.CELERY_TIMEZONE
            )
            periodic_task.objects.using(using).update_or_create(
                name=name,
                defaults={
                    "task": entry["task"],
                    "crontab": crontab,
                    "interval": None,
                    "solar": None,
                    "clocked": None,
                    "one_off": False,
                    "enabled": True,
                    "args": "[]",
                    "kwargs": "{}",
                    "description": DESCRIPTION,
                },
            )
            written.append(name)
        if written:
            # A running beat reloads its schedule when this timestamp moves (the model's own
            # signals, which usually move it, are not connected to the migration's models).
            periodic_tasks.objects.using(using).update_or_create(
                ident=1, defaults={"last_update": timezone.now()}
            )
    return written


def install_after_migrate(sender, *, apps=global_apps, using=DEFAULT_DB_ALIAS, verbosity=1, **kwargs) -> None:
    """post_migrate receiver: install the defaults once django-celery-beat's tables exist.

    `migrate` passes the migrated state's `apps`; `flush` (tests) passes none.
    """
    try:
        periodic_task = apps.get_model("django_celery_beat", "PeriodicTask")
    except LookupError:  # migrated to a point before django-celery-beat's first migration
        return
    if periodic_task._meta.db_table not in connections[using].introspection.table_names():
        return
    written = schedule_install(using=using, apps=apps)
    if written and verbosity >= 2:
        print(f"Installed default periodic tasks: {', '.join(written)}")
