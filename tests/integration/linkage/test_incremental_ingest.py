"""Ingest links new people at once (no batch re-run), once a linkage model exists."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from joinedup.services import ingest
from joinedup.store.tables import person_link, person_record
from tests.support.deliveries import agency_events_delivery


def _person_of(engine: Engine, agency: str, source_table: str, source_id: str) -> str | None:
    with engine.connect() as connection:
        return connection.execute(
            select(person_link.c.person_id)
            .join(person_record, person_record.c.id == person_link.c.person_record_id)
            .where(
                person_record.c.agency_id == agency,
                person_record.c.source_table == source_table,
                person_record.c.source_id == source_id,
            )
        ).scalar_one_or_none()


def _known_patient(engine: Engine) -> dict[str, object]:
    """A linked health record with an NHS number, a DOB and a postcode."""
    with engine.connect() as connection:
        row = (
            connection.execute(
                select(person_record)
                .where(
                    person_record.c.agency_id == "health",
                    person_record.c.nhs_number.is_not(None),
                    person_record.c.date_of_birth.is_not(None),
                    person_record.c.postcode.is_not(None),
                    person_record.c.forenames.is_not(None),
                )
                .order_by(person_record.c.id)
                .limit(1)
            )
            .mappings()
            .one()
        )
    return dict(row)


def test_a_new_delivery_is_linked_to_existing_people_at_once(
    linked: Engine, tmp_path: Path
) -> None:
    patient = _known_patient(linked)
    expected_person = _person_of(linked, "health", "Patient", str(patient["source_id"]))
    assert expected_person is not None
    persons = [
        # the same person as the health record, as housing recorded them
        ["HX1", patient["forenames"], patient["surname"], patient["date_of_birth"].isoformat(),
         patient["sex"], "", patient["postcode"], patient["nhs_number"], "", ""],
        # nobody the partnership has seen before
        ["HX2", "Zebedee", "Quixotically", "1971-03-09", "M", "", "LS6 2AB", "", "", ""],
    ]  # fmt: skip
    events = [["HE1", "HX1", "2026-11-10T10:00:00Z", "RENT_ARREARS", ""]]
    folder = agency_events_delivery(tmp_path / "h", persons=persons, events=events,
                                    extracted_at="2026-11-20T06:00:00Z")  # fmt: skip

    report = ingest(linked, folder)

    assert report.linking == {
        "status": "linked",
        "records": 2,
        "new_persons": 1,
        "joined_existing_persons": 1,
        "queued_for_review": 0,
        "persons_merged": 0,
    }
    assert _person_of(linked, "housing", "persons", "HX1") == expected_person
    newcomer = _person_of(linked, "housing", "persons", "HX2")
    assert newcomer is not None and newcomer != expected_person


def test_without_a_model_ingest_says_to_run_a_batch_link(engine: Engine, tmp_path: Path) -> None:
    persons = [["HX2", "Zebedee", "Quixotically", "1971-03-09", "M", "", "LS6 2AB", "", "", ""]]
    report = ingest(engine, agency_events_delivery(tmp_path / "h", persons=persons, events=[]))
    assert report.linking is not None and report.linking["status"] == "not linked"
    assert "joinedup link" in report.linking["reason"]
