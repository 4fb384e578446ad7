"""The demo's money and governance: seasons and advances, general assemblies, the premium
fund's plan and spending, and season settlements, for the two reference co-operatives.

Honey (COMAPI): a season per calendar year with 50% of the expected sale value advanced
on each accepted barrel; advances are paid on delivery, except the latest weeks' (still
due) and a handful forgotten for more than a month (the compliance report flags them).
Last season's profit, the equivalent of US$685,000 as in 2009, is shared among the 32
associations and then their families, approved and paid; the current season is open,
its pool computed from the revenue so far minus the costs recorded.
Babassu (COPPALJ): nut purchases are paid at the cantina (no advances); last year's
surplus is shared among the families by kg of nuts sold to the co-op, approved and paid;
the current year's is a draft. The Body Shop's premium (credited when each sale is paid)
funds the plan the general assembly votes every year: schooling, the cantinas, the soap
factory and safety equipment.

Everything is written through the services, as a manager would; only the bulk marking of
tens of thousands of advances as paid on their delivery day is one UPDATE (with history).
"""

import datetime
from collections import Counter
from decimal import ROUND_DOWN, Decimal

from django.db.models import F, Sum
from django.utils import timezone

from coop.models import Cooperative, Lot, Product
from coop.services.base import history_copy
from upgrading.models import Advance, Assembly, PremiumAllocation, Season, Settlement
from upgrading.selectors.premium import premium_fund_summary
from upgrading.selectors.settlements import season_revenue
from upgrading.services import advances as advance_services
from upgrading.services import assemblies as assembly_services
from upgrading.services import premium as premium_services
from upgrading.services import settlements as settlement_services

HONEY_ADVANCE_RATE = Decimal("0.5")
HONEY_REFERENCE_PRICE = Decimal("19.20")  # R$/kg: what the importers pay, in reais
EUR_REFERENCE_RATE = Decimal("5.80")
PROFIT_2009_USD = Decimal("685000")
USD_RATE = Decimal("5.20")
BABASSU_SURPLUS = {  # R$ shared per year among the nut-breakers, by kg sold to the co-op
    "settled": Decimal("412000.00"),
}
UNPAID_DAYS = 45  # the latest deliveries whose advances are still due
FORGOTTEN = 4  # advances overdue for more than 30 days
PREMIUM_PLAN = [  # (project, category, share of the balance)
    ("Escola família agrícola e alfabetização", PremiumAllocation.Category.SCHOOLING, Decimal("0.30")),
    ("Cantinas comunitárias", PremiumAllocation.Category.CANTINA, Decimal("0.25")),
    ("Fábrica de sabonete", PremiumAllocation.Category.PROCESSING, Decimal("0.30")),
    ("Equipamentos de segurança para as quebradeiras", PremiumAllocation.Category.SAFETY, Decimal("0.10")),
]
HONEY_PREMIUM_PLAN = [
    ("Casas do mel: reforma e inox", PremiumAllocation.Category.PROCESSING, Decimal("0.45")),
    ("Equipamentos de proteção (macacões, luvas)", PremiumAllocation.Category.SAFETY, Decimal("0.20")),
    (
        "Custos da certificação orgânica e fair trade",
        PremiumAllocation.Category.CERTIFICATION,
        Decimal("0.25"),
    ),
]


def load(*, admin, cooperatives: dict[str, Cooperative], today: datetime.date, log=None) -> Counter:
    created = Counter()
    log = log or (lambda message: None)
    honey, babassu = cooperatives.get("honey"), cooperatives.get("babassu")
    if honey and not Season.objects.filter(cooperative=honey).exists():
        years = _years_with_lots(honey, "HONEY")
        _assemblies(
            admin, honey, years, created, eligible=930, women_share=(Decimal("0.22"), Decimal("0.04"))
        )
        _honey_seasons(admin, honey, years, today, created, log)
        _premium_plan(admin, honey, years, today, HONEY_PREMIUM_PLAN, created)
        _honey_settlements(admin, honey, years, today, created, log)
    if babassu and not Season.objects.filter(cooperative=babassu).exists():
        years = _years_with_lots(babassu, "NUTS")
        _assemblies(
            admin, babassu, years, created, eligible=1000, women_share=(Decimal("0.86"), Decimal("0.02"))
        )
        _babassu_seasons(admin, babassu, years, created)
        _premium_plan(admin, babassu, years, today, PREMIUM_PLAN, created)
        _babassu_settlements(admin, babassu, years, today, created, log)
    return created


def _years_with_lots(cooperative: Cooperative, product_code: str) -> list[int]:
    dates = Lot.objects.filter(
        cooperative=cooperative, product__code=product_code, kind__in=[Lot.Kind.BARREL, Lot.Kind.NUT_PURCHASE]
    ).dates("collected_on", "year")
    return [day.year for day in dates]


