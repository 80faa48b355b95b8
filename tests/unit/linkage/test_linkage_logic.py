"""Linkage decision logic on hand-made records: features, clustering rules, ids, metrics."""

from __future__ import annotations

from typing import Any

import pytest

from joinedup.linkage.clustering import Edge, cluster, twin_like
from joinedup.linkage.comparisons import ADDRESS, DOB, NAME, blocked_together
from joinedup.linkage.evaluate import evaluate
from joinedup.linkage.features import features
from joinedup.linkage.persons import assign_ids, new_person_id


def rec(
    uid: int,
    forenames: str,
    surname: str,
    dob: str | None,
    *,
    agency: str = "police",
    nhs: str | None = None,
    upn: str | None = None,
    postcode: str = "WF1 1AA",
    line: str = "1 High Street",
    sex: str = "M",
) -> dict[str, Any]:
    return features(
        unique_id=uid,
        agency=agency,
        source_table="persons",
        source_id=str(uid),
        forenames=forenames,
        surname=surname,
        date_of_birth=dob,
        sex=sex,
        nhs_number=nhs,
        upn=upn,
        postcode=postcode,
        address_line=line,
    )


def test_features_standardise_names_postcodes_and_ssd_addresses() -> None:
    r = features(
        unique_id=1,
        agency="social_care",
        source_table="ssd_person",
        source_id="9",
        forenames="bob  james",
        surname="O'Neil-Smith",
        date_of_birth="2015-03-04",
        sex="U",
        nhs_number="1234567890",
        upn=None,
        postcode="wf2 0yd",
        address_line='{"HOUSE":"98","STREET":"Queens Grove"}',
        address_history=[("WF1 1AA", "3 Old Road")],
    )
    assert r["forename1"] == "BOB" and "ROBERT" in r["forename_aliases"]
    assert r["surname"] == "ONEIL-SMITH" and r["surname_tokens"] == ["ONEIL", "SMITH"]
    assert r["postcode"] == "WF20YD" and r["postcode_sector"] == "WF20"
    assert r["postcodes"] == ["WF11AA", "WF20YD"]
    assert r["house"] == "98 WF20YD"
    assert r["nhs_number"] is None  # fails the modulus-11 check
    assert r["sex"] is None and (r["dob_y"], r["dob_m"], r["dob_d"]) == ("2015", "03", "04")


@pytest.mark.parametrize(
    ("left", "right", "label"),
    [
        (("Robert", "Smith"), ("Bob", "Smith"), "surname exact, forename nickname or typo"),
        (("Smith", "Robert"), ("Robert", "Smith"), "forename and surname swapped"),
        (("Amy", "Jones"), ("Amy", "Jones-Khan"), "forename same, surname typo or part"),
        (("Amy", "Jones"), ("Zoe", "Jones"), "surname same, forename different"),
        (("Bag", "Saabir"), ("Baghyawati", "Saabir"), "surname exact, forename a short form"),
        (("Shannon", "Hart"), ("Shan", "Hart"), "surname exact, forename a short form"),
        # a swap with a slip, a swap with a middle name, a surname in capitals as forename
        (("Howarth", "Ryaan"), ("Ryan", "Howarth"), "forename and surname swapped, alike"),
        (("Duffy", "Anne Lee"), ("Anne", "Duffy"), "forename and surname swapped, alike"),
        (("COOPER", "Tacy"), ("Tracy", "Cooper"), "forename and surname swapped, alike"),
        (("Hunt", "Alec"), ("Alexander", "Hunt"), "forename and surname swapped, alike"),
        (("Hughes", "Haps"), ("Harry", "Hughes"), "forename and surname swapped, alike"),
        (("Gosz", "Nkccole"), ("Nicole", "Gosz"), "names two slips apart, in either order"),
        # issue 20: a short form with a slip in the surname; a middle name run into the
        # forename with one; a diminutive with a doubled consonant ("SUZZIE": SUZ)
        (("Adey", "Ogulaana"), ("Adebukola", "Ogulana"), "forename a short form, surname similar"),
        (("Tho", "Kinght"), ("Thomas", "Knight"), "forename a short form, surname similar"),
        (
            ("TeresaAlexander", "Doyoe"),
            ("Teresa", "Doyle"),
            "forename a short form, surname similar",
        ),
        (("Suzzie", "Gregory"), ("Suzanne", "Gregory"), "surname exact, forename a short form"),
        (("Ryan", "Smith"), ("Smith", "Jones"), "names different"),
        (("Sussan", "Stephenson"), ("Susan", "Mitchell"), "forename similar, surname different"),
        (("Tho", "Kinggh"), ("Thomas", "Knight"), "forename similar, surname different"),
    ],
)
def test_name_levels(left: tuple[str, str], right: tuple[str, str], label: str) -> None:
    a, b = rec(1, *left, "2015-01-02"), rec(2, *right, "2015-01-02")
    assert NAME.gamma(a, b) == NAME.gamma_of(label)


