"""Writes for the internal control system: inspections and certifications."""

import datetime
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coop.models import Association, Certification, Cooperative, Family, Inspection, Member
from coop.services.base import (
    apply_changes,
    history_copy,
    locked,
    query_chunks,
    reject_nul_bytes,
    save_validated,
)
from coop.tenancy import MANAGE, RECORD, require

# EU organic group certification: a certificate rests on an inspection of the last year.
APPROVAL_WINDOW = datetime.timedelta(days=365)
INSPECTION_FIELDS = (
    "inspector",
    "inspected_on",
    "result",
    "family",
    "association",
    "findings",
    "follow_up_on",
)
CERTIFICATION_FIELDS = ("family", "scheme", "standard", "reference", "valid_from", "valid_to", "approved_by")


# The rules of an inspection and of a certificate, as pure functions of their values:
# the one-row services raise their errors, the bulk services collect them for every row.


def inspection_errors(
    *,
    inspector_family_id,
    inspector_association_id,
    family_id,
    association_id,
    inspected_on,
    follow_up_on,
    today: date,
) -> dict[str, str]:
    """Who may inspect what, and dates in order: an inspector never inspects their own
    family or their own association (the internal control system's independence rule)."""
    errors = {}
    if (family_id is None) == (association_id is None):
        errors["family"] = _("Inspect either one family or one collection point.")
    elif family_id is not None and inspector_family_id == family_id:
        errors["inspector"] = _("An inspector may not inspect their own family.")
    elif association_id is not None and inspector_association_id == association_id:
        errors["inspector"] = _("An inspector may not inspect their own association.")
    if isinstance(inspected_on, date) and inspected_on > today:
        errors["inspected_on"] = _("The date cannot be in the future.")
    if isinstance(follow_up_on, date) and isinstance(inspected_on, date) and follow_up_on < inspected_on:
        errors["follow_up_on"] = _("The follow-up comes after the inspection.")
    return errors


def approval_errors(
    *, family_id, approving_family_id, approving_result, approved_on, valid_from, valid_to
) -> dict[str, str]:
    """A certificate rests on a compliant inspection of the same family in the year before it starts."""
    errors = {}
    if approving_family_id != family_id:
        errors["approved_by"] = _("Choose an inspection of this family.")
    elif approving_result != Inspection.Result.COMPLIANT:
        errors["approved_by"] = _("Only a compliant inspection can approve a certification.")
    elif isinstance(valid_from, date) and not (valid_from - APPROVAL_WINDOW <= approved_on <= valid_from):
        errors["approved_by"] = _("The inspection must fall within the year before the certificate starts.")
    if isinstance(valid_from, date) and isinstance(valid_to, date) and valid_to < valid_from:
        errors["valid_to"] = _("The certificate cannot end before it starts.")
    return errors


@transaction.atomic
def inspection_record(
    *,
    actor,
    cooperative: Cooperative,
    inspector: Member,
    inspected_on: date,
    result: str,
    family: Family | None = None,
    association: Association | None = None,
    findings: str = "",
    follow_up_on: date | None = None,
) -> Inspection:
    """Record an internal inspection of one family or one collection point.

    An inspector may not inspect their own family or their own association.
    """
    require(actor, cooperative, RECORD)
    errors = {}
    for field, obj in (("inspector", inspector), ("family", family), ("association", association)):
        if obj is not None and obj.cooperative_id != cooperative.pk:
            errors[field] = _("This belongs to another co-operative.")
    if errors:
        raise ValidationError(errors)
    errors = inspection_errors(
        inspector_family_id=inspector.family_id,
        inspector_association_id=inspector.family.association_id,
        family_id=family.pk if family else None,
        association_id=association.pk if association else None,
        inspected_on=inspected_on,
        follow_up_on=follow_up_on,
        today=timezone.localdate(),
    )
    if errors:
        raise ValidationError(errors)
    inspection = Inspection(cooperative=cooperative, recorded_by=actor)
    apply_changes(
        inspection,
        {
            "inspector": inspector,
            "inspected_on": inspected_on,
            "result": result,
            "family": family,
            "association": association,
            "findings": findings,
            "follow_up_on": follow_up_on,
        },
        INSPECTION_FIELDS,
    )
    save_validated(inspection, actor=actor)
    return inspection


