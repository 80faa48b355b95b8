"""Late deliveries (issue 23): an agency with nothing received for longer than its schedule is
late, on the data quality report and to every receiver, and is recorded once per silence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from joinedup import services
from joinedup.config import ConfigError, settings
from joinedup.ingest.quality import agency_quality
from joinedup.services.delivery_schedule import late_agencies, warn_late
from joinedup.store.audit_tables import audit_entry
from tests.support.deliveries import police_delivery


def _late_entries(engine: Engine) -> int:
    with engine.connect() as connection:
        query = select(func.count()).where(audit_entry.c.kind == "DELIVERY_LATE")
        return int(connection.execute(query.select_from(audit_entry)).scalar_one())


def test_an_agency_quiet_for_longer_than_its_schedule_is_late_once(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOINEDUP_DELIVERY_SCHEDULE", "police=1h, health=7d")
    services.ingest(engine, police_delivery(tmp_path / "p"), link=False)
    now = datetime.now(UTC)
    on_time = {e["agency"]: e["late"] for e in late_agencies(engine, now)}
    assert on_time == {"health": True, "police": False}  # health has never delivered
    later = now + timedelta(hours=2)
    police = next(e for e in late_agencies(engine, later) if e["agency"] == "police")
    assert police["late"] and police["hours_since_received"] >= 2
    assert {e["agency"] for e in warn_late(engine, later)} == {"health", "police"}
    assert warn_late(engine, later + timedelta(hours=1)) == []  # once per silence
    assert _late_entries(engine) == 2
    with engine.connect() as connection:
        timeliness = agency_quality(connection, "police", later)["timeliness"]
    assert (timeliness["late"], timeliness["expected_every_hours"]) == (True, 1.0)
    services.ingest(engine, police_delivery(tmp_path / "p2", extracted_at="2026-12-01T00:00:00Z"))
    after = next(e for e in late_agencies(engine) if e["agency"] == "police")
    assert after["late"] is False


def test_a_schedule_that_cannot_be_read_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JOINEDUP_DELIVERY_SCHEDULE", "police=daily")
    with pytest.raises(ConfigError, match="JOINEDUP_DELIVERY_SCHEDULE") as raised:
        settings()
    assert "\n" not in str(raised.value)
