"""The demo's value chain: who buys what the two co-operatives make, and on what terms.

Babassu (COPPALJ): The Body Shop buys fair-trade oil under a contract with a guaranteed
minimum of 10.8 t a year, amended to 17.8 t from the second year, at US$3.00/kg plus a
premium, about three times what the region's soap makers pay: they pay the price of any
common oil, soy included, about R$5/kg. It takes about 30% of each month's oil, never
less than a twelfth of the yearly minimum, and only oil pressed from the kernels of
certified families. Three soap makers buy the rest every month, without a contract.

Honey (COMAPI): two importers take about 95% of what is sold, one contract each per
season (euros, 50% advanced to families on delivery): a German organic importer (moisture
up to the Codex 20%) and an Italian fair-trade importer (fair trade and organic, at most
19%: the dry containers). The first importer, in 2001, is kept as a buyer with no sales
since. Each season's uncertified honey goes to a honey warehouse in Picos.

Sales are paid after the buyer's payment term; one whose term has not passed by today is
shipped and not yet paid. In the current year the latest sale under a contract is still
only confirmed, and the latest sale without one is a draft. Exchange rates are monthly
averages drawn from a bounded random walk with a fixed seed: plausible, not historical.

Everything here is plain data and plans; `coop.demo.seed` writes it through the
value-chain services, whose confirmation rules check every sale as they would a manager's.
"""

import calendar
import datetime
import random
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from coop.demo.production import honey_seasons, nut_years

KG = Decimal("0.001")
TEN_KG = Decimal("10")

# --- Exchange rates ------------------------------------------------------------------------

# Units of BRL per unit of the currency: (first month, lowest, highest, largest monthly step).
RATE_WALKS = {
    "USD": (Decimal("5.05"), Decimal("5.00"), Decimal("5.50"), 0.08),
    "EUR": (Decimal("5.60"), Decimal("5.50"), Decimal("6.20"), 0.09),
}


def monthly_rates(currency: str, *, first: datetime.date, today: datetime.date, seed: int) -> dict:
    """{(year, month): rate} from `first`'s month to today's: a bounded random walk."""
    start, low, high, step = RATE_WALKS[currency]
    rng, rate, rates = random.Random(f"{currency}{seed}"), start, {}
    year, month = first.year, first.month
    while (year, month) <= (today.year, today.month):
        rates[(year, month)] = rate
        drift = Decimal(str(round(rng.uniform(-step, step), 4)))
        rate = min(max(rate + drift, low), high)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return rates


# --- Buyers and contracts ------------------------------------------------------------------


@dataclass
class ContractSpec:
    buyer: str
    product: str
    reference: str
    starts_on: datetime.date
    ends_on: datetime.date
    price_per_kg: Decimal
    currency: str
    minimums: list[tuple[datetime.date, Decimal]]  # (effective from, kg a year), oldest first
    premium_per_kg: Decimal = Decimal("0")
    fair_trade: bool = False
    organic: bool = False
    max_moisture_pct: Decimal | None = None
    advance_rate: Decimal | None = None
    status: str = "active"

    def terms(self) -> dict:
        """The keyword arguments of contract_create, but buyer, product and minimum."""
        return {
            name: getattr(self, name)
            for name in (
                "reference",
                "starts_on",
                "ends_on",
                "price_per_kg",
                "currency",
                "premium_per_kg",
                "fair_trade",
                "organic",
                "max_moisture_pct",
                "advance_rate",
                "status",
            )
        }

    def minimum_on(self, day: datetime.date) -> Decimal:
        in_force = [kg for since, kg in self.minimums if since <= day]
        return in_force[-1] if in_force else self.minimums[0][1]


