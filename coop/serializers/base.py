"""Building blocks of every API serializer: strict bodies, scoped references, no saving.

Serializers only check types, lengths, choices and the references a user may name; they
never save. The viewsets hand `validated_data` to the services in `coop.services`, which
own every business rule (codes unique in a co-op, no joining date in the future, ...).
"""

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coop.tenancy import cooperatives_for, scope
from coop.units import WEIGHT_DIGITS, WEIGHT_PLACES

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


@extend_schema_field(OpenApiTypes.STR)
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


class MovesNowhereMixin:
    """A record stays in its co-operative: an update may repeat it, not change it."""

    def validate_cooperative(self, cooperative):
        if self.instance is not None and cooperative != self.instance.cooperative:
            raise serializers.ValidationError(_("A record cannot move to another co-operative."))
        return cooperative


def kg_field(**kwargs) -> serializers.DecimalField:
    """Kilograms as a string with 3 places ("20.000"); more places are refused, not rounded."""
    return serializers.DecimalField(max_digits=WEIGHT_DIGITS, decimal_places=WEIGHT_PLACES, **kwargs)


class ActionSerializer(RejectUnknownFieldsMixin, WriteThroughServicesMixin, serializers.Serializer):
    """The body of a workflow action (accept, reject, close, ...): only the fields it names."""
