"""Shared steps of every service: strict fields, NUL bytes, unique codes, validated saves, history."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
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


def query_chunks(values, size: int = 500):
    """`values` in slices small enough for one query's parameters (SQLite caps them)."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def history_copy(model: type[models.Model], pks, *, actor, history_type: str = "+", when=None) -> None:
    """Write the history rows of saved rows of `model` (just created: "+", just updated: "~").

    The rows simple_history's bulk_history_create would write (every tracked field, the
    type, the actor, one date), copied by the database with INSERT … SELECT instead of
    built as one Python object per row: a batch of a thousand barrels or a year of
    inspections costs one statement per chunk, which matters most on SQLite.
    """
    history = model.history.model
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in history.tracked_fields)
    extra = ", ".join(
        quote(history._meta.get_field(name).column)
        for name in ("history_date", "history_change_reason", "history_type", "history_user")
    )
    stamp = history._meta.get_field("history_date").get_db_prep_value(when or timezone.now(), connection)
    pk = quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        for chunk in query_chunks(sorted(pks)):
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} ({columns}, {extra}) "
                f"SELECT {columns}, %s, NULL, %s, %s FROM {quote(model._meta.db_table)} "
                f"WHERE {pk} IN ({', '.join(['%s'] * len(chunk))}) ORDER BY {pk}",
                [stamp, history_type, actor.pk if actor else None, *chunk],
            )