@pytest.mark.parametrize(
    ("other", "label"),
    [
        ("2015-02-01", "day and month swapped"),
        ("2015-01-03", "DOB a day apart"),
        ("2015-01-01", "DOB a day apart"),
        ("2015-01-04", "one digit different"),
        ("2016-01-02", "one digit different"),
        ("2015-01-22", "one digit different"),
        ("2003-01-02", "two of day, month, year agree"),
    ],
)
def test_dob_levels(other: str, label: str) -> None:
    assert DOB.gamma(rec(1, "A", "B", "2015-01-02"), rec(2, "A", "B", other)) == DOB.gamma_of(label)


def test_a_day_apart_across_a_year_end() -> None:
    # four digits differ, but it is one day
    new_year, eve = rec(1, "A", "B", "2015-01-01"), rec(2, "A", "B", "2014-12-31")
    assert DOB.gamma(new_year, eve) == DOB.gamma_of("DOB a day apart")
    assert DOB.gamma(new_year, rec(3, "A", "B", None)) == -1  # missing: no penalty


def test_address_history_counts_as_a_shared_address() -> None:
    a = features(
        unique_id=1,
        agency="social_care",
        source_table="ssd_person",
        source_id="1",
        forenames="A",
        surname="B",
        date_of_birth="2015-01-02",
        sex="M",
        nhs_number=None,
        upn=None,
        postcode="WF3 3CC",
        address_line="9 New Road",
        address_history=[("WF1 1AA", "1 High Street")],
    )
    b = rec(2, "A", "B", "2015-01-02", postcode="WF1 1AA")
    assert ADDRESS.gamma(a, b) == ADDRESS.gamma_of("a postcode in common over time")


def test_twins_are_never_merged_however_strong_the_rest() -> None:
    one, two = rec(1, "Amelia", "Khan", "2016-05-05"), rec(2, "Zara", "Khan", "2016-05-05")
    assert twin_like(one, two)
    result = cluster(
        {1: one, 2: two}, [Edge(1, 2, 30.0, {"address": 5})], link_weight=6, review_weight=0
    )
    assert sorted(map(sorted, result.clusters)) == [[1], [2]]
    assert result.review == []  # not even offered for review


def test_a_short_form_is_not_a_twin_but_a_boy_and_a_girl_are() -> None:
    pat, patrick = rec(1, "Paty", "Hart", "2016-05-05"), rec(2, "Patrick", "Hart", "2016-05-05")
    assert not twin_like(pat, patrick)
    emil = rec(3, "Emil", "Hart", "2016-05-05", sex="M")
    emily = rec(4, "Emily", "Hart", "2016-05-05", sex="F")
    assert twin_like(emil, emily)  # a short form, but a boy and a girl
    assert twin_like(rec(5, "Mason", "Hart", "2016-05-05"), rec(6, "Max", "Hart", "2016-05-05"))