BODY_SHOP = "The Body Shop"
SOAP_MAKERS = {
    # name: (share of the local oil, R$/kg above or below the year's local price, city)
    "Saboaria Mearim Ltda": (Decimal("0.45"), Decimal("0.10"), "Pedreiras"),
    "Indústria de Sabão São Raimundo": (Decimal("0.35"), Decimal("0.00"), "Bacabal"),
    "Sabões Lago Verde": (Decimal("0.20"), Decimal("-0.10"), "Lago da Pedra"),
}
BABASSU_BUYERS = [
    {
        "name": BODY_SHOP,
        "country": "GB",
        "kind": "fair_trade",
        "contact_name": "Community Fair Trade",
        "email": "fairtrade@example.org",
        "notes": "Óleo de babaçu de comércio justo para cosméticos; compra mínima anual garantida.",
    },
    *(
        {
            "name": name,
            "country": "BR",
            "kind": "soap_maker",
            "notes": f"Fábrica de sabão em {city} (MA); paga pelo óleo o preço de qualquer óleo comum.",
        }
        for name, (_, _, city) in SOAP_MAKERS.items()
    ),
]
FAIR_TRADE_OIL_PRICE = Decimal("3.00")  # US$/kg
FAIR_TRADE_OIL_PREMIUM = Decimal("0.30")  # US$/kg, to the premium fund
FAIR_TRADE_SHARE = Decimal("0.30")  # of each month's oil
MINIMUM_KG = (Decimal("10800"), Decimal("17800"))  # a year: the first year, then from the second
LOCAL_OIL_PRICE = [Decimal("4.80"), Decimal("5.00"), Decimal("5.20")]  # R$/kg, oldest year first
FAIR_TRADE_SHIP_DAY = (8, 14)  # of the month after the pressing
LOCAL_SHIP_DAYS = ((4, 8), (12, 17), (20, 25))  # one window per soap maker, in SOAP_MAKERS order
PAYMENT_DAYS = {"fair_trade": (28, 40), "local": (7, 20), "export": (30, 55)}


def babassu_contracts(today: datetime.date) -> list[ContractSpec]:
    years = nut_years(today)
    return [
        ContractSpec(
            buyer=BODY_SHOP,
            product="OIL",
            reference=f"TBS-OIL-{years[0]}",
            starts_on=datetime.date(years[0], 1, 1),
            ends_on=datetime.date(years[-1], 12, 31),
            price_per_kg=FAIR_TRADE_OIL_PRICE,
            currency="USD",
            premium_per_kg=FAIR_TRADE_OIL_PREMIUM,
            fair_trade=True,
            minimums=[
                (datetime.date(years[0], 1, 1), MINIMUM_KG[0]),
                (datetime.date(years[1], 1, 1), MINIMUM_KG[1]),
            ],
        )
    ]


GERMAN, ITALIAN, LOCAL_HONEY = (
    "Bio-Honig Kontor GmbH",
    "Mondo Equo Importazioni Soc. Coop.",
    "Entreposto de Mel de Picos",
)
FIRST_IMPORTER = "Libero Mondo"
HONEY_BUYERS = [
    {
        "name": GERMAN,
        "country": "DE",
        "kind": "organic_importer",
        "contact_name": "Einkauf Honig",
        "email": "honig@example.org",
        "notes": "Importador de mel orgânico (Bremen); contrato por safra.",
    },
    {
        "name": ITALIAN,
        "country": "IT",
        "kind": "fair_trade",
        "contact_name": "Ufficio acquisti",
        "email": "miele@example.org",
        "notes": "Importadora de comércio justo; exige mel com no máximo 19% de umidade.",
    },
    {
        "name": FIRST_IMPORTER,
        "country": "IT",
        "kind": "fair_trade",
        "notes": "Primeira exportação da cooperativa (2001): 40 t de mel em comércio justo. "
        "Sem compras desde então.",
    },
    {
        "name": LOCAL_HONEY,
        "country": "BR",
        "kind": "local",
        "notes": "Entreposto em Picos (PI): compra o mel sem certificação orgânica, a granel.",
    },
]
# Per season, oldest first: (German organic EUR/kg, Italian fair-trade EUR/kg, local R$/kg).
HONEY_PRICES = [
    (Decimal("3.10"), Decimal("3.40"), Decimal("10.50")),
    (Decimal("3.20"), Decimal("3.50"), Decimal("11.00")),
    (Decimal("3.30"), Decimal("3.60"), Decimal("11.80")),
    (Decimal("3.35"), Decimal("3.65"), Decimal("12.50")),
]
HONEY_FAIR_TRADE_PREMIUM = Decimal("0.40")  # EUR/kg
HONEY_MINIMUM_KG = {GERMAN: Decimal("120000"), ITALIAN: Decimal("50000")}
HONEY_MAX_MOISTURE = {GERMAN: Decimal("20.00"), ITALIAN: Decimal("19.00")}
ADVANCE_RATE = Decimal("0.5")
EXPORT_SHIP_DAYS = (18, 30)  # after the container is filled: analysis, customs, booking
LOCAL_HONEY_SALES = ((10, 25), (45, 70))  # days after the local batch: two lorries


