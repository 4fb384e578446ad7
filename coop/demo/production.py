"""The demo's production: honey barrels and export batches, nut purchases, oil and soap.

Honey (COMAPI): the harvest in Piauí's semi-arid runs from January to June. Each family
fills 20 kg barrels (about 21.5 kg gross) at its association's honey room, in
proportion to its hives, about 200 to 240 t a season; about 2% of barrels are wetter
than the co-op's 20% limit and are recorded as rejected. The processing centre
homogenises accepted barrels, whole, into container-sized export batches once a month
(organic barrels only: honey is never mixed) and the uncertified barrels into one
batch for the local market after the harvest. Every third container is filled only with
barrels of at most 19% moisture, for the importer whose contract demands it (the
wetter barrels wait for the next container).

Babassu (COPPALJ): the women sell kernels at their cantina all year round, 5 to 60 kg at
a time, at the local price of the year; the production centre presses each month's
kernels at the end of the month (fair-trade certified families' apart from the others,
which are pressed once a quarter) and makes soap from some of the oil every quarter.

Rows are plain dicts for the lots import (`coop.imports.lots.lots_import`), the one
write path for deliveries; batches are made with `batch_create` from what was saved.
"""

import calendar
import datetime
import itertools
import math
import random
from dataclasses import dataclass
from decimal import Decimal

from coop.models import Family

TENTH = Decimal("0.1")
CENT = Decimal("0.01")

# --- Honey -----------------------------------------------------------------------------

# Tonnes delivered per season, oldest first: the current season is last (a dry year).
HONEY_SEASON_TONNES = [212, 229, 238, 204]
HARVEST = ((1, 5), (6, 25), (4, 1))  # first day, last day, busiest day of a season
SEASON_CLOSES = (6, 30)
BARREL_NET_KG = (19.5, 20.5)
BARREL_TARE_KG = (1.3, 1.7)
SMALLEST_BARREL_KG = 4  # what is left after the full barrels, if at least this much
MOISTURE = (17.0, 19.6, 18.4)  # low, high, most common (%)
WET_SHARE = 0.02  # barrels above the 20% limit
WET_MOISTURE = (20.1, 21.8)
EXPORT_MONTHS = range(2, 12)  # a container a month, February to November
CONTAINER_KG = (18_000, 24_000)  # 80 drums of about 280 kg
# Containers 2, 5 and 8 of a season: only barrels this dry (a buyer's contract limit is
# checked against every barrel behind the batch, not the homogenised average).
DRY_CONTAINERS = frozenset({2, 5, 8})
DRY_MOISTURE_PCT = Decimal("19.0")
LOCAL_BATCH_DAY = (7, 31)  # uncertified barrels, for the local market


def honey_seasons(today: datetime.date) -> list[int]:
    return list(range(today.year - len(HONEY_SEASON_TONNES) + 1, today.year + 1))


def barrel_rows(families: list[Family], *, today: datetime.date, seed: int) -> list[dict]:
    """Every barrel of every season up to `today`, oldest first."""
    rng = random.Random(seed)
    families = sorted(families, key=lambda f: f.code)
    # Some apiaries yield more than others, season after season.
    skill = {f.pk: rng.lognormvariate(0, 0.3) for f in families}
    rows = []
    for season, tonnes in zip(honey_seasons(today), HONEY_SEASON_TONNES, strict=True):
        first, last, busiest = (datetime.date(season, *day) for day in HARVEST)
        closes = datetime.date(season, *SEASON_CLOSES)
        delivering = [
            f for f in families if f.status == Family.Status.ACTIVE and f.joined_on < first and f.hives
        ]
        weights = {f.pk: f.hives * skill[f.pk] * rng.lognormvariate(0, 0.15) for f in delivering}
        per_weight = tonnes * 1000 / sum(weights.values())
        span = (last - first).days
        for family in delivering:
            kg = weights[family.pk] * per_weight
            full, rest = divmod(kg, 20)
            barrels = [_kg(rng.uniform(*BARREL_NET_KG)) for _ in range(int(full))]
            if rest >= SMALLEST_BARREL_KG:
                barrels.append(_kg(rest))
            days = sorted(round(rng.triangular(0, span, (busiest - first).days)) for _ in range(len(barrels)))
            for net, day in zip(barrels, days, strict=True):
                harvested = first + datetime.timedelta(days=day)
                collected = min(harvested + datetime.timedelta(days=rng.randint(0, 5)), closes)
                wet = rng.random() < WET_SHARE
                moisture = rng.uniform(*WET_MOISTURE) if wet else min(rng.triangular(*MOISTURE), 20.0)
                if collected >= today:
                    continue  # not delivered yet
                rows.append(
                    {
                        "kind": "barrel",
                        "family": family.code,
                        "association": family.association.code,
                        "product": "HONEY",
                        "harvested_on": harvested,
                        "collected_on": collected,
                        "gross_kg": net + _kg(rng.uniform(*BARREL_TARE_KG)),
                        "net_kg": net,
                        "moisture_pct": Decimal(str(moisture)).quantize(TENTH),
                    }
                )
    rows.sort(key=lambda row: (row["collected_on"], row["family"]))
    return rows


