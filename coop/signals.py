"""Signals other apps listen to; `coop` imports from no other app, so it announces instead.

Both are sent inside the transaction that made the change, so a receiver's writes
(e.g. `upgrading`'s advances) commit or roll back with it.
"""

from django.dispatch import Signal

# Lots that just became accepted deliveries: sender=Lot, cooperative=, lots=<QuerySet of Lot>, actor=
lots_accepted = Signal()
# Lots that were accepted and are now rejected: sender=Lot, cooperative=, lots=<QuerySet of Lot>, actor=
lots_rejected = Signal()
