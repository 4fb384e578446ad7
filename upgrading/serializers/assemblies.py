"""API serializers of the general-assembly register: meetings and their decisions.

Minutes travel as a multipart file (`minutes`, write-only); what is read back is their
SHA-256 and whether there are any. The file itself is served by the `minutes` action to
members of the co-op only. Head counts and votes are checked against each other by the
services (`upgrading.services.assemblies`), which name the field.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from coop.serializers import (
    CoopModelSerializer,
    MovesNowhereMixin,
    ScopedCooperativeField,
    ScopedPrimaryKeyField,
)
from upgrading.models import Assembly, Decision
from upgrading.services.assemblies import MAX_DECISION_NUMBER, MAX_PEOPLE

MAX_TEXT_LENGTH = 5000


def count_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=MAX_PEOPLE, **kwargs)


def minutes_field() -> serializers.FileField:
    return serializers.FileField(
        write_only=True,
        required=False,
        help_text=_("PDF, PNG, JPEG, WebP or plain text, up to 10 MB (multipart). Its SHA-256 is kept."),
    )


class DecisionSerializer(CoopModelSerializer):
    """A resolution voted in an assembly. `approved`: more votes for than against."""

    cooperative = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    assembly = ScopedPrimaryKeyField(model=Assembly, help_text=_("Id of the assembly that voted it."))
    number = serializers.IntegerField(
        min_value=1,
        max_value=MAX_DECISION_NUMBER,
        required=False,
        help_text=_("Leave out for the assembly's next number."),
    )
    text = serializers.CharField(max_length=MAX_TEXT_LENGTH)
    votes_for = count_field()
    votes_against = count_field(required=False)
    votes_abstaining = count_field(required=False)
    approved = serializers.BooleanField(read_only=True)
    minutes = minutes_field()
    has_minutes = serializers.SerializerMethodField()

    class Meta(CoopModelSerializer.Meta):
        model = Decision
        fields = [
            "id",
            "cooperative",
            "assembly",
            "number",
            "text",
            "votes_for",
            "votes_against",
            "votes_abstaining",
            "approved",
            "minutes",
            "has_minutes",
            "minutes_sha256",
        ]
        read_only_fields = ["minutes_sha256"]

    def get_has_minutes(self, decision) -> bool:
        return bool(decision.minutes)


class NestedDecisionSerializer(serializers.ModelSerializer):
    """A decision as listed inside its assembly."""

    approved = serializers.BooleanField(read_only=True)
    has_minutes = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = [
            "id",
            "number",
            "text",
            "votes_for",
            "votes_against",
            "votes_abstaining",
            "approved",
            "has_minutes",
            "minutes_sha256",
        ]
        read_only_fields = fields

    def get_has_minutes(self, decision) -> bool:
        return bool(decision.minutes)


class AssemblySerializer(MovesNowhereMixin, CoopModelSerializer):
    """A meeting: when, what kind, who attended (and of them women), quorum, its decisions."""

    cooperative = ScopedCooperativeField()
    members_eligible = count_field(required=False, allow_null=True)
    members_present = count_field()
    women_present = count_field()
    minutes = minutes_field()
    has_minutes = serializers.SerializerMethodField()
    decisions = NestedDecisionSerializer(many=True, read_only=True)

    class Meta(CoopModelSerializer.Meta):
        model = Assembly
        fields = [
            "id",
            "cooperative",
            "held_on",
            "kind",
            "place",
            "members_eligible",
            "members_present",
            "women_present",
            "quorum_reached",
            "minutes",
            "has_minutes",
            "minutes_sha256",
            "decisions",
        ]
        read_only_fields = ["minutes_sha256"]

    def get_has_minutes(self, assembly) -> bool:
        return bool(assembly.minutes)