# --- General assemblies ----------------------------------------------------------------------


def _assemblies(admin, cooperative, years, created, *, eligible: int, women_share) -> None:
    """A yearly ordinary assembly in March: accounts, the premium plan, last season's shares."""
    start, rise = women_share
    for index, year in enumerate(years):
        present = eligible * (55 + 5 * index) // 100  # attendance grows year after year
        women = int(present * min(start + rise * index, Decimal("0.95")))
        assembly = assembly_services.assembly_record(
            actor=admin,
            cooperative=cooperative,
            held_on=datetime.date(year, 3, 14),
            kind=Assembly.Kind.ORDINARY,
            place="Sede da cooperativa",
            members_eligible=eligible,
            members_present=present,
            women_present=women,
            quorum_reached=True,
        )
        texts = [
            f"Aprovação das contas do exercício {year - 1}.",
            f"Plano de uso do prêmio fair trade {year}.",
            f"Rateio das sobras da safra {year - 1} entre associações e famílias.",
        ]
        for number, text in enumerate(texts, start=1):
            against = present // (40 + number * 10)
            assembly_services.decision_record(
                actor=admin,
                assembly=assembly,
                number=number,
                text=text,
                votes_for=present - against - present // 50,
                votes_against=against,
                votes_abstaining=present // 50,
            )
        created["assemblies"] += 1


def _decision(cooperative, year: int, number: int):
    assembly = Assembly.objects.get(cooperative=cooperative, held_on=datetime.date(year, 3, 14))
    return assembly.decisions.get(number=number)


# --- Seasons and advances --------------------------------------------------------------------


def _honey_seasons(admin, cooperative, years, today, created, log) -> None:
    honey = Product.objects.get(cooperative=cooperative, code="HONEY")
    for year in years:
        season = advance_services.season_create(
            actor=admin,
            cooperative=cooperative,
            product=honey,
            code=f"MEL-{year}",
            name=f"Safra do mel {year}",
            starts_on=datetime.date(year, 1, 1),
            ends_on=datetime.date(year, 12, 31),
            advance_rate=HONEY_ADVANCE_RATE,
            reference_price_per_kg=HONEY_REFERENCE_PRICE,
            reference_exchange_rate=EUR_REFERENCE_RATE,
        )
        # The barrels were delivered before the season was written down: advance them now,
        # as the season page does for deliveries recorded before their season.
        lots = Lot.objects.filter(cooperative=cooperative, product=honey, kind=Lot.Kind.BARREL)
        lots = lots.filter(collected_on__gte=season.starts_on, collected_on__lte=season.ends_on)
        created["advances"] += advance_services.advances_for_lots(
            cooperative=cooperative, lots=lots, actor=admin
        )
        created["seasons"] += 1
    _pay_advances(admin, cooperative, today)
    log(f"{cooperative.slug}: {created['advances']} advances")


def _pay_advances(admin, cooperative, today) -> None:
    """Paid on the delivery day, but the latest weeks' and a few forgotten ones."""
    due = Advance.objects.filter(cooperative=cooperative, status=Advance.Status.DUE)
    forgotten = list(
        due.filter(due_on__lt=today - datetime.timedelta(days=UNPAID_DAYS), due_on__year=today.year)
        .order_by("-due_on", "pk")
        .values_list("pk", flat=True)[:FORGOTTEN]
    )
    to_pay = due.filter(due_on__lt=today - datetime.timedelta(days=UNPAID_DAYS)).exclude(pk__in=forgotten)
    pks = list(to_pay.values_list("pk", flat=True))
    to_pay.update(status=Advance.Status.PAID, method=Advance.Method.PIX, paid_on=F("due_on"), paid_by=admin)
    history_copy(Advance, pks, actor=admin, history_type="~")


def _babassu_seasons(admin, cooperative, years, created) -> None:
    nuts = Product.objects.get(cooperative=cooperative, code="NUTS")
    for year in years:
        advance_services.season_create(
            actor=admin,
            cooperative=cooperative,
            product=nuts,
            code=f"AMENDOA-{year}",
            name=f"Compras de amêndoa {year}",
            starts_on=datetime.date(year, 1, 1),
            ends_on=datetime.date(year, 12, 31),
        )
        created["seasons"] += 1


# --- Premium fund ----------------------------------------------------------------------------


