"""The beat schedule lives in the database (django-celery-beat), shown in the admin: its
defaults (config/celery.py) are installed after `migrate`, missing ones come back, and an
operator's change survives both a new `migrate` and a beat restart."""

import importlib
from io import StringIO

import pytest
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from config.celery import DEFAULT_BEAT_SCHEDULE, app
from config.schedule import install_after_migrate, schedule_install

pytestmark = pytest.mark.django_db


def crontab_of(name) -> tuple:
    c = PeriodicTask.objects.get(name=name).crontab
    return (c.minute, c.hour, c.day_of_month, c.month_of_year, c.day_of_week, str(c.timezone))


def test_beat_reads_the_database_schedule(settings):
    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"
    assert app.conf.beat_schedule == {}  # nothing for DatabaseScheduler to write over the database


def test_migrate_installed_every_default(settings):
    # The test database was built by `migrate`: its post_migrate receiver installed them.
    installed = dict(PeriodicTask.objects.values_list("name", "task"))
    assert installed == {name: entry["task"] for name, entry in DEFAULT_BEAT_SCHEDULE.items()}
    assert crontab_of("monthly-compliance-reports") == ("0", "3", "1", "*", "*", settings.CELERY_TIMEZONE)
    assert crontab_of("yearly-evidence-packs") == ("0", "4", "2", "1", "*", settings.CELERY_TIMEZONE)
    assert crontab_of("hourly-purge-import-previews")[:2] == ("40", "*")
    for entry in DEFAULT_BEAT_SCHEDULE.values():
        importlib.import_module(entry["task"].rsplit(".", 1)[0])  # what the worker's autodiscovery does
        assert entry["task"] in app.tasks  # a typo in a task name would never run


def test_installing_again_adds_what_is_missing_and_keeps_what_an_operator_changed():
    paused = PeriodicTask.objects.get(name="monthly-compliance-reports")
    paused.enabled = False
    paused.crontab = CrontabSchedule.objects.create(minute="15", hour="5", day_of_month="2")
    paused.save()
    PeriodicTask.objects.filter(name="nightly-purge-expired-sessions").delete()
    PeriodicTask.objects.create(
        name="operator's own", task="coop.tasks.purge_idempotency_keys", crontab=paused.crontab
    )

    assert schedule_install() == ["nightly-purge-expired-sessions"]
    install_after_migrate(sender=None)  # what the next `migrate` does: nothing more
    paused.refresh_from_db()
    assert not paused.enabled and crontab_of(paused.name)[:3] == ("15", "5", "2")
    assert PeriodicTask.objects.filter(name="nightly-purge-expired-sessions", enabled=True).exists()
    assert PeriodicTask.objects.filter(name="operator's own").exists()


def test_reset_restores_the_defaults():
    PeriodicTask.objects.filter(name="monthly-compliance-reports").update(enabled=False)
    out = StringIO()
    call_command("install_schedule", "--reset", stdout=out)
    assert "monthly-compliance-reports: restored" in out.getvalue()
    task = PeriodicTask.objects.get(name="monthly-compliance-reports")
    assert task.enabled and crontab_of(task.name)[:3] == ("0", "3", "1")
    out = StringIO()
    call_command("install_schedule", stdout=out)
    assert "monthly-compliance-reports: already there" in out.getvalue()


@pytest.mark.django_db(transaction=True)  # the scheduler closes stale connections as it reads
def test_a_starting_beat_runs_the_database_schedule_as_the_operator_left_it():
    # (The scheduler loads the crontab entries due within a couple of hours: the hourly one.)
    hourly = "hourly-purge-import-previews"
    assert DatabaseScheduler(app=app).schedule[hourly].task == "coop.tasks.purge_import_previews"
    PeriodicTask.objects.filter(name=hourly).update(enabled=False)
    assert hourly not in DatabaseScheduler(app=app).schedule
    assert not PeriodicTask.objects.get(name=hourly).enabled  # starting beat did not undo it


def test_the_admin_shows_the_schedule(admin_client):
    page = admin_client.get("/admin/django_celery_beat/periodictask/")
    assert page.status_code == 200
    html = page.content.decode()
    for name in DEFAULT_BEAT_SCHEDULE:
        assert name in html