def test_a_diminutive_with_a_doubled_consonant_is_not_a_twin() -> None:
    """Issue 20: SUZZIE and SUZANNE, RUDDY and RUDOLPH were twins to the rule (their stems
    SUZZ and RUDD begin neither name), so one person's records stayed two people."""
    born = "1990-01-01"
    assert not twin_like(rec(1, "Suzzie", "Gray", born), rec(2, "Suzanne", "Gray", born))
    assert not twin_like(rec(1, "Ruddy", "Gray", born), rec(2, "Rudolph", "Gray", born))
    assert twin_like(rec(1, "Abbie", "Gray", born), rec(2, "Amber", "Gray", born))


def test_one_twin_like_slip_does_not_keep_a_record_from_a_person_it_is_alike_to() -> None:
    """Issue 20: police's STPEH (a slip in STEPHEN) is twin-like to the person's one STEVE
    record, and that alone refused the join; the other three records are STEPHEN. Twins'
    records stay apart: each is unlike all of the other's."""
    people = {
        1: rec(1, "Stephen", "Ayoola", "1985-08-24", agency="health"),
        2: rec(2, "Stephen", "Ayoola", "1985-08-24", agency="housing"),
        3: rec(3, "Steve", "Ayoola", "1985-08-24", agency="adult_mental_health"),
        4: rec(4, "Stpeh", "Ayoola", "1985-08-24", agency="police"),
    }
    assert twin_like(people[3], people[4]) and not twin_like(people[1], people[4])
    strong = {"nhs_number": -1, "upn": -1, "address": 5}
    edges = [Edge(1, 2, 30.0, strong), Edge(1, 3, 25.0, strong), Edge(2, 4, 12.0, strong)]
    result = cluster(people, edges, link_weight=6, review_weight=0)
    assert sorted(map(sorted, result.clusters)) == [[1, 2, 3, 4]]

    twins = {
        1: rec(1, "Amelia", "Khan", "2016-05-05", agency="health"),
        2: rec(2, "Amelia", "Khan", "2016-05-05", agency="education"),
        3: rec(3, "Zara", "Khan", "2016-05-05", agency="health"),
        4: rec(4, "Zara", "Khan", "2016-05-05", agency="education"),
    }
    edges = [Edge(1, 2, 30.0, strong), Edge(3, 4, 30.0, strong), Edge(2, 4, 20.0, strong)]
    result = cluster(twins, edges, link_weight=6, review_weight=0)
    assert sorted(map(sorted, result.clusters)) == [[1, 2], [3, 4]]


def test_a_slip_in_a_nickname_is_not_a_twin() -> None:
    harold = rec(1, "Harold", "Murphy", "1975-01-21")
    assert not twin_like(rec(2, "Hafry", "Murphy", "1975-01-21"), harold)  # HARRY mistyped


def test_a_typo_of_the_same_forename_is_not_a_twin() -> None:
    assert not twin_like(
        rec(1, "Susan", "Hilton", "2021-01-08"), rec(2, "Suwan", "Hilton", "2021-01-08")
    )


def test_different_nhs_numbers_stop_a_chain_of_links() -> None:
    a = rec(1, "Jo", "Lee", "1990-01-01", nhs="9434765919")
    b = rec(2, "Jo", "Lee", "1990-01-01")
    c = rec(3, "Jo", "Lee", "1990-01-01", nhs="9434765870")
    edges = [
        Edge(1, 2, 20.0, {"nhs_number": -1, "address": 4}),
        Edge(2, 3, 19.0, {"nhs_number": -1, "address": 4}),
    ]
    result = cluster({1: a, 2: b, 3: c}, edges, link_weight=6, review_weight=0)
    assert sorted(map(sorted, result.clusters)) == [[1, 2], [3]]
    assert result.refused == 1


