"""Where the two reference co-operatives work: real municipalities, spelled as IBGE does.

COPPALJ buys babassu nuts from women nut-breakers at cantinas and purchasing centres in
the Médio Mearim (Maranhão) and presses the oil at its production centre. COMAPI gathers
honey from 32 local associations, each with its honey room, around Simplício Mendes
(Piauí): 930 families in 35 municipalities. Association and cantina names are invented.
"""

from decimal import Decimal

from coop.models import Association, Family, Product

BABASSU = {
    "cooperative": {
        "name": "Cooperativa dos Pequenos Produtores Agroextrativistas de Lago do Junco (COPPALJ)",
        "short_name": "COPPALJ",
        "slug": "babassu",
        "country": "BR",
        "state": "MA",
        "municipality": "Lago do Junco",
        "base_currency": "BRL",
    },
    # Recipes: babassu kernels are about 65% oil and a small expeller gets about 70% of it
    # out, so 0.45 kg of oil per kg of kernels; bar soap weighs about 1.4 times its oil
    # (lye and water). Oil and soap are never mixed with uncertified oil (no mass balance).
    "products": [
        # Kernels are bought at the cantinas: the co-op records nut purchases, never barrels.
        {
            "code": "NUTS",
            "name": "Amêndoa de babaçu",
            "unit": Product.Unit.KG,
            "delivered_as": "nut_purchase",
        },
        {
            "code": "OIL",
            "name": "Óleo de babaçu",
            "unit": Product.Unit.KG,
            "made_from": "NUTS",
            "expected_yield": Decimal("0.4500"),
            "yield_tolerance_pct": Decimal("10.00"),
            "mass_balance_allowed": False,
        },
        {
            "code": "SOAP",
            "name": "Sabonete de babaçu",
            "unit": Product.Unit.KG,
            "made_from": "OIL",
            "expected_yield": Decimal("1.4000"),
            "yield_tolerance_pct": Decimal("10.00"),
            "mass_balance_allowed": False,
        },
    ],
    # (code, name, kind, municipality, share of the families it buys from)
    "associations": [
        ("CANT-01", "Cantina Lago do Junco (sede)", Association.Kind.CANTINA, "Lago do Junco", 16),
        ("CANT-02", "Cantina Lago do Junco (zona rural)", Association.Kind.CANTINA, "Lago do Junco", 12),
        ("CANT-03", "Cantina Lago dos Rodrigues", Association.Kind.CANTINA, "Lago dos Rodrigues", 12),
        ("CANT-04", "Cantina Lago da Pedra", Association.Kind.CANTINA, "Lago da Pedra", 9),
        ("CANT-05", "Cantina Esperantinópolis", Association.Kind.CANTINA, "Esperantinópolis", 9),
        ("CANT-06", "Cantina São Luís Gonzaga", Association.Kind.CANTINA, "São Luís Gonzaga do Maranhão", 9),
        ("CANT-07", "Posto de compra Lima Campos", Association.Kind.CANTINA, "Lima Campos", 8),
        ("CANT-08", "Posto de compra Pedreiras", Association.Kind.CANTINA, "Pedreiras", 8),
        ("CANT-09", "Posto de compra Igarapé Grande", Association.Kind.CANTINA, "Igarapé Grande", 8),
        ("CANT-10", "Posto de compra Poção de Pedras", Association.Kind.CANTINA, "Poção de Pedras", 9),
        (
            "CP-01",
            "Centro de produção de óleo e sabonete",
            Association.Kind.PRODUCTION_CENTRE,
            "Lago do Junco",
            0,
        ),
    ],
    # Some nut-breakers live across the municipal border from the cantina they sell to.
    "neighbouring_municipalities": [
        "Bacabal",
        "Bernardo do Mearim",
        "Trizidela do Vale",
        "Olho d'Água das Cunhãs",
    ],
    "families": 1000,
    "family_code_prefix": "BAB",
    # Mostly women: the nut-breakers are the members; their household is the family.
    "female_head_share": 0.9,
    "land_tenure": {
        Family.LandTenure.SETTLEMENT: 44,  # the cluster grew out of an agrarian-reform settlement
        Family.LandTenure.COMMUNAL: 14,
        Family.LandTenure.SQUATTER: 14,
        Family.LandTenure.NONE: 10,  # "Babassu Livre": they may gather nuts on others' land
        Family.LandTenure.OWNER: 8,
        Family.LandTenure.TENANT: 7,
        Family.LandTenure.UNKNOWN: 3,
    },
    "status": {Family.Status.ACTIVE: 93, Family.Status.SUSPENDED: 2, Family.Status.LEFT: 5},
    "founded": 1986,
    "founders": 80,
    "hives": None,
}