@dataclass
class BatchPlan:
    """A batch to make with batch_create: (lot, kg) inputs, what came out, a note."""

    product: str
    made_on: datetime.date
    inputs: list[tuple]
    output_kg: Decimal
    notes: str
    certified: bool = False  # only from inputs of certified families (fair-trade oil)


def honey_batches(barrels_by_season: dict[int, list], *, today: datetime.date, seed: int) -> list[BatchPlan]:
    """Export batches from organic barrels, first in first out, whole barrels (a dry
    container skips the wetter ones); then the uncertified barrels of each season in one
    batch for the local market."""
    rng = random.Random(seed)
    plans = []
    for season, barrels in sorted(barrels_by_season.items()):
        organic = [b for b in barrels if b.organic]
        conventional = [b for b in barrels if not b.organic]
        # The current season's last containers are still being filled.
        months = [m for m in EXPORT_MONTHS if _month_end(season, m) < today - datetime.timedelta(days=90)]
        if season < today.year:
            months = list(EXPORT_MONTHS)
        for number, month in enumerate(months, start=1):
            made_on = _month_end(season, month)
            target, taken, kg = rng.uniform(*CONTAINER_KG), [], Decimal(0)
            dry, waiting = number in DRY_CONTAINERS, []
            while organic and organic[0].collected_on <= made_on and kg + organic[0].net_kg <= target:
                barrel = organic.pop(0)
                if dry and barrel.moisture_pct > DRY_MOISTURE_PCT:
                    waiting.append(barrel)
                    continue
                taken.append(barrel)
                kg += barrel.net_kg
            organic[:0] = waiting
            if kg < 2_000:
                continue  # not worth a container
            plans.append(
                BatchPlan(
                    "HONEY",
                    made_on,
                    _whole(taken),
                    _kg(float(kg) * rng.uniform(0.985, 0.996)),  # honey left in drums and the homogeniser
                    f"Exportação: contêiner {number}/{season}, mel orgânico homogeneizado "
                    f"({len(taken)} barris{f', umidade até {DRY_MOISTURE_PCT}%' if dry else ''}).",
                )
            )
        local_day = datetime.date(season, *LOCAL_BATCH_DAY)
        local = [b for b in conventional if b.collected_on <= local_day]
        if local and local_day < today:
            kg = sum(b.net_kg for b in local)
            plans.append(
                BatchPlan(
                    "HONEY",
                    local_day,
                    _whole(local),
                    _kg(float(kg) * rng.uniform(0.985, 0.996)),
                    f"Safra {season}: mel sem certificação orgânica (famílias em conversão ou "
                    "não conformes), para o mercado local.",
                )
            )
    return plans


# --- Babassu ---------------------------------------------------------------------------

# Kernels bought per year (t), oldest first; the current year is cut at today.
NUT_YEAR_TONNES = [118, 127, 131]
# More nuts fall, and more are broken, in the second half of the year.
NUT_MONTH_WEIGHTS = [9, 7, 6, 6, 7, 8, 9, 10, 10, 10, 9, 9]
NUT_PURCHASE_KG = (5, 60, 22)  # smallest, largest, most common
NUT_PRICE = [Decimal("2.95"), Decimal("3.15"), Decimal("3.40")]  # R$/kg, oldest year first
NUT_PRICE_RANGE = (Decimal("2.80"), Decimal("3.60"))
OIL_YIELD = 0.45
# Two pressings that went wrong, so the yield check has something true to flag:
# (years before the current one, month): (yield factor, note)
PRESS_TROUBLE = {
    (1, 7): (0.83, "Prensa parada quatro dias para trocar o eixo; perda de óleo na retomada."),
    (0, 3): (0.86, "Amêndoas compradas úmidas no período chuvoso; rendimento baixo."),
}
SOAP_KG_OF_OIL = (300, 350, 400, 450)
SOAP_YIELD = 1.4


def nut_years(today: datetime.date) -> list[int]:
    return list(range(today.year - len(NUT_YEAR_TONNES) + 1, today.year + 1))