def honey_contracts(today: datetime.date) -> list[ContractSpec]:
    specs = []
    for season, (german, italian, _) in zip(honey_seasons(today), HONEY_PRICES, strict=True):
        status = "active" if season == today.year else "closed"
        first, last = datetime.date(season, 1, 1), datetime.date(season, 12, 31)
        common = {"product": "HONEY", "starts_on": first, "ends_on": last, "currency": "EUR"}
        common |= {"organic": True, "advance_rate": ADVANCE_RATE, "status": status}
        specs.append(
            ContractSpec(
                buyer=GERMAN,
                reference=f"DE-ORG-{season}",
                price_per_kg=german,
                max_moisture_pct=HONEY_MAX_MOISTURE[GERMAN],
                minimums=[(first, HONEY_MINIMUM_KG[GERMAN])],
                **common,
            )
        )
        specs.append(
            ContractSpec(
                buyer=ITALIAN,
                reference=f"IT-FT-{season}",
                price_per_kg=italian,
                premium_per_kg=HONEY_FAIR_TRADE_PREMIUM,
                fair_trade=True,
                max_moisture_pct=HONEY_MAX_MOISTURE[ITALIAN],
                minimums=[(first, HONEY_MINIMUM_KG[ITALIAN])],
                **common,
            )
        )
    return specs


# --- Sales ---------------------------------------------------------------------------------


@dataclass
class Sale:
    """A shipment to create, with the state it should reach."""

    buyer: str
    reference: str
    shipped_on: datetime.date
    allocations: list[tuple] = field(default_factory=list)  # (lot, kg)
    contract: str | None = None  # a contract's reference; its price and currency apply
    price_per_kg: Decimal | None = None
    currency: str | None = None
    exchange_rate: Decimal | None = None
    paid_on: datetime.date | None = None
    status: str = "paid"
    invoice_reference: str = ""


def babassu_sales(
    oils: list, certified: set[int], contract: ContractSpec, *, today: datetime.date, seed: int
) -> list[Sale]:
    """Each month's pressing sold in the month after: the fair-trade share to The Body
    Shop (from the certified batch only), the rest shared by the soap makers.

    `oils` are the oil batches (with net, consumed and allocated kg), `certified` the pks
    of those whose every kernel came from a family certified fair trade on the day."""
    rng = random.Random(seed)
    years = nut_years(today)
    first = min([datetime.date(years[0], 1, 1), *(oil.collected_on for oil in oils)])
    rates = monthly_rates("USD", first=first, today=today, seed=seed)
    by_month: dict[tuple[int, int], list] = {}
    for oil in sorted(oils, key=lambda lot: (lot.collected_on, lot.code)):
        by_month.setdefault((oil.collected_on.year, oil.collected_on.month), []).append(oil)
    sales = []
    for (year, month), pressed in sorted(by_month.items()):
        ship_year, ship_month = (year + 1, 1) if month == 12 else (year, month + 1)
        left = {oil.pk: oil.net_kg - oil.consumed_kg - oil.allocated_kg for oil in pressed}
        fair = [oil for oil in pressed if oil.pk in certified]
        shipped_on = _day(ship_year, ship_month, FAIR_TRADE_SHIP_DAY, rng)
        if fair and shipped_on <= today:
            oil = fair[0]
            # About 30% of the month's oil, but at least the month's share of the minimum.
            wanted = max(
                FAIR_TRADE_SHARE * sum(lot.net_kg for lot in pressed),
                contract.minimum_on(shipped_on) / 12,
            )
            kg = min(_to_ten_kg(wanted), _to_ten_kg(left[oil.pk]))
            if kg > 0:
                left[oil.pk] -= kg
                sales.append(
                    Sale(
                        buyer=BODY_SHOP,
                        contract=contract.reference,
                        reference=f"TBS-{ship_year}-{ship_month:02d}",
                        shipped_on=shipped_on,
                        allocations=[(oil, kg)],
                        exchange_rate=rates[(ship_year, ship_month)],
                        paid_on=_paid_on(shipped_on, "fair_trade", rng),
                    )
                )
        # The soap makers share the rest, certified or not: no claim is made on it.
        stock = [[oil, left[oil.pk]] for oil in pressed if left[oil.pk] > 0]
        # The year's local price (an older demo database's earlier years: the first one's).
        local_price = LOCAL_OIL_PRICE[max(0, min(ship_year - years[0], len(years) - 1))]
        total = sum((kg for _, kg in stock), Decimal("0"))
        for number, (name, (share, markup, _)) in enumerate(SOAP_MAKERS.items(), start=1):
            shipped_on = _day(ship_year, ship_month, LOCAL_SHIP_DAYS[number - 1], rng)
            wanted = _to_ten_kg(total * share) if number < len(SOAP_MAKERS) else total
            allocations = _take(stock, wanted)
            if not allocations or shipped_on > today:
                continue
            sales.append(
                Sale(
                    buyer=name,
                    reference=f"LOC-{ship_year}-{ship_month:02d}-{number}",
                    shipped_on=shipped_on,
                    allocations=allocations,
                    price_per_kg=local_price + markup,
                    currency="BRL",
                    paid_on=_paid_on(shipped_on, "local", rng),
                )
            )
    return _settle(sales, today=today)


