"""API serializers of `coop`, one module per sub-domain; all importable from here."""

from coop.serializers.base import (
    MAX_ID,
    ActionSerializer,
    CoopModelSerializer,
    MovesNowhereMixin,
    RejectUnknownFieldsMixin,
    ScopedCooperativeField,
    ScopedPrimaryKeyField,
    WriteThroughServicesMixin,
    kg_field,
)
from coop.serializers.certification import (
    CertificationSerializer,
    CertificationStatusSerializer,
    InspectionCloseSerializer,
    InspectionSerializer,
)
from coop.serializers.memberships import (
    MembershipEndSerializer,
    MembershipInviteSerializer,
    MembershipSerializer,
)
from coop.serializers.people import (
    AssociationSerializer,
    CooperativeSerializer,
    FamilySerializer,
    MemberSerializer,
)
from coop.serializers.production import (
    BatchSerializer,
    FamilyProductsSerializer,
    LotProductsSerializer,
    LotSerializer,
    LotSourcesSerializer,
    ProductSerializer,
    RejectLotSerializer,
)

__all__ = [
    "MembershipEndSerializer",
    "MembershipInviteSerializer",
    "MembershipSerializer",
    "MAX_ID",
    "ActionSerializer",
    "AssociationSerializer",
    "BatchSerializer",
    "CertificationSerializer",
    "CertificationStatusSerializer",
    "CoopModelSerializer",
    "CooperativeSerializer",
    "FamilyProductsSerializer",
    "FamilySerializer",
    "InspectionCloseSerializer",
    "InspectionSerializer",
    "LotProductsSerializer",
    "LotSerializer",
    "LotSourcesSerializer",
    "MemberSerializer",
    "MovesNowhereMixin",
    "ProductSerializer",
    "RejectLotSerializer",
    "RejectUnknownFieldsMixin",
    "ScopedCooperativeField",
    "ScopedPrimaryKeyField",
    "WriteThroughServicesMixin",
    "kg_field",
]
