"""Make a compliance report or a certification evidence pack from the command line.

    python manage.py generate_report --coop SLUG --kind compliance --period 2025-11
    python manage.py generate_report --coop SLUG --kind certification --period 2025 --scheme organic

The report is the same record the pages and the API show: asking again prints the
existing one (`--regenerate` makes a new version). By default it is generated here and
now; `--queue` hands it to the Celery workers instead.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from coop.models import Cooperative, Scheme
from upgrading.models import Report
from upgrading.reports import service


class Command(BaseCommand):
    help = "Generate a compliance report or a certification evidence pack of a co-operative for a period."

    def add_arguments(self, parser):
        parser.add_argument("--coop", required=True, help="Slug of the co-operative.")
        parser.add_argument("--kind", required=True, choices=Report.Kind.values)
        parser.add_argument("--period", required=True, help="2025, 2025-11 or 2025-01-01..2025-06-30.")
        parser.add_argument("--scheme", default="", choices=["", *Scheme.values], help="Evidence packs only.")
        parser.add_argument(
            "--regenerate", action="store_true", help="Make a new version even if one exists."
        )
        parser.add_argument(
            "--include-national-ids",
            action="store_true",
            help="List members' national IDs (CPF) in the pack. Sensitive: keep the file safe.",
        )
        parser.add_argument("--queue", action="store_true", help="Leave the work to the Celery workers.")

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        cooperative = Cooperative.objects.filter(slug=options["coop"]).first()
        if cooperative is None:
            raise CommandError(f"No co-operative with the slug {options['coop']!r}.")
        try:
            report, created = service.report_request(
                actor=None,
                cooperative=cooperative,
                kind=options["kind"],
                period=options["period"],
                scheme=options["scheme"],
                regenerate=options["regenerate"],
                include_national_ids=options["include_national_ids"],
                enqueue=options["queue"],
            )
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
            ) from error
        verb = "Requested" if created else "Found"
        self.stdout.write(f"{verb} {report} (id {report.pk}), status {report.status}.")
        if options["queue"]:
            return
        if report.status != Report.Status.DONE:
            try:
                report = service.report_run(report_id=report.pk)
            except Exception as error:
                service.report_fail(report_id=report.pk, error=f"{type(error).__name__}: {error}")
                raise CommandError(f"The report failed: {error}") from error
        self._print(report)

    def _print(self, report: Report):
        if report.status != Report.Status.DONE:
            raise CommandError(f"The report is {report.status}: {report.error}")
        self.stdout.write(self.style.SUCCESS(f"Done: {report.file.name}"))
        self.stdout.write(f"  sha256      {report.sha256}")
        self.stdout.write(f"  size        {report.size} bytes")
        self.stdout.write(f"  ledger head {report.ledger_head}")
        if report.summary.get("pack"):
            self.stdout.write(f"  manifest    {report.summary['pack']['manifest_sha256']}")
        if self.verbosity >= 1:
            for check in report.summary.get("checks", []):
                self.stdout.write(f"  [{check['status']:>7}] {check['code']}: {check['summary']}")
