"""The seeded indicator catalogue (loaded by migration 0003; admins may add more).

Categories follow the usual split of social upgrading into *measurable standards*
(income, wages and prices, working conditions, social protection, formalisation) and
*enabling rights* (association and participation, non-discrimination and gender,
voice), plus economic and environmental indicators.

Units: "%" (0–100), "ratio", "count", "kg", "ha", and "currency": money in the
co-op's base currency, stored on each entry as the ISO 4217 code (e.g. "BRL").

`source` says who writes the entries: "manual" (staff, with evidence) or "derived"
(computed from the data by `upgrading.indicators`, one function per code).

Migration 0003 loads it into a database; an indicator that exists there (same code) is
left as it is, since admins may have edited it.
"""

PERCENT = {"unit": "%", "min_value": "0", "max_value": "100"}
MONEY = {"unit": "currency", "min_value": "0", "max_value": None}
COUNT = {"unit": "count", "min_value": "0", "max_value": None}

CATALOGUE = [
    # --- Measurable standards: income -------------------------------------------------------
    {
        "code": "income_per_family",
        "name_en": "Co-op income per family",
        "name_pt_br": "Renda da cooperativa por família",
        "description_en": (
            "Money the co-op paid to member families in the period (purchases of their "
            "deliveries, advances paid and settlement shares paid), divided by the active families."
        ),
        "description_pt_br": (
            "Dinheiro pago pela cooperativa às famílias associadas no período (compras das suas "
            "entregas, adiantamentos pagos e sobras pagas), dividido pelas famílias ativas."
        ),
        "category": "income",
        "higher_is_better": True,
        "scope": "cooperative",
        "source": "derived",
        **MONEY,
    },
    {
        "code": "advances_share_of_final_payment",
        "name_en": "Advances as a share of the final payment",
        "name_pt_br": "Adiantamentos em relação ao pagamento final",
        "description_en": (
            "Advances paid to families as a percentage of their gross shares in the settlements "
            "approved in the period: money in hand at delivery instead of waiting for the season's end."
        ),
        "description_pt_br": (
            "Adiantamentos pagos às famílias em percentual das suas partes brutas nos acertos "
            "aprovados no período: dinheiro na mão na entrega, sem esperar o fim da safra."
        ),
        "category": "income",
        "higher_is_better": True,
        "scope": "cooperative",
        "source": "derived",
        **PERCENT,
    },
    # --- Measurable standards: wages and prices -----------------------------------------------
    {
        "code": "fair_trade_price_multiple",
        "name_en": "Fair-trade price as a multiple of the local price",
        "name_pt_br": "Preço do comércio justo em múltiplos do preço local",
        "description_en": (
            "Price per kg obtained under fair-trade contracts divided by the price per kg of the "
            "other sales of the same product in the period (in the co-op's currency, weighted by "
            "fair-trade kg when several products qualify)."
        ),
        "description_pt_br": (
            "Preço por kg obtido nos contratos de comércio justo dividido pelo preço por kg das "
            "outras vendas do mesmo produto no período (na moeda da cooperativa, ponderado pelos kg "
            "de comércio justo quando há vários produtos)."
        ),
        "category": "wages_prices",
        "higher_is_better": True,
        "scope": "cooperative",
        "source": "derived",
        "unit": "ratio",
        "min_value": "0",
        "max_value": "1000",
    },
    {
        "code": "fair_trade_sales_share",
        "name_en": "Share of output sold under fair-trade contracts",
        "name_pt_br": "Parcela da produção vendida em contratos de comércio justo",
        "description_en": "Kilograms sold under fair-trade contracts as a percentage of all kilograms sold.",
        "description_pt_br": (
            "Quilos vendidos em contratos de comércio justo em percentual de todos os quilos vendidos."
        ),
        "category": "wages_prices",
        "higher_is_better": True,
        "scope": "cooperative",
        "source": "derived",
        **PERCENT,
    },
    # --- Measurable standards: working conditions and safety --------------------------------
    {
        "code": "safety_incidents",
        "name_en": "Safety incidents",
        "name_pt_br": "Acidentes de trabalho",
        "description_en": (
            "Accidents and injuries at work reported in the period (nut breaking, bee stings "
            "needing care, falls, burns at the oil press), from the incident book."
        ),
        "description_pt_br": (
            "Acidentes e ferimentos no trabalho registrados no período (quebra do coco, ferroadas "
            "que exigiram atendimento, quedas, queimaduras na prensa), conforme o livro de ocorrências."
        ),
        "category": "working_conditions",
        "higher_is_better": False,
        "scope": "cooperative",
        "source": "manual",
        **COUNT,
    },
    {
        "code": "families_with_safety_equipment",
        "name_en": "Families with safety equipment",
        "name_pt_br": "Famílias com equipamento de proteção",
        "description_en": (
            "Percentage of active families with complete protective equipment for their work "
            "(beekeeping suit, gloves and smoker; gloves and eye protection for nut breaking)."
        ),
        "description_pt_br": (
            "Percentual das famílias ativas com equipamento de proteção completo para o seu trabalho "
            "(macacão, luvas e fumigador na apicultura; luvas e óculos na quebra do coco)."
        ),
        "category": "working_conditions",
        "higher_is_better": True,
        "scope": "cooperative",
        "source": "manual",
        **PERCENT,
    },
    {
        "code": "collection_point_sanitary_score",
        "name_en": "Sanitary inspection score of a collection point",
        "name_pt_br": "Nota da inspeção sanitária de um ponto de coleta",
        "description_en": (
            "Score (0–100) of the sanitary checklist of one honey room, cantina or production centre."
        ),
        "description_pt_br": (
            "Nota (0–100) da lista de verificação sanitária de uma casa do mel, cantina ou "
            "centro de produção."
        ),
        "category": "working_conditions",
        "higher_is_better": True,
        "scope": "association",
        "source": "manual",
        **PERCENT,
    },
    # --- Measurable standards: social protection ------------------------------------------------
    {
        "code": "literate_adults",
        "name_en": "Literate adults",
        "name_pt_br": "Adultos alfabetizados",
        "description_en": (
            "Percentage of adult members (18 and over) who read and write, from the yearly household survey."
        ),
        "description_pt_br": (
            "Percentual dos membros adultos (18 anos ou mais) que leem e escrevem, segundo o "
            "levantamento anual das famílias."
        ),
        "category": "social_protection",
        "higher_is_better": True,
        "scope": "cooperative",
        "source": "manual",
        **PERCENT,
    },
    {
        "code": "children_in_school",
        "name_en": "Children in school",
        "name_pt_br": "Crianças na escola",
        "description_en": (
            "Percentage of the members' children of school age (6–17) enrolled and attending "
            "school, from enrolment declarations."
        ),
        "description_pt_br": (
            "Percentual dos filhos dos associados em idade escolar (6–17 anos) matriculados e "
            "frequentando a escola, segundo as declarações de matrícula."
        ),
        "category": "social_protection",
        "higher_is_better": True,
        "scope": "cooperative",
        "source": "manual",
        **PERCENT,
    },
    {
        "code": "family_children_in_school",
        "name_en": "Children of a family in school",
        "name_pt_br": "Crianças da família na escola",
        "description_en": (
            "Number of a family's children of school age enrolled, from its enrolment declarations."
        ),
        "description_pt_br": (
            "Número de filhos da família em idade escolar matriculados, segundo as declarações de matrícula."
        ),
        "category": "social_protection",
        "higher_is_better": True,
        "scope": "family",
        "source": "manual",
        "unit": "count",
        "min_value": "0",
        "max_value": "30",
    },
    {
        "code": "premium_received_per_family",
        "name_en": "Fair-trade premium received per family",
        "name_pt_br": "Prêmio do comércio justo recebido por família",
        "description_en": "Premium received from paid fair-trade shipments in the period, per active family.",
        "description_pt_br": (
            "Prêmio recebido pelos embarques de comércio justo pagos no período, por família ativa."
        ),
        "category": "social_protection",
        "higher_is_better": True,
        "scope": "cooperative",
        "source": "derived",
        **MONEY,
    },
    {
        "code": "premium_invested_per_family",
        "name_en": "Fair-trade premium invested per family",
        "name_pt_br": "Prêmio do comércio justo investido por família",
        "description_en": (
            "Premium spent on the projects of the premium plan (schooling, cantinas, processing, "
            "safety, ...) in the period, per active family."
        ),
        "description_pt_br": (
            "Prêmio gasto nos projetos do plano do prêmio (escola, cantinas, beneficiamento, "
            "segurança, ...) no período, por família ativa."
        ),
        "category": "social_protection",
        "higher_is_better": True,
        "scope": "cooperative",
        "source": "derived",
        **MONEY,
    },
    # --- Measurable standards: formalisation --------------------------------------------------
    {
        "code": "secure_land_tenure",
        "name_en": "Families with secure land tenure",
        "name_pt_br": "Famílias com posse segura da terra",
        "description_en": (
            "Percentage of active families who own titled land, live on an agrarian-reform "
            "settlement or hold recognised communal use (families whose tenure is not recorded "
            "count as not secure)."
        ),
        "description_pt_br": (
            "Percentual das famílias ativas com terra titulada, em assentamento da reforma agrária "
            "ou com uso comunitário reconhecido (famílias sem registro contam como sem posse segura)."
        ),
        "category": "formalisation",
        "higher_is_better": True,
        "scope": "cooperative",
        "source": "derived",
        **PERCENT,
    },
    {
        "code": "organic_certified_families",
        "name_en": "Families with valid organic certification",
        "name_pt_br": "Famílias com certificação orgânica válida",
        "description_en": (
            "Percentage of active families whose organic certificate is valid on the period's last day."
        ),
        "description_pt_br": (
            "Percentual das famílias ativas com certificado orgânico válido no último dia do período."
        ),
        "category": "formalisation",
        "higher_is_better": True,
        "scope": "cooperative",
        "source": "derived",
        **PERCENT,
    },
    {
        "code": "fair_trade_certified_families",
        "name_en": "Families with valid fair-trade certification",
        "name_pt_br": "Famílias com certificação de comércio justo válida",
        "description_en": (
            "Percentage of active families whose fair-trade certificate is valid on the period's last day."
        ),
        "description_pt_br": (
            "Percentual das famílias ativas com certificado de comércio "
            "justo válido no último dia do período."
        ),
        "category": "formalisation",
        "higher_is_better": True,
        "scope": "cooperative",
        "source": "derived",
        **PERCENT,
    },
    {
        "code": "families_inspected_12m",
        "name_en": "Families inspected in the last 12 months",
        "name_pt_br": "Famílias inspecionadas nos últimos 12 meses",
        "description_en": (
            "Percentage of active families visited by the internal control system in the 12 "
            "months up to the period's last day."
        ),
        "description_pt_br": (
            "Percentual das famílias ativas visitadas pelo controle interno nos 12 meses até o "
            "último dia do período."
        ),
        "category": "formalisation",
        "higher_is_better": True,
        "scope": "cooperative",
        "source": "derived",
        **PERCENT,
    },
    {
        "code": "members_with_national_id",
        "name_en": "Members with a registered CPF",
        "name_pt_br": "Membros com CPF registrado",
        "description_en": (
            "Percentage of members of active families with a national ID (CPF) on record: the "
            "door to rural pensions and social programmes."
        ),
        "description_pt_br": (
            "Percentual dos membros das famílias ativas com CPF registrado: a porta para a "
            "aposentadoria rural e os programas sociais."
        ),
        "category": "formalisation",
        "higher_is_better": True,
        "scope": "cooperative",
        "source": "derived",
        **PERCENT,
    },
    # --- Enabling rights: association and participation ---------------------------------------
    {
        "code": "assembly_attendance",
        "name_en": "General-assembly attendance",
        "name_pt_br": "Presença nas assembleias gerais",
        "description_en": (
            "Members present as a percentage of members entitled to attend, over the ordinary and "
            "extraordinary general assemblies held in the period."
        ),
        "description_pt_br": (
            "Membros presentes em percentual dos membros com direito a participar, nas assembleias "
            "gerais ordinárias e extraordinárias realizadas no período."
        ),
        "category": "association",
        "higher_is_better": True,
        "scope": "cooperative",
        "source": "derived",
        **PERCENT,
    },
    # --- Enabling rights: non-discrimination and gender -------------------------------------
    {
        "code": "women_members_share",
        "name_en": "Women's share of members",
        "name_pt_br": "Participação das mulheres entre os membros",
        "description_en": "Women as a percentage of the members of active families.",
        "description_pt_br": "Mulheres em percentual dos membros das famílias ativas.",
        "category": "gender",
        "higher_is_better": True,
        "scope": "cooperative",
        "source": "derived",
        **PERCENT,
    },
    {
        "code": "women_board_share",
        "name_en": "Women's share of board seats",
        "name_pt_br": "Participação das mulheres na diretoria",
        "description_en": (
            "Women as a percentage of the seats on the co-op's board, from the minutes of the election."
        ),
        "description_pt_br": (
            "Mulheres em percentual dos cargos da diretoria da cooperativa, conforme a ata da eleição."
        ),
        "category": "gender",
        "higher_is_better": True,
        "scope": "cooperative",
        "source": "manual",
        **PERCENT,
    },
    # --- Enabling rights: voice -----------------------------------------------------------------
    {
        "code": "women_assembly_share",
        "name_en": "Women's share of those present at general assemblies",
        "name_pt_br": "Participação das mulheres nas assembleias gerais",
        "description_en": (
            "Women as a percentage of the members present at the general assemblies held in the period."
        ),
        "description_pt_br": (
            "Mulheres em percentual dos membros presentes nas assembleias gerais realizadas no período."
        ),
        "category": "voice",
        "higher_is_better": True,
        "scope": "cooperative",
        "source": "derived",
        **PERCENT,
    },
    # --- Economic ---------------------------------------------------------------------------------
    {
        "code": "buyer_concentration",
        "name_en": "Buyer concentration",
        "name_pt_br": "Concentração de compradores",
        "description_en": (
            "Share of the period's sales revenue that came from the largest buyer: above half, "
            "the co-op depends on one buyer (the Herfindahl index is kept in the parameters)."
        ),
        "description_pt_br": (
            "Parcela da receita de vendas do período vinda do maior comprador: acima da metade, a "
            "cooperativa depende de um só comprador (o índice de Herfindahl fica nos parâmetros)."
        ),
        "category": "economic",
        "higher_is_better": False,
        "scope": "cooperative",
        "source": "derived",
        **PERCENT,
    },
    {
        "code": "sales_revenue",
        "name_en": "Sales revenue",
        "name_pt_br": "Receita de vendas",
        "description_en": (
            "Value of the confirmed sales shipped in the period, in the co-op's currency at each "
            "shipment's exchange rate."
        ),
        "description_pt_br": (
            "Valor das vendas confirmadas embarcadas no período, na moeda da cooperativa, ao câmbio "
            "de cada embarque."
        ),
        "category": "economic",
        "higher_is_better": True,
        "scope": "cooperative",
        "source": "derived",
        **MONEY,
    },
    # --- Environmental ----------------------------------------------------------------------------
    {
        "code": "native_vegetation_protected",
        "name_en": "Native vegetation protected",
        "name_pt_br": "Vegetação nativa protegida",
        "description_en": (
            "Hectares of babassu forest or caatinga kept standing or restored by member families "
            "under the co-op's agreements (free babassu, bee pasture), from the mapping survey."
        ),
        "description_pt_br": (
            "Hectares de babaçual ou caatinga mantidos em pé ou recuperados pelas famílias nos "
            "acordos da cooperativa (babaçu livre, pasto apícola), segundo o mapeamento."
        ),
        "category": "environmental",
        "higher_is_better": True,
        "scope": "cooperative",
        "source": "manual",
        "unit": "ha",
        "min_value": "0",
        "max_value": None,
    },
]
