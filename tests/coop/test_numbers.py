"""Numbers as people type them: pt-BR and plain forms, and what is refused (coop.numbers)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from coop.numbers import MAX_LENGTH, format_for_input, format_pt_br, parse_decimal

decimals = st.decimals(
    min_value=Decimal("0"),
    max_value=Decimal("999999999.999"),
    places=3,
    allow_nan=False,
    allow_infinity=False,
)
any_places = st.builds(
    lambda digits, places: Decimal(digits).scaleb(-places),
    st.integers(min_value=0, max_value=10**14),
    st.integers(min_value=0, max_value=6),
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("20,4", "20.4"),
        ("18,5", "18.5"),
        ("1.234,56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1.234.567,5", "1234567.5"),
        ("1.234.567", "1234567"),
        ("20.4", "20.4"),
        ("0.500", "0.5"),
        ("1234.5", "1234.5"),
        ("12.3456", "12.3456"),
        ("3,2", "3.2"),
        ("3,20", "3.20"),
        ("20", "20"),
        ("  20,4\u00a0", "20.4"),
        ("+5", "5"),
        ("0,001", "0.001"),
    ],
)
def test_accepted_forms(typed, expected):
    assert parse_decimal(typed) == Decimal(expected)


def test_the_barrel_that_became_204_kg_is_20_4_kg():
    assert parse_decimal("20,4") == Decimal("20.4")
    assert parse_decimal("18,5") == Decimal("18.5")


def test_blank_is_no_value():
    assert parse_decimal("") is None
    assert parse_decimal("   ") is None


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("1.234", "ambiguous"),
        ("20.400", "ambiguous"),
        ("999.999", "ambiguous"),
        ("1,234,567", "two_commas"),
        ("1,234.5", "wrong_order"),
        ("1,2.3", "wrong_order"),
        ("12.34,5", "bad_grouping"),
        ("1.2.3", "bad_grouping"),
        ("0.234.567", "bad_grouping"),
        ("20kg", "invalid"),
        ("R$ 3,20", "invalid"),
        ("18,5%", "invalid"),
        ("2O,4", "invalid"),
        ("20 4", "invalid"),
        ("20,4\x00", "invalid"),
        ("1e3", "invalid"),
        ("NaN", "invalid"),
        ("Infinity", "invalid"),
        ("-", "invalid"),
        (",", "invalid"),
        (",5", "no_whole"),
        ("20,", "no_fraction"),
        ("-20,4", "negative"),
        ("\u22125", "negative"),
        ("9" * (MAX_LENGTH + 1), "too_long"),
    ],
)
def test_refused_forms(typed, code):
    with pytest.raises(ValidationError) as caught:
        parse_decimal(typed)
    assert caught.value.code == code


def test_ambiguous_value_offers_both_readings():
    with pytest.raises(ValidationError) as caught:
        parse_decimal("1.234", label="Net kg")
    message = caught.value.messages[0]
    assert message.startswith("Net kg")
    assert "1234" in message and "1,234" in message


def test_a_refusal_names_the_field():
    with pytest.raises(ValidationError) as caught:
        parse_decimal("vinte", label="Moisture (%)")
    assert caught.value.messages[0].startswith("Moisture (%)")


def test_negatives_only_where_allowed():
    assert parse_decimal("-4,61", allow_negative=True) == Decimal("-4.61")
    assert parse_decimal("\u22124.61", allow_negative=True) == Decimal("-4.61")


@given(decimals)
def test_pt_br_with_grouping_parses_back_exactly(value):
    text = format_pt_br(value)
    whole = text.split(",")[0]
    if "," not in text and whole.count(".") == 1:
        # "1.234" alone (a whole number with one group) is the ambiguous case: refused.
        with pytest.raises(ValidationError):
            parse_decimal(text)
    else:
        parsed = parse_decimal(text)
        assert parsed == value and parsed.as_tuple() == value.as_tuple()


@given(any_places)
def test_pt_br_without_grouping_parses_back_exactly(value):
    parsed = parse_decimal(format_pt_br(value, grouping=False))
    assert parsed == value and parsed.as_tuple() == value.as_tuple()


@given(any_places)
def test_plain_form_parses_back_unless_ambiguous(value):
    text = format(value, "f")
    whole, _sep, fraction = text.partition(".")
    ambiguous = len(fraction) == 3 and 1 <= len(whole) <= 3 and not whole.startswith("0")
    if ambiguous:
        with pytest.raises(ValidationError) as caught:
            parse_decimal(text)
        assert caught.value.code == "ambiguous"
    else:
        parsed = parse_decimal(text)
        assert parsed == value and parsed.as_tuple() == value.as_tuple()


@given(any_places, st.sampled_from(["pt-br", "en", ""]))
def test_what_a_form_shows_parses_back_to_the_same_number(value, language):
    assert parse_decimal(format_for_input(value, language=language)) == value


@given(st.text(max_size=60))
def test_any_text_is_a_number_or_a_clear_refusal(text):
    try:
        parsed = parse_decimal(text)
    except ValidationError as error:
        assert error.messages and error.code
    else:
        assert parsed is None or (parsed.is_finite() and parsed >= 0)


def test_format_for_input():
    assert format_for_input(Decimal("20.400"), language="pt-br") == "20,4"
    assert format_for_input(Decimal("20.400"), language="en") == "20.4"
    assert format_for_input(Decimal("1.234"), language="en") == "1.2340"
    assert format_for_input(Decimal("1.234"), language="pt-br") == "1,234"
    assert format_for_input(Decimal("1000.000"), language="pt-br") == "1000"
    assert format_for_input(Decimal("1E+3"), language="en") == "1000"
    assert format_for_input(None) == ""
