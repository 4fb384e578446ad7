from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UpgradingConfig(AppConfig):
    name = "upgrading"
    verbose_name = _("Social upgrading")

    def ready(self):
        # `coop` and `chain` announce their changes by signals (they may not import us);
        # each receiver calls one service, inside the sender's transaction.
        from chain.signals import shipment_paid
        from coop.signals import lots_accepted, lots_rejected
        from upgrading.services import advances, premium

        lots_accepted.connect(advances.on_lots_accepted, dispatch_uid="upgrading.advances.accepted")
        lots_rejected.connect(advances.on_lots_rejected, dispatch_uid="upgrading.advances.rejected")
        shipment_paid.connect(premium.on_shipment_paid, dispatch_uid="upgrading.premium.shipment_paid")
