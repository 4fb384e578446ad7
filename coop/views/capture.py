"""The offline capture page: record barrels and nut purchases with no connection.

The page is server-rendered once, with a connection, carrying everything it needs as JSON
(collection points, their families and status, products, texts from the catalogue); the
service worker (`config/pwa.py`) keeps that copy. Records wait in the phone's IndexedDB
outbox (`static/js/outbox.js`) and go to `POST /api/v1/lots/` with an `Idempotency-Key`
when the connection comes back, so a retried send never records a lot twice.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from coop.models import Family, Lot
from coop.selectors.capture import capture_choices
from coop.tenancy import RECORD
from coop.views.base import CooperativeMixin

LOT_ID_PLACEHOLDER = 999999999  # replaced by the lot's id in the browser


class CapturePage(CooperativeMixin, TemplateView):
    section = "lots"
    required_roles = RECORD
    template_name = "coop/capture.html"

    def get_context_data(self, **kwargs):
        slug = self.cooperative.slug
        saved = reverse("lot_saved", kwargs={"slug": slug, "pk": LOT_ID_PLACEHOLDER})
        config = {
            "cooperative": slug,  # the API names co-ops by slug
            "user": self.request.user.get_username(),
            "csrf_cookie": settings.CSRF_COOKIE_NAME,
            "api_lots": reverse("lot-list"),
            "saved_url": saved.replace(str(LOT_ID_PLACEHOLDER), "{id}"),
            "login_url": f"{reverse('login')}?{urlencode({'next': self.request.path})}",
            "choices": capture_choices(cooperative=self.cooperative),
            "texts": capture_texts(),
        }
        return super().get_context_data(capture_config=config, **kwargs)


def capture_texts() -> dict:
    """What the page's script says, from the catalogue (the script has no gettext)."""
    return {
        "kind_barrel": str(Lot.Kind.BARREL.label),
        "kind_nut_purchase": str(Lot.Kind.NUT_PURCHASE.label),
        "status_active": str(Family.Status.ACTIVE.label),
        "status_suspended": str(Family.Status.SUSPENDED.label),
        "state_pending": _("Waiting to be sent"),
        "state_sending": _("Sending…"),
        "state_synced": _("Recorded as %(code)s"),
        "state_synced_rejected": _("Recorded as %(code)s, REJECTED: %(reason)s"),
        "state_refused": _("Refused by the server"),
        "offline": _("No connection: records stay on this phone and are sent when it comes back."),
        "online": _("Connected."),
        "login_again": _(
            "Your session has ended. Log in again to send the records waiting here; nothing is lost."
        ),
        "server_down": _("The server did not answer. The records wait here; try again later."),
        "nothing_waiting": _("Nothing recorded on this phone yet."),
        "saved_locally": _("Saved on this phone. It will be sent when there is a connection."),
        "choose_point": _("Choose the collection point."),
        "choose_family": _("Choose the family that delivered."),
        "number_required": _("Enter a number."),
        "number_letters": _("Type only digits and a comma, e.g. 20,4."),
        "number_ambiguous": _(
            "%(value)s is ambiguous: write %(decimal)s for a decimal or %(whole)s for thousands."
        ),
        "number_malformed": _("%(value)s is not a number as written in Brazil (e.g. 1.234,56)."),
        "number_positive": _("Must be more than zero."),
        "confirm_unusual": _("Confirm this unusual value and send again"),
        "fields": {
            "family": _("Family"),
            "association": _("Collection point"),
            "net_kg": _("Net kg"),
            "moisture_pct": _("Moisture (%)"),
            "price_per_kg": _("Price per kg"),
            "code": _("Label code"),
            "product": _("Product"),
            "collected_on": _("Date"),
            "confirm_unusual": _("Unusual value"),
        },
        "discard": _("Discard"),
        "discard_confirm": _("Discard this record? It will not be sent."),
        "correct": _("Correct"),
        "receipt": _("Receipt and label"),
        "share": _("Share…"),
        "share_text": _("Lot %(code)s recorded"),
    }
