"""Load the demo through the services, as the superuser `admin`, skipping what exists.

Idempotent: users are found by username, co-operatives by slug, products, associations and
families by code, memberships by (user, co-operative); a family that exists keeps its
members. The families are generated deterministically (coop.demo.people), so a second run
finds every row and writes nothing, not even history.
"""

from collections import Counter
from functools import cached_property

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError

from coop import services
from coop.demo import people, places
from coop.models import Association, Cooperative, Family, Membership, Role

DEMO_PASSWORD = "demo"
SEEDS = {"babassu": 1986, "honey": 1994}  # any fixed numbers will do; these are the founding years

# username: (first name, {co-operative slug: role})
DEMO_USERS = {
    "babassu-staff": ("Raimunda", {"babassu": Role.STAFF}),
    "babassu-manager": ("Maria José", {"babassu": Role.MANAGER}),
    "babassu-auditor": ("Helena", {"babassu": Role.AUDITOR}),
    "honey-staff": ("Cícero", {"honey": Role.STAFF}),
    "honey-manager": ("Antônia", {"honey": Role.MANAGER}),
    "honey-auditor": ("Paolo", {"honey": Role.AUDITOR}),
    "federation-auditor": ("Francisca", {"babassu": Role.AUDITOR, "honey": Role.AUDITOR}),
}


class Seeder:
    def __init__(self, log=None):
        self.log = log or (lambda message: None)
        self.created: Counter[str] = Counter()

    @cached_property
    def password(self) -> str:
        # One hash for every demo account: hashing is deliberately slow (about 0.3 s each).
        return make_password(DEMO_PASSWORD)

    def run(self) -> Counter:
        """Everything, in the caller's transaction."""
        admin = self.superuser()
        users = self.users()
        for spec in (places.BABASSU, places.HONEY):
            cooperative = self.cooperative(admin, spec)
            self.products(admin, cooperative, spec)
            self.associations(admin, cooperative, spec)
            self.families(admin, cooperative, spec)
        self.memberships(admin, users)
        return self.created

    def superuser(self):
        User = get_user_model()
        admin = User.objects.filter(username="admin").first()
        if admin is None:
            admin = User.objects.create_superuser("admin", "admin@example.org", password=None)
            self._set_demo_password(admin)
            self.created["users"] += 1
        elif not admin.is_superuser:
            raise CommandError(
                "A user 'admin' exists but is not a superuser; the demo needs it as its actor."
            )
        return admin

    def users(self) -> dict:
        User = get_user_model()
        users = {user.username: user for user in User.objects.filter(username__in=DEMO_USERS)}
        for username, (first_name, _) in DEMO_USERS.items():
            if username not in users:
                # is_staff lets each role try the Django admin, which is scoped to its co-operatives.
                user = User.objects.create_user(
                    username, f"{username}@example.org", first_name=first_name, is_staff=True
                )
                self._set_demo_password(user)
                users[username] = user
                self.created["users"] += 1
        return users

    def _set_demo_password(self, user) -> None:
        user.password = self.password
        user.save(update_fields=["password"])

    def cooperative(self, admin, spec) -> Cooperative:
        cooperative = Cooperative.objects.filter(slug=spec["cooperative"]["slug"]).first()
        if cooperative is None:
            cooperative = services.cooperative_create(actor=admin, **spec["cooperative"])
            self.created["cooperatives"] += 1
        self.log(f"{cooperative.slug}: {cooperative.name}")
        return cooperative

    def products(self, admin, cooperative, spec) -> None:
        existing = set(cooperative.products.values_list("code", flat=True))
        for data in spec["products"]:
            if data["code"] not in existing:
                services.product_create(actor=admin, cooperative=cooperative, **data)
                self.created["products"] += 1

    def associations(self, admin, cooperative, spec) -> None:
        existing = set(cooperative.associations.values_list("code", flat=True))
        for code, name, kind, municipality, _ in spec["associations"]:
            if code not in existing:
                services.association_create(
                    actor=admin,
                    cooperative=cooperative,
                    code=code,
                    name=name,
                    kind=kind,
                    municipality=municipality,
                )
                self.created["associations"] += 1

    def families(self, admin, cooperative, spec) -> None:
        # Generate them all, every time, so the generators stay in step; then keep the new ones.
        generated = people.families(spec, seed=SEEDS[cooperative.slug])
        existing = set(Family.objects.filter(cooperative=cooperative).values_list("code", flat=True))
        new = [family for family in generated if family.row["code"] not in existing]
        if not new:
            return
        associations = {a.code: a for a in Association.objects.filter(cooperative=cooperative)}
        rows = [{**family.row, "association": associations[family.association_code]} for family in new]
        saved = services.families_bulk_create(actor=admin, cooperative=cooperative, rows=rows)
        members = [
            {**member, "family": family}
            for family, demo in zip(saved, new, strict=True)
            for member in demo.members
        ]
        services.members_bulk_create(actor=admin, cooperative=cooperative, rows=members)
        self.created["families"] += len(saved)
        self.created["members"] += len(members)
        self.log(f"{cooperative.slug}: {len(saved)} families, {len(members)} members")

    def memberships(self, admin, users) -> None:
        cooperatives = {c.slug: c for c in Cooperative.objects.filter(slug__in=SEEDS)}
        existing = set(
            Membership.objects.filter(user__in=users.values()).values_list(
                "user__username", "cooperative__slug"
            )
        )
        for username, (_, roles) in DEMO_USERS.items():
            for slug, role in roles.items():
                if (username, slug) not in existing:
                    services.membership_grant(
                        actor=admin, cooperative=cooperatives[slug], user=users[username], role=role
                    )
                    self.created["memberships"] += 1


def load(*, log=None) -> Counter:
    """Load the demo into the current transaction; returns how many rows of each kind it created."""
    return Seeder(log=log).run()
