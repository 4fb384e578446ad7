"""Worked examples of the pro-rata split: where the leftover cents go, ties, zero weights,
and what cannot be shared."""

from decimal import Decimal

import pytest

from upgrading.sharing import SharingError, split, split_two_levels


def test_the_leftover_cent_goes_to_the_largest_remainder():
    shares = split(Decimal("1000.01"), {"F-01": Decimal("100"), "F-02": Decimal("50"), "F-03": Decimal("50")})
    # Exact: 500.005, 250.0025, 250.0025.
    assert shares == {"F-01": Decimal("500.01"), "F-02": Decimal("250.00"), "F-03": Decimal("250.00")}


def test_equal_remainders_go_to_the_smaller_code_first():
    shares = split(Decimal("1.00"), {"C": Decimal("1"), "A": Decimal("1"), "B": Decimal("1")})
    assert shares == {"A": Decimal("0.34"), "B": Decimal("0.33"), "C": Decimal("0.33")}
    shares = split(Decimal("0.02"), {"C": Decimal("1"), "B": Decimal("1"), "A": Decimal("1")})
    assert shares == {"A": Decimal("0.01"), "B": Decimal("0.01"), "C": Decimal("0.00")}


def test_weights_with_grams_are_shared_exactly():
    shares = split(Decimal("100.00"), {"F1": Decimal("0.001"), "F2": Decimal("2"), "F3": Decimal("19.999")})
    assert sum(shares.values()) == Decimal("100.00")
    # Exact: 0.004545…, 9.0909…, 90.904545…: F1's and F3's remainders are the same 0.4545… cent,
    # so the leftover cent goes to the smaller code, exactly (no float would see the tie).
    assert shares == {"F1": Decimal("0.01"), "F2": Decimal("9.09"), "F3": Decimal("90.90")}


def test_zero_weight_gets_nothing_and_keeps_its_line():
    shares = split(Decimal("10.00"), {"A": Decimal("0"), "B": Decimal("3"), "C": Decimal("0.000")})
    assert shares == {"A": Decimal("0.00"), "B": Decimal("10.00"), "C": Decimal("0.00")}


def test_nothing_to_share_shares_into_zeros():
    assert split(Decimal("0.00"), {"A": Decimal("0"), "B": Decimal("0")}) == {
        "A": Decimal("0.00"),
        "B": Decimal("0.00"),
    }


def test_two_levels_share_the_pool_then_each_association():
    groups = {
        "ASSOC-1": {"F-01": Decimal("100"), "F-02": Decimal("50")},
        "ASSOC-2": {"F-03": Decimal("30"), "F-04": Decimal("20")},
    }
    associations, families = split_two_levels(Decimal("1000.01"), groups)
    assert associations == {"ASSOC-1": Decimal("750.01"), "ASSOC-2": Decimal("250.00")}
    assert families == {
        "ASSOC-1": {"F-01": Decimal("500.01"), "F-02": Decimal("250.00")},
        "ASSOC-2": {"F-03": Decimal("150.00"), "F-04": Decimal("100.00")},
    }


def test_the_honey_cooperatives_pool_adds_up_across_32_associations():
    # About US$685,000 in reais, 930 families in 32 associations of different sizes.
    pool = Decimal("3425000.00")
    groups = {
        f"AS-{a:02d}": {f"F-{a:02d}-{f:03d}": Decimal(180 + (a * 37 + f * 11) % 140) for f in range(10 + a)}
        for a in range(32)
    }
    associations, families = split_two_levels(pool, groups)
    assert sum(associations.values()) == pool
    assert sum(sum(members.values()) for members in families.values()) == pool
    assert all(sum(families[a].values()) == associations[a] for a in groups)


@pytest.mark.parametrize(
    "amount, weights, message",
    [
        (Decimal("10.00"), {"A": Decimal("0")}, "no weight"),
        (Decimal("10.00"), {}, "no weight"),
        (Decimal("-1.00"), {"A": Decimal("1")}, "negative"),
        (Decimal("1.001"), {"A": Decimal("1")}, "whole cents"),
        (Decimal("NaN"), {"A": Decimal("1")}, "finite"),
        (Decimal("1.00"), {"A": Decimal("-1"), "B": Decimal("2")}, "negative"),
        (Decimal("1.00"), {"A": Decimal("Infinity")}, "finite"),
    ],
)
def test_what_cannot_be_shared_is_refused(amount, weights, message):
    with pytest.raises(SharingError, match=message):
        split(amount, weights)
