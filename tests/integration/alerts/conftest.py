"""A small synthetic partnership, ingested, linked and with the example agreements loaded,
once per session (each test gets a copy); and helpers that write a live delivery."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from joinedup.ingest.feed_writer import Delivery
from joinedup.linkage.batch import link
from joinedup.services import EXAMPLE_AGREEMENTS, deliveries_in, ingest, load_agreements
from joinedup.store import make_engine, upgrade
from joinedup.store.unit_of_work import NOTHING, using
from joinedup.synth import generate_partnership

from .faults import world  # noqa: F401  (the fault-injection world, a fixture)

CHILDREN = 300
SEED = 11


@pytest.fixture(scope="session")
def partnership(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("alerts") / "partnership"
    generate_partnership(out, children=CHILDREN, seed=SEED)
    return out


@pytest.fixture(scope="session")
def loaded_db(partnership: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("alerts-db") / "loaded.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with using(NOTHING):  # history: no alerts
        for delivery in deliveries_in(partnership):
            ingest(engine, delivery)
    link(engine)
    load_agreements(engine, sorted(EXAMPLE_AGREEMENTS.glob("*.yaml")), loaded_by="test")
    engine.dispose()
    return path


@pytest.fixture
def loaded(loaded_db: Path, tmp_path: Path) -> Iterator[Engine]:
    copy = tmp_path / "loaded.db"
    shutil.copy(loaded_db, copy)
    engine = make_engine(f"sqlite:///{copy}")
    yield engine
    engine.dispose()


def now_iso(minutes_ago: int = 0) -> str:
    """Now (the extraction), or a little earlier (an event, which cannot postdate it)."""
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_police(
    root: Path, persons: list[dict[str, Any]], incident_id: str, category: str, roles: dict
) -> Path:
    """A police delivery of one incident happening now, with the persons involved."""
    delivery = Delivery(root, "police", "pole-csv/1", "Exampleshire", now_iso())
    header = [
        "person_id",
        "forenames",
        "surname",
        "date_of_birth",
        "gender",
        "address_line",
        "postcode",
        "pnc_id",
    ]
    people = delivery.table("persons.csv", header)
    for p in persons:
        people.row([p.get(h, "") or "" for h in header])
    incidents = delivery.table(
        "incidents.csv",
        ["incident_id", "occurred_at", "category", "postcode", "dash_risk", "summary"],
    )
    dash = "HIGH" if category == "DOMESTIC_ABUSE" else ""
    incidents.row([incident_id, now_iso(1), category, persons[0].get("postcode", ""), dash, "x"])
    involvements = delivery.table("involvements.csv", ["incident_id", "person_id", "role"])
    for person_id, role in roles.items():
        involvements.row([incident_id, person_id, role])
    delivery.close()
    return delivery.dir


def write_health_encounter(root: Path, patient: dict[str, Any], reason: str, klass: str) -> Path:
    delivery = Delivery(root, "health", "fhir-r4-bulk/1", "Exampleshire", now_iso())
    delivery.ndjson("Patient.ndjson").row(patient)
    delivery.ndjson("Encounter.ndjson").row(
        {
            "resourceType": "Encounter",
            "id": f"enc-live-{patient['id']}-{reason}",
            "class": {"code": klass},
            "period": {"start": now_iso(1)},
            "reasonCode": [{"text": reason}],
            "serviceProvider": {"display": "Exampleshire Hospitals NHS Foundation Trust"},
            "status": "finished",
            "subject": {"reference": f"Patient/{patient['id']}"},
        }
    )
    delivery.ndjson("Condition.ndjson")
    delivery.close()
    return delivery.dir


def patient_resource(partnership: Path, patient_id: str) -> dict[str, Any]:
    with (partnership / "health" / "Patient.ndjson").open() as lines:
        for line in lines:
            resource = json.loads(line)
            if resource["id"] == patient_id:
                return resource
    raise LookupError(patient_id)


def child_on_plan_with_patient(engine: Engine) -> tuple[str, str]:
    """(person id, health Patient id) of a child on an open CP plan or looked after, with an
    allocated social worker today."""
    today = date.today()
    with engine.connect() as c:
        row = c.execute(
            text(
                """
                SELECT lh.person_id, lh.source_id FROM event e
                JOIN linkage_record ls ON ls.agency_id = 'social_care'
                     AND ls.source_id = e.person_source_id
                JOIN linkage_record lh ON lh.person_id = ls.person_id AND lh.agency_id = 'health'
                JOIN involvement i ON i.agency_id = 'social_care'
                     AND i.person_source_id = e.person_source_id
                     AND (i.end_date IS NULL OR i.end_date >= :today)
                JOIN person_record p ON p.agency_id = 'health' AND p.source_id = lh.source_id
                WHERE e.agency_id = 'social_care' AND e.event_type IN ('CP_PLAN', 'LOOKED_AFTER')
                  AND (e.ended_on IS NULL OR e.ended_on >= :today)
                  AND p.date_of_birth > :adult
                ORDER BY lh.person_id LIMIT 1
                """
            ),
            {"today": today, "adult": date(today.year - 17, 1, 1)},
        ).first()
    assert row is not None, "the seeded test partnership has a child on a plan with a health record"
    return row[0], row[1]


def pupil_on_roll(engine: Engine) -> dict[str, Any]:
    """A child on a school roll today: their pupil record's details and person id."""
    today = date.today()
    with engine.connect() as c:
        row = (
            c.execute(
                text(
                    """
                SELECT l.person_id, p.forenames, p.surname, p.date_of_birth, p.postcode,
                       p.address_line, i.practitioner_key
                FROM involvement i
                JOIN person_record p ON p.agency_id = 'education'
                     AND p.source_id = i.person_source_id
                JOIN linkage_record l ON l.agency_id = 'education' AND l.source_id = p.source_id
                WHERE i.agency_id = 'education' AND i.end_date IS NULL
                  AND p.date_of_birth > :young AND p.forenames IS NOT NULL
                ORDER BY l.person_id LIMIT 1
                """
                ),
                {"young": date(today.year - 15, 1, 1)},
            )
            .mappings()
            .first()
        )
    assert row is not None
    return dict(row)