def test_name_and_dob_alone_pointing_two_ways_goes_to_review() -> None:
    a = rec(1, "John", "Smith", "1980-01-01", nhs="9434765919", postcode="WF1 1AA")
    b = rec(2, "John", "Smith", "1980-01-01", nhs="9434765870", postcode="WF9 9ZZ")
    police = rec(3, "John", "Smith", "1980-01-01", postcode="LS1 1AA")
    weak = {"nhs_number": -1, "upn": -1, "address": 0}
    edges = [Edge(1, 3, 9.0, weak), Edge(2, 3, 9.0, weak)]
    result = cluster(
        {1: a, 2: b, 3: police}, edges, link_weight=6, review_weight=0, weak_link_weight=8
    )
    assert sorted(map(sorted, result.clusters)) == [[1], [2], [3]]
    assert len(result.review) == 2


# The address comparison's weight by level, as a trained model gives it (gamma -> weight).
ADDRESS_WEIGHTS = {-1: 0.0, 0: -5.4, 1: 0.3, 2: 6.9, 3: 9.0, 4: 10.5, 5: 10.8}
STRONG = {"nhs_number": 1, "upn": -1, "address": 0}
NAME_AND_DOB = {"nhs_number": -1, "upn": -1, "address": 0}  # address different


def test_a_person_s_address_history_corroborates_name_and_dob() -> None:
    # Health knows David at his old and new address (one NHS number); probation only at
    # the old one. Name and DOB alone would go to review; the history links them.
    new = rec(1, "David", "Potts", "2004-12-09", nhs="9434765919", postcode="WF9 5LX")
    old = rec(2, "David", "Potts", "2004-12-09", nhs="9434765919", postcode="WF1 1TY")
    probation = rec(3, "David", "Potts", "2004-12-09", postcode="WF1 1TY", agency="probation")
    records = {1: new, 2: old, 3: probation}
    edges = [Edge(1, 2, 25.0, STRONG), Edge(1, 3, 6.8, NAME_AND_DOB)]
    apart = cluster(records, edges, link_weight=6, review_weight=0, weak_link_weight=8)
    assert sorted(map(sorted, apart.clusters)) == [[1, 2], [3]]
    joined = cluster(
        records,
        edges,
        link_weight=6,
        review_weight=0,
        weak_link_weight=8,
        address_weights=ADDRESS_WEIGHTS,
    )
    assert sorted(map(sorted, joined.clusters)) == [[1, 2, 3]] and joined.review == []


def test_a_household_s_move_corroborates_but_unrelated_addresses_do_not() -> None:
    # Mum is known at both addresses; her son is recorded once at each.
    mum_x = rec(1, "Kim", "Day", "1980-03-03", nhs="9434765919", postcode="WF1 1AA", sex="F")
    mum_y = rec(2, "Kim", "Day", "1980-03-03", nhs="9434765919", postcode="WF2 2BB", sex="F")
    son_x = rec(3, "Ray", "Day", "2014-08-20", postcode="WF1 1AA", agency="education")
    son_y = rec(4, "Ray", "Day", "2014-08-20", postcode="WF2 2BB", agency="police")
    other = rec(5, "Ray", "Day", "2014-08-20", postcode="WF7 7ZZ", agency="housing")
    records = {1: mum_x, 2: mum_y, 3: son_x, 4: son_y, 5: other}
    edges = [Edge(1, 2, 25.0, STRONG), Edge(3, 4, 6.8, NAME_AND_DOB)]
    result = cluster(
        records, edges, link_weight=6, review_weight=0, address_weights=ADDRESS_WEIGHTS
    )
    assert sorted(map(sorted, result.clusters)) == [[1, 2], [3, 4], [5]]
    edges = [Edge(1, 2, 25.0, STRONG), Edge(3, 5, 6.8, NAME_AND_DOB)]
    result = cluster(
        records, edges, link_weight=6, review_weight=0, address_weights=ADDRESS_WEIGHTS
    )
    assert sorted(map(sorted, result.clusters)) == [[1, 2], [3], [4], [5]]
    assert len(result.review) == 1  # no address ties WF7 7ZZ to the others: a person decides


