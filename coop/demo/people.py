"""Made-up but plausible families and members for a demo co-operative.

Everything is drawn from generators seeded with fixed numbers, so every run (and every
machine with the pinned Faker) makes exactly the same people: that is what lets
`seed_demo` skip what exists and stay idempotent.
"""

import datetime
import random
from dataclasses import dataclass, field

from faker import Faker

from coop.models import Member

# Faker's pt_BR first names are those of young, urban Brazil; these are common among rural
# women and men of the North-east born before about 1980.
OLDER_WOMEN = [
    "Maria",
    "Maria José",
    "Maria das Graças",
    "Maria da Conceição",
    "Maria do Socorro",
    "Maria de Jesus",
    "Maria Alice",
    "Raimunda",
    "Francisca",
    "Antônia",
    "Sebastiana",
    "Benedita",
    "Domingas",
    "Luzia",
    "Teresa",
    "Joana",
    "Rosa",
    "Valdirene",
    "Rosilda",
    "Lucimar",
    "Eunice",
    "Ana",
]
OLDER_MEN = [
    "José",
    "João",
    "Antônio",
    "Francisco",
    "Raimundo",
    "Manoel",
    "Pedro",
    "Sebastião",
    "Domingos",
    "Benedito",
    "Luís",
    "Joaquim",
    "Cícero",
    "Valdemar",
    "Expedito",
    "Zacarias",
]

MEMBERS_PER_FAMILY = {1: 18, 2: 32, 3: 30, 4: 20}  # weights; 2.5 people on average
CPF_SHARE = 0.45  # adults whose CPF the co-op has on file


def _literacy_weights(birth_year: int) -> dict[str, int]:
    """Older people in the rural North-east went to school least."""
    if birth_year < 1960:
        return {"illiterate": 50, "basic": 30, "literate": 15, "unknown": 5}
    if birth_year < 1980:
        return {"illiterate": 28, "basic": 36, "literate": 31, "unknown": 5}
    if birth_year < 1995:
        return {"illiterate": 8, "basic": 25, "literate": 62, "unknown": 5}
    return {"illiterate": 2, "basic": 12, "literate": 83, "unknown": 3}


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def valid_cpf(rng: random.Random) -> str:
    """Nine random digits and their two check digits (the rule coop.units.validate_cpf checks)."""
    digits = [rng.randrange(10) for _ in range(9)]
    while len(set(digits)) == 1:
        digits = [rng.randrange(10) for _ in range(9)]
    for position in (9, 10):
        total = sum(d * w for d, w in zip(digits, range(position + 1, 1, -1), strict=True))
        digits.append(total * 10 % 11 % 10)
    return "".join(map(str, digits))


@dataclass
class DemoFamily:
    association_code: str
    row: dict  # fields for families_bulk_create, without the association
    members: list[dict] = field(default_factory=list)  # fields for members_bulk_create, without the family