def honey_sales(exports: list, local: list, dry: set[int], *, today: datetime.date, seed: int) -> list[Sale]:
    """Each export container to one importer (the dry ones, pks in `dry`, to the Italian
    fair-trade importer, whose limit is 19%), each season's local batch in two lorries."""
    rng = random.Random(seed)
    seasons = honey_seasons(today)
    rates = monthly_rates("EUR", first=datetime.date(seasons[0], 1, 1), today=today, seed=seed)
    sales, numbers = [], {}
    for batch in sorted(exports, key=lambda lot: (lot.collected_on, lot.code)):
        season = batch.collected_on.year
        if season not in seasons:
            continue
        shipped_on = batch.collected_on + datetime.timedelta(days=rng.randint(*EXPORT_SHIP_DAYS))
        kg = batch.net_kg - batch.consumed_kg - batch.allocated_kg
        if shipped_on > today or kg <= 0:
            continue
        buyer = ITALIAN if batch.pk in dry else GERMAN
        numbers[season] = numbers.get(season, 0) + 1
        sales.append(
            Sale(
                buyer=buyer,
                contract=f"{'IT-FT' if buyer == ITALIAN else 'DE-ORG'}-{season}",
                reference=f"EXP-{season}-{numbers[season]:02d}",
                shipped_on=shipped_on,
                allocations=[(batch, kg)],
                exchange_rate=rates[(shipped_on.year, shipped_on.month)],
                paid_on=_paid_on(shipped_on, "export", rng),
            )
        )
    for batch in sorted(local, key=lambda lot: (lot.collected_on, lot.code)):
        season = batch.collected_on.year
        if season not in seasons:
            continue
        price = HONEY_PRICES[seasons.index(season)][2]
        left = batch.net_kg - batch.consumed_kg - batch.allocated_kg
        for number, days in enumerate(LOCAL_HONEY_SALES, start=1):
            shipped_on = batch.collected_on + datetime.timedelta(days=rng.randint(*days))
            kg = left if number == len(LOCAL_HONEY_SALES) else _to_ten_kg(left / 2)
            if shipped_on > today or kg <= 0:
                continue
            left -= kg
            sales.append(
                Sale(
                    buyer=LOCAL_HONEY,
                    reference=f"MEL-{season}-{number}",
                    shipped_on=shipped_on,
                    allocations=[(batch, kg)],
                    price_per_kg=price,
                    currency="BRL",
                    paid_on=_paid_on(shipped_on, "local", rng),
                )
            )
    return _settle(sales, today=today)


def _settle(sales: list[Sale], *, today: datetime.date) -> list[Sale]:
    """Statuses and invoices: paid once the term has passed, else shipped; this year's
    latest sale under a contract only confirmed, and its latest without one a draft."""
    sales.sort(key=lambda sale: (sale.shipped_on, sale.reference))
    for with_contract, status in ((True, "confirmed"), (False, "draft")):
        open_ = [s for s in sales if bool(s.contract) == with_contract and s.shipped_on.year == today.year]
        if open_:
            open_[-1].status = status
    invoice = 0
    for sale in sales:
        if sale.status in ("confirmed", "draft"):
            sale.paid_on = None
            continue
        invoice += 1
        sale.invoice_reference = f"NF-e {invoice:06d}"
        if sale.paid_on > today:
            sale.status, sale.paid_on = "shipped", None
    return sales


def _take(stock: list[list], kg: Decimal) -> list[tuple]:
    """Up to `kg` from the lots of `stock` ([lot, kg left] pairs), first lots first."""
    taken = []
    for entry in stock:
        if kg <= 0:
            break
        lot, left = entry
        part = min(left, kg)
        if part > 0:
            taken.append((lot, part))
            entry[1] -= part
            kg -= part
    return taken


def _paid_on(shipped_on: datetime.date, term: str, rng) -> datetime.date:
    """When the buyer pays: its payment term after shipping (the status says if it has yet)."""
    return shipped_on + datetime.timedelta(days=rng.randint(*PAYMENT_DAYS[term]))


def _day(year: int, month: int, window: tuple[int, int], rng) -> datetime.date:
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(rng.randint(*window), last))


def _to_ten_kg(kg: Decimal) -> Decimal:
    """Down to whole tens of kilograms (what the drums are filled to)."""
    return (Decimal(kg) / TEN_KG).quantize(Decimal("1"), rounding=ROUND_DOWN) * TEN_KG
