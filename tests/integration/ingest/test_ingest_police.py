"""Ingesting a police delivery: accepted, quarantined, idempotent, versioned."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from joinedup.errors import DeliveryRejected
from joinedup.ingest import ingest_delivery
from joinedup.store import UnitOfWork
from joinedup.store import tables as t
from tests.support.deliveries import police_delivery


def _count(engine: Engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_valid_police_delivery_becomes_people_and_events(engine: Engine, tmp_path: Path) -> None:
    report = ingest_delivery(engine, police_delivery(tmp_path / "d1"))
    assert report.status == "ingested"
    assert (report.total("rows"), report.total("accepted"), report.total("quarantined")) == (
        9,
        9,
        0,
    )
    with UnitOfWork(engine) as uow:
        jane = uow.person_records.get("police", "persons", "N1")
        assert jane is not None and jane.surname == "Smith" and jane.postcode == "LS6 2AB"
        events = uow.person_records.events_of("police", "N2")
        assert [(e.event_type, e.role, e.codes) for e in events] == [
            ("DOMESTIC_ABUSE", "CHILD_PRESENT", ["HIGH"])
        ]
        assert events[0].detail["incident_id"] == "I1"
        gary = uow.person_records.get("police", "persons", "N3")
        assert gary is not None and gary.attributes == {"pnc_id": "12/345678A"}


def test_reingesting_the_same_delivery_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    folder = police_delivery(tmp_path / "d1")
    first = ingest_delivery(engine, folder)
    before = {table.name: _count(engine, table) for table in t.metadata.sorted_tables}
    second = ingest_delivery(engine, folder)
    after = {table.name: _count(engine, table) for table in t.metadata.sorted_tables}
    assert second.status == "unchanged" and second.delivery_id == first.delivery_id
    assert before == after


def test_later_delivery_updates_changed_rows_and_keeps_history(
    engine: Engine, tmp_path: Path
) -> None:
    ingest_delivery(engine, police_delivery(tmp_path / "d1"))
    moved = [
        ["N1", "Jane", "Smith-Brown", "1990-04-01", "F", "5 New Road", "LS8 1AB", ""],
        ["N2", "Tom", "Smith", "2016-07-12", "M", "1 High Street", "LS6 2AB", ""],
        ["N3", "Gary", "Jones", "1985-01-30", "M", "9 Low Road", "LS7 1AA", "12/345678A"],
    ]
    report = ingest_delivery(
        engine, police_delivery(tmp_path / "d2", persons=moved, extracted_at="2026-11-27T06:00:00Z")
    )
    persons = next(f for f in report.files if f.path == "persons.csv")
    assert (persons.inserted, persons.updated, persons.unchanged) == (0, 1, 2)
    with UnitOfWork(engine) as uow:
        jane = uow.person_records.get("police", "persons", "N1")
        assert jane is not None and jane.surname == "Smith-Brown" and jane.postcode == "LS8 1AB"
        history = uow.source_records.history("police", "persons", "N1")
        assert [h["version"] for h in history] == [1, 2]
        assert history[0]["payload"]["surname"] == "Smith"
        assert history[0]["superseded_by_delivery_id"] == report.delivery_id
        assert history[1]["payload"]["surname"] == "Smith-Brown"
    assert _count(engine, t.person_record) == 3


MOVED = [
    ["N1", "Jane", "Smith-Brown", "1990-04-01", "F", "5 New Road", "LS8 1AB", ""],
    ["N2", "Tom", "Smith", "2016-07-12", "M", "1 High Street", "LS6 2AB", ""],
    ["N3", "Gary", "Jones", "1985-01-30", "M", "9 Low Road", "LS7 1AA", "12/345678A"],
]


def _stored_version_payloads(engine: Engine, source_id: str) -> list[object]:
    """The version rows' own payload column for one police person, oldest first."""
    v, r = t.source_record_version.c, t.source_record.c
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(v.payload)
                .join(t.source_record, r.id == v.source_record_id)
                .where(
                    r.agency_id == "police", r.source_table == "persons", r.source_id == source_id
                )
                .order_by(v.version)
            ).scalars()
        )


