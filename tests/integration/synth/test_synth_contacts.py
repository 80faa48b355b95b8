"""The synthetic partnership's work contact details (issue 19, finding 1): every agency has
a duty line; practitioners have a phone and a secure email; numbers are Ofcom's drama
numbers and addresses end in the reserved ``.example`` domain, so nothing generated can
ring or reach a real person."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from joinedup.synth import SynthOptions, generate_partnership

DRAMA = re.compile(r"(01632 960|07700 900)\d{3}")
RESERVED = re.compile(
    r"[a-z0-9.-]+@([a-z0-9-]+\.)*(gov\.uk|nhs\.net|police\.uk|sch\.uk|org\.uk)\.example"
)
AGENCIES = [
    "social_care",
    "police",
    "education",
    "housing",
    "probation",
    "substance_misuse",
    "adult_mental_health",
]


@pytest.fixture(scope="module")
def part(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("contacts") / "p"
    generate_partnership(out, children=300, seed=3, options=SynthOptions())
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_every_agency_has_a_duty_line(part: Path) -> None:
    for agency in AGENCIES:
        lines = _rows(part / agency / "service_contacts.csv")
        assert any(r["kind"] == "DUTY" for r in lines), agency
        assert all(DRAMA.fullmatch(r["phone"]) for r in lines), agency
        assert all(RESERVED.fullmatch(r["email"]) for r in lines if r["email"]), agency
    kinds = {r["kind"] for r in _rows(part / "social_care" / "service_contacts.csv")}
    assert kinds == {"DUTY", "OUT_OF_HOURS"}  # the front door and the emergency duty team
    health = [
        json.loads(line)
        for line in (part / "health" / "Organization.ndjson").read_text().splitlines()
    ]
    purposes = {c["purpose"]["coding"][0]["code"] for o in health for c in o.get("contact", [])}
    assert purposes == {"DUTY", "OUT_OF_HOURS"}


def test_practitioners_have_drama_numbers_and_reserved_addresses(part: Path) -> None:
    found = [
        (r["prof_professional_phone"], r["prof_professional_email"])
        for r in _rows(part / "social_care" / "ssd_professionals.csv")
    ]
    found += [(r["dsl_phone"], r["dsl_email"]) for r in _rows(part / "education" / "schools.csv")]
    found += [(r["phone"], r["email"]) for r in _rows(part / "police" / "officers.csv")]
    for agency in AGENCIES[3:]:
        found += [
            (r["key_worker_phone"], r["key_worker_email"])
            for r in _rows(part / agency / "persons.csv")
        ]
    for line in (part / "health" / "Organization.ndjson").read_text().splitlines():
        for point in json.loads(line).get("telecom", []):
            found.append((point["value"], "") if point["system"] == "phone" else ("", ""))
    assert len(found) > 50
    for phone, email in found:
        assert not phone or DRAMA.fullmatch(phone), phone
        assert not email or RESERVED.fullmatch(email), email
    assert all(phone for phone, _ in found[:10])