def _premium_plan(admin, cooperative, years, today, plan, created) -> None:
    """After each assembly: allocate shares of the balance, then spend most of each allocation."""
    for year in years:
        decision = _decision(cooperative, year, 2)
        allocated_on = datetime.date(year, 4, 1)
        if allocated_on > today:
            continue
        balance = premium_fund_summary(cooperative=cooperative).balance
        if balance < Decimal("1000"):
            continue
        for project, category, share in plan:
            amount = (balance * share).quantize(Decimal("1"), rounding=ROUND_DOWN)
            allocation = premium_services.premium_allocate(
                actor=admin,
                cooperative=cooperative,
                project=f"{project} ({year})",
                category=category,
                decision=decision,
                allocated_on=allocated_on,
                amount=amount,
            )
            created["premium allocations"] += 1
            for month, part in ((6, Decimal("0.4")), (10, Decimal("0.35"))):
                spent_on = datetime.date(year, month, 15)
                if spent_on <= today:
                    premium_services.premium_spend(
                        actor=admin,
                        allocation=allocation,
                        spent_on=spent_on,
                        amount=(amount * part).quantize(Decimal("0.01")),
                        description=f"Nota fiscal {year}-{month:02d}: {project.lower()}",
                    )
                    created["premium spending"] += 1


# --- Settlements -----------------------------------------------------------------------------


def _honey_settlements(admin, cooperative, years, today, created, log) -> None:
    closed = [year for year in years if year < today.year]
    if closed:
        last = closed[-1]
        season = Season.objects.get(cooperative=cooperative, code=f"MEL-{last}")
        settlement = settlement_services.settlement_open(
            actor=admin,
            season=season,
            reference=f"RATEIO-MEL-{last}",
            levels=Settlement.Levels.ASSOCIATIONS,
            pool=(PROFIT_2009_USD * USD_RATE).quantize(Decimal("0.01")),
            decision=_decision(cooperative, last + 1, 3) if last + 1 in years else None,
            notes=f"Sobras da safra {last}: o equivalente a US$ 685.000 a R$ {USD_RATE}/US$, como em 2009.",
        )
        _approve_and_pay(admin, settlement, datetime.date(last + 1, 4, 10), today)
        created["settlements"] += 1
    if today.year in years:
        season = Season.objects.get(cooperative=cooperative, code=f"MEL-{today.year}")
        settlement_services.settlement_open(
            actor=admin,
            season=season,
            reference=f"RATEIO-MEL-{today.year}",
            levels=Settlement.Levels.ASSOCIATIONS,
            costs=[
                ("Transporte até o porto e despacho", _revenue_share(season, "0.06")),
                ("Análises de laboratório e certificação", _revenue_share(season, "0.03")),
                ("Administração e casas do mel", _revenue_share(season, "0.08")),
            ],
            notes="Prévia: receita da safra até hoje menos os custos registrados.",
        )
        created["settlements"] += 1
    log(f"{cooperative.slug}: settlements")


def _revenue_share(season: Season, share: str) -> Decimal:
    return (season_revenue(season=season) * Decimal(share)).quantize(Decimal("0.01"))


def _babassu_settlements(admin, cooperative, years, today, created, log) -> None:
    closed = [year for year in years if year < today.year]
    if closed:
        last = closed[-1]
        season = Season.objects.get(cooperative=cooperative, code=f"AMENDOA-{last}")
        settlement = settlement_services.settlement_open(
            actor=admin,
            season=season,
            reference=f"SOBRAS-{last}",
            levels=Settlement.Levels.FAMILIES,
            pool=BABASSU_SURPLUS["settled"],
            decision=_decision(cooperative, last + 1, 3) if last + 1 in years else None,
            notes=f"Sobras de {last} (óleo e sabonete), por kg de amêndoa vendido à cooperativa.",
        )
        _approve_and_pay(admin, settlement, datetime.date(last + 1, 4, 20), today)
        created["settlements"] += 1
    if today.year in years:
        season = Season.objects.get(cooperative=cooperative, code=f"AMENDOA-{today.year}")
        kg = Lot.objects.filter(
            cooperative=cooperative, product=season.product, collected_on__year=today.year
        ).aggregate(kg=Sum("net_kg"))["kg"] or Decimal("0")
        settlement_services.settlement_open(
            actor=admin,
            season=season,
            reference=f"SOBRAS-{today.year}",
            levels=Settlement.Levels.FAMILIES,
            pool=(kg * Decimal("0.35")).quantize(Decimal("0.01")),
            notes="Prévia das sobras do ano: R$ 0,35 por kg de amêndoa.",
        )
        created["settlements"] += 1
    log(f"{cooperative.slug}: settlements")


def _approve_and_pay(admin, settlement, paid_on, today) -> None:
    settlement = settlement_services.settlement_approve(actor=admin, settlement=settlement)
    # The demo approves today what the board approved after the assembly: date it so.
    approved_at = timezone.make_aware(
        datetime.datetime.combine(paid_on - datetime.timedelta(days=5), datetime.time(10))
    )
    Settlement.objects.filter(pk=settlement.pk).update(approved_at=approved_at)
    settlement.refresh_from_db()
    if paid_on <= today:
        settlement_services.settlement_mark_paid(actor=admin, settlement=settlement, paid_on=paid_on)
