"""A linkage written by hand: which records are which person, without running Splink (for
tests that need a small, exact set of people across agencies)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert

from joinedup.store.linkage_tables import linkage_model, linkage_record, linkage_run
from joinedup.store.tables import person

# person id -> its records, each (agency, source table, source id)
People = dict[str, list[tuple[str, str, str]]]


def link_by_hand(connection: Connection, people: People, now: datetime) -> int:
    """Store ``people`` as one batch run's persons and linked records; the run's id."""
    model = connection.execute(
        insert(linkage_model)
        .values(created_at=now, fingerprint="test", records=sum(map(len, people.values())),
                backend="test", splink_version="test", settings={}, thresholds={},
                term_frequencies={}, active=False)
        .returning(linkage_model.c.id)
    ).scalar_one()  # fmt: skip
    run = connection.execute(
        insert(linkage_run)
        .values(kind="BATCH", backend="test", model_id=model, started_at=now)
        .returning(linkage_run.c.id)
    ).scalar_one()
    for person_id, records in people.items():
        connection.execute(insert(person).values(id=person_id, created_at=now))
        for a, t, s in records:
            connection.execute(
                insert(linkage_record).values(
                    record_key=f"{a}|{t}|{s}", agency_id=a, source_table=t, source_id=s,
                    person_id=person_id, run_id=run,
                )
            )  # fmt: skip
    return int(run)
