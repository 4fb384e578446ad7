"""Writes for the general-assembly register: meetings, attendance and the decisions voted.

The premium fund and settlements cite a `Decision` as their authority, so the register
must be believable: women present never exceed members present, votes cast never exceed
members present, a minutes file is checked (size, real content type) and its SHA-256
kept, so a copy shown to an auditor later can be compared with what was recorded.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coop.models import Cooperative
from coop.services.base import apply_changes, locked, reject_nul_bytes, save_validated
from coop.tenancy import MANAGE, require
from upgrading.evidence import inspect_upload
from upgrading.models import Assembly, Decision

ASSEMBLY_FIELDS = (
    "held_on",
    "kind",
    "place",
    "members_eligible",
    "members_present",
    "women_present",
    "quorum_reached",
)
DECISION_FIELDS = ("number", "text", "votes_for", "votes_against", "votes_abstaining")
MAX_PEOPLE = 1_000_000  # the largest co-op has a few thousand members: more is a typo
MAX_DECISION_NUMBER = 32767  # the column is a small integer


def _count(value, field: str, *, required: bool = True) -> int | None:
    """A head count: a whole number from 0 to MAX_PEOPLE (bool is not a number here)."""
    if value is None or value == "":
        if required:
            raise ValidationError({field: _("This field is required.")})
        return None
    if isinstance(value, bool):
        raise ValidationError({field: _("Enter a whole number.")})
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError({field: _("Enter a whole number.")}) from None
    if isinstance(value, float) and value != number:
        raise ValidationError({field: _("Enter a whole number.")})
    if not 0 <= number <= MAX_PEOPLE:
        raise ValidationError({field: _("Enter a number from 0 to %(max)s.") % {"max": MAX_PEOPLE}})
    return number


def _attach_minutes(instance, upload) -> None:
    """Check the uploaded minutes and keep their SHA-256 beside the file."""
    if upload is None:
        return
    evidence = inspect_upload(upload, field="minutes")
    upload.name = evidence.name
    instance.minutes = upload
    instance.minutes_sha256 = evidence.sha256


def _validate_assembly(assembly: Assembly) -> None:
    try:
        assembly.held_on = Assembly._meta.get_field("held_on").to_python(assembly.held_on)
    except ValidationError as error:
        raise ValidationError({"held_on": error.messages}) from None
    assembly.members_present = _count(assembly.members_present, "members_present")
    assembly.women_present = _count(assembly.women_present, "women_present")
    assembly.members_eligible = _count(assembly.members_eligible, "members_eligible", required=False)
    if isinstance(assembly.held_on, date) and assembly.held_on > timezone.localdate():
        raise ValidationError({"held_on": _("Record an assembly once it has been held.")})
    if assembly.women_present > assembly.members_present:
        raise ValidationError({"women_present": _("Women present cannot exceed the members present.")})
    if assembly.members_eligible is not None and assembly.members_present > assembly.members_eligible:
        raise ValidationError(
            {"members_present": _("Members present cannot exceed the members entitled to attend.")}
        )
    if assembly.pk is not None:
        cast = assembly.decisions.aggregate(
            most=Max(F("votes_for") + F("votes_against") + F("votes_abstaining"))
        )["most"]
        if cast is not None and cast > assembly.members_present:
            raise ValidationError(
                {
                    "members_present": ngettext(
                        "A decision of this assembly has %(n)s vote cast: more than this.",
                        "A decision of this assembly has %(n)s votes cast: more than this.",
                        cast,
                    )
                    % {"n": cast}
                }
            )


@transaction.atomic
def assembly_record(*, actor, cooperative: Cooperative, minutes=None, **data) -> Assembly:
    """Record a meeting held: its date, kind, attendance (and of them women), quorum."""
    require(actor, cooperative, MANAGE)
    assembly = Assembly(cooperative=cooperative)
    apply_changes(assembly, data, ASSEMBLY_FIELDS)
    _validate_assembly(assembly)
    _attach_minutes(assembly, minutes)
    save_validated(assembly, actor=actor)
    return assembly


@transaction.atomic
def assembly_update(*, actor, assembly: Assembly, minutes=None, **data) -> Assembly:
    """Correct a meeting's record (a miscounted attendance, the minutes added later)."""
    require(actor, assembly.cooperative, MANAGE)
    assembly = locked(assembly)
    changed = apply_changes(assembly, data, ASSEMBLY_FIELDS)
    if minutes is not None:
        _attach_minutes(assembly, minutes)
        changed += ["minutes", "minutes_sha256"]
    if changed:
        _validate_assembly(assembly)
        save_validated(assembly, actor=actor, update_fields=changed)
    return assembly


@transaction.atomic
def decision_record(*, actor, assembly: Assembly, minutes=None, **data) -> Decision:
    """Record a decision voted in `assembly`; without `number`, the next one of the assembly.

    The assembly's row is locked, so two managers recording decisions at once get
    consecutive numbers instead of the same one.
    """
    require(actor, assembly.cooperative, MANAGE)
    assembly = locked(assembly)
    decision = Decision(cooperative_id=assembly.cooperative_id, assembly=assembly)
    apply_changes(decision, {"votes_against": 0, "votes_abstaining": 0, **data}, DECISION_FIELDS)
    votes = {
        field: _count(getattr(decision, field), field)
        for field in ("votes_for", "votes_against", "votes_abstaining")
    }
    for field, value in votes.items():
        setattr(decision, field, value)
    if sum(votes.values()) > assembly.members_present:
        raise ValidationError(
            {
                "votes_for": ngettext("%(votes)s vote cast,", "%(votes)s votes cast,", sum(votes.values()))
                % {"votes": sum(votes.values())}
                + " "
                + ngettext(
                    "but only %(present)s member was present.",
                    "but only %(present)s members were present.",
                    assembly.members_present,
                )
                % {"present": assembly.members_present}
            }
        )
    if isinstance(decision.text, str):
        decision.text = decision.text.strip()
    if not decision.text:
        raise ValidationError({"text": _("Write what was decided.")})
    if decision.number in (None, ""):
        last = assembly.decisions.aggregate(last=Max("number"))["last"] or 0
        decision.number = last + 1
    else:
        decision.number = _count(decision.number, "number")
        if not 1 <= decision.number <= MAX_DECISION_NUMBER:
            raise ValidationError(
                {"number": _("Enter a number from 1 to %(max)s.") % {"max": MAX_DECISION_NUMBER}}
            )
        if assembly.decisions.filter(number=decision.number).exists():
            raise ValidationError(
                {"number": _("Decision %(n)s of this assembly is already recorded.") % {"n": decision.number}}
            )
    _attach_minutes(decision, minutes)
    reject_nul_bytes(decision)
    decision.full_clean(validate_unique=False, validate_constraints=False)
    decision._history_user = actor
    try:
        with transaction.atomic():
            decision.save()
    except IntegrityError as error:
        # Numbers are checked above under the assembly's lock; this is the database's word.
        raise ValidationError({"number": _("This number is already used in this assembly.")}) from error
    return decision
