"""Sharing an amount of money pro rata to weights, exact to the cent (largest remainder).

Every split of money in `upgrading` goes through `split`: a season settlement's pool among
associations and among the families of each (`split_two_levels`). The rules, which the
property tests in tests/upgrading/test_sharing_*.py check on random input:

- the shares add up to the amount exactly, to the cent;
- each share is its exact pro-rata value rounded down to the cent, plus one cent for the
  items with the largest remainders, so it differs from the exact value by less than a cent;
- ties between equal remainders go to the smaller key (a family's or association's code),
  so the result depends only on the keys and weights, never on the order they came in;
- an item with more weight never gets less than one with less weight.

Pure functions on Decimal and int: no database, no floats. The arithmetic is done in whole
cents and whole units of the weights' smallest decimal place, so nothing is rounded
until the one named step that hands out the leftover cents.
"""

from collections.abc import Hashable, Mapping
from decimal import Decimal

CENT = Decimal("0.01")


class SharingError(ValueError):
    """The amount cannot be shared: no weight at all, a negative weight or amount, ..."""


def _cents(amount: Decimal) -> int:
    amount = Decimal(amount)
    if not amount.is_finite():
        raise SharingError("The amount must be a finite number.")
    if amount < 0:
        raise SharingError("The amount to share cannot be negative.")
    if amount != amount.quantize(CENT):
        raise SharingError("The amount to share must be whole cents.")
    return int(amount.scaleb(2))


def _integer_weights(weights: Mapping) -> tuple[dict, int]:
    """The weights as integers of one common scale (kg with 3 places → grams), exactly."""
    values = {key: Decimal(weight) for key, weight in weights.items()}
    places = 0
    for key, weight in values.items():
        if not weight.is_finite():
            raise SharingError(f"The weight of {key!r} must be a finite number.")
        if weight < 0:
            raise SharingError(f"The weight of {key!r} cannot be negative.")
        places = max(places, -weight.as_tuple().exponent)
    scaled = {key: int(weight.scaleb(places)) for key, weight in values.items()}
    return scaled, sum(scaled.values())


def split(amount: Decimal, weights: Mapping[Hashable, Decimal]) -> dict[Hashable, Decimal]:
    """Share `amount` (whole cents, ≥ 0) among the keys of `weights` pro rata to their weights.

    Keys must be sortable (codes): they break ties between equal remainders, smallest first.
    Zero weights get zero. An amount of zero shares into zeros even without any weight.
    """
    cents = _cents(amount)
    scaled, total = _integer_weights(weights)
    if total == 0:
        if cents == 0:
            return {key: Decimal("0.00") for key in scaled}
        raise SharingError("There is no weight to share the amount by.")
    floors, remainders = {}, {}
    for key, weight in scaled.items():
        floors[key], remainders[key] = divmod(cents * weight, total)
    leftover = cents - sum(floors.values())  # < number of keys with a remainder
    # The leftover cents go to the largest remainders; equal remainders: the smaller key first.
    ranked = sorted(scaled, key=lambda key: (-remainders[key], key))
    for key in ranked[:leftover]:
        floors[key] += 1
    return {key: Decimal(floors[key]).scaleb(-2) for key in scaled}


def split_two_levels(
    amount: Decimal, groups: Mapping[Hashable, Mapping[Hashable, Decimal]]
) -> tuple[dict[Hashable, Decimal], dict[Hashable, dict[Hashable, Decimal]]]:
    """Share `amount` among groups pro rata to the sum of their members' weights, then each
    group's share among its members (pool → associations → families).

    Returns (share of each group, {group: share of each member}); both levels add up
    exactly: the groups' shares to `amount`, each group's members' shares to the group's.
    """
    group_weights = {
        group: sum(map(Decimal, members.values()), Decimal(0)) for group, members in groups.items()
    }
    group_shares = split(amount, group_weights)
    member_shares = {group: split(group_shares[group], members) for group, members in groups.items()}
    return group_shares, member_shares
