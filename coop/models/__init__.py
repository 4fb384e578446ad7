"""Models of the `coop` app, split by sub-domain; import them from `coop.models`."""

from coop.models.idempotency import IdempotencyKey
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
from coop.models.production import Product

__all__ = [
    "BRAZILIAN_STATES",
    "Association",
    "CoopScopedQuerySet",
    "Cooperative",
    "Family",
    "IdempotencyKey",
    "Member",
    "Membership",
    "Product",
    "Role",
    "code_validator",
]
