"""Verify the indicator ledger's hash chain of one co-operative or all of them.

    python manage.py verify_ledger                       # every co-op
    python manage.py verify_ledger --coop babassu        # one
    python manage.py verify_ledger --coop babassu --head 1234:9f2c…   # and the head you hold

Recomputes every entry's SHA-256 in sequence order (streaming: memory stays flat however
long the chain) and checks each link. Prints "intact" with the head (sequence:hash) and
the number of entries, or the first sequence number where the chain breaks and why.
`--head` is the head printed in an earlier report or evidence pack: the chain must still
contain it (a deleted tail or a rewritten chain is found only this way).

Exit status: 0 when every chain checked is intact, 1 when one is not. Reads only.
"""

from django.core.management.base import BaseCommand, CommandError, no_translations

from coop.models import Cooperative
from upgrading.selectors.ledger import CHUNK_SIZE, parse_anchor, verify_chain


class Command(BaseCommand):
    help = "Verify the indicator ledger's hash chain (all co-ops, or --coop SLUG), optionally against a head."

    def add_arguments(self, parser):
        parser.add_argument("--coop", metavar="SLUG", help="Only this co-operative.")
        parser.add_argument(
            "--head",
            metavar="SEQ:HASH",
            help="A head kept outside the database (from a report); needs --coop.",
        )
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE, help="Rows read per fetch.")

    @no_translations  # a terminal's and a log's language: the messages as written
    def handle(self, *args, coop=None, head=None, chunk_size=CHUNK_SIZE, **options):
        anchor = None
        if head:
            if not coop:
                raise CommandError("--head belongs to one co-operative's chain: give --coop too.")
            try:
                anchor = parse_anchor(head)
            except ValueError as error:
                raise CommandError(str(error)) from error
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        cooperatives = Cooperative.objects.order_by("slug")
        if coop:
            cooperatives = cooperatives.filter(slug=coop)
            if not cooperatives.exists():
                raise CommandError(f"No co-operative with slug {coop!r}.")
        broken = 0
        for cooperative in cooperatives:
            result = verify_chain(cooperative=cooperative, anchor=anchor, chunk_size=chunk_size)
            if result.intact:
                held = f"; contains the head {anchor}" if anchor else ""
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{cooperative.slug}: intact, {result.count} entries, head {result.head}{held}"
                    )
                )
            else:
                broken += 1
                self.stdout.write(
                    self.style.ERROR(
                        f"{cooperative.slug}: BROKEN at #{result.broken_at} ({result.reason}): "
                        f"{result.message} The {result.count} entries before it are sound; "
                        f"last sound head {result.head}."
                    )
                )
        if broken:
            broken_text = "1 ledger is broken." if broken == 1 else f"{broken} ledgers are broken."
            raise CommandError(broken_text, returncode=1)
