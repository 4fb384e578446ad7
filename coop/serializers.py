"""API serializers for co-operatives and their people.

Serializers only check types, lengths, choices and the references a user may name; they
never save. The viewsets hand `validated_data` to the services in `coop.services`, which
own every business rule (codes unique in a co-op, no joining date in the future, ...).
"""

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from coop.models import Association, Cooperative, Family, Member
from coop.tenancy import cooperatives_for, scope
from coop.units import validate_cpf

MAX_ID = 2**63 - 1  # a bigint primary key; anything larger cannot name a row


class RejectUnknownFieldsMixin:
    """A body field the serializer does not accept is an error, never silently dropped.

    Both kinds are named in the 400 together with the ordinary field errors: a typo
    (`houshold_name`) and a read-only field (`id`, a member's `cooperative`).
    """

    def to_internal_value(self, data):
        errors = {}
        if isinstance(data, Mapping):
            for name in data:
                field = self.fields.get(name)
                if field is None:
                    errors[name] = [_("Unknown field.")]
                elif field.read_only:
                    errors[name] = [_("This field is read-only.")]
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if isinstance(exc.detail, Mapping):
                errors = {**exc.detail, **errors}
            raise serializers.ValidationError(errors or exc.detail) from exc
        if errors:
            raise serializers.ValidationError(errors)
        return value


class WriteThroughServicesMixin:
    """Saving is the services' job: calling `serializer.save()` is a bug."""

    def create(self, validated_data):
        raise NotImplementedError("Writes go through coop.services, not serializer.save().")

    def update(self, instance, validated_data):
        raise NotImplementedError("Writes go through coop.services, not serializer.save().")


class ScopedCooperativeField(serializers.SlugRelatedField):
    """A co-operative named by slug, among those the requesting user belongs to.

    A co-op the user does not belong to reads exactly like one that does not exist, so
    the error does not reveal which slugs are taken.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("Slug of a co-operative you belong to."))
        super().__init__(slug_field="slug", **kwargs)

    def get_queryset(self):
        return cooperatives_for(self.context["request"].user)

    def to_internal_value(self, data):
        # Checked before the lookup: PostgreSQL refuses a NUL in a query parameter.
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A row named by id, among the rows of the user's co-operatives (via `tenancy.scope`).

    Only whole numbers are ids: `true`, `1.5` or a 40-digit number are refused as such
    instead of being coerced to some row.
    """

    def __init__(self, *, model, **kwargs):
        self.model = model
        kwargs["pk_field"] = serializers.IntegerField(min_value=1, max_value=MAX_ID)
        super().__init__(**kwargs)

    def get_queryset(self):
        return scope(self.model.objects.all(), self.context["request"].user)

    def use_pk_only_optimization(self):
        return True


class CoopModelSerializer(RejectUnknownFieldsMixin, WriteThroughServicesMixin, serializers.ModelSerializer):
    class Meta:
        # Uniqueness (code in a co-op, CPF in a co-op) is checked by the services, under
        # the database constraint, with a message naming the field.
        validators = []


class CooperativeSerializer(serializers.ModelSerializer):
    """A co-operative you belong to, and your role in it."""

    role = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("Your role in this co-operative today.")
    )

    class Meta:
        model = Cooperative
        fields = ["slug", "name", "country", "state", "municipality", "base_currency", "role"]
        read_only_fields = fields


class MovesNowhereMixin:
    """A record stays in its co-operative: an update may repeat it, not change it."""

    def validate_cooperative(self, cooperative):
        if self.instance is not None and cooperative != self.instance.cooperative:
            raise serializers.ValidationError(_("A record cannot move to another co-operative."))
        return cooperative


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
