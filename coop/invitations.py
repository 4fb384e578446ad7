"""Set-password links and the email that carries them to a person given access.

A new account has no usable password: its owner chooses one through Django's
password-reset confirmation page (`/accounts/reset/<uid>/<token>/`). The token is
Django's `default_token_generator`: it stops working once the password is set (it hashes
the password), after `PASSWORD_RESET_TIMEOUT`, or when the email changes, so a link
works once. Links are absolute: built on `SITE_URL`, or on the request's own address.
"""

import logging

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from coop.models import Membership

logger = logging.getLogger(__name__)


def clean_site_url(value: str) -> str:
    """`value` as a base for links ("https://mutirao.example.org"), or ValidationError."""
    value = (value or "").strip().rstrip("/")
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ValidationError(
            _("“%(url)s” is not a web address such as https://mutirao.example.org.") % {"url": value}
        ) from None
    return value


def site_url_for(request) -> str:
    """Where people reach this installation: SITE_URL if set, else the request's own host
    (already checked against ALLOWED_HOSTS by Django)."""
    configured = getattr(settings, "SITE_URL", "")
    return configured.rstrip("/") if configured else request.build_absolute_uri("/").rstrip("/")


def set_password_url(*, user, site_url: str) -> str:
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return site_url.rstrip("/") + path


def link_validity_days() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60))


def needs_password(user) -> bool:
    """True for an account whose owner has not chosen a password yet."""
    return not user.has_usable_password()


def invitation_send(*, membership: Membership, site_url: str) -> str | None:
    """Email the person their access (after the current transaction commits) and return
    the set-password link, or None when their account already has a password (they log
    in as before: a link would let whoever invites them take over their account)."""
    user = membership.user
    link = set_password_url(user=user, site_url=site_url) if needs_password(user) else None
    if not user.email:
        return link
    context = {
        "user": user,
        "cooperative": membership.cooperative,
        "link": link,
        "days": link_validity_days(),
        "login_url": site_url.rstrip("/") + reverse("login"),
    }

    def send():
        with translation.override(settings.LANGUAGE_CODE):
            context["role"] = membership.get_role_display()  # in the installation's language
            subject = render_to_string("coop/email/invitation_subject.txt", context)
            body = render_to_string("coop/email/invitation.txt", context)
        try:
            send_mail(" ".join(subject.split()), body, None, [user.email])
        except Exception:  # noqa: BLE001 - access is granted and committed; the link is shown too
            logger.exception("Could not email the invitation to user %s", user.pk)

    transaction.on_commit(send)
    return link
