"""Parsing a delivery in a second process keeps every guarantee of parsing it in one.

Both paths run the same parse-side and writer functions; these tests force each path with
``JOINEDUP_INGEST_PARSE_PROCESS`` on small deliveries and check that they store the same
bytes, report the same counts, reject with the same message, and that a parsing process that
raises or dies fails the ingest cleanly, with the store left as it was.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy import types as sa_types

from joinedup.errors import DeliveryRejected
from joinedup.ingest import parse_process
from joinedup.ingest.manifest import read_manifest
from joinedup.ingest.parse_process import ParseProcessFailed
from joinedup.ingest.pipeline import (
    PARSE_PROCESS_ROWS,
    PARSE_PROCESS_SETTING,
    _parse_in_second_process,
    ingest_delivery,
)
from joinedup.store import make_engine, upgrade
from joinedup.store import tables as t
from tests.integration.ingest import parse_faults
from tests.support.hostile import big_housing_delivery, police, table_counts

WALL_CLOCK = {"received_at", "created_at", "recorded_at", "published_at"}


def _digests(engine: Engine) -> dict[str, str]:
    """Every table's rows in key order, hashed (when a row was written left out)."""
    found = {}
    with engine.connect() as connection:
        for table in t.metadata.sorted_tables:
            columns = [
                c
                for c in table.columns
                if not (isinstance(c.type, sa_types.DateTime) and c.name in WALL_CLOCK)
            ]
            rows = connection.execute(select(*columns).order_by(*table.primary_key.columns))
            text = "\n".join(repr(tuple(row)) for row in rows)
            found[table.name] = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return found


def _changed_delivery(source: Path, folder: Path) -> Path:
    """``source`` delivered again later, with one person's surname changed."""
    shutil.copytree(source, folder)
    persons = folder / "persons.csv"
    lines = persons.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[1].split(",")
    cells[2] = cells[2] + "-Changed"
    lines[1] = ",".join(cells)
    persons.write_text("".join(lines), encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["extracted_at"] = "2026-11-15T09:00:00Z"
    for entry in manifest["files"]:
        entry["sha256"] = hashlib.sha256((folder / entry["path"]).read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def _ingest_all(
    monkeypatch: pytest.MonkeyPatch, where: str, store: Path, folders: list[Path]
) -> tuple[dict[str, str], list[dict[str, Any]], list[tuple[str, int, int]]]:
    monkeypatch.setenv(PARSE_PROCESS_SETTING, where)
    engine = make_engine(f"sqlite:///{store}")
    upgrade(engine)
    reports, progress = [], []
    try:
        for folder in folders:
            report = ingest_delivery(
                engine, folder, progress=lambda *done: progress.append(done)
            ).to_dict()
            report.pop("folder")
            reports.append(report)
        return _digests(engine), reports, progress
    finally:
        engine.dispose()


@pytest.mark.slow
def test_both_paths_store_the_same_bytes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from joinedup.synth import generate_partnership

    partnership = tmp_path / "p"
    generate_partnership(partnership, children=150, seed=3)
    folders = sorted(p for p in partnership.iterdir() if (p / "manifest.json").exists())
    folders = [f for f in folders if f.name != "truth"]
    later = _changed_delivery(partnership / "housing", tmp_path / "housing-later")
    # every agency; the housing delivery again (unchanged); a later one with a changed row
    folders += [partnership / "housing", later]

    here = _ingest_all(monkeypatch, "never", tmp_path / "here.db", folders)
    apart = _ingest_all(monkeypatch, "always", tmp_path / "apart.db", folders)

    digests, reports, progress = here
    assert apart[0] == digests
    assert apart[1] == reports
    assert {p[0]: p[1:] for p in apart[2]} == {p[0]: p[1:] for p in progress}
    assert {r["agency"] for r in reports} >= {"health", "social_care", "police", "education"}
    assert reports[-2]["status"] == "unchanged"
    assert reports[-1]["updated"] == 1 and reports[-1]["inserted"] == 0
    for report in reports:  # nothing lost: every row accepted or quarantined
        for counts in report["files"].values():  # (a file may be empty: no pre-birth plans)
            assert counts["rows"] == counts["accepted"] + counts["quarantined"]
        assert sum(c["rows"] for c in report["files"].values()) > 0


def test_a_parsing_process_that_raises_fails_the_ingest_with_its_message(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(PARSE_PROCESS_SETTING, "always")
    monkeypatch.setattr(parse_process, "ENTRY", f"{parse_faults.__name__}:fail_after_first_file")
    folder = police(tmp_path / "police")
    before = table_counts(engine)
    written = []
    with pytest.raises(RuntimeError, match=parse_faults.MESSAGE) as raised:
        ingest_delivery(engine, folder, progress=lambda *done: written.append(done))
    assert not isinstance(raised.value, ParseProcessFailed)  # its own error, as raised there
    assert "fail_after_first_file" in str(raised.value.__cause__)  # with its traceback
    assert written, "the first file was written before the failure"
    assert table_counts(engine) == before


def test_a_parsing_process_that_dies_fails_the_ingest_cleanly(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(PARSE_PROCESS_SETTING, "always")
    monkeypatch.setattr(parse_process, "ENTRY", f"{parse_faults.__name__}:die_after_first_file")
    folder = police(tmp_path / "police")
    before = table_counts(engine)
    written = []
    with pytest.raises(ParseProcessFailed, match=r"stopped without finishing \(exit status -9\)"):
        ingest_delivery(engine, folder, progress=lambda *done: written.append(done))
    assert written, "the first file was written before the process died"
    assert table_counts(engine) == before
    # and the delivery then ingests in full
    monkeypatch.setattr(parse_process, "ENTRY", "joinedup.ingest.parse_side:parse_delivery")
    assert ingest_delivery(engine, folder).status == "ingested"


@pytest.mark.parametrize(
    "incidents",
    [
        "incident_id,occurred_on\nINC1,2026-01-01\n",  # a required column missing
        b"",  # no header at all
    ],
)
def test_a_rejection_in_the_parsing_process_has_the_same_message(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, incidents: str | bytes
) -> None:
    folder = police(tmp_path / "police", incidents=incidents)
    before = table_counts(engine)
    messages = []
    for where in ("never", "always"):
        monkeypatch.setenv(PARSE_PROCESS_SETTING, where)
        with pytest.raises(DeliveryRejected) as rejected:
            ingest_delivery(engine, folder)
        messages.append(str(rejected.value))
        assert table_counts(engine) == before
    assert messages[0] == messages[1]
    assert "incidents.csv" in messages[0]


def test_large_deliveries_are_parsed_in_a_second_process(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    small = read_manifest(big_housing_delivery(tmp_path / "small", 100))
    large = read_manifest(big_housing_delivery(tmp_path / "large", PARSE_PROCESS_ROWS // 3 + 1))
    monkeypatch.delenv(PARSE_PROCESS_SETTING, raising=False)
    monkeypatch.setattr("os.sched_getaffinity", lambda _: {0, 1}, raising=False)
    assert not _parse_in_second_process(small)
    assert _parse_in_second_process(large)
    monkeypatch.setenv(PARSE_PROCESS_SETTING, "never")
    assert not _parse_in_second_process(large)
    monkeypatch.setenv(PARSE_PROCESS_SETTING, "always")
    assert _parse_in_second_process(small)
    monkeypatch.setenv(PARSE_PROCESS_SETTING, "sometimes")
    with pytest.raises(ValueError, match="auto, always or never"):
        _parse_in_second_process(small)