@transaction.atomic
def inspection_close(*, actor, inspection: Inspection, closed_on: date) -> Inspection:
    """Close a non-compliance or sanction once its follow-up is done."""
    require(actor, inspection.cooperative, MANAGE)
    inspection = locked(inspection)
    if inspection.closed_on:
        raise ValidationError({"closed_on": _("This inspection is already closed.")})
    if closed_on < inspection.inspected_on:
        raise ValidationError({"closed_on": _("It cannot close before the inspection.")})
    inspection.closed_on = closed_on
    save_validated(inspection, actor=actor, update_fields=["closed_on"])
    return inspection


@transaction.atomic
def certification_grant(
    *,
    actor,
    family: Family,
    scheme: str,
    standard: str,
    reference: str,
    valid_from: date,
    valid_to: date,
    approved_by: Inspection,
) -> Certification:
    """Certify a family, on the basis of a compliant inspection of it in the year before."""
    require(actor, family.cooperative, MANAGE)
    errors = approval_errors(
        family_id=family.pk,
        approving_family_id=approved_by.family_id,
        approving_result=approved_by.result,
        approved_on=approved_by.inspected_on,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    if errors:
        raise ValidationError(errors)
    certification = Certification(cooperative=family.cooperative, family=family)
    apply_changes(
        certification,
        {
            "scheme": scheme,
            "standard": standard,
            "reference": reference,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "approved_by": approved_by,
        },
        ("scheme", "standard", "reference", "valid_from", "valid_to", "approved_by"),
    )
    save_validated(certification, actor=actor)
    return certification


@transaction.atomic
def certification_set_status(*, actor, certification: Certification, status: str) -> Certification:
    """Suspend or withdraw a certificate (or reinstate it)."""
    require(actor, certification.cooperative, MANAGE)
    certification = locked(certification)
    changed = apply_changes(certification, {"status": status}, ("status",))
    if changed:
        save_validated(certification, actor=actor, update_fields=changed)
    return certification


# --- Many rows at once (the demo's yearly rounds; imports) ---------------------------
#
# The rules above, checked on every row before anything is written; the foreign keys are
# checked for all rows in a few queries; then one INSERT per chunk and the history rows
# copied by the database. A year of inspections of a thousand families takes a second.


def _row_error(errors: dict, field: str, row: int, message) -> None:
    errors.setdefault(field, []).append(_("Row %(row)d: %(message)s") % {"row": row, "message": message})


def _ids_in(queryset, ids, *fields) -> dict:
    """{pk: (fields...)} of the rows of `queryset` among `ids`, asked in chunks."""
    found = {}
    for chunk in query_chunks(sorted(set(ids) - {None})):
        for pk, *values in queryset.filter(pk__in=chunk).values_list("pk", *fields):
            found[pk] = tuple(values)
    return found


def _build(model, cooperative, rows, allowed, errors: dict, **extra) -> list:
    """Unsaved instances; what full_clean finds (choices, lengths, NUL bytes) goes to `errors`."""
    instances = []
    for row, data in enumerate(rows, start=1):
        instance = model(cooperative=cooperative, **extra)
        try:
            apply_changes(instance, data, allowed)
            reject_nul_bytes(instance)
            # Foreign keys are checked for all rows at once by the caller, not one query each.
            instance.full_clean(
                exclude=[f.name for f in model._meta.concrete_fields if f.is_relation],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    _row_error(errors, field, row, message)
        instances.append(instance)
    return instances


def _insert(model, instances: list, *, actor) -> list:
    saved = model.objects.bulk_create(instances, batch_size=500)
    history_copy(model, [instance.pk for instance in saved], actor=actor)
    return saved


@transaction.atomic
def inspections_bulk_record(*, actor, cooperative: Cooperative, rows) -> list[Inspection]:
    """Record many inspections in one transaction, or none.

    `rows` are dicts of inspection_record's arguments (inspector, inspected_on, result,
    family or association, findings, follow_up_on) and follow its rules. A
    ValidationError names the field and the row ("Row 3: ...").
    """
    require(actor, cooperative, RECORD)
    errors: dict = {}
    inspections = _build(Inspection, cooperative, rows, INSPECTION_FIELDS, errors, recorded_by=actor)
    inspectors = _ids_in(
        Member.objects.filter(cooperative=cooperative),
        [i.inspector_id for i in inspections],
        "family_id",
        "family__association_id",
    )
    families = _ids_in(Family.objects.filter(cooperative=cooperative), [i.family_id for i in inspections])
    points = _ids_in(
        Association.objects.filter(cooperative=cooperative), [i.association_id for i in inspections]
    )
    today = timezone.localdate()
    for row, inspection in enumerate(inspections, start=1):
        row_errors = {}
        for field, known in (("inspector", inspectors), ("family", families), ("association", points)):
            value = getattr(inspection, f"{field}_id")
            if value is not None and value not in known:
                row_errors[field] = _("This belongs to another co-operative.")
        if inspection.inspector_id is None:
            row_errors["inspector"] = _("This field is required.")
        if not row_errors:
            inspector_family_id, inspector_association_id = inspectors[inspection.inspector_id]
            row_errors = inspection_errors(
                inspector_family_id=inspector_family_id,
                inspector_association_id=inspector_association_id,
                family_id=inspection.family_id,
                association_id=inspection.association_id,
                inspected_on=inspection.inspected_on,
                follow_up_on=inspection.follow_up_on,
                today=today,
            )
        for field, message in row_errors.items():
            _row_error(errors, field, row, message)
    if errors:
        raise ValidationError(errors)
    return _insert(Inspection, inspections, actor=actor)


@transaction.atomic
def certifications_bulk_grant(*, actor, cooperative: Cooperative, rows) -> list[Certification]:
    """Certify many families in one transaction, or none.

    `rows` are dicts of certification_grant's arguments (family, scheme, standard,
    reference, valid_from, valid_to, approved_by) and follow its rules: each rests on a
    saved compliant inspection of the same family in the year before it starts.
    """
    require(actor, cooperative, MANAGE)
    errors: dict = {}
    certifications = _build(Certification, cooperative, rows, CERTIFICATION_FIELDS, errors)
    families = _ids_in(Family.objects.filter(cooperative=cooperative), [c.family_id for c in certifications])
    # Read from the database, not from the rows: the approval rests on what was recorded.
    approvals = _ids_in(
        Inspection.objects.filter(cooperative=cooperative),
        [c.approved_by_id for c in certifications],
        "family_id",
        "result",
        "inspected_on",
    )
    for row, certification in enumerate(certifications, start=1):
        if certification.family_id not in families:
            _row_error(errors, "family", row, _("This belongs to another co-operative."))
            continue
        if certification.approved_by_id not in approvals:
            _row_error(errors, "approved_by", row, _("Choose an inspection of this family."))
            continue
        approving_family_id, result, inspected_on = approvals[certification.approved_by_id]
        for field, message in approval_errors(
            family_id=certification.family_id,
            approving_family_id=approving_family_id,
            approving_result=result,
            approved_on=inspected_on,
            valid_from=certification.valid_from,
            valid_to=certification.valid_to,
        ).items():
            _row_error(errors, field, row, message)
    if errors:
        raise ValidationError(errors)
    return _insert(Certification, certifications, actor=actor)
