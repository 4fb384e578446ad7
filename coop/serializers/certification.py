"""API serializers for the internal control system: certifications and inspections."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from coop.models import Association, Certification, Family, Inspection, Member
from coop.serializers.base import ActionSerializer, CoopModelSerializer, ScopedPrimaryKeyField


class CertificationSerializer(CoopModelSerializer):
    """A family's certificate under one scheme. Its co-operative is the family's; its
    status changes through the `status` action (suspend, withdraw, reinstate)."""

    cooperative = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text=_("The co-operative of the family.")
    )
    family = ScopedPrimaryKeyField(model=Family, help_text=_("Id of the certified family."))
    family_code = serializers.CharField(source="family.code", read_only=True)
    approved_by = ScopedPrimaryKeyField(
        model=Inspection,
        help_text=_(
            "Id of the compliant inspection of this family, in the year before `valid_from`, "
            "that approves the certificate."
        ),
    )

    class Meta(CoopModelSerializer.Meta):
        model = Certification
        fields = [
            "id",
            "cooperative",
            "family",
            "family_code",
            "scheme",
            "standard",
            "reference",
            "valid_from",
            "valid_to",
            "status",
            "approved_by",
        ]
        read_only_fields = ["status"]


class CertificationStatusSerializer(ActionSerializer):
    status = serializers.ChoiceField(
        choices=Certification.Status.choices, help_text=_("The new status of the certificate.")
    )


class InspectionSerializer(CoopModelSerializer):
    """An internal inspection of one family or one collection point (not both)."""

    cooperative = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text=_("The co-operative of the inspected family or place.")
    )
    family = ScopedPrimaryKeyField(
        model=Family, allow_null=True, required=False, help_text=_("Id of the inspected family.")
    )
    family_code = serializers.CharField(source="family.code", read_only=True, allow_null=True)
    association = ScopedPrimaryKeyField(
        model=Association,
        allow_null=True,
        required=False,
        help_text=_("Id of the inspected collection point (cantina, honey room, ...)."),
    )
    inspector = ScopedPrimaryKeyField(
        model=Member, help_text=_("Id of the inspecting member; not of the inspected family or association.")
    )
    inspector_name = serializers.CharField(source="inspector.name", read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta(CoopModelSerializer.Meta):
        model = Inspection
        fields = [
            "id",
            "cooperative",
            "family",
            "family_code",
            "association",
            "inspected_on",
            "inspector",
            "inspector_name",
            "result",
            "findings",
            "follow_up_on",
            "closed_on",
            "recorded_by",
        ]
        read_only_fields = ["closed_on"]


class InspectionCloseSerializer(ActionSerializer):
    closed_on = serializers.DateField(help_text=_("The day the follow-up was done."))
