"""Open a co-operative and its first administrator, and print their set-password link.

    manage.py create_cooperative --slug mel-sertao --name "Cooperativa do Mel" \\
        --municipality "Simplício Mendes" --state PI --manager-email ana@example.org \\
        --site-url https://mutirao.example.org

Everything is checked before anything is written: a slug in use, an invalid email, an
unknown state or currency is an error naming the option, and nothing is created. The
first person gets the `admin` role (a manager's rights plus the co-op's access page) and,
for a new account, a one-time link to choose their password. `--dry-run` checks and
writes nothing.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from coop import invitations, services
from coop.models import BRAZILIAN_STATES
from coop.units import CURRENCY_CHOICES

# The service's field names, as this command's options.
OPTION_OF_FIELD = {
    "name": "--name",
    "slug": "--slug",
    "state": "--state",
    "municipality": "--municipality",
    "base_currency": "--currency",
    "country": "--country",
    "manager_email": "--manager-email",
    "manager_name": "--manager-name",
    "__all__": "error",
}
STATES = [uf for uf, _label in BRAZILIAN_STATES]
CURRENCIES = {code for code, _label in CURRENCY_CHOICES}


class DryRun(Exception):
    """Raised inside the transaction to roll back a dry run."""


class Command(BaseCommand):
    help = "Create a co-operative and its first administrator; print their one-time set-password link."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True, help="Short name in addresses: /c/<slug>/.")
        parser.add_argument("--name", required=True, help="The co-operative's name.")
        parser.add_argument("--municipality", required=True, help="Where the co-operative is based.")
        parser.add_argument("--manager-email", required=True, help="Email of the first administrator.")
        parser.add_argument("--manager-name", default="", help="Their name (optional).")
        parser.add_argument("--state", default="", help="Brazilian state, two letters (UF): MA, PI, ...")
        parser.add_argument("--currency", default="BRL", help="Base currency, ISO 4217 code (default BRL).")
        parser.add_argument(
            "--site-url",
            default="",
            help="Where people reach Mutirão, for the link (default: the SITE_URL setting).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check everything; write nothing.")

    def handle(self, *args, **options):
        site_url = self.site_url(options["site_url"])
        state = options["state"].strip().upper()
        currency = options["currency"].strip().upper()
        self.check_choices(state, currency)
        data = {
            "slug": options["slug"].strip(),
            "name": options["name"].strip(),
            "municipality": options["municipality"].strip(),
            "state": state,
            "base_currency": currency,
        }
        try:
            with transaction.atomic():
                onboarding = services.cooperative_onboard(
                    actor=services.COMMAND_LINE,
                    manager_email=options["manager_email"],
                    manager_name=options["manager_name"],
                    **data,
                )
                if options["dry_run"]:
                    self.report(onboarding, link=None, dry_run=True, verbosity=options["verbosity"])
                    raise DryRun
                # The email is queued on commit; the link is printed as well, since the
                # email backend of a fresh installation is often the console.
                link = invitations.invitation_send(membership=onboarding.membership, site_url=site_url)
        except DryRun:
            return
        except ValidationError as error:
            raise CommandError(self.describe(error)) from None
        self.report(onboarding, link=link, dry_run=False, verbosity=options["verbosity"])

    def site_url(self, given: str) -> str:
        value = given or getattr(settings, "SITE_URL", "")
        if not value:
            raise CommandError(
                "--site-url: say where people reach Mutirão (e.g. https://mutirao.example.org), "
                "or set SITE_URL; the set-password link is built on it."
            )
        try:
            return invitations.clean_site_url(value)
        except ValidationError as error:
            option = "--site-url" if given else "SITE_URL"
            raise CommandError(f"{option}: {' '.join(error.messages)}") from None

    def check_choices(self, state: str, currency: str) -> None:
        problems = []
        if state and state not in STATES:
            problems.append(f"--state: {state!r} is not a Brazilian state; use one of {', '.join(STATES)}.")
        if currency not in CURRENCIES:
            problems.append(
                f"--currency: {currency!r} is not an ISO 4217 currency code (e.g. BRL, USD, EUR)."
            )
        if problems:
            raise CommandError("\n".join(problems))

    @staticmethod
    def describe(error: ValidationError) -> str:
        by_field = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        lines = [
            f"{OPTION_OF_FIELD.get(field, field)}: {' '.join(messages)}"
            for field, messages in by_field.items()
        ]
        return "\n".join(lines + ["Nothing was created."])

    def report(self, onboarding, *, link, dry_run: bool, verbosity: int) -> None:
        """What was done; at --verbosity 0 only the link (what a script would capture)."""
        coop, user = onboarding.cooperative, onboarding.membership.user
        place = f"{coop.municipality}/{coop.state}" if coop.state else coop.municipality
        account = "new account" if onboarding.user_created else "existing account"
        if dry_run:
            self.stdout.write(
                f"Dry run: would create {coop.name} ({coop.slug}), {place}, {coop.base_currency}, "
                f"administered by {user.email} ({account}). Nothing was written."
            )
            return
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(f"Created {coop.name} ({coop.slug}), {place}, {coop.base_currency}.")
            )
            self.stdout.write(f"First administrator: {user.get_username()} ({account}).")
        if link:
            days = invitations.link_validity_days()
            if verbosity:
                self.stdout.write(f"Set-password link (works once, for {days} days); send it to them:")
            self.stdout.write(link)
        elif verbosity:
            self.stdout.write("They already have a password: they log in as usual and find the co-op there.")