def test_a_rows_current_payload_is_stored_once_and_a_superseded_one_kept(
    engine: Engine, tmp_path: Path
) -> None:
    ingest_delivery(engine, police_delivery(tmp_path / "d1"))
    # first load: the version row holds no second copy (the record holds the payload)
    assert _stored_version_payloads(engine, "N1") == [None]
    ingest_delivery(
        engine, police_delivery(tmp_path / "d2", persons=MOVED, extracted_at="2026-11-27T06:00:00Z")
    )
    superseded, current = _stored_version_payloads(engine, "N1")
    assert isinstance(superseded, dict) and superseded["surname"] == "Smith"
    assert current is None
    assert _stored_version_payloads(engine, "N2") == [None]  # unchanged: still one version
    with UnitOfWork(engine) as uow:
        history = uow.source_records.history("police", "persons", "N1")
    assert [(h["version"], h["payload"]["surname"]) for h in history] == [
        (1, "Smith"),
        (2, "Smith-Brown"),
    ]


def test_a_version_stored_with_its_own_payload_keeps_it_when_superseded(
    engine: Engine, tmp_path: Path
) -> None:
    """Stores written before payloads were stored once hold every version's payload in the
    version row; superseding such a version must keep that payload, not the record's."""
    ingest_delivery(engine, police_delivery(tmp_path / "d1"))
    v, r = t.source_record_version.c, t.source_record.c
    with engine.begin() as connection:
        record_id = connection.execute(
            select(r.id).where(r.agency_id == "police", r.source_id == "N1")
        ).scalar_one()
        old = {"surname": "as stored before migration 0023"}
        connection.execute(
            t.source_record_version.update()
            .where(v.source_record_id == record_id)
            .values(payload=old)
        )
    ingest_delivery(
        engine, police_delivery(tmp_path / "d2", persons=MOVED, extracted_at="2026-11-27T06:00:00Z")
    )
    assert _stored_version_payloads(engine, "N1") == [old, None]
    with UnitOfWork(engine) as uow:
        history = uow.source_records.history("police", "persons", "N1")
    assert [h["payload"]["surname"] for h in history] == [old["surname"], "Smith-Brown"]


def test_bad_rows_are_quarantined_with_reasons(engine: Engine, tmp_path: Path) -> None:
    persons = [
        ["N1", "Jane", "Smith", "1990-04-01", "F", "1 High Street", "LS6 2AB", ""],
        ["N2", "Tom", "Smith", "2031-07-12", "M", "1 High Street", "LS6 2AB", ""],  # future DOB
        ["N1", "Jane", "Smith", "1990-04-01", "F", "1 High Street", "LS6 2AB", ""],  # duplicate
        ["N4", "=cmd|' /C calc'!A0", "Evil", "1990-01-01", "M", "", "NOT A PC", ""],
        ["N5", "Amy", "Lee", "2010-02-30", "F", "", "LS6 2AB", ""],  # impossible date: warning
    ]
    involvements = [
        ["I1", "N1", "VICTIM"],
        ["I9", "N1", "VICTIM"],
        ["I1", "N2", "WITNESS"],
        ["I1", "N5", "FRIEND"],
    ]
    report = ingest_delivery(
        engine, police_delivery(tmp_path / "d", persons=persons, involvements=involvements)
    )
    files = {f.path: f for f in report.files}
    # N2 (born in the future) is kept without its DOB; N5's DOB is not a date
    assert (files["persons.csv"].accepted, files["persons.csv"].quarantined) == (3, 2)
    assert files["persons.csv"].warnings == 2
    assert files["persons.csv"].findings["FUTURE_DATE"] == 1
    assert (files["involvements.csv"].accepted, files["involvements.csv"].quarantined) == (2, 2)
    with UnitOfWork(engine) as uow:
        rows = (
            uow.connection.execute(
                select(t.quarantined_row).order_by(
                    t.quarantined_row.c.file, t.quarantined_row.c.row_number
                )
            )
            .mappings()
            .all()
        )
    reasons = {(r["file"], r["row_number"]): r["reason_codes"] for r in rows}
    assert reasons == {
        ("involvements.csv", 2): ["UNKNOWN_REFERENCE"],
        ("involvements.csv", 4): ["INVALID_CODE"],
        ("persons.csv", 3): ["DUPLICATE_KEY"],
        ("persons.csv", 4): ["FORMULA_INJECTION"],
    }
    messages = {(r["file"], r["row_number"]): r["message"] for r in rows}
    assert "persons.csv row 4" in messages[("persons.csv", 4)]
    assert "forenames" in messages[("persons.csv", 4)]
    assert "I9" in messages[("involvements.csv", 2)]


