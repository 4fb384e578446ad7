"""Models of the `coop` app, split by sub-domain; import them from `coop.models`."""

from coop.models.certification import Certification, Inspection, Scheme
from coop.models.idempotency import IdempotencyKey
from coop.models.imports import PendingImport
from coop.models.people import (
    BRAZILIAN_STATES,
    Association,
    Cooperative,
    CoopScopedQuerySet,
    Family,
    Member,
    Membership,
    Role,
    code_validator,
)
from coop.models.production import Lot, LotCodeSequence, LotInput, Product

__all__ = [
    "BRAZILIAN_STATES",
    "Association",
    "Certification",
    "Inspection",
    "Lot",
    "LotCodeSequence",
    "LotInput",
    "Scheme",
    "CoopScopedQuerySet",
    "Cooperative",
    "Family",
    "IdempotencyKey",
    "Member",
    "Membership",
    "PendingImport",
    "Product",
    "Role",
    "code_validator",
]
