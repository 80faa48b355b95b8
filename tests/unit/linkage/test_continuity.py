"""Continuity on hand-made records: which corrected records stay with their person."""

from __future__ import annotations

from joinedup.linkage.continuity import (
    Previous,
    fingerprint,
    held_together,
    identity_to_keep,
    strongly_agree,
)
from tests.unit.linkage.test_linkage_logic import rec

NHS = "9434765919"  # a valid NHS number (modulus 11)
OTHER_NHS = "9434765870"


def linked(record: dict, person: str = "P-1") -> Previous:
    """As the store holds it: the record joined ``person`` as it is now."""
    return Previous(person, fingerprint(record))


def test_a_renamed_record_with_its_nhs_number_is_held_with_its_person() -> None:
    child = rec(1, "David", "Rees", "2011-06-18", agency="social_care", nhs=NHS)
    police = rec(2, "David", "Rees", "2011-06-18")  # no identifier
    renamed = rec(1, "Xanthe", "Rees", "2011-06-18", agency="social_care", nhs=NHS)
    pairs = held_together({1: renamed, 2: police}, {1: linked(child), 2: linked(police)})
    assert pairs == [(1, 2)]


def test_a_corrected_date_of_birth_keeps_an_unchanged_nhs_number_held() -> None:
    child = rec(1, "Amy", "Hart", "2012-01-18", agency="social_care", nhs=NHS)
    other = rec(2, "Amy", "Hart", "2012-01-18", agency="health", nhs=OTHER_NHS)
    corrected = rec(1, "Amy", "Hart", "2012-01-01", agency="social_care", nhs=NHS)
    assert held_together({1: corrected, 2: other}, {1: linked(child), 2: linked(other)}) == [(1, 2)]


def test_no_help_without_a_change_or_an_identifier_that_still_agrees() -> None:
    child = rec(1, "Amy", "Hart", "2012-01-18", agency="social_care", nhs=NHS)
    sister = rec(2, "Amy", "Hart", "2012-01-18")
    previous = {1: linked(child), 2: linked(sister)}
    # unchanged: linked on its evidence as ever
    assert held_together({1: child, 2: sister}, previous) == []
    # its NHS number corrected to another child's: it may go to that child
    renumbered = rec(1, "Beth", "Hart", "2012-01-18", agency="social_care", nhs=OTHER_NHS)
    assert held_together({1: renumbered, 2: sister}, previous) == []
    # a police record with no identifier renamed to a twin's name: it goes to the twin
    police = rec(3, "Amy", "Hart", "2012-01-18")
    twin = rec(3, "Beth", "Hart", "2012-01-18")
    assert held_together({3: twin, 1: child}, {3: linked(police), 1: linked(child)}) == []


def test_an_identifier_shared_with_the_person_holds_a_record_whose_own_changed() -> None:
    school = rec(2, "Amy", "Hart", "2012-01-18", agency="education", upn="A123456789012")
    child = rec(1, "Amy", "Hart", "2012-01-18", agency="social_care")
    corrected = rec(1, "Aimee", "Hart", "2012-01-18", agency="social_care", upn="A123456789012")
    assert held_together({1: corrected, 2: school}, {1: linked(child), 2: linked(school)}) == [
        (1, 2)
    ]
    assert strongly_agree(corrected, school)


def test_a_reviewers_decision_wins() -> None:
    child = rec(1, "David", "Rees", "2011-06-18", agency="social_care", nhs=NHS)
    police = rec(2, "David", "Rees", "2011-06-18")
    renamed = rec(1, "Xanthe", "Rees", "2011-06-18", agency="social_care", nhs=NHS)
    previous = {1: linked(child), 2: linked(police)}
    assert held_together({1: renamed, 2: police}, previous, cannot_link=[(2, 1)]) == []


def test_the_fingerprint_is_kept_while_the_record_stays_and_renewed_when_it_moves() -> None:
    child = rec(1, "David", "Rees", "2011-06-18", agency="social_care", nhs=NHS)
    renamed = rec(1, "Xanthe", "Rees", "2011-06-18", agency="social_care", nhs=NHS)
    before = linked(child)
    assert identity_to_keep(renamed, before, "P-1") == before.identity
    assert identity_to_keep(renamed, before, "P-2") == fingerprint(renamed)
    assert identity_to_keep(renamed, Previous("P-1", None), "P-1") == fingerprint(renamed)
    # digests, not values: nothing of the NHS number or the date of birth is kept
    stored = str(before.identity)
    assert NHS not in stored and "2011" not in stored and len(before.identity["details"]) == 5
