"""Signals of the value chain, for `upgrading` (which `chain` may not import).

Sent inside the transaction that made the change, so receivers commit or roll back with it.
"""

from django.dispatch import Signal

# A shipment was marked paid: sender=Shipment, shipment=, actor=
shipment_paid = Signal()
