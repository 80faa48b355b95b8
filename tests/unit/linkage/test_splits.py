"""Adults and children scored apart, and the missed pairs by agency pair and error kind,
on a hand-made case whose every figure is worked out in the comments."""

from __future__ import annotations

from pathlib import Path

from joinedup.linkage.splits import by_role, missed_pairs, read_error_kinds, read_roles

# Child C: health h1, education e1, social care s1, all in person X (whole and alone).
# Adult A: police p1 and housing x1 in Y, health h2 alone in Z (split in two).
# Adult B: police p2, wrongly in Y with A (a false merge).
TRUTH = {
    "health|Patient|h1": "C",
    "education|pupils|e1": "C",
    "social_care|ssd_person|s1": "C",
    "police|persons|p1": "A",
    "housing|persons|x1": "A",
    "health|Patient|h2": "A",
    "police|persons|p2": "B",
}
PREDICTED = {
    "health|Patient|h1": "X",
    "education|pupils|e1": "X",
    "social_care|ssd_person|s1": "X",
    "police|persons|p1": "Y",
    "housing|persons|x1": "Y",
    "health|Patient|h2": "Z",
    "police|persons|p2": "Y",
}
ROLES = {"C": "children", "A": "adults", "B": "adults"}
KINDS = {"health|Patient|h2": ("dob_missing",), "police|persons|p1": ("typo",)}


def test_children_and_adults_are_scored_apart() -> None:
    report = by_role(PREDICTED, TRUTH, ROLES)
    child = report["children"]
    assert (child["people"], child["records"]) == (1, 3)
    assert child["pairwise"]["precision"] == child["pairwise"]["recall"] == 1.0
    assert child["person"] == {
        "precision": 1.0,
        "recall": 1.0,
        "exactly_resolved": 1.0,
        "split_persons": 0,
        "false_merges": 0,
    }
    adult = report["adults"]
    # A's true pairs: p1-x1 (found), p1-h2, x1-h2 (missed); Y predicts 3 pairs, 1 right.
    assert adult["pairwise"]["true_positives"] == 1
    assert (adult["pairwise"]["predicted"], adult["pairwise"]["actual"]) == (3, 3)
    assert adult["pairwise"]["precision"] == adult["pairwise"]["recall"] == 0.33333
    # Y (A and B) is a false merge, Z pure; A is split, B whole but not alone.
    assert adult["person"] == {
        "precision": 0.5,
        "recall": 0.5,
        "exactly_resolved": 0.0,
        "split_persons": 1,
        "false_merges": 1,
    }


def test_missed_pairs_by_agency_pair_and_error_kind() -> None:
    report = missed_pairs(PREDICTED, TRUTH, ROLES, KINDS)
    assert (report["total"], report["adults"], report["children"]) == (2, 2, 0)
    assert report["by_agency_pair"] == [
        {
            "agencies": "health/housing",
            "missed": 1,
            "missed_adults": 1,
            "missed_children": 0,
            "true_pairs": 1,
            "share_missed": 1.0,
        },
        {
            "agencies": "health/police",
            "missed": 1,
            "missed_adults": 1,
            "missed_children": 0,
            "true_pairs": 1,
            "share_missed": 1.0,
        },
    ]
    by_kind = {row["kind"]: (row["missed"], row["true_pairs"]) for row in report["by_error_kind"]}
    # h2-p1 carries both kinds, h2-x1 dob_missing, p1-x1 typo (found); C's three pairs none.
    assert by_kind == {"dob_missing": (2, 2), "typo": (1, 2), "none": (0, 3)}
    assert report["by_error_kind"][0]["kind"] == "dob_missing"


def test_without_kinds_the_error_breakdown_is_absent() -> None:
    assert missed_pairs(PREDICTED, TRUTH, ROLES, None)["by_error_kind"] is None


def test_roles_and_kinds_are_read_from_the_truth_folder(tmp_path: Path) -> None:
    truth = tmp_path / "truth"
    truth.mkdir()
    (truth / "records.csv").write_text("agency,source_table,source_id,person_key\n")
    (truth / "people.csv").write_text("person_key,household_key,role\nC,H,CHILD\nA,H,PARENT\n")
    assert read_roles(tmp_path) == {"C": "children", "A": "adults"}
    assert read_error_kinds(truth) is None
    (truth / "record_errors.csv").write_text(
        "agency,source_table,source_id,error_kinds\nhealth,Patient,h2,dob_missing;typo\n"
    )
    assert read_error_kinds(truth) == {"health|Patient|h2": ("dob_missing", "typo")}
