"""Practitioners' work contact details and the agencies' duty lines, from each feed's own
idiom, into the store (issue 19, finding 1: "no one to call").

A malformed phone or email is a data-quality warning naming the file, the row and the
field; the row is kept, with the bad value left out. A FHIR Patient that names its GP
practice without a phone keeps the phone the practice's Organization gave.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from joinedup import services
from joinedup.store import tables as t
from tests.support.deliveries import (
    csv_text,
    fhir_delivery,
    ssd_delivery,
    valid_nhs_numbers,
    write_manifest,
)

LINES = ["line_id", "kind", "service", "phone", "email", "hours"]
OFFICE_HOURS = "Monday to Friday, 9am to 5pm"


def _practitioners(engine: Engine, agency: str) -> dict[str, Any]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(t.practitioner).where(t.practitioner.c.agency_id == agency)
        )
        return {r.practitioner_key: r for r in rows}


def _warnings(engine: Engine, delivery_id: int) -> list[tuple[str, int, str | None, str]]:
    f = t.row_finding.c
    with engine.connect() as connection:
        rows = connection.execute(
            select(f.file, f.row_number, f.field, f.code).where(
                f.delivery_id == delivery_id, f.severity == "warning"
            )
        )
        return sorted(tuple(r) for r in rows)


def test_social_care_professionals_and_lines_carry_phone_and_email(
    engine: Engine, tmp_path: Path
) -> None:
    person = {"pers_person_id": "P1", "pers_forename": "Amy", "pers_surname": "Lee"}
    person["pers_dob"] = "2015-03-02"
    folder = ssd_delivery(
        tmp_path / "sc",
        {
            "ssd_person": [person],
            "ssd_professionals": [
                {
                    "prof_professional_id": "W1",
                    "prof_professional_name": "Sam Patel",
                    "prof_professional_job_title": "Social Worker",
                    "prof_professional_department": "Child Protection Team",
                    "prof_professional_email": "sam.patel@exampleshire.gov.uk.example",
                    "prof_professional_phone": "07700 900123",
                },
                {
                    "prof_professional_id": "W2",
                    "prof_professional_name": "Jo Bloggs",
                    "prof_professional_email": "not an email",
                    "prof_professional_phone": "=HYPERLINK(1)",
                },
            ],
        },
    )
    lines = [
        ["front-door", "DUTY", "Front Door (MASH duty)", "01632 960001", "", OFFICE_HOURS],
        ["edt", "OUT_OF_HOURS", "Emergency Duty Team", "+44 1632 960002", "", "5pm to 9am"],
        ["bad", "DUTY", "A line with a typo", "0163 29", "x@", ""],
    ]
    (folder / "service_contacts.csv").write_text(csv_text(LINES, lines), encoding="utf-8")
    names = sorted(p.name for p in folder.iterdir() if p.name != "manifest.json")
    write_manifest(folder, "social_care", names)  # the manifest again, with the new file
    report = services.ingest(engine, folder, link=False)
    assert report.status == "ingested"
    stored = _practitioners(engine, "social_care")
    sam, jo = stored["W1"], stored["W2"]
    assert (sam.phone, sam.email, sam.team, sam.kind) == (
        "07700 900123",
        "sam.patel@exampleshire.gov.uk.example",
        "Child Protection Team",
        "PERSON",
    )
    assert (jo.name, jo.phone, jo.email) == ("Jo Bloggs", None, None)  # kept, bad values out
    duty, night, typo = stored["line:front-door"], stored["line:edt"], stored["line:bad"]
    assert (duty.kind, duty.name, duty.phone, duty.hours) == (
        "DUTY",
        "Front Door (MASH duty)",
        "01632 960001",
        OFFICE_HOURS,
    )
    assert (night.kind, night.phone) == ("OUT_OF_HOURS", "+44 1632 960002")
    assert (typo.phone, typo.email) == (None, None)
    assert _warnings(engine, report.delivery_id) == [
        ("service_contacts.csv", 3, "email", "INVALID_EMAIL"),
        ("service_contacts.csv", 3, "phone", "INVALID_PHONE"),
        ("ssd_professionals.csv", 2, "prof_professional_email", "INVALID_EMAIL"),
        ("ssd_professionals.csv", 2, "prof_professional_phone", "INVALID_PHONE"),
    ]


def test_a_gp_practice_keeps_the_phone_its_organization_gave(
    engine: Engine, tmp_path: Path
) -> None:
    practice = "Hill Medical Practice"
    patient = {
        "resourceType": "Patient",
        "id": "pt-1",
        "identifier": [
            {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": valid_nhs_numbers(1)[0]}
        ],
        "name": [{"family": "Lee", "given": ["Amy"]}],
        "gender": "female",
        "birthDate": "2015-03-02",
        "generalPractitioner": [{"display": practice}],
    }
    organizations = [
        {
            "resourceType": "Organization",
            "id": "gp-1",
            "name": practice,
            "telecom": [
                {"system": "phone", "value": "01632 960100"},
                {"system": "email", "value": "hill.practice@nhs.net.example"},
            ],
        },
        {
            "resourceType": "Organization",
            "id": "safeguarding",
            "name": "ICB safeguarding team",
            "contact": [
                {
                    "purpose": {"coding": [{"code": "DUTY"}]},
                    "name": {"text": "Named nurses"},
                    "telecom": [{"system": "phone", "value": "01632 960101"}],
                    "extension": [
                        {
                            "url": "https://joinedup.example/fhir/StructureDefinition/hours",
                            "valueString": OFFICE_HOURS,
                        }
                    ],
                },
                {
                    "purpose": {"coding": [{"code": "OUT_OF_HOURS"}]},
                    "name": {"text": "On-call paediatrician"},
                    "telecom": [{"system": "phone", "value": "call the switchboard"}],
                },
            ],
        },
    ]
    folder = fhir_delivery(
        tmp_path / "health", {"Organization": organizations, "Patient": [patient]}
    )
    report = services.ingest(engine, folder, link=False)
    assert report.status == "ingested"
    stored = _practitioners(engine, "health")
    gp = stored[f"gp:{practice.lower()}"]
    assert (gp.name, gp.role, gp.phone, gp.email) == (
        practice,
        "GP practice",
        "01632 960100",
        "hill.practice@nhs.net.example",
    )
    nurses, night = stored["line:safeguarding:0"], stored["line:safeguarding:1"]
    assert (nurses.kind, nurses.name, nurses.phone, nurses.hours) == (
        "DUTY",
        "Named nurses",
        "01632 960101",
        OFFICE_HOURS,
    )
    assert (night.kind, night.name, night.phone) == ("OUT_OF_HOURS", "On-call paediatrician", None)
    assert _warnings(engine, report.delivery_id) == [
        ("Organization.ndjson", 2, "contact[1].telecom", "INVALID_PHONE")
    ]
