"""A small honey co-op and its manager, written into the database of the production server
that tests/config/test_production_server.py starts. Run in that server's environment:
`python -m tests.config.production_server_data`; prints the login and the co-op as JSON."""

import datetime
import json
import secrets


def build() -> dict:
    from coop.models import Role
    from tests.factories import (
        AssociationFactory,
        CooperativeFactory,
        FamilyFactory,
        LotFactory,
        MembershipFactory,
        ProductFactory,
        UserFactory,
    )

    coop = CooperativeFactory(name="Cooperativa do Mel", slug="mel", state="PI", municipality="Picos")
    password = secrets.token_urlsafe(16)
    manager = UserFactory(username="mel-manager", password=password)
    MembershipFactory(user=manager, cooperative=coop, role=Role.MANAGER)
    association = AssociationFactory(cooperative=coop, code="ASSOC-1")
    family = FamilyFactory(cooperative=coop, association=association, code="FAM-0001")
    honey = ProductFactory(cooperative=coop, code="HONEY", name="Mel orgânico")
    # Barrels over the last months, so the manager's home draws its production chart.
    today = datetime.date.today()
    for months_ago in range(3):
        LotFactory(
            cooperative=coop,
            product=honey,
            family=family,
            code=f"BARREL-{months_ago}",
            collected_on=today - datetime.timedelta(days=30 * months_ago),
        )
    return {"username": manager.username, "password": password, "slug": coop.slug}


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    print(json.dumps(build()))