def test_manifest_mismatch_rejects_the_whole_delivery(engine: Engine, tmp_path: Path) -> None:
    folder = police_delivery(tmp_path / "d", overrides={"incidents.csv": {"rows": 5}})
    with pytest.raises(DeliveryRejected, match=r"incidents.csv: rows expected 5, actual 2"):
        ingest_delivery(engine, folder)
    assert _count(engine, t.delivery) == 0 and _count(engine, t.source_record) == 0


def test_correction_delivery_resolves_quarantined_rows(engine: Engine, tmp_path: Path) -> None:
    bad = [["N1", "Jane", "=Smith", "1990-04-01", "F", "1 High Street", "LS6 2AB", ""]]
    ingest_delivery(engine, police_delivery(tmp_path / "d1", persons=bad, involvements=[]))
    good = [["N1", "Jane", "Smith", "1990-04-01", "F", "1 High Street", "LS6 2AB", ""]]
    second = ingest_delivery(
        engine,
        police_delivery(
            tmp_path / "d2", persons=good, involvements=[], extracted_at="2026-11-21T06:00:00Z"
        ),
    )
    with UnitOfWork(engine) as uow:
        row = uow.connection.execute(select(t.quarantined_row)).mappings().one()
    assert row["status"] == "resolved" and row["resolved_by_delivery_id"] == second.delivery_id


def test_every_new_record_gets_its_first_version_in_record_order(
    engine: Engine, tmp_path: Path
) -> None:
    """Version 1 of each new source record (on SQLite copied from the records just written,
    on PostgreSQL sent with them): the record's digest, no payload of its own, the delivery
    that brought it, and version rows in the order of their records, delivery after delivery."""
    ingest_delivery(engine, police_delivery(tmp_path / "d1"))
    ingest_delivery(
        engine, police_delivery(tmp_path / "d2", persons=MOVED, extracted_at="2026-11-27T06:00:00Z")
    )
    v, r = t.source_record_version.c, t.source_record.c
    with engine.connect() as connection:
        firsts = connection.execute(
            select(v.source_record_id, v.content_sha256, v.payload, v.delivery_id)
            .where(v.version == 1)
            .order_by(v.id)
        ).all()
        records = connection.execute(
            select(r.id, r.content_sha256, r.version, r.first_delivery_id).order_by(r.id)
        ).all()
    assert [f.source_record_id for f in firsts] == [rec.id for rec in records]
    assert [f.delivery_id for f in firsts] == [rec.first_delivery_id for rec in records]
    # a record not changed since: its first version holds its digest and no payload (a
    # superseded one was given the record's payload when the change came)
    unchanged = {rec.id: rec.content_sha256 for rec in records if rec.version == 1}
    assert unchanged and len(unchanged) < len(records)
    assert all(f.payload is None for f in firsts if f.source_record_id in unchanged)
    assert all(
        f.content_sha256 == unchanged[f.source_record_id]
        for f in firsts
        if f.source_record_id in unchanged
    )
