"""Opening a co-operative and deciding who has access to it: the one write path.

`cooperative_onboard` opens a co-op with its first administrator (the admin's add form
and `manage.py create_cooperative` call it); the `membership_*` services let a co-op's
administrators invite people, change their role and end their access (pages, API,
admin). Each runs in one transaction and records the actor and a reason in the
memberships' history.

Two rules hold everywhere:
- only platform operators (superusers, or the operator at the command line) open a
  co-operative; only a co-op's administrators (and superusers) change who has access;
- a co-operative keeps at least one administrator without an end date, so nobody can
  lock the co-op out of its own access page by ending or demoting the last one.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coop.models import Cooperative, Membership, Role
from coop.services.base import apply_changes, reject_nul_bytes, reject_unknown_fields
from coop.tenancy import ADMINISTER, require

COOPERATIVE_CREATE_FIELDS = (
    "name",
    "short_name",
    "slug",
    "country",
    "state",
    "municipality",
    "base_currency",
    "moisture_limit_pct",
)
MEMBERSHIP_CHANGE_FIELDS = ("role", "ends_on")


class _CommandLine:
    """The operator at `manage.py`: whoever runs it holds the server and its database."""

    is_superuser = True
    is_authenticated = True
    is_active = True

    def __repr__(self):
        return "COMMAND_LINE"


# Pass as `actor` from management commands; the history records no user but the reason.
COMMAND_LINE = _CommandLine()


def _history_user(actor):
    return None if actor is COMMAND_LINE else actor


def _require_platform_operator(actor) -> None:
    if not (actor is COMMAND_LINE or (actor and actor.is_active and actor.is_superuser)):
        raise PermissionDenied("Only a platform administrator can create a co-operative.")


def _require_administrator(actor, cooperative: Cooperative) -> None:
    if actor is not COMMAND_LINE:
        require(actor, cooperative, ADMINISTER)


def _error_dict(error: ValidationError, field: str) -> dict:
    return error.message_dict if hasattr(error, "error_dict") else {field: error.messages}


# --- Co-operatives --------------------------------------------------------------------


@transaction.atomic
def cooperative_create(*, actor, **data) -> Cooperative:
    """Only platform operators (superusers, the command line) open a new co-operative."""
    _require_platform_operator(actor)
    cooperative = Cooperative()
    apply_changes(cooperative, data, COOPERATIVE_CREATE_FIELDS)
    reject_nul_bytes(cooperative)
    errors: dict = {}
    try:
        cooperative.full_clean(validate_unique=False)
    except ValidationError as error:
        errors = error.message_dict
    slug_taken = _("This slug is already used by another co-operative.")
    if cooperative.slug and Cooperative.objects.filter(slug=cooperative.slug).exists():
        errors.setdefault("slug", []).append(slug_taken)
    if errors:
        raise ValidationError(errors)
    cooperative._history_user = _history_user(actor)
    try:
        with transaction.atomic():
            cooperative.save()
    except IntegrityError as error:  # another process took the slug since the check
        raise ValidationError({"slug": slug_taken}) from error
    return cooperative


@dataclass(frozen=True)
class Onboarding:
    """What `cooperative_onboard` made: the co-op, its first administrator's membership,
    and whether their account is new (a new account has no password until they choose one)."""

    cooperative: Cooperative
    membership: Membership
    user_created: bool


@transaction.atomic
def cooperative_onboard(*, actor, manager_email: str, manager_name: str = "", **data) -> Onboarding:
    """Open a co-operative with its first administrator, found or created by email.

    The first person gets the `admin` role: a manager's rights plus the access page, so
    they can invite the rest of the co-op without anyone else's help. Every problem (the
    slug in use, an invalid email, an unknown state) is reported at once, nothing written.
    """
    _require_platform_operator(actor)
    errors: dict = {}
    try:
        email = validate_invitee_email(manager_email)
    except ValidationError as error:
        errors.update(_error_dict(error, "manager_email"))
    try:
        with transaction.atomic():
            cooperative = cooperative_create(actor=actor, **data)
    except ValidationError as error:
        errors.update(_error_dict(error, "__all__"))
    if errors:
        raise ValidationError(errors)
    user, created = _user_for_email(email=email, name=manager_name, name_field="manager_name")
    membership = _membership_save(
        Membership(user=user, cooperative=cooperative),
        actor=actor,
        role=Role.ADMIN,
        ends_on=None,
        reason="co-operative opened",
    )
    return Onboarding(cooperative=cooperative, membership=membership, user_created=created)


# --- People and their accounts ----------------------------------------------------------


def validate_invitee_email(email) -> str:
    """`email` cleaned (lower case), if it can name one account: raises ValidationError
    for an invalid address or one that several accounts share. Forms call it to show the
    problem next to the field before anything is written."""
    email = (email or "").strip()
    if not email:
        raise ValidationError(_("Enter the person's email address."))
    User = get_user_model()
    limit = min(User._meta.get_field("email").max_length, User._meta.get_field("username").max_length)
    if len(email) > limit:
        raise ValidationError(_("Use an email address of at most %(limit)d characters.") % {"limit": limit})
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(_("“%(email)s” is not a valid email address.") % {"email": email}) from None
    if User.objects.filter(email__iexact=email).count() > 1:
        raise ValidationError(
            _("Several accounts use this email address; grant the role in the admin instead.")
        )
    clash = User.objects.filter(username__iexact=email).exclude(email__iexact=email)
    if clash.exists():
        raise ValidationError(_("An account named after this email exists with another address."))
    return email.lower()


def _user_for_email(*, email: str, name: str, name_field: str = "name"):
    """The account with this (validated) email, or a new one named after it with no
    usable password: the person chooses their password through the link they are sent."""
    User = get_user_model()
    found = User.objects.filter(email__iexact=email).first()
    if found is not None:
        return found, False
    name = (name or "").strip()
    if "\x00" in name:
        raise ValidationError({name_field: _("Text may not contain NUL characters.")})
    user = User(username=email, email=email, first_name=name[: User._meta.get_field("first_name").max_length])
    user.set_unusable_password()
    user.save()
    return user, True


# --- Memberships --------------------------------------------------------------------------


def _lock_cooperative(cooperative: Cooperative) -> None:
    # Changes to a co-op's memberships queue on its row: two administrators ending each
    # other at the same moment would otherwise both see "another admin remains".
    Cooperative.objects.select_for_update().filter(pk=cooperative.pk).first()


def _keeps_the_co_op(membership: Membership) -> bool:
    """A membership that keeps the co-op administrable: admin, no end date, active account."""
    return membership.role == Role.ADMIN and membership.ends_on is None and membership.user.is_active


def _require_another_administrator(before: Membership, after: Membership) -> None:
    if not _keeps_the_co_op(before) or _keeps_the_co_op(after):
        return
    others = (
        Membership.objects.filter(cooperative_id=before.cooperative_id, role=Role.ADMIN, ends_on__isnull=True)
        .filter(user__is_active=True)
        .exclude(pk=before.pk)
    )
    if not others.exists():
        raise ValidationError(
            {
                "role" if after.role != Role.ADMIN else "ends_on": _(
                    "This is the co-operative's last administrator: give someone else the "
                    "administrator role first."
                )
            }
        )


def validate_membership(membership: Membership) -> None:
    """The rule `membership_grant` applies to a changed membership, for forms (the admin's)
    to show next to the field before saving: the co-op keeps an administrator."""
    if membership.pk is None:
        return
    before = Membership.objects.select_related("user").filter(pk=membership.pk).first()
    if before is not None:
        _require_another_administrator(before, membership)


def _validate_end_date(ends_on) -> None:
    if isinstance(ends_on, date) and ends_on < timezone.localdate():
        raise ValidationError(
            {"ends_on": _("The last day cannot be in the past; to end access now, use “End access”.")}
        )


def _membership_save(membership: Membership, *, actor, role, ends_on, reason: str) -> Membership:
    before = Membership(
        pk=membership.pk,
        user=membership.user,
        cooperative_id=membership.cooperative_id,
        role=membership.role,
        ends_on=membership.ends_on,
    )
    membership.role, membership.ends_on = role, ends_on
    membership.full_clean(validate_unique=False)
    if before.pk is not None:
        _require_another_administrator(before, membership)
    membership._history_user = _history_user(actor)
    membership._change_reason = reason
    membership.save(update_fields=None if before.pk is None else ["role", "ends_on"])
    return membership


@transaction.atomic
def membership_grant(*, actor, cooperative: Cooperative, user, role: str, ends_on=None) -> Membership:
    """Give `user` a role in `cooperative` (replacing any earlier role or end date there)."""
    _require_administrator(actor, cooperative)
    _lock_cooperative(cooperative)
    membership = Membership.objects.select_for_update().filter(
        user=user, cooperative=cooperative
    ).first() or Membership(user=user, cooperative=cooperative)
    return _membership_save(membership, actor=actor, role=role, ends_on=ends_on, reason="role granted")


@dataclass(frozen=True)
class Invitation:
    membership: Membership
    user_created: bool


@transaction.atomic
def membership_invite(
    *, actor, cooperative: Cooperative, email: str, role: str, ends_on=None, name: str = ""
) -> Invitation:
    """Give the person with `email` a role in `cooperative`, creating their account if needed.

    Someone who already has access here is refused (change their role instead); someone
    whose access ended gets it back with the new role. Sending the set-password link is
    the caller's business (`coop.invitations`), after this transaction commits.
    """
    _require_administrator(actor, cooperative)
    errors: dict = {}
    try:
        email = validate_invitee_email(email)
    except ValidationError as error:
        errors.update(_error_dict(error, "email"))
    if role not in Role.values:
        errors["role"] = [_("Choose one of the roles.")]
    try:
        _validate_end_date(ends_on)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    _lock_cooperative(cooperative)
    user, created = _user_for_email(email=email, name=name)
    membership = (
        Membership.objects.select_for_update().filter(user=user, cooperative=cooperative).first()
        if not created
        else None
    )
    if membership is not None and Membership.objects.active().filter(pk=membership.pk).exists():
        raise ValidationError(
            {
                "email": _("%(user)s already has access as %(role)s; change their role instead.")
                % {"user": user.get_username(), "role": membership.get_role_display()}
            }
        )
    membership = _membership_save(
        membership or Membership(user=user, cooperative=cooperative),
        actor=actor,
        role=role,
        ends_on=ends_on,
        reason="invited",
    )
    return Invitation(membership=membership, user_created=created)


@transaction.atomic
def membership_change(*, actor, membership: Membership, **data) -> Membership:
    """Change a membership's `role` and/or `ends_on` (a last day today or later, or None)."""
    _require_administrator(actor, membership.cooperative)
    _lock_cooperative(membership.cooperative)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    reject_unknown_fields(data, MEMBERSHIP_CHANGE_FIELDS)
    role = data.get("role", membership.role)
    ends_on = data.get("ends_on", membership.ends_on)
    if role not in Role.values:
        raise ValidationError({"role": _("Choose one of the roles.")})
    if ends_on != membership.ends_on:
        _validate_end_date(ends_on)
    if (role, ends_on) == (membership.role, membership.ends_on):
        return membership
    return _membership_save(membership, actor=actor, role=role, ends_on=ends_on, reason="role changed")


@transaction.atomic
def membership_end(*, actor, membership: Membership, ends_on: date | None = None) -> Membership:
    """End a membership: at once by default (its last day becomes yesterday, so it grants
    nothing from now on), or after `ends_on`, a day today or later."""
    _require_administrator(actor, membership.cooperative)
    _lock_cooperative(membership.cooperative)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    today = timezone.localdate()
    if membership.ends_on is not None and membership.ends_on < today:
        raise ValidationError({"ends_on": _("This access has already ended.")})
    if ends_on is None:
        ends_on = today - timedelta(days=1)
    else:
        _validate_end_date(ends_on)
    return _membership_save(membership, actor=actor, role=membership.role, ends_on=ends_on, reason="ended")
