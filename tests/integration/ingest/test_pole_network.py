"""The police's optional places, objects and incident links (``pole-csv/1``, issue 22): every
row kept or quarantined with its reason, kept rows stored for the exploitation network, a
re-delivery replacing what changed, and a delivery without the files as before."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from joinedup.ingest import ingest_delivery
from joinedup.ingest.pipeline import PARSE_PROCESS_SETTING
from joinedup.ingest.pole_network import vrm
from joinedup.store import make_engine, upgrade
from joinedup.store import tables as t
from joinedup.store.pole_tables import pole_entity, pole_incident_link
from tests.support.deliveries import police_delivery
from tests.support.hostile import corpus
from tests.support.pole_network import pole_delivery


def _quarantined(engine: Engine, delivery_id: int) -> dict[tuple[str, int], list[str]]:
    q = t.quarantined_row.c
    with engine.connect() as connection:
        rows = connection.execute(
            select(q.file, q.row_number, q.reason_codes).where(q.delivery_id == delivery_id)
        ).all()
    return {(r.file, r.row_number): sorted(r.reason_codes) for r in rows}


def _entities(engine: Engine) -> dict[str, tuple[str, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(select(pole_entity)).mappings().all()
    return {r["entity_id"]: (r["kind"], r["label"]) for r in rows}


def test_places_objects_and_links_are_stored_with_their_evidence(
    engine: Engine, tmp_path: Path
) -> None:
    report = ingest_delivery(engine, pole_delivery(tmp_path / "d"))

    assert report.total("quarantined") == 0
    assert _entities(engine) == {
        "L1": ("HOTEL", "Station Hotel"),
        "L2": ("SHOP", "Corner Shop"),
        "O1": ("VEHICLE", "AB12 CDE"),  # the registration mark in its written form
        "O2": ("PHONE", "07700 900123"),
    }
    with engine.connect() as connection:
        links = connection.execute(
            select(
                pole_incident_link.c.incident_id,
                pole_incident_link.c.entity_id,
                pole_incident_link.c.role,
                pole_incident_link.c.occurred_on,
                pole_incident_link.c.category,
            ).order_by(pole_incident_link.c.incident_id, pole_incident_link.c.entity_id)
        ).all()
    assert [tuple(r) for r in links][:3] == [
        ("I1", "L1", "SEEN_AT", date(2026, 3, 1), "MISSING_PERSON"),
        ("I1", "O1", "SEEN_IN", date(2026, 3, 1), "MISSING_PERSON"),
        ("I2", "L1", "SEEN_AT", date(2026, 4, 1), "MISSING_PERSON"),
    ]
    assert len(links) == 6


def test_bad_kinds_marks_and_numbers_are_quarantined_or_warned(
    engine: Engine, tmp_path: Path
) -> None:
    folder = pole_delivery(
        tmp_path / "d",
        objects=corpus("police/objects_bad_vrm.csv").decode(),
        links=[["I1", "OBJECT", "O1", "SEEN_IN"]],
    )
    report = ingest_delivery(engine, folder)

    assert _quarantined(engine, report.delivery_id) == {
        ("objects.csv", 2): ["INVALID_VRM"],
        ("objects.csv", 3): ["FORMULA_INJECTION"],
        ("objects.csv", 4): ["INVALID_CODE"],
    }
    # a phone number that is none is a warning: the row is kept, the number left out
    assert _entities(engine)["O6"] == ("PHONE", None)
    assert set(_entities(engine)) == {"L1", "L2", "O1", "O5", "O6"}


def test_dangling_links_are_quarantined_naming_what_is_missing(
    engine: Engine, tmp_path: Path
) -> None:
    folder = pole_delivery(
        tmp_path / "d", links=corpus("police/incident_links_dangling.csv").decode()
    )
    report = ingest_delivery(engine, folder)

    assert _quarantined(engine, report.delivery_id) == {
        ("incident_links.csv", 2): ["UNKNOWN_REFERENCE"],
        ("incident_links.csv", 3): ["UNKNOWN_REFERENCE"],
        ("incident_links.csv", 4): ["INVALID_CODE"],
        ("incident_links.csv", 5): ["INVALID_CODE"],
        ("incident_links.csv", 6): ["UNKNOWN_REFERENCE"],
    }
    with engine.connect() as connection:
        messages = connection.execute(
            select(t.quarantined_row.c.message).order_by(t.quarantined_row.c.row_number)
        ).scalars()
        text = "\n".join(messages)
    assert "incident_links.csv row 2" in text and "incident_id 'I99'" in text
    assert "entity_id 'L1' is not in objects.csv" in text
    with engine.connect() as connection:
        kept = connection.execute(select(pole_incident_link.c.incident_id)).scalars().all()
    assert kept == ["I1"]


def test_a_changed_place_is_replaced_and_a_delivery_without_the_files_still_ingests(
    engine: Engine, tmp_path: Path
) -> None:
    ingest_delivery(engine, pole_delivery(tmp_path / "a"))
    renamed = [["L1", "HOTEL", "Station Hotel (closed)", "LS1 4AP"], ["L2", "SHOP", "", ""]]
    ingest_delivery(
        engine,
        pole_delivery(tmp_path / "b", locations=renamed, extracted_at="2026-11-21T06:00:00Z"),
    )
    assert _entities(engine)["L1"] == ("HOTEL", "Station Hotel (closed)")
    assert _entities(engine)["L2"] == ("SHOP", None)

    report = ingest_delivery(
        engine, police_delivery(tmp_path / "c", extracted_at="2026-11-22T06:00:00Z")
    )
    assert report.total("quarantined") == 0


def test_registration_marks_in_every_uk_format() -> None:
    assert vrm("ab12cde") == "AB12 CDE"
    assert vrm("A123 BCD") == "A123 BCD"
    assert vrm("ABC 123D") == "ABC 123D"
    assert vrm("1234 AB") == "1234 AB"
    assert vrm("AB12 CD3E") is None
    assert vrm("") is None


@pytest.mark.parametrize("where", ["never", "always"])
def test_both_parse_paths_store_the_network_rows(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, where: str
) -> None:
    """Parsed in this process or in a second one (rows cross by pickle), the same rows."""
    monkeypatch.setenv(PARSE_PROCESS_SETTING, where)
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine)
    try:
        ingest_delivery(engine, pole_delivery(tmp_path / "d"))
        assert _entities(engine)["O1"] == ("VEHICLE", "AB12 CDE")
        with engine.connect() as connection:
            links = connection.execute(select(pole_incident_link.c.occurred_on)).scalars().all()
        assert len(links) == 6 and date(2026, 3, 1) in links
    finally:
        engine.dispose()
