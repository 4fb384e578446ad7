"""Writes for co-operatives and their people: the one write path.

Views, the API, admin actions, imports and commands all call these functions. Each is
keyword-only, runs in one transaction, checks the actor's role, validates, and saves
with the actor recorded in the history tables.
"""

from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from coop.models import Association, Cooperative, Family, Member
from coop.services.base import apply_changes, locked, reject_nul_bytes, save_validated
from coop.tenancy import ADMINISTER, MANAGE, RECORD, require

COOPERATIVE_FIELDS = ("name", "short_name", "state", "municipality", "base_currency", "moisture_limit_pct")
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


# --- Associations -----------------------------------------------------------------


@transaction.atomic
def association_create(*, actor, cooperative: Cooperative, **data) -> Association:
    require(actor, cooperative, MANAGE)
    association = Association(cooperative=cooperative)
    apply_changes(association, data, ASSOCIATION_FIELDS)
    save_validated(association, actor=actor)
    return association


@transaction.atomic
def association_update(*, actor, association: Association, **data) -> Association:
    require(actor, association.cooperative, MANAGE)
    association = locked(association)
    changed = apply_changes(association, data, ASSOCIATION_FIELDS)
    if changed:
        save_validated(association, actor=actor, update_fields=changed)
    return association


# --- Families ---------------------------------------------------------------------


def validate_family(family: Family) -> None:
    if family.association_id and family.association.cooperative_id != family.cooperative_id:
        raise ValidationError({"association": _("This association belongs to another co-operative.")})
    if isinstance(family.joined_on, date) and family.joined_on > timezone.localdate():
        raise ValidationError({"joined_on": _("The joining date cannot be in the future.")})


@transaction.atomic
def family_create(*, actor, cooperative: Cooperative, **data) -> Family:
    require(actor, cooperative, RECORD)
    family = Family(cooperative=cooperative)
    apply_changes(family, data, FAMILY_FIELDS)
    validate_family(family)
    save_validated(family, actor=actor)
    return family


@transaction.atomic
def family_update(*, actor, family: Family, **data) -> Family:
    require(actor, family.cooperative, RECORD)
    family = locked(family)
    changed = apply_changes(family, data, FAMILY_FIELDS)
    if changed:
        validate_family(family)
        save_validated(family, actor=actor, update_fields=changed)
    return family


# --- Members ----------------------------------------------------------------------


def validate_member(member: Member) -> None:
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
    apply_changes(member, data, MEMBER_FIELDS)
    validate_member(member)
    save_validated(member, actor=actor)
    return member


@transaction.atomic
def member_update(*, actor, member: Member, **data) -> Member:
    require(actor, member.cooperative, RECORD)
    member = locked(member)
    changed = apply_changes(member, data, MEMBER_FIELDS)
    if changed:
        validate_member(member)
        save_validated(member, actor=actor, update_fields=changed)
    return member


# --- Co-operatives (opening one and its memberships: coop.services.memberships) ----------


@transaction.atomic
def cooperative_update(*, actor, cooperative: Cooperative, **data) -> Cooperative:
    require(actor, cooperative, ADMINISTER)
    cooperative = locked(cooperative)
    changed = apply_changes(cooperative, data, COOPERATIVE_FIELDS)
    if changed:
        save_validated(cooperative, actor=actor, update_fields=changed)
    return cooperative


# --- Many rows at once (imports, demo data) -------------------------------------------
#
# The rules of family_create and member_create, checked on every row before anything is
# written, then one INSERT per batch plus its history rows, in one transaction. Checks
# that would cost a query per row (foreign keys, unique codes and CPFs) run once for all
# rows, so a thousand families take a handful of queries instead of thousands.

BULK_BATCH_SIZE = 500


def _row_error(errors: dict, field: str, row: int, message) -> None:
    text = _("Row %(row)d: %(message)s") % {"row": row, "message": message}
    messages = errors.setdefault(field, [])
    if text not in messages:  # a row rule and the all-rows check may find the same fault
        messages.append(text)


def _existing(queryset, field: str, values) -> set:
    """The `values` of `field` already present in `queryset`, asked in chunks (SQLite caps parameters)."""
    values, found = sorted(set(values)), set()
    for start in range(0, len(values), BULK_BATCH_SIZE):
        chunk = values[start : start + BULK_BATCH_SIZE]
        found.update(queryset.filter(**{f"{field}__in": chunk}).values_list(field, flat=True))
    return found


