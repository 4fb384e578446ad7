"""What `import_families` and `import_lots` share: options, who imports, the report."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from coop.imports import MAX_FILE_BYTES, ImportRejected, import_file
from coop.models import Cooperative


class ImportCommand(BaseCommand):
    kind = ""  # "families" or "lots"

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .csv (UTF-8, ',' or ';') or .xlsx file (first sheet).")
        parser.add_argument("--coop", required=True, metavar="SLUG", help="The co-operative to import into.")
        parser.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            help="Who imports (kept in the history; needs a staff, manager or admin role in the co-op). "
            "Default: the only active superuser, if there is exactly one.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and report; write nothing."
        )
        parser.add_argument(
            "--confirm-unusual",
            action="store_true",
            help="Lots: import values outside their product's usual range (listed by --dry-run) "
            "as confirmed by the importer. Without it such a file is refused.",
        )

    def handle(
        self,
        *args,
        file,
        coop,
        username=None,
        dry_run=False,
        confirm_unusual=False,
        verbosity=1,
        **options,
    ):
        cooperative = Cooperative.objects.filter(slug=coop).first()
        if cooperative is None:
            raise CommandError(f"No co-operative with slug {coop!r}.")
        actor = self.actor(username)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(
                f"{file} is larger than {MAX_FILE_BYTES // 2**20} MB; split it into smaller files."
            )
        try:
            result = import_file(
                actor=actor,
                cooperative=cooperative,
                kind=self.kind,
                data=path.read_bytes(),
                filename=path.name,
                dry_run=dry_run,
                confirm_unusual=confirm_unusual,
            )
        except ImportRejected as rejected:
            for problem in rejected.problems:
                self.stderr.write(str(problem))
            count = len(rejected.problems)
            raise CommandError(
                f"{path.name}: {count} {'problem' if count == 1 else 'problems'}; nothing was imported."
            ) from None
        except PermissionDenied:
            raise CommandError(f"{actor} may not import {self.kind} into {cooperative.slug}.") from None
        if verbosity >= 2:
            for row in result.preview:
                self.stdout.write(
                    "  "
                    + ", ".join(f"{key}={value}" for key, value in row.items() if value not in ("", None))
                )
        for warning in result.warnings:
            self.stderr.write(f"Unusual: {warning}")
        if verbosity >= 1:
            counts = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in result.counts.items())
            if dry_run:
                self.stdout.write(
                    f"Dry run: {result.rows} {self.kind} would be imported ({counts}); nothing written."
                )
            else:
                self.stdout.write(self.style.SUCCESS(f"Imported {result.created} {self.kind} ({counts})."))

    def actor(self, username):
        User = get_user_model()
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"No active user {username!r}.")
            return user
        superusers = list(User.objects.filter(is_superuser=True, is_active=True)[:2])
        if len(superusers) != 1:
            raise CommandError("Say who is importing with --as USERNAME.")
        return superusers[0]
