"""The extended error model (issue 20) is opt-in: the default partnership is byte-identical
to before it existed; an extended one carries every error kind at about its rate by agency,
and its truth still says who is who (records.csv is the default run's, record for record)."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path

import pytest

from joinedup.errors import BadInput
from joinedup.synth import SynthOptions, generate_partnership
from joinedup.synth.extended_errors import KINDS, RATES

# sha256 of a 40-child, seed-7 default partnership as written before the extended model
# existed (computed from the parent commit's code): the default output must not move a byte.
# Moved once since, by additions only (issue 21: term_dates.csv, pre_birth_plans.csv and two
# columns of incidents.csv, none drawn from the generator's stream; every other byte of the
# earlier digest's output was compared unchanged).
DEFAULT_40_SEED_7 = "7d02ef0654ca9f7e3261a262313f39584123ff53ab7e06c2ec3d5b8042f2e1b7"


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(folder.rglob("*")):
        if f.is_file():
            h.update(str(f.relative_to(folder)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def test_the_default_error_model_writes_the_same_bytes_as_before(tmp_path: Path) -> None:
    generate_partnership(tmp_path / "p", children=40, seed=7)
    assert _digest(tmp_path / "p") == DEFAULT_40_SEED_7


def test_an_unknown_error_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="error_model"):
        generate_partnership(
            tmp_path / "p", children=5, seed=1, options=SynthOptions(error_model="chaotic")
        )


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("ext")
    generate_partnership(base / "default", children=600, seed=11)
    generate_partnership(
        base / "extended",
        children=600,
        seed=11,
        options=SynthOptions(error_model="extended"),
    )
    return base / "default", base / "extended"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_truth_is_the_default_runs_record_for_record(pair: tuple[Path, Path]) -> None:
    default, extended = pair
    assert (default / "truth" / "records.csv").read_bytes() == (
        extended / "truth" / "records.csv"
    ).read_bytes()
    assert not (default / "truth" / "record_errors.csv").exists()


def test_every_error_kind_appears_at_about_its_rate_by_agency(pair: tuple[Path, Path]) -> None:
    _, extended = pair
    records = _rows(extended / "truth" / "records.csv")
    group = {
        "health": "health",
        "education": "education",
        "social_care": "social_care",
        "police": "police",
    }
    per_group = Counter(group.get(r["agency"], "adult") for r in records)
    seen: Counter[tuple[str, str]] = Counter()
    for row in _rows(extended / "truth" / "record_errors.csv"):
        for kind in row["error_kinds"].split(";"):
            assert kind in KINDS
            seen[(group.get(row["agency"], "adult"), kind)] += 1
    assert {kind for _, kind in seen} == set(KINDS)
    # Kinds applied unconditionally (no trait or precondition): within a loose band of the rate.
    for agency in ("police", "adult"):
        for kind in ("name_form", "dob_missing", "dob_off_by_day"):
            expected = RATES[agency][kind] * per_group[agency]
            assert 0.4 * expected <= seen[(agency, kind)] <= 1.8 * expected + 3, (agency, kind)
    # Adult services are messier than health, per record.
    for kind in ("typo", "name_swap", "dob_off_by_day"):
        assert seen[("adult", kind)] / per_group["adult"] > seen[("health", kind)] / max(
            1, per_group["health"]
        )
    # Adult services lose their NHS number about three times in four.
    adult_persons = [
        row
        for agency in ("housing", "probation", "substance_misuse", "adult_mental_health")
        for row in _rows(extended / agency / "persons.csv")
    ]
    blank = sum(1 for row in adult_persons if not row["nhs_number"]) / len(adult_persons)
    assert 0.62 <= blank <= 0.88


def test_the_recorded_values_show_the_errors(pair: tuple[Path, Path]) -> None:
    default, extended = pair
    errors = {
        row["source_id"]: row["error_kinds"].split(";")
        for row in _rows(extended / "truth" / "record_errors.csv")
        if row["agency"] == "police"
    }
    before = {r["person_id"]: r for r in _rows(default / "police" / "persons.csv")}
    after = {r["person_id"]: r for r in _rows(extended / "police" / "persons.csv")}
    assert before.keys() == after.keys()
    for pid, kinds in errors.items():
        if kinds == ["dob_missing"]:
            assert after[pid]["date_of_birth"] == "" and before[pid]["date_of_birth"]
        if kinds == ["surname_caps_in_forename"]:
            assert after[pid]["forenames"].isupper()
    untouched = [pid for pid in after if pid not in errors]
    assert untouched and all(before[pid] == after[pid] for pid in untouched)
