"""The ingest's outcomes on a synthetic partnership plus every hostile corpus file stay exactly
what they were: each row kept or quarantined with the same reasons, the same findings, the same
counts and the same data-quality reports.

A guard for changes to how rows are read, checked and written (a faster, column-wise path, say):
such a change must not drop, add or reword a single finding. ``tests/data/ingest_outcomes.json.gz``
was written by the row-by-row ingest before any such change; regenerate it only for a change
meant to alter outcomes, and say so in the commit (``JOINEDUP_WRITE_GOLDEN=1`` rewrites it).

Each hostile corpus file replaces the matching file of a copy of the partnership's delivery
(references to it break too, which is more to find), and every delivery goes into one store in
order, so later ones also take the changed-row and quarantine-resolution paths.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from joinedup.errors import DeliveryRejected
from joinedup.ingest import ingest_delivery, pipeline
from joinedup.ingest.manifest import delivered_rows
from joinedup.ingest.quality import agency_quality, all_agencies_quality
from joinedup.services import deliveries_in
from joinedup.store import tables as t
from tests.support.hostile import corpus, police

CORPUS = Path(__file__).resolve().parents[2] / "data" / "hostile"
# gzipped JSON (zcat to read it): some 3,000 quarantined rows and findings, 2.8 MB as text
GOLDEN = Path(__file__).resolve().parents[2] / "data" / "ingest_outcomes.json.gz"
RECEIVED = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
AS_OF = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
LONG_TEXT = 160  # longer texts are kept as their start, length and SHA-256

# corpus file name prefix -> (the partnership's delivery folder, the file it replaces)
REPLACES = {
    "police/persons_": ("police", "persons.csv"),
    "police/incidents_": ("police", "incidents.csv"),
    "health/Patient_": ("health", "Patient.ndjson"),
    "health/Encounter_": ("health", "Encounter.ndjson"),
    "social_care/annex_a_list_1_": ("social_care_annex_a", "list_1.csv"),
    "social_care/ssda903_episodes_": ("social_care_ssda903", "episodes.csv"),
    "social_care/ssda903_header_": ("social_care_ssda903", "header.csv"),
    "social_care/cin_census_": ("social_care_cin_census", "cin_census.xml"),
}


def _hostile_delivery(partnership: Path, corpus_file: Path, out: Path) -> Path | None:
    relative = corpus_file.relative_to(CORPUS).as_posix()
    match = next((v for k, v in REPLACES.items() if relative.startswith(k)), None)
    if match is None:
        return None
    folder_name, replaced = match
    folder = out / relative.replace("/", "__")
    shutil.copytree(partnership / folder_name, folder)
    shutil.copyfile(corpus_file, folder / replaced)
    manifest = json.loads((folder / "manifest.json").read_text())
    for entry in manifest["files"]:
        if entry["path"] == replaced:
            try:
                entry["rows"] = delivered_rows(folder / replaced)
            except Exception:  # a file that cannot be counted: the ingest refuses it
                entry["rows"] = 1
            entry["sha256"] = hashlib.sha256((folder / replaced).read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return folder


def _rows(engine: Engine, table: Any, names: dict[int, str]) -> list[list[Any]]:
    """The table's rows in key order, without their ids, a delivery named by its folder (on
    PostgreSQL a rejected delivery uses up an id, so ids differ between the stores)."""
    columns = [c for c in table.columns if c.name != "id"]
    named = [c.name.endswith("delivery_id") for c in columns]
    with engine.connect() as connection:
        rows = connection.execute(select(*columns).order_by(*table.primary_key.columns)).all()
    return [
        [names.get(v, v) if by_name else _plain(v) for v, by_name in zip(row, named, strict=True)]
        for row in rows
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and len(value) > LONG_TEXT:  # a raw row: its start and digest
        digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
        return f"{value[:LONG_TEXT]}... ({len(value)} characters, sha256 {digest})"
    return value


def _named(value: Any, names: dict[int, str]) -> Any:
    """``value`` with every delivery id (a key ending in delivery_id) named by its folder."""
    if isinstance(value, dict):
        return {
            k: names.get(v, v) if k.endswith("delivery_id") else _named(v, names)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_named(v, names) for v in value]
    return value


def _outcomes(engine: Engine, partnership: Path, hostile: list[Path]) -> dict[str, Any]:
    deliveries: dict[str, Any] = {}
    names: dict[int, str] = {}
    for folder in [*deliveries_in(partnership), *hostile]:
        try:
            report = ingest_delivery(engine, folder, received_at=RECEIVED)
        except DeliveryRejected as error:
            deliveries[folder.name] = {"rejected": str(error).replace(str(folder), "<folder>")}
            continue
        outcome = report.to_dict()
        del outcome["folder"]
        names[outcome.pop("delivery_id")] = folder.name
        deliveries[folder.name] = outcome
    with engine.connect() as connection:
        quality = {
            "all": all_agencies_quality(connection, now=AS_OF),
            **{
                a: agency_quality(connection, a, now=AS_OF)
                for a in sorted({d["agency"] for d in deliveries.values() if "agency" in d})
            },
        }
    return {
        "deliveries": deliveries,
        "quarantined_row": _rows(engine, t.quarantined_row, names),
        "row_finding": _rows(engine, t.row_finding, names),
        "delivery_file": _rows(engine, t.delivery_file, names),
        "quality": _named(json.loads(json.dumps(quality, default=str)), names),
    }


@pytest.fixture(scope="module")
def partnership(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from joinedup.synth import SynthOptions, generate_partnership

    out = tmp_path_factory.mktemp("golden") / "p"
    generate_partnership(out, children=80, seed=31, options=SynthOptions(returns=True))
    return out


# 0: every agency's first delivery written with its indexes built at the end (SQLite), as a
# large first load is (pipeline.DEFERRED_INDEX_ROWS): the same outcomes, the same indexes
@pytest.mark.parametrize("deferred_index_rows", [pipeline.DEFERRED_INDEX_ROWS, 0])
def test_quarantine_findings_and_quality_are_unchanged(
    engine: Engine,
    partnership: Path,
    tmp_path: Path,
    deferred_index_rows: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pipeline, "DEFERRED_INDEX_ROWS", deferred_index_rows)
    indexes = _indexes(engine)
    hostile = [
        folder
        for corpus_file in sorted(CORPUS.rglob("*"))
        if corpus_file.is_file()
        and (folder := _hostile_delivery(partnership, corpus_file, tmp_path)) is not None
    ]
    assert len(hostile) >= 30  # every corpus file that a delivery can carry
    got = json.loads(json.dumps(_outcomes(engine, partnership, hostile), default=str))
    if os.environ.get("JOINEDUP_WRITE_GOLDEN") == "1":
        text = json.dumps(got, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
        GOLDEN.write_bytes(gzip.compress(text.encode("utf-8", "surrogatepass"), mtime=0))
    expected = json.loads(gzip.decompress(GOLDEN.read_bytes()).decode("utf-8", "surrogatepass"))
    # section by section, then delivery by delivery: a failure names what changed
    assert sorted(got) == sorted(expected)
    assert sorted(got["deliveries"]) == sorted(expected["deliveries"])
    for name, outcome in expected["deliveries"].items():
        assert got["deliveries"][name] == outcome, name
    for section in ("quarantined_row", "row_finding", "delivery_file"):
        assert len(got[section]) == len(expected[section]), section
        for got_row, expected_row in zip(got[section], expected[section], strict=True):
            assert got_row == expected_row, section
    assert got["quality"] == expected["quality"]
    assert _indexes(engine) == indexes


def _indexes(engine: Engine) -> list[tuple[str, str, str]]:
    """Every index of the store: name, table, definition (expression indexes too, which
    SQLAlchemy's inspector does not reflect)."""
    query = (
        "SELECT name, tbl_name, coalesce(sql, '') FROM sqlite_master WHERE type = 'index'"
        if engine.dialect.name == "sqlite"
        else "SELECT indexname, tablename, indexdef FROM pg_indexes "
        "WHERE schemaname = current_schema()"
    )
    with engine.connect() as connection:
        return sorted(tuple(row) for row in connection.exec_driver_sql(query))


def test_a_large_first_load_refused_part_way_keeps_its_indexes(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The indexes are dropped in the delivery's transaction: a delivery refused while its
    rows are written (a file lacking a column is found only when it is read) rolls that back
    too."""
    monkeypatch.setattr(pipeline, "DEFERRED_INDEX_ROWS", 0)
    before = _indexes(engine)
    folder = police(tmp_path / "d", persons=corpus("police/persons_missing_column.csv"))
    with pytest.raises(DeliveryRejected, match="missing column"):
        ingest_delivery(engine, folder)
    assert _indexes(engine) == before
