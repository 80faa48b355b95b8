import random

import nhs_number
import pytest
from stdnum.gb import upn as upn_lib

from joinedup.domain.identifiers import UPN, NHSNumber
from joinedup.synth import messy


def test_synthetic_nhs_numbers_are_valid_unique_and_in_the_999_range():
    numbers = [messy.nhs_from_index(i) for i in range(2000)]
    assert all(n.startswith("999") and nhs_number.is_valid(n) for n in numbers)
    valid_slots = [i for i in range(2000) if messy.nhs_slot_valid(i)]
    assert len({messy.nhs_from_index(i) for i in valid_slots}) == len(valid_slots) > 1700


def test_nhs_digit_error_always_fails_mod11():
    rng = random.Random(1)
    for i in range(300):
        wrong = messy.nhs_digit_error(rng, messy.nhs_from_index(i))
        assert not nhs_number.is_valid(wrong)


def test_upns_valid_and_wrong_check_letter_fails():
    good = messy.upn_for(384, 2001, 21, 5)
    assert UPN(good).local_authority_number == "384"
    assert UPN(messy.temporary_upn(384, 2001, 21, 5)).is_temporary
    assert not upn_lib.is_valid(messy.upn_wrong_check(random.Random(2), good))


def test_typo_and_dob_error_change_the_value():
    rng = random.Random(3)
    changed = sum(messy.typo(rng, "Elizabeth") != "Elizabeth" for _ in range(100))
    assert changed > 80
    assert all(messy.dob_error(rng, 739000 + i) != 739000 + i for i in range(100))


def test_nicknames_come_from_the_nicknames_package():
    assert "Bill" in messy.nicknames_of("William")
    assert "Liz" in messy.nicknames_of("Elizabeth")
    assert messy.nickname(random.Random(1), "Zzyzx") == "Zzyzx"


@pytest.mark.parametrize("index", [0, 1, 99_999])
def test_nhs_value_object_accepts_generated_numbers(index):
    assert str(NHSNumber(messy.nhs_from_index(index)))
