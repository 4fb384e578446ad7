"""API serializers for co-operatives and their people (conventions: `coop.serializers.base`)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from coop.models import Association, Cooperative, Family, Member
from coop.serializers.base import (
    CoopModelSerializer,
    MovesNowhereMixin,
    ScopedCooperativeField,
    ScopedPrimaryKeyField,
)
from coop.units import validate_cpf


class CooperativeSerializer(serializers.ModelSerializer):
    """A co-operative you belong to, and your role in it."""

    role = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("Your role in this co-operative today.")
    )

    class Meta:
        model = Cooperative
        fields = ["slug", "name", "short_name", "country", "state", "municipality", "base_currency", "role"]
        read_only_fields = fields


class AssociationSerializer(MovesNowhereMixin, CoopModelSerializer):
    """An association, cantina, honey room or production centre of a co-operative."""

    cooperative = ScopedCooperativeField()
    family_count = serializers.IntegerField(read_only=True)

    class Meta(CoopModelSerializer.Meta):
        model = Association
        fields = [
            "id",
            "cooperative",
            "code",
            "name",
            "kind",
            "municipality",
            "latitude",
            "longitude",
            "family_count",
        ]


class FamilySerializer(MovesNowhereMixin, CoopModelSerializer):
    """A producing household. Its code is unique within its co-operative."""

    cooperative = ScopedCooperativeField()
    association = ScopedPrimaryKeyField(
        model=Association,
        allow_null=True,
        required=False,
        help_text=_("Id of an association of the same co-operative."),
    )
    member_count = serializers.IntegerField(read_only=True)

    class Meta(CoopModelSerializer.Meta):
        model = Family
        fields = [
            "id",
            "cooperative",
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
            "member_count",
        ]


class MemberSerializer(CoopModelSerializer):
    """A person in a family. The CPF (`national_id`) can be written but is never returned."""

    cooperative = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text=_("The co-operative of the member's family.")
    )
    family = ScopedPrimaryKeyField(model=Family, help_text=_("Id of the member's family."))
    family_code = serializers.CharField(source="family.code", read_only=True)
    # Declared by hand: the model field's implicit default ("") would make a PUT that
    # leaves out this write-only field erase the stored CPF.
    national_id = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=11,
        validators=[validate_cpf],
        help_text=_("CPF, 11 digits. Write-only: it is never sent back."),
    )
    national_id_masked = serializers.CharField(
        read_only=True, help_text=_("The CPF with all but three digits hidden.")
    )

    class Meta(CoopModelSerializer.Meta):
        model = Member
        fields = [
            "id",
            "cooperative",
            "family",
            "family_code",
            "name",
            "gender",
            "birth_year",
            "role_in_family",
            "literacy",
            "national_id",
            "national_id_masked",
        ]
