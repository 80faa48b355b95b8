"""One folding of names for linkage and search, and dates as practitioners type them."""

from __future__ import annotations

from datetime import date

import pytest

from joinedup.domain.dates import DateNotUnderstood, parse_date
from joinedup.domain.names import fold, folded_or_none
from joinedup.linkage.features import clean_name


@pytest.mark.parametrize(
    ("recorded", "folded"),
    [
        ("Woźniak", "wozniak"),
        ("WOZNIAK", "wozniak"),
        ("Łukasz", "lukasz"),
        ("Strauß", "strauss"),
        ("Öztürk", "ozturk"),
        ("Akyıldız", "akyildiz"),
        ("Ancuța", "ancuta"),
        ("Søren Ærø", "soren aero"),
        ("O’Brien", "o'brien"),
    ],
)
def test_names_fold_case_accents_and_letters_english_keyboards_lack(
    recorded: str, folded: str
) -> None:
    assert fold(recorded) == folded


@pytest.mark.parametrize(
    ("recorded", "folded"),
    [
        ("Zoë", "zoe"),
        ("Zoe\u0308", "zoe"),  # the diaeresis as a combining mark after the "e"
        ("Мария Иванова", "mariya ivanova"),
        ("Əliyev", "eliyev"),
        ("Nguyễn Thị", "nguyen thi"),
        ("Muḥammad", "muhammad"),
        ("ﬁona", "fiona"),
    ],
)
def test_names_in_other_scripts_and_letters_the_old_table_lacked_are_transliterated(
    recorded: str, folded: str
) -> None:
    """Before (issue 20): the hand-written table left Cyrillic, the schwa and other letters
    it did not list as they were, so 'Мария' never met 'Mariya' in linkage or search."""
    assert fold(recorded) == folded


def test_linkage_and_search_fold_a_transliterated_name_alike() -> None:
    assert clean_name("Иванова") == "IVANOVA" == clean_name("Ivanova")
    assert folded_or_none("Zoë") == folded_or_none("Zoe") == "zoe"


def test_linkage_cleans_names_with_the_same_folding() -> None:
    """Linkage dropped letters it did not know: 'Woźniak' was WONIAK, never WOZNIAK."""
    assert clean_name("Woźniak") == "WOZNIAK" == clean_name("Wozniak")
    assert clean_name("Łukasz-Öztürk") == "LUKASZ-OZTURK"
    assert clean_name(" O'Brien ") == "OBRIEN"


def test_the_stored_folded_surname_is_none_when_nothing_is_recorded() -> None:
    assert folded_or_none(None) is None
    assert folded_or_none("   ") is None
    assert folded_or_none(" Van  Der Berg ") == "van der berg"


@pytest.mark.parametrize(
    "typed",
    ["3/2/2015", "03/02/2015", "3-2-2015", "3.2.2015", "3 February 2015", "3 feb 2015",
     "3rd February 2015", "2015-02-03", " 03 / 02 / 2015 "],
)  # fmt: skip
def test_british_dates_are_read_day_first(typed: str) -> None:
    assert parse_date(typed) == date(2015, 2, 3)


def test_an_impossible_date_is_refused_in_a_sentence() -> None:
    with pytest.raises(DateNotUnderstood, match="^Date of birth must be a real date$"):
        parse_date("31/02/2015", "Date of birth")
    with pytest.raises(DateNotUnderstood, match="^Date of birth must be a date, for example"):
        parse_date("next Tuesday", "Date of birth")


def test_a_searched_name_is_pseudonymised_as_searched_whatever_its_accents() -> None:
    """The privacy officer asking whether "Wozniak" was searched for finds "Woźniak"."""
    from joinedup.governance.trace import term_pseudonym

    key = b"k" * 32
    assert term_pseudonym(key, "name", "Woźniak") == term_pseudonym(key, "name", "WOZNIAK")
    assert term_pseudonym(key, "name", "Smith") == term_pseudonym(key, "name", " smith ")
