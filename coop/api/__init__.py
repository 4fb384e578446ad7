"""REST API of `coop` under /api/v1/, one module per sub-domain (conventions: `coop.api.base`)."""

from coop.api.certification import CertificationViewSet, InspectionViewSet
from coop.api.memberships import MembershipViewSet
from coop.api.people import AssociationViewSet, CooperativeViewSet, FamilyViewSet, MemberViewSet
from coop.api.production import LotViewSet, ProductViewSet


def register(router) -> None:
    router.register("cooperatives", CooperativeViewSet, basename="cooperative")
    router.register("associations", AssociationViewSet, basename="association")
    router.register("families", FamilyViewSet, basename="family")
    router.register("members", MemberViewSet, basename="member")
    router.register("memberships", MembershipViewSet, basename="membership")
    router.register("products", ProductViewSet, basename="product")
    router.register("lots", LotViewSet, basename="lot")
    router.register("certifications", CertificationViewSet, basename="certification")
    router.register("inspections", InspectionViewSet, basename="inspection")