def test_one_name_and_dob_seen_three_times_alike_is_one_person() -> None:
    # Police, housing and substance misuse each know Adekunle at another address: every
    # record points to every other, none contradicts, so it is one person, not a namesake.
    seen = {
        uid: rec(uid, "Adekunle", "Odunsi", "1979-10-16", postcode=pc, agency=agency)
        for uid, pc, agency in [
            (1, "WF2 6AZ", "police"),
            (2, "WF2 6PD", "housing"),
            (3, "WF2 6RD", "substance_misuse"),
        ]
    }
    weak = {"nhs_number": -1, "upn": -1, "address": 1}
    edges = [Edge(1, 2, 11.4, weak), Edge(1, 3, 11.4, weak), Edge(2, 3, 11.4, weak)]
    result = cluster(seen, edges, link_weight=6, review_weight=0, weak_link_weight=6)
    assert sorted(map(sorted, result.clusters)) == [[1, 2, 3]]
    # without the edge between 2 and 3 (they do not match each other) a person decides
    result = cluster(seen, edges[:2], link_weight=6, review_weight=0, weak_link_weight=6)
    assert sorted(map(sorted, result.clusters)) == [[1], [2], [3]] and len(result.review) == 2


def test_a_record_without_a_dob_does_not_bridge_a_mother_and_daughter() -> None:
    # Tracey Reid (1966) and her daughter Tracey Reid (1990) at one house; housing's record
    # has no DOB and matches both on name and house.
    mother = rec(1, "Tracey", "Reid", "1966-09-13", agency="police", sex="F")
    daughter = rec(2, "Tracey", "Reid", "1990-12-10", nhs="9434765919", agency="health", sex="F")
    housing = rec(3, "Tracey", "Reid", None, agency="housing", sex="F")
    no_dob = {"nhs_number": -1, "upn": -1, "address": 5, "dob": -1}
    edges = [Edge(1, 3, 12.0, no_dob), Edge(2, 3, 11.0, no_dob)]
    result = cluster({1: mother, 2: daughter, 3: housing}, edges, link_weight=6, review_weight=0)
    assert sorted(map(sorted, result.clusters)) == [[1, 3], [2]]


def test_one_agency_s_two_nhs_numbers_keep_same_named_twins_apart() -> None:
    # Full name, DOB and house agree (a "strong" pair that a mistyped NHS number does not
    # split), but health holds each twin under their own NHS number.
    one = rec(1, "David", "Abaan", "2013-12-06", nhs="9434765919", agency="health")
    two = rec(2, "David", "Abaan", "2013-12-06", nhs="9434765870", agency="health")
    strong = {"name": NAME.gamma_of("full name exact"), "dob": DOB.gamma_of("DOB exact")}
    strong |= {"address": ADDRESS.gamma_of("same house and postcode"), "nhs_number": 0}
    result = cluster({1: one, 2: two}, [Edge(1, 2, 20.0, strong)], link_weight=6, review_weight=0)
    assert sorted(map(sorted, result.clusters)) == [[1], [2]]
    police = rec(2, "David", "Abaan", "2013-12-06", nhs="9434765870", agency="police")
    result = cluster(
        {1: one, 2: police}, [Edge(1, 2, 20.0, strong)], link_weight=6, review_weight=0
    )
    assert sorted(map(sorted, result.clusters)) == [[1, 2]]  # a stale number elsewhere


def test_reviewers_decisions_bind_the_clustering() -> None:
    a, b = rec(1, "Ann", "Ray", "1990-01-01"), rec(2, "Anne", "Ray", "1990-01-01")
    strong = [Edge(1, 2, 25.0, {"address": 5})]
    apart = cluster({1: a, 2: b}, strong, link_weight=6, review_weight=0, cannot_link=[(2, 1)])
    assert len(apart.clusters) == 2
    together = cluster({1: a, 2: b}, [], link_weight=6, review_weight=0, must_link=[(1, 2)])
    assert len(together.clusters) == 1


def test_blocking_on_dob_and_sector_finds_names_that_both_carry_slips() -> None:
    """Issue 20: CSROLINE SCCOTT (both names mistyped, the metaphones differ) was never
    compared with CAROLINE SCOTT born the same day in the same postcode sector."""
    a = rec(1, "Caroline", "Scott", "1980-02-03", postcode="WF1 2AB")
    b = rec(2, "Csroline", "Sccott", "1980-02-03", postcode="WF1 2XY")
    assert blocked_together(a, b)


