"""Several years of indicator history for the two reference co-operatives (seed_demo).

`seed_ledger(cooperative, actor)` appends, through the ledger's services:

- manual entries, one a year, each with its evidence file (the survey's summary as CSV):
  in the babassu co-op literacy rising once the home-schooling programme for adult
  nut-breakers starts (paid from the fair-trade premium), more children in school, fewer
  injuries once gloves and goggles are handed out, the babassu forest kept standing; in
  the honey co-op beekeeping suits bought with the premium cut stings needing care,
  women win board seats, the honey rooms' sanitary scores climb;
- one correction, as it happens in real life: a year's literacy first typed with its
  digits swapped, then corrected by a new entry that supersedes it;
- derived entries computed from the demo's own records (sales, certificates,
  inspections, members, assemblies, premium): every year of the period and each of the
  last twelve months. Certification obtained and the fair-trade price multiple appear
  there as the data says, not as written here.

The history is transcribed today from the co-op's paper records, so every entry is
recorded now about a past period: the ledger keeps both dates. Idempotent: a co-op whose
ledger already has entries is left alone (returns 0).
"""

import datetime
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils import timezone

from coop.models import Association, Cooperative, Family
from upgrading.models import LedgerEntry
from upgrading.services import ledger as services


@dataclass(frozen=True)
class Story:
    """Yearly values, oldest first; the last one is last year's."""

    literate_adults: tuple
    children_in_school: tuple
    women_board_share: tuple
    safety_incidents: tuple
    families_with_safety_equipment: tuple
    native_vegetation_protected: tuple
    programme_year: int  # index of the year the premium-funded programme started
    programme: str
    typo_year: int  # index of the year whose literacy was first typed wrong


STORIES = {
    "babassu": Story(
        literate_adults=("38", "40", "43", "51", "58", "66"),
        children_in_school=("78", "80", "85", "90", "94", "96.5"),
        women_board_share=("85.7143", "85.7143", "100", "100", "100", "100"),
        safety_incidents=("14", "13", "11", "8", "6", "5"),
        families_with_safety_equipment=("18", "25", "41", "63", "78", "88"),
        native_vegetation_protected=("1150", "1230", "1400", "1620", "1810", "2050"),
        programme_year=2,
        programme=(
            "Programa de alfabetização em casa das quebradeiras de coco, pago com o prêmio do "
            "comércio justo: monitoras da própria comunidade, três noites por semana."
        ),
        typo_year=3,
    ),
    "honey": Story(
        literate_adults=("54", "55.5", "57", "60", "62.5", "65"),
        children_in_school=("88", "90", "91", "94", "96", "97"),
        women_board_share=("14.2857", "14.2857", "28.5714", "28.5714", "42.8571", "42.8571"),
        safety_incidents=("9", "9", "7", "4", "3", "2"),
        families_with_safety_equipment=("38", "44", "61", "79", "90", "95"),
        native_vegetation_protected=("310", "360", "480", "620", "750", "910"),
        programme_year=2,
        programme=(
            "Macacões, luvas e fumigadores comprados com o prêmio do comércio justo e "
            "distribuídos pelas 32 associações; oficinas de manejo seguro nas casas do mel."
        ),
        typo_year=4,
    ),
}
GENERIC = STORIES["honey"]

SURVEY = {
    "literate_adults": "Levantamento anual das famílias: adultos que leem e escrevem",
    "children_in_school": "Declarações de matrícula das crianças de 6 a 17 anos",
    "women_board_share": "Ata da assembleia de eleição da diretoria",
    "safety_incidents": "Livro de ocorrências de acidentes de trabalho",
    "families_with_safety_equipment": "Termos de entrega de equipamento de proteção",
    "native_vegetation_protected": "Mapeamento das áreas preservadas pelas famílias",
}


def _evidence(code: str, year: int, value: str, slug: str) -> ContentFile:
    text = (
        "indicador,ano,valor,fonte\n"
        f"{code},{year},{value},{SURVEY[code]}\n"
        f"# transcrito do arquivo da cooperativa {slug}\n"
    )
    return ContentFile(text.encode("utf-8"), name=f"{code}-{year}.csv")


