"""REST API of `upgrading` under /api/v1/, one module per area.

Same conventions as `coop.api` and `chain.api`: querysets scoped through
`coop.tenancy.scope`, each write one call to a service in `upgrading.services`.
"""

from upgrading.api import advances, assemblies, ledger, premium, reports, settlements


def register(router) -> None:
    for area in (advances, assemblies, premium, settlements, ledger, reports):
        area.register(router)