_HONEY_MUNICIPALITIES = [
    "Simplício Mendes",
    "Campinas do Piauí",
    "Conceição do Canindé",
    "Isaías Coelho",
    "Santo Inácio do Piauí",
    "São Francisco de Assis do Piauí",
    "Bela Vista do Piauí",
    "Floresta do Piauí",
    "Cajazeiras do Piauí",
    "Colônia do Piauí",
    "Oeiras",
    "São João da Varjota",
    "Santa Rosa do Piauí",
    "Tanque do Piauí",
    "São Miguel do Fidalgo",
    "Ipiranga do Piauí",
    "Santa Cruz do Piauí",
    "Paquetá",
    "Picos",
    "Itainópolis",
    "Vera Mendes",
    "Jacobina do Piauí",
    "Padre Marcos",
    "Paulistana",
    "Queimada Nova",
    "São João do Piauí",
    "Ribeira do Piauí",
    "Socorro do Piauí",
    "Paes Landim",
    "Pedro Laurentino",
    "Nova Santa Rita",
]


def _honey_associations():
    """32 local associations, each extracting honey in its own honey room (the second one
    in Simplício Mendes is a women beekeepers' association), and the processing centre."""
    kind = Association.Kind.ASSOCIATION
    rows = [
        ("AS-01", "Associação dos Apicultores de Simplício Mendes", kind, "Simplício Mendes", 1),
        ("AS-02", "Associação das Mulheres Apicultoras de Simplício Mendes", kind, "Simplício Mendes", 1),
    ]
    rows += [
        (f"AS-{number:02d}", f"Associação dos Apicultores de {municipality}", kind, municipality, 1)
        for number, municipality in enumerate(_HONEY_MUNICIPALITIES[1:], start=3)
    ]
    centre = ("CP-01", "Centro de processamento e entreposto de mel", Association.Kind.PRODUCTION_CENTRE)
    return [*rows, (*centre, "Simplício Mendes", 0)]


HONEY = {
    "cooperative": {
        "name": "Cooperativa Mista dos Apicultores da Microrregião de Simplício Mendes (COMAPI)",
        "short_name": "COMAPI",
        "slug": "honey",
        "country": "BR",
        "state": "PI",
        "municipality": "Simplício Mendes",
        "base_currency": "BRL",
    },
    # Barrels and export batches are both honey: homogenising is honey -> honey (yield 1).
    "products": [
        # Honey comes in barrels, propolis and wax as other deliveries; nothing is bought as nuts.
        {"code": "HONEY", "name": "Mel orgânico", "unit": Product.Unit.KG, "delivered_as": "barrel"},
        {"code": "PROPOLIS", "name": "Própolis", "unit": Product.Unit.KG, "delivered_as": "delivery"},
        {"code": "WAX", "name": "Cera de abelha", "unit": Product.Unit.KG, "delivered_as": "delivery"},
    ],
    "moisture_limit_pct": Decimal("20.00"),  # Codex honey standard; barrels above it are rejected
    "associations": _honey_associations(),
    "women_association": "AS-02",
    # Beekeepers from four municipalities without an association of their own.
    "neighbouring_municipalities": [
        "João Costa",
        "Campo Alegre do Fidalgo",
        "Capitão Gervásio Oliveira",
        "Wall Ferraz",
    ],
    "families": 930,
    "family_code_prefix": "MEL",
    "female_head_share": 0.25,
    "land_tenure": {
        Family.LandTenure.OWNER: 40,  # the diocese's land distribution programme of the 1980s
        Family.LandTenure.SETTLEMENT: 24,
        Family.LandTenure.COMMUNAL: 10,
        Family.LandTenure.TENANT: 10,
        Family.LandTenure.SQUATTER: 8,
        Family.LandTenure.UNKNOWN: 8,
    },
    "status": {Family.Status.ACTIVE: 96, Family.Status.SUSPENDED: 3, Family.Status.LEFT: 1},
    "founded": 1994,
    "founders": 124,  # COMAPI was founded in 1994 by 124 beekeepers
    "hives": 22_000,  # owned by the 930 families in 2010
}
