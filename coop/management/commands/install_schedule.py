"""Install the default beat schedule (config/celery.py) into the database.

`migrate` does this by itself; run it by hand to see what is installed, or with `--reset`
to put back every default an operator changed or deleted in the admin.
"""

from django.core.management.base import BaseCommand

from config.celery import DEFAULT_BEAT_SCHEDULE
from config.schedule import schedule_install


class Command(BaseCommand):
    help = "Install the default periodic tasks missing from the database (--reset: restore all)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Restore every default as config/celery.py defines it, undoing changes made in the admin.",
        )

    def handle(self, *args, reset=False, verbosity=1, **options):
        written = schedule_install(reset=reset)
        if verbosity >= 1:
            for name in DEFAULT_BEAT_SCHEDULE:
                state = ("restored" if reset else "installed") if name in written else "already there"
                self.stdout.write(f"{name}: {state}")
