"""Shared steps of every service: strict fields, NUL bytes, unique codes, validated saves."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _


def reject_unknown_fields(data: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in unknown})


def reject_nul_bytes(instance: models.Model) -> None:
    # PostgreSQL cannot store NUL in text; refuse it here rather than fail at the database.
    errors = {
        field.name: _("Text may not contain NUL characters.")
        for field in instance._meta.concrete_fields
        if isinstance(getattr(instance, field.attname, None), str)
        and "\x00" in getattr(instance, field.attname)
    }
    if errors:
        raise ValidationError(errors)


def require_unique_code(instance: models.Model) -> None:
    clash = type(instance).objects.filter(cooperative=instance.cooperative, code=instance.code)
    if clash.exclude(pk=instance.pk).exists():
        raise ValidationError({"code": _("This code is already used in this co-operative.")})


def save_validated(instance: models.Model, *, actor, update_fields=None) -> None:
    """Validate everything the model knows, then save with `actor` in the history."""
    reject_nul_bytes(instance)
    if hasattr(instance, "code"):
        require_unique_code(instance)
    instance.full_clean(validate_unique=False)
    instance._history_user = actor
    try:
        with transaction.atomic():
            instance.save(update_fields=update_fields)
    except IntegrityError as error:
        # A concurrent insert won the race for the same code.
        raise ValidationError({"code": _("This code is already used in this co-operative.")}) from error


def apply_changes(instance: models.Model, data: dict, allowed: tuple[str, ...]) -> list[str]:
    reject_unknown_fields(data, allowed)
    # getattr's default: an unset required foreign key (a new member's family) raises
    # RelatedObjectDoesNotExist, an AttributeError, instead of returning None.
    changed = [name for name, value in data.items() if getattr(instance, name, None) != value]
    for name in changed:
        setattr(instance, name, data[name])
    return changed


def locked(instance: models.Model) -> models.Model:
    # Re-read under a row lock so two concurrent edits cannot overwrite each other.
    return type(instance).objects.select_for_update().get(pk=instance.pk)
