"""The demo's internal control system: yearly rounds of inspections and the certificates
they approve (EU organic group certification, Fairtrade SPO).

Every year, between August and November, internal inspectors visit every member family
and every collection point (honey room, cantina, production centre). An inspector is a
literate head of household from *another* association, and the pairing rotates from
year to year. A family's certificates for the next calendar year rest on that visit:
fair trade from its first compliant visit, organic (honey) once it has been a member
for a year (conversion). So that the compliance checks of later issues have something
true to find, a few visits are non-compliant (most are put right by a second visit and
closed; the latest round's are still open), families that left are no longer visited,
suspended families have their current certificates suspended, and one sanction is open.

Everything is drawn from generators with fixed seeds, and the rounds are dated relative to
today, so nothing is ever dated in the future.
"""

import datetime
import random
from dataclasses import dataclass, field

from coop.models import Association, Family, Inspection, Member, Scheme

ROUND_OPENS = (8, 1)  # the round for year Y runs from 1 August of Y-1 ...
ROUND_DAYS = 105  # ... to mid-November, association by association
FOLLOW_UP_DAYS = (20, 35)  # a second visit puts a non-compliance right before the new year

CONTROL = {
    "babassu": {
        "certified_years": 3,  # this year and the two before
        "schemes": {
            Scheme.FAIR_TRADE: {
                "standard": "Fairtrade SPO (Small-scale Producer Organizations)",
                "reference": "COPPALJ/FT/{year}/{family}",
                "members_for_days": 0,
            },
        },
        "non_compliant_share": 0.02,
        "unresolved_share": 0.005,  # non-compliant and not visited again: no certificate that year
        "findings": [
            "Criança em idade escolar quebrando coco no horário das aulas; família orientada.",
            "Amêndoas guardadas em sacos sem identificação da família.",
            "Palmeiras derrubadas na área de coleta; orientada sobre a Lei do Babaçu Livre.",
            "Amêndoas secando no chão de terra, sem lona.",
        ],
        "point_findings": [
            "Balança da cantina sem aferição do INMETRO no prazo.",
            "Depósito de amêndoas com goteira; sacos molhados.",
        ],
        "sanction": None,
    },
    "honey": {
        "certified_years": 4,  # the 2023 to 2026 seasons when run in 2026
        "schemes": {
            Scheme.ORGANIC: {
                "standard": "Regulamento (UE) 2018/848 e Lei 10.831/2003 (SisOrg)",
                "reference": "COMAPI/ORG/{year}/{family}",
                "members_for_days": 365,  # a year of conversion before the first organic honey
            },
            Scheme.FAIR_TRADE: {
                "standard": "Fairtrade SPO (Small-scale Producer Organizations)",
                "reference": "COMAPI/FT/{year}/{family}",
                "members_for_days": 0,
            },
        },
        "non_compliant_share": 0.025,
        "unresolved_share": 0.005,
        "findings": [
            "Caixas do apiário sem identificação.",
            "Apiário a menos de 3 km de lavoura de soja com uso de agrotóxico; mudar de local.",
            "Caderno de manejo do apiário incompleto.",
            "Cera alveolada comprada de fornecedor não certificado.",
            "Melgueiras guardadas junto a produtos de limpeza.",
        ],
        "point_findings": [
            "Tela milimetrada da janela da casa do mel rasgada.",
            "Decantador sem tampa; orientada a limpeza antes da safra.",
        ],
        "sanction": (
            "Alimentação das colmeias com xarope de açúcar durante a florada. Mel da família retido "
            "até o resultado da análise; certificados suspensos."
        ),
    },
}


@dataclass
class Plan:
    """What to write, in order: inspections, then the closing of those put right, then the
    certificates (each names its approving inspection by index), then the suspensions."""

    inspections: list[dict] = field(default_factory=list)
    closes: list[tuple[int, datetime.date]] = field(default_factory=list)  # (inspection, closed on)
    certifications: list[dict] = field(default_factory=list)  # "approved_by" is an inspection index
    suspensions: list[int] = field(default_factory=list)  # certification indexes


def inspector_pool(members: list[Member]) -> dict[int, list[Member]]:
    """Two inspectors per association: literate heads of active households, by family code."""
    pool: dict[int, list[Member]] = {}
    for member in sorted(members, key=lambda m: m.family.code):
        family = member.family
        if (
            member.role_in_family == Member.FamilyRole.HEAD
            and member.literacy == Member.Literacy.LITERATE
            and family.status == Family.Status.ACTIVE
            and len(pool.setdefault(family.association_id, [])) < 2
        ):
            pool[family.association_id].append(member)
    return {association: people for association, people in pool.items() if people}


def _visit_day(opens: datetime.date, index: dict[int, int], association_id: int, rng) -> datetime.date:
    """The round reaches the associations one after another, a week at each."""
    share = index.get(association_id, 0) / max(len(index), 1)
    return opens + datetime.timedelta(days=int(share * (ROUND_DAYS - 10)) + rng.randint(0, 6))


