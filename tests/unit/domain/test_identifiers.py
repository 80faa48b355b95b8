"""NHS number, UPN and postcode value objects: check digits and formats."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.gb import upn as stdnum_upn

from joinedup.domain.identifiers import (
    UPN,
    InvalidIdentifier,
    NHSNumber,
    Postcode,
    in_chi_range,
    nhs_number_check_digit,
    normalise_postcode,
    upn_check_letter,
)

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(nine_digits)
def test_nhs_number_with_its_check_digit_is_valid(first_nine: str) -> None:
    check = nhs_number_check_digit(first_nine)
    assume(check is not None)
    assume(not in_chi_range(first_nine + str(check)))
    number = NHSNumber(first_nine + str(check))
    assert number.value == first_nine + str(check)
    assert number.formatted.replace(" ", "") == number.value


@given(nine_digits, st.integers(min_value=0, max_value=9))
def test_nhs_number_with_any_other_check_digit_is_invalid(first_nine: str, wrong: int) -> None:
    check = nhs_number_check_digit(first_nine)
    assume(check is not wrong)
    with pytest.raises(InvalidIdentifier, match="modulus-11"):
        NHSNumber(first_nine + str(wrong))


@given(nine_digits, st.integers(min_value=0, max_value=8), st.integers(min_value=1, max_value=9))
def test_nhs_number_single_digit_error_is_always_caught(
    first_nine: str, position: int, delta: int
) -> None:
    check = nhs_number_check_digit(first_nine)
    assume(check is not None)
    digits = list(first_nine)
    digits[position] = str((int(digits[position]) + delta) % 10)
    with pytest.raises(InvalidIdentifier):
        NHSNumber("".join(digits) + str(check))


def test_chi_range_number_needs_a_date() -> None:
    assert NHSNumber("0101000006").value == "0101000006"  # 01/01/00: a date, check digit 6
    first_nine = "310200000"  # 31 February: in the CHI range but not a date
    check = nhs_number_check_digit(first_nine)
    with pytest.raises(InvalidIdentifier, match="CHI"):
        NHSNumber(first_nine + str(check))


def test_nhs_number_known_example_and_spacing() -> None:
    assert NHSNumber("943 476 5919").value == "9434765919"
    with pytest.raises(InvalidIdentifier, match="10 digits"):
        NHSNumber("94347659")
    with pytest.raises(InvalidIdentifier, match="10 digits"):
        NHSNumber("943476591X")


la_numbers = st.sampled_from(sorted(stdnum_upn._la_numbers))
upn_tail = st.tuples(
    la_numbers,
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.sampled_from(list("0123456789ABCDEFGHJKLMNPQRTUVWXYZ")),
)


@given(upn_tail)
def test_upn_with_its_check_letter_is_valid(parts: tuple[int, str, str]) -> None:
    la, middle, last = parts
    tail = f"{la:03d}{middle}{last}"
    upn = UPN(upn_check_letter(tail) + tail)
    assert upn.local_authority_number == f"{la:03d}"
    assert upn.is_temporary == last.isalpha()


@given(upn_tail, st.sampled_from(list("ABCDEFGHJKLMNPQRTUVWXYZ")))
def test_upn_with_a_wrong_check_letter_is_invalid(parts: tuple[int, str, str], letter: str) -> None:
    la, middle, last = parts
    tail = f"{la:03d}{middle}{last}"
    assume(letter != upn_check_letter(tail))
    with pytest.raises(InvalidIdentifier, match="check letter"):
        UPN(letter + tail)


@given(upn_tail, st.integers(min_value=1, max_value=11), st.integers(min_value=1, max_value=9))
def test_upn_single_digit_error_is_always_caught(
    parts: tuple[int, str, str], position: int, delta: int
) -> None:
    la, middle, last = parts
    tail = f"{la:03d}{middle}{last}"
    good = upn_check_letter(tail) + tail
    chars = list(good)
    chars[position] = str((int(chars[position]) + delta) % 10)
    with pytest.raises(InvalidIdentifier):
        UPN("".join(chars))


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("A12345", "13 characters"),
        ("A8012000010O1", "letter, 11 digits"),
        ("A000200005001", "local authority"),
    ],
)
def test_upn_reasons_name_the_problem(value: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier, match=reason):
        UPN(value)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        (" b33  8th ", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("LS6 2AB", "LS6 2AB"),
    ],
)
def test_valid_postcodes_normalise(raw: str, normal: str) -> None:
    assert Postcode(raw).value == normal
    assert normalise_postcode(raw) == normal


@pytest.mark.parametrize("raw", ["", "12345", "QQ1 1AA", "SW1A 1A", "SW1A1AAA", "LS6 2CI"])
def test_invalid_postcodes_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidIdentifier, match="postcode"):
        Postcode(raw)


def test_postcode_parts() -> None:
    postcode = Postcode("LS6 2AB")
    assert postcode.outward == "LS6"
    assert postcode.sector == "LS6 2"
