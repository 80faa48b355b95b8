"""Discovery on encodings only: blocked, Dice-scored, one-to-one."""

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from joinedup.errors import BadInput
from joinedup.exchange import ChildEncoding, ChildIdentity, discover, encode_children
from joinedup.exchange.matching import DEFAULT_THRESHOLD, candidate_pairs, one_to_one

SECRET = b"shared"


def child(pid: str, fn: str, sn: str, dob: date, nhs: str | None = None) -> ChildIdentity:
    return ChildIdentity(pid, fn, sn, dob, "F", ("WF1 1AA",), nhs)


def refs(children: list[ChildIdentity], salt: bytes) -> tuple[list[ChildEncoding], dict[str, str]]:
    enc = encode_children(children, SECRET, export_salt=salt)
    return enc, {e.ref: c.person_id for e, c in zip(enc, children, strict=True)}


def test_the_children_both_hold_are_found_and_nobody_else():
    ours_c = [
        child("a1", "Amelia", "Khan", date(2014, 5, 6), "9434765919"),
        child("a2", "Grace", "Walker", date(2018, 1, 30)),
        child("a3", "Isla", "Morgan", date(2011, 11, 2)),
    ]
    theirs_c = [
        replace(ours_c[0], person_id="b1", surname="Khan-Ali", postcodes=("LS2 9JT",)),
        replace(ours_c[1], person_id="b2", forenames="Gracie"),
        child("b3", "Isla", "Morgan", date(2012, 8, 19)),  # same name, another child
    ]
    ours, mine = refs(ours_c, b"x")
    theirs, yours = refs(theirs_c, b"y")
    found = {
        (mine[d.our_ref], yours[d.their_ref])
        for d in discover(ours, theirs, threshold=DEFAULT_THRESHOLD)
    }
    assert found == {("a1", "b1"), ("a2", "b2")}


def test_a_child_is_matched_at_most_once_even_against_a_twin():
    twin_a = child("t1", "Ava", "Brown", date(2016, 7, 7))
    twin_b = child("t2", "Eva", "Brown", date(2016, 7, 7))
    ours, mine = refs([twin_a, twin_b], b"x")
    theirs, yours = refs([replace(twin_a, person_id="u1"), replace(twin_b, person_id="u2")], b"y")
    found = discover(ours, theirs, threshold=0.8)
    assert {(mine[d.our_ref], yours[d.their_ref]) for d in found} == {("t1", "u1"), ("t2", "u2")}
    assert len({d.our_ref for d in found}) == len({d.their_ref for d in found}) == len(found)


def test_only_pairs_sharing_a_blocking_key_are_scored():
    ours, _ = refs([child("a", "Ruby", "Hill", date(2013, 2, 2))], b"x")
    theirs, _ = refs(
        [child("b", "Zara", "Ng", date(2009, 9, 9)), child("c", "Ruby", "Hill", date(2013, 2, 2))],
        b"y",
    )
    pi, pj = candidate_pairs(ours, theirs)
    assert list(zip(pi.tolist(), pj.tolist(), strict=True)) == [(0, 1)]


def test_greedy_assignment_takes_the_best_pair_first():
    pi, pj = np.array([0, 0, 1]), np.array([0, 1, 0])
    kept = one_to_one(pi, pj, np.array([0.95, 0.97, 0.99]))
    assert sorted(zip(pi[kept].tolist(), pj[kept].tolist(), strict=True)) == [(0, 1), (1, 0)]


def test_a_bad_threshold_or_mismatched_encodings_are_refused():
    ours, _ = refs([child("a", "Ruby", "Hill", date(2013, 2, 2))], b"x")
    with pytest.raises(BadInput, match="threshold"):
        discover(ours, ours, threshold=1.5)
    short = [ChildEncoding("r", b"\x01" * 16, ours[0].blocks)]
    with pytest.raises(BadInput, match="length"):
        discover(ours, short, threshold=0.9)
    assert discover([], ours, threshold=0.9) == []


def test_a_wrong_year_of_birth_does_not_lose_a_child_whose_nhs_number_agrees():
    # the year salts the names, so a wrong year changes most of the filter
    here = child("a", "Veer", "Ubaid", date(2011, 6, 13), "9993871400")
    there = replace(here, person_id="b", date_of_birth=date(2010, 6, 13), postcodes=("LS17 8RW",))
    stranger = replace(there, person_id="c", nhs_number="9990366683")
    ours, mine = refs([here], b"x")
    theirs, yours = refs([there, stranger], b"y")
    found = discover(ours, theirs, threshold=DEFAULT_THRESHOLD)
    assert [(mine[d.our_ref], yours[d.their_ref]) for d in found] == [("a", "b")]
    assert found[0].score < DEFAULT_THRESHOLD
    # without the NHS number's key the pair is below the threshold
    assert discover(ours, theirs, threshold=DEFAULT_THRESHOLD, identifier_threshold=1.0) == []


def test_two_children_with_the_same_name_and_birthday_but_different_nhs_numbers_are_not_matched():
    """Bloom filter collisions shrank the NHS number's share of the score: Dice alone
    matched namesakes born the same day (seen at 100,000 children per side)."""
    here = child("a", "Oliver", "Smith", date(2016, 2, 3), "9434765919")
    namesake = replace(here, person_id="b", nhs_number="9990366683")
    ours, _ = refs([here], b"x")
    theirs, _ = refs([namesake], b"y")
    assert discover(ours, theirs, threshold=DEFAULT_THRESHOLD) == []
    # without an NHS number on one side the name and date of birth decide
    theirs, _ = refs([replace(namesake, nhs_number=None)], b"y")
    assert len(discover(ours, theirs, threshold=DEFAULT_THRESHOLD)) == 1


def test_namesakes_born_close_together_in_other_areas_are_not_matched():
    """The same name, year and month, another day, other postcodes, no NHS number: they
    share two coarse blocking keys, not all three, so they need the strict threshold. A
    child with a typo in the surname, who shares every key, is still found."""
    ours_c = [
        ChildIdentity("a1", "Anne", "Booth", date(2015, 5, 8), "F", ("WF9 1BN",), None),
        ChildIdentity("a2", "Susan", "Singh", date(2009, 11, 21), "F", ("WF9 2GQ",), None),
    ]
    theirs_c = [
        ChildIdentity("b1", "Anne", "Booth", date(2015, 5, 19), "F", ("LS18 5TA", "LS8 2BF"), None),
        ChildIdentity("b2", "Susan", "Sing", date(2009, 11, 21), "F", ("LS17 7HP",), None),
    ]
    ours, mine = refs(ours_c, b"x")
    theirs, yours = refs(theirs_c, b"y")
    found = discover(ours, theirs, threshold=DEFAULT_THRESHOLD)
    assert {(mine[d.our_ref], yours[d.their_ref]) for d in found} == {("a2", "b2")}
