import csv
import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import nhs_number
import pytest
from stdnum.gb import upn as upn_lib

from joinedup.errors import BadInput
from joinedup.synth import SynthOptions, generate_partnership
from joinedup.synth.rates import BANDS, realised_rates
from joinedup.synth.ssd_schema import CONTRACT_ADDITIONS

# the SSD field definitions the feeds follow (vendored: standards/ssd, see its NOTICE.md)
STANDARDS = Path(__file__).resolve().parents[3] / "standards" / "ssd"
CHILDREN = 1500


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def part(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("p") / "exampleshire"
    generate_partnership(out, children=CHILDREN, seed=7)
    return out


def test_same_seed_is_byte_identical_and_other_seed_differs(part, tmp_path):
    calls = []
    summary = generate_partnership(
        tmp_path / "again",
        children=CHILDREN,
        seed=7,
        progress=lambda s, d, t: calls.append((s, d, t)),
    )
    assert _tree(part) == _tree(tmp_path / "again")
    assert summary.children == CHILDREN and summary.people > CHILDREN
    assert json.dumps(summary.to_dict())
    assert calls and calls[-1] == ("manifests", 1, 1)
    generate_partnership(tmp_path / "other", children=CHILDREN, seed=8)
    assert _tree(part) != _tree(tmp_path / "other")


def test_out_must_be_empty(part):
    with pytest.raises(BadInput, match="not empty"):
        generate_partnership(part, children=10, seed=1)


def test_manifests_match_files(part):
    agencies = [
        "social_care",
        "health",
        "police",
        "education",
        "housing",
        "probation",
        "substance_misuse",
        "adult_mental_health",
    ]
    for agency in agencies:
        m = json.loads((part / agency / "manifest.json").read_text())
        assert m["agency"] == agency and m["partnership"] == "Exampleshire"
        assert m["extracted_at"].endswith("Z")
        for f in m["files"]:
            data = (part / agency / f["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == f["sha256"]
            if f["path"].endswith(".ndjson"):
                assert f["rows"] == data.count(b"\n")
            else:
                assert len(_csv(part / agency / f["path"])) == f["rows"]


def _yml_fields(table: str) -> list[str]:
    text = (STANDARDS / f"{table}.yml").read_text()
    return re.findall(r"^  - name: (\S+)", text, flags=re.M)


def test_ssd_headers_are_the_yml_columns(part):
    m = json.loads((part / "social_care" / "manifest.json").read_text())
    tables = sorted(f["path"][:-4] for f in m["files"] if f["path"].startswith("ssd_"))
    assert len(tables) == 15
    for t in tables:
        header = (part / "social_care" / f"{t}.csv").read_text().splitlines()[0].split(",")
        assert header == _yml_fields(t) + CONTRACT_ADDITIONS.get(t, [])


def test_codes_are_from_the_contract(part):
    cats = {
        "DOMESTIC_ABUSE",
        "MISSING_PERSON",
        "CHILD_SEXUAL_EXPLOITATION",
        "CHILD_CRIMINAL_EXPLOITATION",
        "ASSAULT",
        "SEXUAL_OFFENCE",
        "DRUGS",
        "WEAPONS",
        "ANTISOCIAL_BEHAVIOUR",
        "CONCERN_FOR_WELFARE",
        "THEFT",
        "CRIMINAL_DAMAGE",
        "ONLINE_HARM",
    }
    inc = _csv(part / "police" / "incidents.csv")
    assert {r["category"] for r in inc} <= cats
    assert {r["dash_risk"] for r in inc if r["category"] == "DOMESTIC_ABUSE"} == {
        "STANDARD",
        "MEDIUM",
        "HIGH",
    }
    assert all(r["dash_risk"] == "" for r in inc if r["category"] != "DOMESTIC_ABUSE")
    roles = {
        "VICTIM",
        "SUSPECT",
        "WITNESS",
        "CHILD_PRESENT",
        "MISSING_PERSON",
        "SUBJECT_OF_CONCERN",
        "REPORTING_PERSON",
    }
    assert {r["role"] for r in _csv(part / "police" / "involvements.csv")} <= roles
    assert {r["term"] for r in _csv(part / "education" / "attendance.csv")} == {
        "2025-AUT",
        "2026-SPR",
        "2026-SUM",
    }
    assert {r["phase"] for r in _csv(part / "education" / "schools.csv")} == {
        "PRIMARY",
        "SECONDARY",
        "SPECIAL",
        "PRU",
    }
    assert {
        r["cppl_cp_plan_initial_category"] for r in _csv(part / "social_care" / "ssd_cp_plans.csv")
    } <= {"NEG", "EMO", "PHY", "SAB", "MUL"}
    for r in _csv(part / "social_care" / "ssd_assessment_factors.csv"):
        assert isinstance(json.loads(r["cinf_assessment_factors_json"]), list)
    types = {
        "housing": {
            "HOMELESS_APPLICATION",
            "TEMPORARY_ACCOMMODATION",
            "EVICTION_NOTICE",
            "RENT_ARREARS",
            "ANTISOCIAL_BEHAVIOUR_WARNING",
            "OVERCROWDING",
        },
        "probation": {
            "ORDER_START",
            "ORDER_END",
            "LICENCE_START",
            "RECALL",
            "MAPPA_LEVEL_1",
            "MAPPA_LEVEL_2",
            "MAPPA_LEVEL_3",
            "DOMESTIC_ABUSE_PERPETRATOR_PROGRAMME",
        },
        "substance_misuse": {"TREATMENT_START", "TREATMENT_END", "TREATMENT_DROPOUT", "RELAPSE"},
        "adult_mental_health": {
            "REFERRAL",
            "CRISIS_TEAM_CONTACT",
            "DETAINED_UNDER_MHA",
            "DISCHARGE",
            "CARE_COORDINATOR_ASSIGNED",
        },
    }
    for agency, allowed in types.items():
        assert {r["type"] for r in _csv(part / agency / "events.csv")} <= allowed
        assert all(
            r["key_worker_email"].endswith(".example") for r in _csv(part / agency / "persons.csv")
        )


def test_fhir_resources_have_the_described_fields(part):
    reasons = {
        "INJURY",
        "FRACTURE",
        "BURN",
        "HEAD_INJURY",
        "SELF_HARM",
        "OVERDOSE",
        "INGESTION",
        "ASSAULT",
        "ALCOHOL_INTOXICATION",
        "MENTAL_HEALTH_CRISIS",
        "SEXUAL_HEALTH",
        "PREGNANCY",
        "HEALTH_VISITOR_CONTACT",
        "MISSED_APPOINTMENT",
        "ILLNESS",
        "OTHER",
    }
    ids = set()
    for line in (part / "health" / "Patient.ndjson").read_text().splitlines():
        p = json.loads(line)
        assert p["resourceType"] == "Patient" and p["gender"] in ("male", "female")
        assert p["name"][0]["family"] and p["name"][0]["given"] and p["address"][0]["postalCode"]
        assert p["generalPractitioner"][0]["display"]
        ids.add(p["id"])
    for line in (part / "health" / "Encounter.ndjson").read_text().splitlines():
        e = json.loads(line)
        assert e["subject"]["reference"][8:] in ids and e["class"]["code"] in ("EMER", "AMB", "IMP")
        assert e["reasonCode"][0]["text"] in reasons and e["period"]["start"].endswith("Z")
    for line in (part / "health" / "Condition.ndjson").read_text().splitlines():
        c = json.loads(line)
        assert (
            c["clinicalStatus"]["coding"][0]["code"] in ("active", "resolved") and c["code"]["text"]
        )


def test_every_person_record_is_in_truth(part):
    records = {
        (r["agency"], r["source_table"], r["source_id"]): r["person_key"]
        for r in _csv(part / "truth" / "records.csv")
    }
    people = {r["person_key"] for r in _csv(part / "truth" / "people.csv")}
    assert set(records.values()) <= people
    expect = [
        ("social_care", "ssd_person", "ssd_person.csv", "pers_person_id"),
        ("police", "persons", "persons.csv", "person_id"),
        ("education", "pupils", "pupils.csv", "upn"),
    ]
    for agency, table, fname, col in expect:
        for r in _csv(part / agency / fname):
            assert (agency, table, r[col]) in records
    for line in (part / "health" / "Patient.ndjson").read_text().splitlines():
        assert ("health", "Patient", json.loads(line)["id"]) in records
    for agency in ("housing", "probation", "substance_misuse", "adult_mental_health"):
        for r in _csv(part / agency / "persons.csv"):
            assert (agency, "persons", r["person_id"]) in records
    hh = {r["household_key"] for r in _csv(part / "truth" / "households.csv")}
    assert {r["household_key"] for r in _csv(part / "truth" / "people.csv")} <= hh


def test_mess_is_present_at_modest_rates(part):
    patients = [
        json.loads(x) for x in (part / "health" / "Patient.ndjson").read_text().splitlines()
    ]
    nhs = [p["identifier"][0]["value"] for p in patients if "identifier" in p]
    bad = sum(not nhs_number.is_valid(n) for n in nhs)
    assert 0 < bad < 0.03 * len(nhs)
    assert len(nhs) < len(patients)  # some missing
    pupils = _csv(part / "education" / "pupils.csv")
    bad_upn = sum(not upn_lib.is_valid(r["upn"]) for r in pupils)
    assert 0 < bad_upn < 0.05 * len(pupils)
    twins = Counter((r["legal_surname"], r["date_of_birth"], r["postcode"]) for r in pupils)
    assert any(n >= 2 for n in twins.values())
    truth = {
        (r["agency"], r["source_id"]): r["person_key"] for r in _csv(part / "truth" / "records.csv")
    }
    police_per_person = Counter(v for (a, _), v in truth.items() if a == "police")
    assert any(n >= 2 for n in police_per_person.values())  # duplicate nominals
    people = _csv(part / "truth" / "people.csv")
    same = Counter((p["date_of_birth"]) for p in people if p["role"] != "CHILD")
    assert same.most_common(1)[0][1] >= 2
    links = _csv(part / "social_care" / "ssd_linked_identifiers.csv")
    kinds = Counter(r["link_identifier_type"] for r in links)
    assert kinds["NHS Number"] and kinds["Unique Pupil Number"]
    persons = _csv(part / "social_care" / "ssd_person.csv")
    assert kinds["Unique Pupil Number"] < len(persons)


def test_recording_bias_raises_police_da_in_deprived_areas(tmp_path):
    def da_per_household(out: Path) -> float:
        pcs = {r["postcode"] for r in _csv(out / "truth" / "households.csv")}
        deciles = {}
        for p in _csv(out / "truth" / "people.csv"):
            deciles[p["household_key"]] = int(p["imd_decile"])
        hh_pc = {r["household_key"]: r["postcode"] for r in _csv(out / "truth" / "households.csv")}
        deprived = {pc for h, pc in hh_pc.items() if deciles.get(h, 10) <= 2}
        n_hh = sum(1 for h in deciles if deciles[h] <= 2)
        da = sum(
            1
            for r in _csv(out / "police" / "incidents.csv")
            if r["category"] == "DOMESTIC_ABUSE" and r["postcode"] in deprived
        )
        assert pcs
        return da / max(1, n_hh)

    generate_partnership(tmp_path / "off", children=3000, seed=11)
    generate_partnership(
        tmp_path / "on", children=3000, seed=11, options=SynthOptions(recording_bias=1.3)
    )
    off, on = da_per_household(tmp_path / "off"), da_per_household(tmp_path / "on")
    assert on > off * 1.15
    assert _csv(tmp_path / "off" / "truth" / "people.csv") == _csv(
        tmp_path / "on" / "truth" / "people.csv"
    )


@pytest.mark.slow
def test_realised_rates_of_20000_children_are_in_the_english_bands(tmp_path):
    generate_partnership(tmp_path / "big", children=20_000, seed=1)
    rates = realised_rates(tmp_path / "big")
    for name, (lo, hi) in BANDS.items():
        assert lo <= rates[name] <= hi, (name, rates[name])