class _People:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.fake = Faker("pt_BR")
        self.fake.seed_instance(seed)
        self.cpfs: set[str] = set()

    def first_name(self, gender: str, birth_year: int) -> str:
        if birth_year < 1980:
            return self.rng.choice(OLDER_WOMEN if gender == Member.Gender.FEMALE else OLDER_MEN)
        if gender == Member.Gender.FEMALE:
            return self.fake.first_name_female()
        return self.fake.first_name_male()

    def surnames(self) -> tuple[str, str]:
        return self.fake.last_name(), self.fake.last_name()

    def cpf(self, birth_year: int) -> str:
        if birth_year > 2006 or self.rng.random() >= CPF_SHARE:
            return ""
        number = valid_cpf(self.rng)
        while number in self.cpfs:
            number = valid_cpf(self.rng)
        self.cpfs.add(number)
        return number

    def member(self, *, name, gender, birth_year, role) -> dict:
        return {
            "name": name,
            "gender": gender,
            "birth_year": birth_year,
            "role_in_family": role,
            "literacy": _pick(self.rng, _literacy_weights(birth_year)),
            "national_id": self.cpf(birth_year),
        }

    def household(self, *, female_head: bool) -> list[dict]:
        """The head first, then maybe a spouse, children or a parent: 1 to 4 people."""
        rng = self.rng
        size = _pick(rng, MEMBERS_PER_FAMILY)
        head_gender = Member.Gender.FEMALE if female_head else Member.Gender.MALE
        other_gender = Member.Gender.MALE if female_head else Member.Gender.FEMALE
        head_year = round(rng.triangular(1945, 1996, 1970))
        head_surnames = self.surnames()
        head_name = f"{self.first_name(head_gender, head_year)} {' '.join(head_surnames)}"
        people = [self.member(name=head_name, gender=head_gender, birth_year=head_year, role="head")]
        # Children carry their mother's last surname, then their father's.
        spouse_surnames = self.surnames()
        mother, father = (head_surnames, spouse_surnames) if female_head else (spouse_surnames, head_surnames)
        if size > 1 and rng.random() < 0.65:
            year = min(head_year + rng.randint(-8, 4), 2000)
            name = f"{self.first_name(other_gender, year)} {' '.join(spouse_surnames)}"
            people.append(self.member(name=name, gender=other_gender, birth_year=year, role="spouse"))
        while len(people) < size:
            if head_year > 1970 and rng.random() < 0.12:
                year, role, gender = head_year - rng.randint(20, 28), "elder", Member.Gender.FEMALE
                name = f"{self.first_name(gender, year)} {' '.join(self.surnames())}"
            elif (year := head_year + rng.randint(18, 32)) <= 2012:
                role = "child"
                gender = rng.choice([Member.Gender.FEMALE, Member.Gender.MALE])
                name = f"{self.first_name(gender, year)} {mother[-1]} {father[-1]}"
            else:  # the head is too young for grown children: a brother or sister
                year, role = head_year + rng.randint(-6, 6), "other"
                gender = rng.choice([Member.Gender.FEMALE, Member.Gender.MALE])
                name = f"{self.first_name(gender, year)} {' '.join(head_surnames)}"
            people.append(self.member(name=name, gender=gender, birth_year=year, role=role))
        return people


def _allocate(rng: random.Random, total: int, weights: dict[str, int]) -> dict[str, int]:
    """Split `total` families among places: a minimum each, the rest drawn by weight."""
    minimum = total // (3 * len(weights))
    counts = dict.fromkeys(weights, minimum)
    for code in rng.choices(list(weights), weights=list(weights.values()), k=total - minimum * len(weights)):
        counts[code] += 1
    return counts


def _spread_hives(rng: random.Random, families: list[DemoFamily], total: int) -> None:
    """A few big apiaries, many small ones, adding up to exactly `total` hives."""
    hives = [min(max(round(rng.lognormvariate(3.0, 0.55)), 2), 150) for _ in families]
    while (difference := total - sum(hives)) != 0:
        index = rng.randrange(len(hives))
        step = max(min(difference, 3), -3)
        if hives[index] + step >= 2:
            hives[index] += step
    for family, count in zip(families, hives, strict=True):
        family.row["hives"] = count


def families(spec: dict, *, seed: int) -> list[DemoFamily]:
    """Every demo family of the co-operative described by `spec` (see coop.demo.places)."""
    people = _People(seed)
    rng = people.rng
    places = {
        code: (municipality, weight) for code, _, _, municipality, weight in spec["associations"] if weight
    }
    counts = _allocate(rng, spec["families"], {code: weight for code, (_, weight) in places.items()})
    founders = set(rng.sample(range(spec["families"]), spec["founders"]))
    result = []
    for code, count in counts.items():
        municipality = places[code][0]
        women_only = code == spec.get("women_association")
        for _ in range(count):
            number = len(result)
            female_head = women_only or rng.random() < spec["female_head_share"]
            members = people.household(female_head=female_head)
            year = spec["founded"] if number in founders else rng.randint(spec["founded"] + 1, 2024)
            home = municipality if rng.random() < 0.92 else rng.choice(spec["neighbouring_municipalities"])
            row = {
                "code": f"{spec['family_code_prefix']}-{number + 1:04d}",
                "household_name": members[0]["name"],
                "municipality": home,
                "joined_on": datetime.date(year, rng.randint(1, 12), rng.randint(1, 28)),
                "status": _pick(rng, spec["status"]),
                "land_tenure": _pick(rng, spec["land_tenure"]),
            }
            result.append(DemoFamily(association_code=code, row=row, members=members))
    if spec["hives"]:
        _spread_hives(rng, result, spec["hives"])
    return result
