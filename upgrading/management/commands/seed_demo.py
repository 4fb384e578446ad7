"""`manage.py seed_demo`: the two reference co-operatives, their people, internal control,
production and sales (`coop.demo`), their money, assemblies and indicator ledger
(`upgrading.demo`, `upgrading.demo_ledger`), and the demo users.

It lives in `upgrading`, the app every other one is below, so that it may load them all."""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from coop.demo import seed
from coop.models import Cooperative
from upgrading import demo as money_demo
from upgrading.demo_ledger import seed_ledger


class Command(BaseCommand):
    help = (
        "Load the demo: the babassu co-operative of Lago do Junco (COPPALJ, ~1,000 families) and "
        "the honey co-operative of Simplício Mendes (COMAPI, 32 associations, 930 families), with "
        "their yearly inspections and certificates, four honey seasons of barrels and export batches, "
        "and nut purchases with oil and soap batches since January two years ago; their buyers, "
        "contracts and shipments (The Body Shop's fair-trade oil contract and three soap makers; "
        "a German organic and an Italian fair-trade honey importer and a local honey warehouse); "
        "seasons and advances, general assemblies, the premium fund's plan and spending, a settled "
        "past season and an open current one per co-op, and years of indicator history; and "
        f"the demo users ({', '.join(seed.DEMO_USERS)}, admin), all with password "
        f"'{seed.DEMO_PASSWORD}'. Idempotent: what exists is skipped. The first run writes about "
        "320,000 rows (half a minute or more on SQLite). Refuses to run with DEBUG off unless given --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (it creates accounts with a known password).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be created, and roll it back."
        )

    def handle(self, *args, force=False, dry_run=False, verbosity=1, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates users whose password is 'demo'; it refuses to run with DEBUG off. "
                "Use --force if this really is a demo installation."
            )
        started = time.monotonic()

        def log(message):
            if verbosity >= 2:
                self.stdout.write(f"  {message}")

        # One transaction: a failure leaves the database as it was.
        with transaction.atomic():
            created = seed.load(log=log)
            cooperatives = {
                coop.slug: coop for coop in Cooperative.objects.filter(slug__in=["babassu", "honey"])
            }
            admin = get_user_model().objects.get(username="admin")
            created += money_demo.load(
                admin=admin, cooperatives=cooperatives, today=timezone.localdate(), log=log
            )
            for cooperative in cooperatives.values():
                if appended := seed_ledger(cooperative, admin):
                    created["ledger entries"] += appended
            if dry_run:
                transaction.set_rollback(True)

        if verbosity >= 1:
            summary = ", ".join(f"{count} {kind}" for kind, count in created.items()) or "nothing new"
            verb = "Would create" if dry_run else "Created"
            self.stdout.write(self.style.SUCCESS(f"{verb}: {summary} ({time.monotonic() - started:.1f} s)."))
            if not dry_run:
                self.stdout.write(
                    f"Demo users (password '{seed.DEMO_PASSWORD}'): admin, {', '.join(seed.DEMO_USERS)}."
                )
