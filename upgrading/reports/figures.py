"""Key figures of a co-op over a period, for the PDF summary and the report record:
a fixed handful of aggregate queries whatever the number of lots."""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from chain.models import Allocation, Shipment
from coop.models import Certification, Cooperative, Family, Lot, Member, Scheme
from coop.units import quantize_kg, quantize_money
from upgrading.models import Advance, PremiumAllocation, PremiumReceipt, PremiumSpending, Settlement
from upgrading.reports.periods import Period

ZERO = Decimal("0")


def _sum(queryset, field: str) -> Decimal:
    # Back to cents: SQLite adds decimals as floats.
    return quantize_money(queryset.aggregate(total=Sum(field))["total"] or ZERO)


def _kg(value) -> Decimal:
    return quantize_kg(value or ZERO)


def key_figures(cooperative: Cooperative, period: Period) -> dict:
    families = Family.objects.filter(cooperative=cooperative).aggregate(
        total=Count("pk"), active=Count("pk", filter=Q(status=Family.Status.ACTIVE))
    )
    certified = {
        scheme: Certification.objects.valid_on(period.end)
        .filter(cooperative=cooperative, scheme=scheme)
        .values("family")
        .distinct()
        .count()
        for scheme in Scheme.values
    }
    members = Member.objects.filter(cooperative=cooperative).aggregate(
        total=Count("pk"), women=Count("pk", filter=Q(gender=Member.Gender.FEMALE))
    )
    lots = Lot.objects.filter(cooperative=cooperative, collected_on__range=(period.start, period.end))
    lot_totals = lots.order_by().aggregate(
        count=Count("pk"),
        net_kg=Sum("net_kg"),
        rejected=Count("pk", filter=Q(status=Lot.Status.REJECTED)),
    )
    deliveries = (
        lots.filter(inputs__isnull=True)
        .exclude(status=Lot.Status.REJECTED)
        .annotate(month=TruncMonth("collected_on"))
        .order_by("month")
        .values("month")
        .annotate(month_kg=Sum("net_kg"))
    )
    sold = Allocation.objects.filter(
        shipment__cooperative=cooperative,
        shipment__shipped_on__range=(period.start, period.end),
    ).exclude(shipment__status=Shipment.Status.DRAFT)
    sales = sold.order_by().aggregate(
        shipments=Count("shipment", distinct=True),
        sold_kg=Sum("kg"),
        fair_trade_kg=Sum("kg", filter=Q(shipment__fair_trade=True)),
        organic_kg=Sum("kg", filter=Q(shipment__organic=True)),
    )
    window = (period.start, period.end)
    premium = {
        "received": _sum(
            PremiumReceipt.objects.filter(cooperative=cooperative, received_on__range=window), "amount"
        ),
        "allocated": _sum(
            PremiumAllocation.objects.filter(cooperative=cooperative, allocated_on__range=window), "amount"
        ),
        "spent": _sum(
            PremiumSpending.objects.filter(cooperative=cooperative, spent_on__range=window), "amount"
        ),
    }
    advances = (
        Advance.objects.filter(cooperative=cooperative, due_on__range=window)
        .order_by()
        .aggregate(
            total=Sum("amount"),
            paid=Sum("amount", filter=Q(status=Advance.Status.PAID)),
            due=Sum("amount", filter=Q(status=Advance.Status.DUE)),
        )
    )
    settlements = (
        Settlement.objects.filter(cooperative=cooperative, approved_at__date__range=window)
        .order_by()
        .aggregate(count=Count("pk"), pools=Sum("pool"))
    )
    return {
        "currency": cooperative.base_currency,
        "families": families["total"],
        "active_families": families["active"],
        "certified_families": certified,
        "members": members["total"],
        "women": members["women"],
        "lots": lot_totals["count"],
        "lots_kg": _kg(lot_totals["net_kg"]),
        "lots_rejected": lot_totals["rejected"],
        "deliveries_by_month": [(row["month"].strftime("%Y-%m"), _kg(row["month_kg"])) for row in deliveries],
        "shipments": sales["shipments"],
        "sold_kg": _kg(sales["sold_kg"]),
        "fair_trade_kg": _kg(sales["fair_trade_kg"]),
        "organic_kg": _kg(sales["organic_kg"]),
        "premium": premium,
        "advances": {key: quantize_money(value or ZERO) for key, value in advances.items()},
        "settlements_approved": settlements["count"],
        "settlement_pools": quantize_money(settlements["pools"] or ZERO),
    }


def as_json(value):
    """Figures with Decimals as strings, for the report's JSON summary."""
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    return value