def _year(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def _month_periods(today: datetime.date, months: int) -> list[tuple[datetime.date, datetime.date]]:
    periods, end = [], today.replace(day=1) - datetime.timedelta(days=1)
    for _ in range(months):
        start = end.replace(day=1)
        periods.append((start, end))
        end = start - datetime.timedelta(days=1)
    return periods[::-1]


def seed_ledger(
    cooperative: Cooperative, actor, years: int = 6, today: datetime.date | None = None, months: int = 12
) -> int:
    """Append `years` years of history (ending last year) and the last `months` months of
    derived indicators; returns the number of entries appended (0 when there were some)."""
    if LedgerEntry.objects.filter(cooperative=cooperative).exists():
        return 0
    services.catalogue_install()
    today = today or timezone.localdate()
    story = STORIES.get(cooperative.slug, GENERIC)
    years = max(1, min(years, len(story.literate_adults)))
    first_year = today.year - years
    appended = 0

    def manual(code, index, value, **extra):
        nonlocal appended
        year = first_year + index
        note = extra.pop("note", f"{SURVEY[code]} de {year}. Transcrito do arquivo da cooperativa.")
        entry = services.ledger_append(
            actor=actor,
            cooperative=cooperative,
            indicator=code,
            period_from=_year(year)[0],
            period_to=_year(year)[1],
            value=value,
            note=note,
            evidence=[_evidence(code, year, value, cooperative.slug)],
            **extra,
        )
        appended += 1
        return entry

    offset = len(story.literate_adults) - years  # the story's last `years` years
    for index in range(years):
        at = offset + index
        for code in SURVEY:
            value = getattr(story, code)[at]
            if code == "literate_adults" and at == story.typo_year:
                swapped = value.split(".")[0][::-1]
                wrong = manual(code, index, swapped, note=f"{SURVEY[code]} de {first_year + index}.")
                manual(
                    code,
                    index,
                    value,
                    supersedes=wrong,
                    note=f"Correção: digitado com os dígitos trocados ({swapped} em vez de {value}).",
                )
                continue
            if code == "literate_adults" and at == story.programme_year:
                manual(code, index, value, note=f"{SURVEY[code]} de {first_year + index}. {story.programme}")
                continue
            manual(code, index, value)

    appended += _per_subject(cooperative, actor, first_year, years)

    for index in range(years):
        run = services.derived_indicators_record(
            cooperative=cooperative, **_period(_year(first_year + index))
        )
        appended += len(run.appended)
    for period in _month_periods(today, months):
        run = services.derived_indicators_record(cooperative=cooperative, **_period(period))
        appended += len(run.appended)
    return appended


def _period(period) -> dict:
    return {"period_from": period[0], "period_to": period[1]}


def _per_subject(cooperative: Cooperative, actor, first_year: int, years: int) -> int:
    """Sanitary scores of up to four collection points over the last three years, and the
    children in school of the first six families last year."""
    appended = 0
    points = list(
        Association.objects.filter(
            cooperative=cooperative,
            kind__in=[Association.Kind.HONEY_ROOM, Association.Kind.CANTINA],
        ).order_by("code")[:4]
    )
    last = first_year + years - 1
    for number, point in enumerate(points):
        for step, year in enumerate(range(max(first_year, last - 2), last + 1)):
            score = str(min(100, 68 + 4 * number + 9 * step))
            services.ledger_append(
                actor=actor,
                cooperative=cooperative,
                indicator="collection_point_sanitary_score",
                period_from=_year(year)[0],
                period_to=_year(year)[1],
                value=score,
                association=point,
                note=f"Lista de verificação sanitária de {point.name}, {year}.",
            )
            appended += 1
    for number, family in enumerate(Family.objects.filter(cooperative=cooperative).order_by("code")[:6]):
        services.ledger_append(
            actor=actor,
            cooperative=cooperative,
            indicator="family_children_in_school",
            period_from=_year(last)[0],
            period_to=_year(last)[1],
            value=str(number % 4),
            family=family,
            note="Declaração de matrícula apresentada pela família.",
        )
        appended += 1
    return appended