def test_blocking_mirror_finds_swapped_names() -> None:
    assert blocked_together(
        rec(1, "Smith", "Robert", "2001-01-01", postcode="A1 1AA"),
        rec(2, "Robert", "Smith", "1999-09-09", postcode="B2 2BB"),
    )


def test_blocking_mirror_finds_swapped_names_with_a_slip() -> None:
    howarth = rec(1, "Howarth", "Ryaan", "1980-11-13", postcode="A1 1AA")
    assert blocked_together(howarth, rec(2, "Ryan", "Howarth", "1980-11-13", postcode="B2 2BB"))
    assert blocked_together(rec(3, "Ryan", "Howarth", "1970-01-01", postcode="A1 1AA"), howarth)
    assert not blocked_together(howarth, rec(4, "Ryan", "Howarth", "1970-01-01", postcode="B2 2BB"))


def test_person_ids_survive_and_changes_are_explicit() -> None:
    previous = {"a": "P1", "b": "P1", "c": "P2", "d": "P3", "e": "P3"}
    counter = iter(f"N{i}" for i in range(10))
    ids, changes = assign_ids(
        [["a", "b"], ["c"], ["d", "e"]], previous, lambda _keys, _used: next(counter)
    )
    assert ids == ["P1", "P2", "P3"] and changes == []
    ids, changes = assign_ids(
        [["a", "b", "c"], ["d"], ["e"], ["f"]], previous, lambda _keys, _used: next(counter)
    )
    assert ids[0] == "P1" and "P3" in ids[1:3] and ids[3].startswith("N")
    kinds = sorted((c.kind, c.person_id) for c in changes)
    assert ("MERGED", "P1") in kinds and ("SPLIT", "P3") in kinds and ("RETIRED", "P2") in kinds
    assert sum(1 for k, _ in kinds if k == "CREATED") == 2


def test_new_person_ids_come_from_their_records_not_from_chance() -> None:
    clusters = [["h|p|2", "p|p|9"], ["e|p|1"]]
    ids, _ = assign_ids(clusters, {})
    again, _ = assign_ids(list(reversed(clusters)), {})
    assert ids == list(reversed(again))
    assert ids[0] == new_person_id(["p|p|9", "h|p|2"]) != ids[1]
    assert ids[0].startswith("P-") and len(ids[0]) == 14
    # An id the store has used (a retired person) is not given to anyone new.
    fresh, _ = assign_ids(clusters, {}, used=[ids[0]])
    assert fresh[0] not in (ids[0], ids[1]) and fresh[1] == ids[1]
    assert fresh[0] == new_person_id(["h|p|2"], {ids[0]})


def test_evaluation_metrics_on_a_tiny_truth() -> None:
    truth = {"h|p|1": "A", "h|p|2": "A", "h|p|3": "A", "p|p|4": "B", "p|p|5": "C"}
    predicted = {"h|p|1": "x", "h|p|2": "x", "h|p|3": "y", "p|p|4": "z", "p|p|5": "z"}
    report = evaluate(predicted, truth)
    # true pairs: (1,2) (1,3) (2,3); predicted: (1,2) (4,5); correct: (1,2)
    assert report["pairwise"]["precision"] == 0.5
    assert report["pairwise"]["recall"] == pytest.approx(1 / 3, abs=1e-4)
    assert report["pairwise"]["f1"] == pytest.approx(0.4, abs=1e-4)
    # persons x, y pure; z merges B and C. A is split; B and C are whole (in z).
    assert report["person"]["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["person"]["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["agency_pairs"]["h/h"]["recall"] == pytest.approx(1 / 3, abs=1e-4)
    assert report["worst_false_merges"][0]["person_id"] == "z"
    assert report["worst_missed_links"][0]["person_key"] == "A"
