"""Children's identities as each partnership of a generated pair holds them (bench and tests).

In: a generated partnership folder (``joinedup synth --moves-to``). Out: one
``ChildIdentity`` per child of truth/people.csv who has a record there, with ``person_id`` =
the true person key, so results can be scored against the shared truth.

What a partnership's store would hold for a linked child is modelled as: the name, date of
birth and sex of ONE of the child's records chosen at random (seeded) from health (FHIR
Patient), education (pupils, legal name), police (persons) and social care (ssd_person), with
each record's recording errors as generated; every postcode any of the records carries (the
postcode history); the NHS number most of them carry, if any. The within-area grouping uses
the truth (a perfectly linked store), so the figures are those of discovery alone.
"""

from __future__ import annotations

import csv
import json
import random
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

from joinedup.exchange import ChildIdentity

Record = tuple[str, str, str, str]  # forenames, surname, dob, sex


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def load_children(folder: Path, *, seed: int = 0) -> list[ChildIdentity]:
    folder = Path(folder)
    children = {
        r["person_key"] for r in _rows(folder / "truth" / "people.csv") if r["role"] == "CHILD"
    }
    key_of = {
        (r["agency"], r["source_table"], r["source_id"]): r["person_key"]
        for r in _rows(folder / "truth" / "records.csv")
    }
    names: dict[str, list[Record]] = defaultdict(list)
    postcodes: dict[str, set[str]] = defaultdict(set)
    nhs: dict[str, Counter[str]] = defaultdict(Counter)

    def add(key: str | None, rec: Record, pc: str = "", number: str = "") -> None:
        if key in children:
            names[key].append(rec)
            if pc:
                postcodes[key].add(pc)
            if number:
                nhs[key][number] += 1

    with (folder / "health" / "Patient.ndjson").open(encoding="utf-8") as fh:
        for line in fh:
            p = json.loads(line)
            name = (p.get("name") or [{}])[0]
            number = next(
                (
                    i["value"]
                    for i in p.get("identifier", [])
                    if "nhs-number" in i.get("system", "")
                ),
                "",
            )
            pc = ((p.get("address") or [{}])[0]).get("postalCode", "")
            sex = {"male": "M", "female": "F"}.get(p.get("gender", ""), "")
            rec = (
                " ".join(name.get("given", [])),
                name.get("family", ""),
                p.get("birthDate", ""),
                sex,
            )
            add(key_of.get(("health", "Patient", p["id"])), rec, pc, number)
    for r in _rows(folder / "education" / "pupils.csv"):
        rec = (r["legal_forename"], r["legal_surname"], r["date_of_birth"], r["sex"])
        add(key_of.get(("education", "pupils", r["upn"])), rec, r["postcode"])
    for r in _rows(folder / "police" / "persons.csv"):
        rec = (r["forenames"], r["surname"], r["date_of_birth"], r["gender"])
        add(key_of.get(("police", "persons", r["person_id"])), rec, r["postcode"])
    care_pc = {
        r["addr_person_id"]: r["addr_address_postcode"]
        for r in _rows(folder / "social_care" / "ssd_address.csv")
    }
    care_nhs = {
        r["link_person_id"]: r["link_identifier_value"]
        for r in _rows(folder / "social_care" / "ssd_linked_identifiers.csv")
        if r["link_identifier_type"] == "NHS Number"
    }
    for r in _rows(folder / "social_care" / "ssd_person.csv"):
        pid = r["pers_person_id"]
        rec = (r["pers_forename"], r["pers_surname"], r["pers_dob"], r["pers_sex"])
        add(
            key_of.get(("social_care", "ssd_person", pid)),
            rec,
            care_pc.get(pid, ""),
            care_nhs.get(pid, ""),
        )
    rng = random.Random(seed)
    out = []
    for key in sorted(names):
        fn, sn, dob, sex = names[key][rng.randrange(len(names[key]))]
        number = nhs[key].most_common(1)[0][0] if nhs[key] else None
        out.append(
            ChildIdentity(
                key, fn, sn, _day(dob), sex or None, tuple(sorted(postcodes[key])), number
            )
        )
    return out


def true_pairs(ours: list[ChildIdentity], theirs: list[ChildIdentity]) -> set[tuple[str, str]]:
    """(person_id, person_id) of the children both sides hold (the same true person key)."""
    both = {c.person_id for c in ours} & {c.person_id for c in theirs}
    return {(k, k) for k in both}


def public_forenames() -> list[tuple[str, float]]:
    """The public name-frequency list the attacker holds: the generator's own forename tables
    (synth/data/names.json), weighted by England's ethnicity mix as the generator draws them."""
    from joinedup.synth.names import _GROUP, ETHNICITY_MIX

    raw = json.loads(
        (Path(__file__).resolve().parents[1] / "src/joinedup/synth/data/names.json").read_text(
            "utf-8"
        )
    )
    share: Counter[str] = Counter()
    for code, pct in ETHNICITY_MIX:
        share[_GROUP.get(code, "british")] += pct / 100
    freq: Counter[str] = Counter()
    for group, kinds in raw.items():
        for kind in ("male", "female"):
            pairs = kinds.get(kind, [])
            total = sum(float(w) for _, w in pairs) or 1.0
            for name, w in pairs:
                freq[str(name)] += share[group] * 0.5 * float(w) / total
    return sorted(freq.items(), key=lambda p: -p[1])
