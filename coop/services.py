"""Writes for co-operatives and their people: the one write path.

Views, the API, admin actions, imports and commands all call these functions. Each is
keyword-only, runs in one transaction, checks the actor's role, validates, and saves
with the actor recorded in the history tables.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coop.models import Association, Cooperative, Family, Member, Membership, Product
from coop.tenancy import ADMINISTER, MANAGE, RECORD, require

ASSOCIATION_FIELDS = ("code", "name", "kind", "municipality", "latitude", "longitude")
FAMILY_FIELDS = (
    "code",
    "household_name",
    "association",
    "municipality",
    "joined_on",
    "status",
    "land_tenure",
    "latitude",
    "longitude",
    "hives",
)
MEMBER_FIELDS = ("family", "name", "gender", "birth_year", "role_in_family", "literacy", "national_id")


def _reject_unknown_fields(data: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in unknown})


def _reject_nul_bytes(instance: models.Model) -> None:
    # PostgreSQL cannot store NUL in text; refuse it here rather than fail at the database.
    errors = {
        field.name: _("Text may not contain NUL characters.")
        for field in instance._meta.concrete_fields
        if isinstance(getattr(instance, field.attname, None), str)
        and "\x00" in getattr(instance, field.attname)
    }
    if errors:
        raise ValidationError(errors)


def _require_unique_code(instance: models.Model) -> None:
    clash = type(instance).objects.filter(cooperative=instance.cooperative, code=instance.code)
    if clash.exclude(pk=instance.pk).exists():
        raise ValidationError({"code": _("This code is already used in this co-operative.")})


def _save(instance: models.Model, *, actor, update_fields=None) -> None:
    """Validate everything the model knows, then save with `actor` in the history."""
    _reject_nul_bytes(instance)
    if hasattr(instance, "code"):
        _require_unique_code(instance)
    instance.full_clean(validate_unique=False)
    instance._history_user = actor
    try:
        with transaction.atomic():
            instance.save(update_fields=update_fields)
    except IntegrityError as error:
        # A concurrent insert won the race for the same code.
        raise ValidationError({"code": _("This code is already used in this co-operative.")}) from error


def _apply(instance: models.Model, data: dict, allowed: tuple[str, ...]) -> list[str]:
    _reject_unknown_fields(data, allowed)
    # getattr's default: an unset required foreign key (a new member's family) raises
    # RelatedObjectDoesNotExist, an AttributeError, instead of returning None.
    changed = [name for name, value in data.items() if getattr(instance, name, None) != value]
    for name in changed:
        setattr(instance, name, data[name])
    return changed


def _locked(instance: models.Model) -> models.Model:
    # Re-read under a row lock so two concurrent edits cannot overwrite each other.
    return type(instance).objects.select_for_update().get(pk=instance.pk)


# --- Associations -----------------------------------------------------------------


@transaction.atomic
def association_create(*, actor, cooperative: Cooperative, **data) -> Association:
    require(actor, cooperative, MANAGE)
    association = Association(cooperative=cooperative)
    _apply(association, data, ASSOCIATION_FIELDS)
    _save(association, actor=actor)
    return association


@transaction.atomic
def association_update(*, actor, association: Association, **data) -> Association:
    require(actor, association.cooperative, MANAGE)
    association = _locked(association)
    changed = _apply(association, data, ASSOCIATION_FIELDS)
    if changed:
        _save(association, actor=actor, update_fields=changed)
    return association


# --- Families ---------------------------------------------------------------------


def _validate_family(family: Family) -> None:
    if family.association_id and family.association.cooperative_id != family.cooperative_id:
        raise ValidationError({"association": _("This association belongs to another co-operative.")})
    if isinstance(family.joined_on, date) and family.joined_on > timezone.localdate():
        raise ValidationError({"joined_on": _("The joining date cannot be in the future.")})


@transaction.atomic
def family_create(*, actor, cooperative: Cooperative, **data) -> Family:
    require(actor, cooperative, RECORD)
    family = Family(cooperative=cooperative)
    _apply(family, data, FAMILY_FIELDS)
    _validate_family(family)
    _save(family, actor=actor)
    return family


@transaction.atomic
def family_update(*, actor, family: Family, **data) -> Family:
    require(actor, family.cooperative, RECORD)
    family = _locked(family)
    changed = _apply(family, data, FAMILY_FIELDS)
    if changed:
        _validate_family(family)
        _save(family, actor=actor, update_fields=changed)
    return family


# --- Members ----------------------------------------------------------------------


def _validate_member(member: Member) -> None:
    if member.family_id and member.family.cooperative_id != member.cooperative_id:
        raise ValidationError({"family": _("This family belongs to another co-operative.")})
    if member.birth_year and member.birth_year > timezone.localdate().year:
        raise ValidationError({"birth_year": _("The birth year cannot be in the future.")})
    if member.national_id:
        clash = Member.objects.filter(cooperative=member.cooperative, national_id=member.national_id)
        if clash.exclude(pk=member.pk).exists():
            raise ValidationError({"national_id": _("Another member already has this CPF.")})


@transaction.atomic
def member_create(*, actor, cooperative: Cooperative, **data) -> Member:
    require(actor, cooperative, RECORD)
    member = Member(cooperative=cooperative)
    _apply(member, data, MEMBER_FIELDS)
    _validate_member(member)
    _save(member, actor=actor)
    return member


@transaction.atomic
def member_update(*, actor, member: Member, **data) -> Member:
    require(actor, member.cooperative, RECORD)
    member = _locked(member)
    changed = _apply(member, data, MEMBER_FIELDS)
    if changed:
        _validate_member(member)
        _save(member, actor=actor, update_fields=changed)
    return member


# --- Co-operatives, products and memberships ----------------------------------------------


@transaction.atomic
def cooperative_update(*, actor, cooperative: Cooperative, **data) -> Cooperative:
    require(actor, cooperative, ADMINISTER)
    cooperative = _locked(cooperative)
    changed = _apply(cooperative, data, ("name", "state", "municipality", "base_currency"))
    if changed:
        _save(cooperative, actor=actor, update_fields=changed)
    return cooperative


@transaction.atomic
def product_create(*, actor, cooperative: Cooperative, **data) -> Product:
    require(actor, cooperative, MANAGE)
    product = Product(cooperative=cooperative)
    _apply(product, data, ("code", "name", "unit"))
    _save(product, actor=actor)
    return product


@transaction.atomic
def membership_grant(*, actor, cooperative: Cooperative, user, role: str, ends_on=None) -> Membership:
    """Give `user` a role in `cooperative` (replacing any earlier role there)."""
    require(actor, cooperative, ADMINISTER)
    membership = Membership.objects.select_for_update().filter(
        user=user, cooperative=cooperative
    ).first() or Membership(user=user, cooperative=cooperative)
    membership.role, membership.ends_on = role, ends_on
    membership.full_clean(validate_unique=False)
    membership._history_user = actor
    membership.save()
    return membership


@transaction.atomic
def cooperative_create(*, actor, **data) -> Cooperative:
    """Only platform operators (superusers) open a new co-operative."""
    if not (actor and actor.is_superuser):
        raise PermissionDenied("Only a platform administrator can create a co-operative.")
    cooperative = Cooperative()
    _apply(cooperative, data, ("name", "slug", "country", "state", "municipality", "base_currency"))
    _save(cooperative, actor=actor)
    return cooperative