def _bulk_build(model, cooperative, rows, allowed, parent, validate_row, errors: dict) -> list:
    """Unsaved instances, one per row; every problem is added to `errors` as "Row n: ..."."""
    instances = []
    for row, data in enumerate(rows, start=1):
        instance = model(cooperative=cooperative)
        try:
            apply_changes(instance, data, allowed)
            reject_nul_bytes(instance)
            # Foreign keys and uniqueness are checked for all rows at once below; the check
            # constraints repeat the field validators that full_clean runs here.
            instance.full_clean(
                exclude=["cooperative", parent], validate_unique=False, validate_constraints=False
            )
            validate_row(instance)
        except ValidationError as error:
            by_field = (
                error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
            )
            for field, messages in by_field.items():
                for message in messages:
                    _row_error(errors, field, row, message)
        instances.append(instance)
    return instances


def _check_parents(instances, field: str, parents, *, required: bool, message: str, errors: dict) -> None:
    """Each row's `field` must be a saved row of `parents` (already scoped to the co-operative)."""
    known = _existing(parents, "pk", {getattr(i, f"{field}_id") for i in instances} - {None})
    for row, instance in enumerate(instances, start=1):
        parent_id = getattr(instance, f"{field}_id")
        if parent_id is None:
            if required:
                _row_error(errors, field, row, _("This field is required."))
        elif parent_id not in known:
            _row_error(errors, field, row, message)


def _check_unique(instances, field: str, taken: set, *, message: str, errors: dict) -> None:
    """No two rows, and no row and an existing one, share a non-blank `field`."""
    seen = set(taken)
    for row, instance in enumerate(instances, start=1):
        value = getattr(instance, field)
        if value in seen:
            _row_error(errors, field, row, message)
        elif value:
            seen.add(value)


def _bulk_insert(model, instances, *, actor) -> list:
    try:
        with transaction.atomic():
            return bulk_create_with_history(instances, model, batch_size=BULK_BATCH_SIZE, default_user=actor)
    except IntegrityError as error:
        # A concurrent writer took one of the codes (or CPFs) between the check and the insert.
        raise ValidationError(
            _("A code or CPF in these rows was saved by someone else meanwhile; please try again.")
        ) from error


@transaction.atomic
def families_bulk_create(*, actor, cooperative: Cooperative, rows) -> list[Family]:
    """Create many families in one transaction, or none: `rows` are dicts of the fields
    family_create takes. A ValidationError names the field and the row ("Row 3: ...")."""
    require(actor, cooperative, RECORD)
    errors: dict = {}
    families = _bulk_build(Family, cooperative, rows, FAMILY_FIELDS, "association", validate_family, errors)
    _check_parents(
        families,
        "association",
        Association.objects.filter(cooperative=cooperative),
        required=False,
        message=_("This association belongs to another co-operative."),
        errors=errors,
    )
    taken = _existing(Family.objects.filter(cooperative=cooperative), "code", [f.code for f in families])
    _check_unique(
        families, "code", taken, message=_("This code is already used in this co-operative."), errors=errors
    )
    if errors:
        raise ValidationError(errors)
    return _bulk_insert(Family, families, actor=actor)


def _validate_member_row(member: Member) -> None:
    # validate_member's rules without its per-row queries (the CPF is checked for all rows).
    if member.family_id and member.family.cooperative_id != member.cooperative_id:
        raise ValidationError({"family": _("This family belongs to another co-operative.")})
    if member.birth_year and member.birth_year > timezone.localdate().year:
        raise ValidationError({"birth_year": _("The birth year cannot be in the future.")})


@transaction.atomic
def members_bulk_create(*, actor, cooperative: Cooperative, rows) -> list[Member]:
    """Create many members in one transaction, or none: `rows` are dicts of the fields
    member_create takes, each naming a saved `family` of this co-operative."""
    require(actor, cooperative, RECORD)
    errors: dict = {}
    members = _bulk_build(Member, cooperative, rows, MEMBER_FIELDS, "family", _validate_member_row, errors)
    _check_parents(
        members,
        "family",
        Family.objects.filter(cooperative=cooperative),
        required=True,
        message=_("This family belongs to another co-operative."),
        errors=errors,
    )
    taken = _existing(
        Member.objects.filter(cooperative=cooperative),
        "national_id",
        [m.national_id for m in members if m.national_id],
    )
    _check_unique(
        members, "national_id", taken, message=_("Another member already has this CPF."), errors=errors
    )
    if errors:
        raise ValidationError(errors)
    return _bulk_insert(Member, members, actor=actor)
