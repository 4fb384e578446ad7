"""Premium-fund test data: the babassu case inside co-op A (a fair-trade cosmetics buyer's
contract at US$3.00/kg + US$0.30 premium, oil from certified families) and a little of the
same in co-op B, which A's users must never reach.

Shipments go through the chain services (create, confirm, ship, pay), so receipts come
from the real `shipment_paid` signal. Assemblies and decisions are written straight to the
database: their services belong to the assembly area.

Use the fixtures by assigning in a test module (`premium = premium_data.premium`).
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chain import services as chain
from chain.models import Buyer
from coop.models import Association
from tests.factories import (
    AssociationFactory,
    CertificationFactory,
    FamilyFactory,
    LotFactory,
    ProductFactory,
)
from upgrading.models import Assembly, Decision
from upgrading.services import premium as services

TODAY = datetime.date.today()
DELIVERED = TODAY - datetime.timedelta(days=40)
SHIPPED = TODAY - datetime.timedelta(days=30)
PAID = TODAY - datetime.timedelta(days=20)
ASSEMBLY_DAY = TODAY - datetime.timedelta(days=10)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def url(name, coop, *args):
    return reverse(name, args=[coop.slug, *args])


def pdf(name="invoice.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def assembly(coop, *, held_on=ASSEMBLY_DAY, quorum=True, **extra) -> Assembly:
    return Assembly.objects.create(
        cooperative=coop,
        held_on=held_on,
        kind=extra.pop("kind", Assembly.Kind.ORDINARY),
        members_present=extra.pop("members_present", 120),
        women_present=extra.pop("women_present", 80),
        quorum_reached=quorum,
        **extra,
    )


def decision(coop, *, votes_for=90, votes_against=10, number=None, meeting=None, text=None) -> Decision:
    meeting = meeting or assembly(coop)
    number = number or (meeting.decisions.count() + 1)
    return Decision.objects.create(
        cooperative=coop,
        assembly=meeting,
        number=number,
        text=text or f"Use of the fair-trade premium #{number}",
        votes_for=votes_for,
        votes_against=votes_against,
    )


def _site(coop, manager, key, *, currency="USD", premium="0.3000", price="3.0000"):
    oil = ProductFactory(cooperative=coop, code=f"OIL-{key}", name="Óleo de babaçu")
    centre = AssociationFactory(
        cooperative=coop, code=f"PC-{key}", name=f"Centro {key}", kind=Association.Kind.PRODUCTION_CENTRE
    )
    family = FamilyFactory(cooperative=coop, association=centre, code=f"F-{key}-1", household_name="Silva")
    for scheme in ("fair_trade", "organic"):
        CertificationFactory(
            family=family,
            scheme=scheme,
            valid_from=TODAY - datetime.timedelta(days=365),
            valid_to=TODAY + datetime.timedelta(days=365),
        )
    buyer = chain.buyer_create(
        actor=manager, cooperative=coop, name=f"Cosmetics {key}", country="GB", kind=Buyer.Kind.FAIR_TRADE
    )
    contract = chain.contract_create(
        actor=manager,
        cooperative=coop,
        buyer=buyer,
        product=oil,
        reference=f"FT-{key}",
        starts_on=TODAY - datetime.timedelta(days=300),
        ends_on=TODAY + datetime.timedelta(days=300),
        price_per_kg=Decimal(price),
        currency=currency,
        premium_per_kg=Decimal(premium),
        fair_trade=True,
    )
    counter = iter(range(1, 10_000))

    def lot(kg="100"):
        return LotFactory(
            cooperative=coop,
            product=oil,
            family=family,
            association=centre,
            net_kg=kg,
            moisture_pct=None,
            collected_on=DELIVERED,
            code=f"OIL-{key}-{next(counter):04d}",
        )

    def shipment(kgs=("100",), *, reference=None, rate="5.100000", contract=contract, status="paid", **extra):
        """A sale of one fresh lot per kg figure, taken as far as `status` (draft → paid)."""
        data = dict(
            actor=manager,
            cooperative=coop,
            buyer=buyer,
            contract=contract,
            product=oil,
            reference=reference or f"S-{key}-{next(counter):04d}",
            shipped_on=SHIPPED,
            exchange_rate=Decimal(rate),
            allocations=[(lot(kg), kg) for kg in kgs],
        )
        data.update(extra)
        sale = chain.shipment_create(**data)
        if status == "draft":
            return sale
        sale = chain.shipment_confirm(actor=manager, shipment=sale)
        if status == "confirmed":
            return sale
        sale = chain.shipment_mark_shipped(actor=manager, shipment=sale)
        if status == "shipped":
            return sale
        return chain.shipment_mark_paid(actor=manager, shipment=sale, paid_on=PAID)

    def allocate(
        amount="500.00", *, project="Escola da comunidade", category="schooling", approval=None, **extra
    ):
        return services.premium_allocate(
            actor=manager,
            cooperative=coop,
            project=project,
            category=category,
            decision=approval or decision(coop),
            allocated_on=extra.pop("allocated_on", TODAY),
            amount=Decimal(amount),
            notes=extra.pop("notes", ""),
        )

    def spend(allocation, amount="100.00", *, evidence=None, description="Cadernos e lápis", **extra):
        return services.premium_spend(
            actor=manager,
            allocation=allocation,
            spent_on=extra.pop("spent_on", TODAY),
            amount=Decimal(amount),
            description=description,
            evidence=evidence,
        )

    return SimpleNamespace(
        coop=coop,
        manager=manager,
        oil=oil,
        family=family,
        buyer=buyer,
        contract=contract,
        lot=lot,
        shipment=shipment,
        allocate=allocate,
        spend=spend,
    )


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded evidence goes to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def premium(coop_a, personas, media):
    return _site(coop_a, personas.manager, "A")


@pytest.fixture
def premium_b(coop_b, personas, media):
    """Co-op B with a paid shipment, an allocation and a spending with evidence."""
    site = _site(coop_b, personas.outsider, "B", currency="EUR", premium="0.2500")
    site.paid = site.shipment(("400",), rate="6.000000")
    site.allocation = site.allocate("300.00", project="Cantina B", category="cantina")
    site.spending = site.spend(site.allocation, "50.00", evidence=pdf("b-invoice.pdf"))
    return site


@pytest.fixture
def english(settings):
    """Pages in English (the default is Portuguese), so messages read as in the code."""
    settings.LANGUAGE_CODE = "en"


def csv_text(response) -> str:
    return b"".join(response.streaming_content if response.streaming else [response.content]).decode(
        "utf-8-sig"
    )