def purchase_rows(families: list[Family], *, today: datetime.date, seed: int) -> list[dict]:
    """Every purchase at every cantina from January two years ago to yesterday, oldest first."""
    rng = random.Random(seed)
    families = sorted(families, key=lambda f: f.code)
    skill = {f.pk: rng.lognormvariate(0, 0.5) for f in families}
    cantinas = sorted({f.association.code for f in families})
    cantina_price = {
        code: Decimal(rng.choice(["-0.10", "-0.05", "0.00", "0.05", "0.10"])) for code in cantinas
    }
    rows = []
    for year, tonnes, base_price in zip(nut_years(today), NUT_YEAR_TONNES, NUT_PRICE, strict=True):
        for month, weight in enumerate(NUT_MONTH_WEIGHTS, start=1):
            first = datetime.date(year, month, 1)
            if first >= today:
                break
            days = calendar.monthrange(year, month)[1]
            open_days = min(days, (today - first).days)  # the current month, up to yesterday
            wanted = tonnes * 1000 * weight / sum(NUT_MONTH_WEIGHTS) * open_days / days
            selling = [f for f in families if f.status == Family.Status.ACTIVE and f.joined_on <= first]
            chances = list(itertools.accumulate(skill[f.pk] for f in selling))
            bought = 0.0
            while bought < wanted:
                family = rng.choices(selling, cum_weights=chances)[0]
                kg = _kg(rng.triangular(*NUT_PURCHASE_KG))
                price = base_price + cantina_price[family.association.code] + CENT * (month // 4)
                rows.append(
                    {
                        "kind": "nut_purchase",
                        "family": family.code,
                        "association": family.association.code,
                        "product": "NUTS",
                        "collected_on": first + datetime.timedelta(days=rng.randrange(open_days)),
                        "net_kg": kg,
                        "price_per_kg": min(max(price, NUT_PRICE_RANGE[0]), NUT_PRICE_RANGE[1]),
                    }
                )
                bought += float(kg)
    rows.sort(key=lambda row: (row["collected_on"], row["family"]))
    return rows


def oil_batches(
    purchases: list, fair_trade: dict[int, list], *, today: datetime.date, seed: int
) -> list[BatchPlan]:
    """Each finished month's kernels pressed on its last day: the kernels of families
    certified fair trade on the day of the sale apart; the others once a quarter."""
    rng = random.Random(seed)
    by_month: dict[tuple[int, int], list] = {}
    for lot in purchases:
        by_month.setdefault((lot.collected_on.year, lot.collected_on.month), []).append(lot)
    plans, others = [], []
    for (year, month), lots in sorted(by_month.items()):
        made_on = _month_end(year, month)
        if made_on >= today:
            break
        certified = []
        for lot in lots:
            periods = fair_trade.get(lot.family_id, ())
            (certified if _certified(periods, lot.collected_on) else others).append(lot)
        factor, trouble = PRESS_TROUBLE.get((today.year - year, month), (rng.gauss(1, 0.02), ""))
        if certified:
            kg = float(sum(lot.net_kg for lot in certified))
            note = f"Prensagem de {month:02d}/{year}: amêndoas de famílias com certificado de comércio justo."
            plans.append(
                BatchPlan(
                    "OIL",
                    made_on,
                    _whole(certified),
                    _kg(kg * OIL_YIELD * factor),
                    f"{note} {trouble}".strip(),
                    certified=True,
                )
            )
        if month % 3 == 0 and others:
            kg = float(sum(lot.net_kg for lot in others))
            plans.append(
                BatchPlan(
                    "OIL",
                    made_on,
                    _whole(others),
                    _kg(kg * OIL_YIELD * rng.gauss(1, 0.02)),
                    f"Prensagem do {month // 3}º trimestre de {year}: amêndoas de famílias sem certificado.",
                )
            )
            others = []
    return plans


def soap_batches(oils: list, *, today: datetime.date, seed: int) -> list[BatchPlan]:
    """Soap ten days after each quarter, from part of the latest fair-trade oil batch.

    `oils` are saved oil batches (fair trade ones first made), oldest first."""
    rng = random.Random(seed)
    plans = []
    for year in sorted({oil.collected_on.year for oil in oils}):
        for month in (3, 6, 9, 12):
            made_on = _month_end(year, month) + datetime.timedelta(days=10)
            ready = [oil for oil in oils if oil.collected_on <= _month_end(year, month)]
            if made_on >= today or not ready:
                continue
            oil, kg = ready[-1], Decimal(rng.choice(SOAP_KG_OF_OIL))
            plans.append(
                BatchPlan(
                    "SOAP",
                    made_on,
                    [(oil, kg)],
                    _kg(float(kg) * SOAP_YIELD * rng.gauss(1, 0.015)),
                    f"Sabonete de babaçu: {kg} kg do óleo {oil.code}.",
                )
            )
    return plans


def _whole(lots: list) -> list[tuple]:
    return [(lot, lot.net_kg) for lot in lots]


def _certified(periods, day: datetime.date) -> bool:
    return any(valid_from <= day <= valid_to for valid_from, valid_to in periods)


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _kg(value: float) -> Decimal:
    """A scale's reading: kilograms to one decimal."""
    return Decimal(str(math.floor(value * 10 + 0.5) / 10)).quantize(TENTH)