def _visitor(
    pool: dict[int, list[Member]], order: list[int], home: int | None, shift: int, pick: int
) -> Member:
    """An inspector from the association `shift` places after `home`, never `home` itself."""
    start = order.index(home) if home in order else 0
    for step in range(shift, shift + len(order)):
        association = order[(start + step) % len(order)]
        if association != home:
            people = pool[association]
            return people[pick % len(people)]
    raise ValueError("The demo needs inspectors in at least two associations.")


def plan(
    slug: str, *, families: list[Family], points: list[Association], members: list[Member], today, seed: int
) -> Plan:
    """The inspections and certificates of the co-operative `slug`, up to `today`."""
    config, rng, result = CONTROL[slug], random.Random(seed), Plan()
    pool = inspector_pool(members)
    order = sorted(pool)
    last_year = today.year + 1  # this year's round (August to November) is for next year
    years = range(today.year - config["certified_years"] + 1, last_year + 1)
    families = sorted(families, key=lambda f: f.code)
    suspended = [f for f in families if f.status == Family.Status.SUSPENDED]
    sanctioned = suspended[0] if config["sanction"] and suspended else None
    association_index = {pk: index for index, pk in enumerate(sorted({f.association_id for f in families}))}
    # The current round is the latest one that has begun.
    current = max(y for y in years if datetime.date(y - 1, *ROUND_OPENS) <= today)

    for round_number, year in enumerate(years):
        opens = datetime.date(year - 1, *ROUND_OPENS)
        if opens > today:
            break
        certify = year <= today.year
        approvals: dict[int, int] = {}  # family pk -> approving inspection index

        for family in families:
            day = _visit_day(opens, association_index, family.association_id, rng)
            if family.joined_on > day or day >= today:
                continue  # not a member yet, or not visited yet this round
            if family.status == Family.Status.LEFT and year >= today.year:
                continue  # left the co-operative last year
            inspector = _visitor(pool, order, family.association_id, 1 + round_number, family.pk)
            row = {"inspector": inspector, "inspected_on": day, "family": family}
            if family.status == Family.Status.SUSPENDED and year == current:
                # The visit that got the family suspended: still open.
                if family is sanctioned:
                    row |= {"result": Inspection.Result.SANCTION, "findings": config["sanction"]}
                else:
                    row |= {
                        "result": Inspection.Result.NON_COMPLIANT,
                        "findings": rng.choice(config["findings"]),
                    }
                row["follow_up_on"] = day + datetime.timedelta(days=60)
                result.inspections.append(row)
                continue
            draw = rng.random()
            if draw < config["non_compliant_share"]:
                follow_up = day + datetime.timedelta(days=rng.randint(*FOLLOW_UP_DAYS))
                row |= {
                    "result": Inspection.Result.NON_COMPLIANT,
                    "findings": rng.choice(config["findings"]),
                    "follow_up_on": follow_up,
                }
                result.inspections.append(row)
                if follow_up >= today:
                    continue  # not visited again yet: still open
                if draw < config["unresolved_share"]:
                    # Put right too late for this round's certificates.
                    late = follow_up + datetime.timedelta(days=90)
                    if late < today:
                        result.closes.append((len(result.inspections) - 1, late))
                    continue
                result.closes.append((len(result.inspections) - 1, follow_up))
                row = {
                    "inspector": inspector,
                    "inspected_on": follow_up,
                    "family": family,
                    "findings": "Não conformidade corrigida.",
                }
            result.inspections.append(row | {"result": Inspection.Result.COMPLIANT})
            approvals[family.pk] = len(result.inspections) - 1

        for point in points:
            day = _visit_day(opens, association_index, point.pk, rng) + datetime.timedelta(days=7)
            if day >= today:
                continue
            inspector = _visitor(pool, order, point.pk, 2 + round_number, point.pk + year)
            row = {"inspector": inspector, "inspected_on": day, "association": point}
            if rng.random() < 0.05:
                follow_up = day + datetime.timedelta(days=15)
                row |= {
                    "result": Inspection.Result.NON_COMPLIANT,
                    "findings": rng.choice(config["point_findings"]),
                    "follow_up_on": follow_up,
                }
                result.inspections.append(row)
                if follow_up < today:
                    result.closes.append((len(result.inspections) - 1, follow_up))
            else:
                result.inspections.append(row | {"result": Inspection.Result.COMPLIANT})

        if certify:
            _certify(config, result, families, approvals, year, suspend=year == today.year)
    return result


def _certify(config, result: Plan, families, approvals: dict[int, int], year: int, *, suspend: bool) -> None:
    valid_from, valid_to = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    for family in families:
        if family.pk not in approvals:
            continue
        for scheme, terms in config["schemes"].items():
            if (valid_from - family.joined_on).days < terms["members_for_days"]:
                continue  # still in conversion
            result.certifications.append(
                {
                    "family": family,
                    "scheme": scheme,
                    "standard": terms["standard"],
                    "reference": terms["reference"].format(year=year, family=family.code),
                    "valid_from": valid_from,
                    "valid_to": valid_to,
                    "approved_by": approvals[family.pk],
                }
            )
            if suspend and family.status == Family.Status.SUSPENDED:
                result.suspensions.append(len(result.certifications) - 1)
