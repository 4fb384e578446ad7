"""Load the demo through the services, as the superuser `admin`, skipping what exists.

Idempotent: users are found by username, co-operatives by slug, products, associations and
families by code, memberships by (user, co-operative); a family that exists keeps its
members. The families are generated deterministically (coop.demo.people), so a second run
finds every row and writes nothing, not even history. The internal control system
(coop.demo.control) is loaded only into a co-operative without inspections, production
(coop.demo.production) only into one without lots, and the value chain (coop.demo.chain:
buyers, contracts, shipments) only into one without buyers.

The demo is the one place in `coop` that writes through `chain`'s services: it loads the
whole application, so it sits above the apps, not inside the `coop` domain.
"""

import time
from collections import Counter
from functools import cached_property

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from chain import services as chain_services
from chain.models import Buyer
from chain.selectors import max_source_moisture, uncertified_sources
from coop import services
from coop.demo import chain, control, people, places, production
from coop.imports import ImportRejected, lots_import
from coop.models import (
    Association,
    Certification,
    Cooperative,
    Family,
    Inspection,
    Lot,
    LotInput,
    Member,
    Membership,
    Product,
    Role,
    Scheme,
)

DEMO_PASSWORD = "demo"
SEEDS = {"babassu": 1986, "honey": 1994}  # any fixed numbers will do; these are the founding years
RECIPE_FIELDS = (
    "unit",
    "made_from",
    "expected_yield",
    "yield_tolerance_pct",
    "mass_balance_allowed",
    "delivered_as",
)

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
        cooperatives = {}
        for spec in (places.BABASSU, places.HONEY):
            cooperative = self.cooperative(admin, spec)
            self.products(admin, cooperative, spec)
            self.associations(admin, cooperative, spec)
            self.families(admin, cooperative, spec)
            cooperatives[cooperative.slug] = cooperative
        self.memberships(admin, users)
        # Dated relative to today, so that nothing is ever in the future.
        today = timezone.localdate()
        for cooperative in cooperatives.values():
            self.internal_control(admin, cooperative, today)
        self.honey_production(admin, cooperatives["honey"], today)
        self.babassu_production(admin, cooperatives["babassu"], today)
        for cooperative in cooperatives.values():
            self.value_chain(admin, cooperative, today)
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
        limit = spec.get("moisture_limit_pct")
        if limit is not None and cooperative.moisture_limit_pct != limit:
            cooperative = services.cooperative_update(
                actor=admin, cooperative=cooperative, moisture_limit_pct=limit
            )
        short_name = spec["cooperative"].get("short_name", "")
        if short_name and not cooperative.short_name:  # a demo loaded before short names
            cooperative = services.cooperative_update(
                actor=admin, cooperative=cooperative, short_name=short_name
            )
        self.log(f"{cooperative.slug}: {cooperative.name}")
        return cooperative

    def products(self, admin, cooperative, spec) -> None:
        products = {product.code: product for product in cooperative.products.all()}
        for data in spec["products"]:
            if "made_from" in data:
                data = {**data, "made_from": products[data["made_from"]]}
            product = products.get(data["code"])
            if product is None:
                products[data["code"]] = services.product_create(actor=admin, cooperative=cooperative, **data)
                self.created["products"] += 1
            else:
                # A demo loaded before products had recipes (or said how they are delivered)
                # gets them (a no-op once it has).
                recipe = {
                    name: data.get(name, Product._meta.get_field(name).get_default())
                    for name in RECIPE_FIELDS
                }
                services.product_update(actor=admin, product=product, **recipe)

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

    # --- Internal control ---------------------------------------------------------------

    def internal_control(self, admin, cooperative, today) -> None:
        if Inspection.objects.filter(cooperative=cooperative).exists():
            return
        started = time.monotonic()
        plan = control.plan(
            cooperative.slug,
            families=list(Family.objects.filter(cooperative=cooperative).select_related("association")),
            points=list(Association.objects.filter(cooperative=cooperative).order_by("code")),
            members=list(
                Member.objects.filter(cooperative=cooperative, role_in_family=Member.FamilyRole.HEAD)
                .select_related("family")
                .order_by("family__code")
            ),
            today=today,
            seed=SEEDS[cooperative.slug] + 1,
        )
        inspections = services.inspections_bulk_record(
            actor=admin, cooperative=cooperative, rows=plan.inspections
        )
        for index, closed_on in plan.closes:
            services.inspection_close(actor=admin, inspection=inspections[index], closed_on=closed_on)
        rows = [{**row, "approved_by": inspections[row["approved_by"]]} for row in plan.certifications]
        certifications = services.certifications_bulk_grant(actor=admin, cooperative=cooperative, rows=rows)
        for index in plan.suspensions:
            services.certification_set_status(
                actor=admin, certification=certifications[index], status=Certification.Status.SUSPENDED
            )
        self.created["inspections"] += len(inspections)
        self.created["certifications"] += len(certifications)
        self.log(
            f"{cooperative.slug}: {len(inspections)} inspections, {len(certifications)} certifications "
            f"({time.monotonic() - started:.1f} s)"
        )

    # --- Production -----------------------------------------------------------------------

    def honey_production(self, admin, cooperative, today) -> None:
        if Lot.objects.filter(cooperative=cooperative).exists():
            return
        families = list(Family.objects.filter(cooperative=cooperative).select_related("association"))
        rows = production.barrel_rows(families, today=today, seed=SEEDS["honey"] + 2)
        self.deliveries(admin, cooperative, rows, "barrels")
        by_season: dict[int, list] = {}
        for barrel in self.accepted(cooperative, Lot.Kind.BARREL):
            by_season.setdefault(barrel.collected_on.year, []).append(barrel)
        plans = production.honey_batches(by_season, today=today, seed=SEEDS["honey"] + 3)
        self.batches(admin, cooperative, plans)

    def babassu_production(self, admin, cooperative, today) -> None:
        if Lot.objects.filter(cooperative=cooperative).exists():
            return
        families = list(Family.objects.filter(cooperative=cooperative).select_related("association"))
        rows = production.purchase_rows(families, today=today, seed=SEEDS["babassu"] + 2)
        self.deliveries(admin, cooperative, rows, "nut purchases")
        fair_trade: dict[int, list] = {}
        certificates = Certification.objects.filter(
            cooperative=cooperative, scheme=Scheme.FAIR_TRADE, status=Certification.Status.ACTIVE
        )
        for family_id, valid_from, valid_to in certificates.values_list(
            "family_id", "valid_from", "valid_to"
        ):
            fair_trade.setdefault(family_id, []).append((valid_from, valid_to))
        purchases = list(self.accepted(cooperative, Lot.Kind.NUT_PURCHASE))
        plans = production.oil_batches(purchases, fair_trade, today=today, seed=SEEDS["babassu"] + 3)
        oils = self.batches(admin, cooperative, plans)
        fair_trade_oils = [oil for plan, oil in zip(plans, oils, strict=True) if plan.certified]
        soaps = production.soap_batches(fair_trade_oils, today=today, seed=SEEDS["babassu"] + 4)
        self.batches(admin, cooperative, soaps)

    def deliveries(self, admin, cooperative, rows: list[dict], label: str) -> None:
        """Through the lots import: the delivery rules of lot_record, checked for every row."""
        started = time.monotonic()
        try:
            # A family's last barrel of a season is often part-filled (under the usual 15 kg):
            # the office checked and confirmed those values, as staff do at the honey room.
            result = lots_import(
                actor=admin, cooperative=cooperative, rows=enumerate(rows, start=2), confirm_unusual=True
            )
        except ImportRejected as error:
            raise CommandError(f"The demo's {label} were refused: {'; '.join(error.messages[:5])}") from error
        self.created[label] += result.created
        self.refresh_statistics()
        self.log(f"{cooperative.slug}: {result.created} {label} ({time.monotonic() - started:.1f} s)")

    @staticmethod
    def refresh_statistics() -> None:
        """PostgreSQL: planner statistics for the rows just written. Autovacuum cannot see
        them while the seed's one transaction is open, and without them the planner takes
        the lots for a handful: the lineage and mass-balance queries of every shipment
        confirmation then run as nested loops, six minutes instead of seconds."""
        if connection.vendor != "postgresql":
            return
        tables = ", ".join(model._meta.db_table for model in (Lot, LotInput, Certification, Family))
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")

    @staticmethod
    def accepted(cooperative, kind):
        """Accepted deliveries, oldest first: what batches are made from."""
        return (
            Lot.objects.filter(cooperative=cooperative, kind=kind, status=Lot.Status.ACCEPTED)
            .only("pk", "code", "family_id", "collected_on", "net_kg", "organic", "moisture_pct")
            .order_by("collected_on", "code")
        )

    def batches(self, admin, cooperative, plans) -> list[Lot]:
        started = time.monotonic()
        products = {product.code: product for product in cooperative.products.all()}
        centre = Association.objects.get(cooperative=cooperative, kind=Association.Kind.PRODUCTION_CENTRE)
        made = [
            services.batch_create(
                actor=admin,
                cooperative=cooperative,
                product=products[plan.product],
                inputs=plan.inputs,
                net_kg=plan.output_kg,
                collected_on=plan.made_on,
                association=centre,
                notes=plan.notes,
            )
            for plan in plans
        ]
        self.created["batches"] += len(made)
        self.log(f"{cooperative.slug}: {len(made)} batches ({time.monotonic() - started:.1f} s)")
        return made

    # --- Value chain -------------------------------------------------------------------------

    def value_chain(self, admin, cooperative, today) -> None:
        """Buyers, contracts and shipments, each shipment confirmed, shipped and paid through
        the services: their traceability and mass-balance rules check every sale."""
        if Buyer.objects.filter(cooperative=cooperative).exists():
            return
        started = time.monotonic()
        self.refresh_statistics()  # the batches and their lineage
        seed = SEEDS[cooperative.slug] + 5
        if cooperative.slug == "babassu":
            buyer_rows, contract_specs = chain.BABASSU_BUYERS, chain.babassu_contracts(today)
            product = Product.objects.get(cooperative=cooperative, code="OIL")
            oils = self.sellable(cooperative, product)
            # The question confirming asks: does every kernel behind it come from a family
            # certified fair trade on the day it was sold?
            refused = uncertified_sources(lot_ids=[oil.pk for oil in oils], scheme=Scheme.FAIR_TRADE)
            certified = {oil.pk for oil in oils} - set(refused)
            sales = chain.babassu_sales(oils, certified, contract_specs[0], today=today, seed=seed)
        else:
            buyer_rows, contract_specs = chain.HONEY_BUYERS, chain.honey_contracts(today)
            product = Product.objects.get(cooperative=cooperative, code="HONEY")
            batches = self.sellable(cooperative, product)
            exports = [batch for batch in batches if batch.organic]
            limit = chain.HONEY_MAX_MOISTURE[chain.ITALIAN]
            wettest = max_source_moisture(lot_ids=[batch.pk for batch in exports])
            dry = {pk for pk, moisture in wettest.items() if moisture is not None and moisture <= limit}
            local = [batch for batch in batches if not batch.organic]
            sales = chain.honey_sales(exports, local, dry, today=today, seed=seed)

        buyers = {
            row["name"]: chain_services.buyer_create(actor=admin, cooperative=cooperative, **row)
            for row in buyer_rows
        }
        contracts = {}
        for spec in contract_specs:
            (_, first_minimum), *amendments = spec.minimums
            contracts[spec.reference] = contract = chain_services.contract_create(
                actor=admin,
                cooperative=cooperative,
                buyer=buyers[spec.buyer],
                product=product,
                minimum_kg=first_minimum,
                **spec.terms(),
            )
            for effective_from, minimum_kg in amendments:
                chain_services.contract_minimum_set(
                    actor=admin, contract=contract, effective_from=effective_from, minimum_kg=minimum_kg
                )
        for sale in sales:
            self.sale(admin, cooperative, sale, buyers, contracts, product)
        self.created["buyers"] += len(buyers)
        self.created["contracts"] += len(contracts)
        self.created["shipments"] += len(sales)
        self.log(
            f"{cooperative.slug}: {len(buyers)} buyers, {len(contracts)} contracts, {len(sales)} shipments "
            f"({time.monotonic() - started:.1f} s)"
        )

    @staticmethod
    def sellable(cooperative, product) -> list[Lot]:
        """Batches of `product` with kilograms left to sell, oldest first."""
        return list(
            Lot.objects.filter(cooperative=cooperative, product=product, kind=Lot.Kind.BATCH)
            .available()
            .only(
                "pk",
                "cooperative_id",
                "code",
                "collected_on",
                "net_kg",
                "consumed_kg",
                "allocated_kg",
                "organic",
                "status",
            )
            .order_by("collected_on", "code")
        )

    @staticmethod
    def sale(admin, cooperative, sale: chain.Sale, buyers, contracts, product) -> None:
        terms = {
            name: getattr(sale, name)
            for name in ("price_per_kg", "currency", "exchange_rate")
            if getattr(sale, name) is not None
        }
        try:
            shipment = chain_services.shipment_create(
                actor=admin,
                cooperative=cooperative,
                buyer=buyers[sale.buyer],
                contract=contracts.get(sale.contract),
                product=product,
                reference=sale.reference,
                invoice_reference=sale.invoice_reference,
                shipped_on=sale.shipped_on,
                allocations=sale.allocations,
                **terms,
            )
            if sale.status == "draft":
                return
            shipment = chain_services.shipment_confirm(actor=admin, shipment=shipment)
            if sale.status in ("shipped", "paid"):
                shipment = chain_services.shipment_mark_shipped(actor=admin, shipment=shipment)
            if sale.status == "paid":
                chain_services.shipment_mark_paid(actor=admin, shipment=shipment, paid_on=sale.paid_on)
        except ValidationError as error:
            refusal = "; ".join(error.messages[:5])
            raise CommandError(f"The demo's shipment {sale.reference} was refused: {refusal}") from error


def load(*, log=None) -> Counter:
    """Load the demo into the current transaction; returns how many rows of each kind it created."""
    return Seeder(log=log).run()
