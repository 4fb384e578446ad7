"""Writes for the internal control system: inspections and certifications."""

import datetime
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coop.models import Association, Certification, Cooperative, Family, Inspection, Member
from coop.services.base import apply_changes, locked, save_validated
from coop.tenancy import MANAGE, RECORD, require

# EU organic group certification: a certificate rests on an inspection of the last year.
APPROVAL_WINDOW = datetime.timedelta(days=365)


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
    if (family is None) == (association is None):
        errors["family"] = _("Inspect either one family or one collection point.")
    if errors:
        raise ValidationError(errors)
    if family is not None and inspector.family_id == family.pk:
        raise ValidationError({"inspector": _("An inspector may not inspect their own family.")})
    if association is not None and inspector.family.association_id == association.pk:
        raise ValidationError({"inspector": _("An inspector may not inspect their own association.")})
    if isinstance(inspected_on, date) and inspected_on > timezone.localdate():
        raise ValidationError({"inspected_on": _("The date cannot be in the future.")})
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
        ("inspector", "inspected_on", "result", "family", "association", "findings", "follow_up_on"),
    )
    if isinstance(follow_up_on, date) and isinstance(inspected_on, date) and follow_up_on < inspected_on:
        raise ValidationError({"follow_up_on": _("The follow-up comes after the inspection.")})
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
    if approved_by.family_id != family.pk:
        raise ValidationError({"approved_by": _("Choose an inspection of this family.")})
    if approved_by.result != Inspection.Result.COMPLIANT:
        raise ValidationError({"approved_by": _("Only a compliant inspection can approve a certification.")})
    if isinstance(valid_from, date) and not (
        valid_from - APPROVAL_WINDOW <= approved_by.inspected_on <= valid_from
    ):
        raise ValidationError(
            {"approved_by": _("The inspection must fall within the year before the certificate starts.")}
        )
    if isinstance(valid_from, date) and isinstance(valid_to, date) and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The certificate cannot end before it starts.")})
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
