"""A generated pair of partnerships: families move from the first to the second, with a
shared truth (truth/moves.csv) and person keys unique across both (issue 24)."""

import csv
import json
from pathlib import Path

import pytest

from joinedup.errors import BadInput
from joinedup.synth.messy import nhs_from_index
from joinedup.synth.moves import generate_pair

CHILDREN = 1500


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("pair")
    generate_pair(root / "a", root / "b", children=CHILDREN, seed=11, move_rate=0.05)
    return root / "a", root / "b"


def test_both_partnerships_carry_the_same_moves_and_keys_are_unique_across_them(pair):
    a, b = pair
    assert (a / "truth" / "moves.csv").read_bytes() == (b / "truth" / "moves.csv").read_bytes()
    moves = _csv(a / "truth" / "moves.csv")
    children = [m for m in moves if m["role"] == "CHILD"]
    assert len(children) >= 40
    assert {m["from_partnership"] for m in moves} == {"Exampleshire"}
    assert {m["to_partnership"] for m in moves} == {"Otherbury"}
    keys_a = {r["person_key"] for r in _csv(a / "truth" / "people.csv")}
    keys_b = {r["person_key"] for r in _csv(b / "truth" / "people.csv")}
    moved = {m["person_key"] for m in moves}
    # the only people both truths hold are those who moved, and the children keep their key
    assert keys_a & keys_b <= moved
    assert {m["person_key"] for m in children} <= keys_a & keys_b
    assert all(k.startswith("A") for k in keys_a)
    assert all(k.startswith(("A", "B")) for k in keys_b) and any(k.startswith("B") for k in keys_b)


def test_a_moved_child_is_recorded_in_both_areas_and_a_non_mover_in_one(pair):
    a, b = pair
    moved = {m["person_key"] for m in _csv(a / "truth" / "moves.csv") if m["role"] == "CHILD"}
    in_a = {r["person_key"] for r in _csv(a / "truth" / "records.csv")}
    in_b = {r["person_key"] for r in _csv(b / "truth" / "records.csv")}
    assert moved <= in_b
    # a baby may have no record yet in the area it left (as with any partnership's babies)
    assert len(moved & in_a) >= 0.95 * len(moved)
    assert in_a & in_b <= {m["person_key"] for m in _csv(a / "truth" / "moves.csv")}


def test_the_receiving_school_holds_the_pupil_from_the_move_at_a_new_address_with_their_upn(
    pair,
):
    a, b = pair
    moves = {m["person_key"]: m for m in _csv(a / "truth" / "moves.csv")}
    truth_b = {
        r["source_id"]: r["person_key"]
        for r in _csv(b / "truth" / "records.csv")
        if r["source_table"] == "pupils"
    }
    upns_a = {r["upn"] for r in _csv(a / "education" / "pupils.csv")}
    postcodes_a = {r["postcode"] for r in _csv(a / "education" / "pupils.csv")}
    seen = 0
    for row in _csv(b / "education" / "pupils.csv"):
        move = moves.get(truth_b.get(row["upn"], ""))
        if move is None:
            continue
        seen += 1
        assert row["entry_date"] >= move["moved_on"]
        assert row["postcode"] not in postcodes_a
        assert row["upn"] in upns_a or row["former_upn"] in upns_a
    assert seen >= 20


def test_some_children_are_on_a_plan_or_looked_after_when_they_move(pair):
    a, _ = pair
    moves = _csv(a / "truth" / "moves.csv")
    assert any(m["cp_plan_at_move"] == "Y" or m["looked_after_at_move"] == "Y" for m in moves)


def test_a_pair_needs_two_empty_folders(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x").write_text("x")
    with pytest.raises(BadInput, match="not empty"):
        generate_pair(tmp_path / "a", tmp_path / "b", children=10, seed=1)
    assert not (tmp_path / "a").exists()


def test_nhs_numbers_are_national_one_person_one_number_across_both_areas(pair):
    """Each partnership's NHS numbers began at the same slot, so unrelated children in the
    two areas shared numbers (discovery then matched them)."""
    a, b = pair
    nobodys = {nhs_from_index(900_000 + i) for i in range(50_000)}  # recording errors
    owner: dict[str, str] = {}
    for folder in (a, b):
        key_of = {
            r["source_id"]: r["person_key"]
            for r in _csv(folder / "truth" / "records.csv")
            if r["source_table"] == "Patient"
        }
        for line in (folder / "health" / "Patient.ndjson").read_text("utf-8").splitlines():
            patient = json.loads(line)
            for ident in patient.get("identifier", []):
                number, person = ident["value"], key_of[patient["id"]]
                if number in nobodys:
                    continue
                assert owner.setdefault(number, person) == person, number
