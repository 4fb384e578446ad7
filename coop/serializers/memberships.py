"""API serializers for who has access to a co-operative (conventions: `coop.serializers.base`)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coop.models import Membership, Role
from coop.serializers.base import ActionSerializer, CoopModelSerializer, ScopedCooperativeField


class MembershipSerializer(CoopModelSerializer):
    """A person's role in a co-operative. Only `role` and `ends_on` can change (PATCH);
    invite with POST, end with POST …/end/."""

    cooperative = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.get_full_name", read_only=True)
    active = serializers.BooleanField(
        source="in_force", read_only=True, help_text=_("True while the membership grants its role.")
    )
    invitation_pending = serializers.SerializerMethodField(
        help_text=_("True until the person has chosen their password.")
    )
    since = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta(CoopModelSerializer.Meta):
        model = Membership
        fields = [
            "id",
            "cooperative",
            "user",
            "username",
            "email",
            "name",
            "role",
            "ends_on",
            "active",
            "invitation_pending",
            "since",
        ]
        read_only_fields = ["user"]
        extra_kwargs = {"ends_on": {"help_text": _("Last day of access (inclusive); null: no end.")}}

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_invitation_pending(self, membership) -> bool:
        return not membership.user.has_usable_password()


class MembershipInviteSerializer(ActionSerializer):
    """Give a person (by email) a role in a co-operative you administer; their account is
    created if needed and they are emailed a link to choose their password."""

    cooperative = ScopedCooperativeField()
    email = serializers.CharField(max_length=254, help_text=_("The person's email address."))
    role = serializers.ChoiceField(choices=Role.choices)
    name = serializers.CharField(
        max_length=150, required=False, allow_blank=True, help_text=_("Their name, for a new account.")
    )
    ends_on = serializers.DateField(
        required=False, allow_null=True, help_text=_("Last day of access (inclusive); leave out for no end.")
    )


class MembershipEndSerializer(ActionSerializer):
    ends_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_("Last day of access, today or later; leave out to end access at once."),
    )
