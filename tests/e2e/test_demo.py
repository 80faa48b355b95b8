"""The README's first command: `joinedup demo` generates, ingests, links and loads agreements."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from joinedup.cli import app


def test_demo_loads_links_and_is_idempotent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    runner = CliRunner()

    first = runner.invoke(app, ["demo", "--children", "150", "--seed", "4", "--json", "--no-serve"])
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert sorted(summary["deliveries"]) == sorted([
        "adult_mental_health", "education", "health", "housing", "police", "probation",
        "social_care", "substance_misuse"])  # fmt: skip
    for agency, figures in summary["deliveries"].items():
        assert figures["status"] == "ingested", agency
        assert figures["rows"] == figures["accepted"] + figures["quarantined"], agency
    # many records, fewer people: records of one person across agencies were joined
    assert 0 < summary["linkage"]["persons"] < summary["linkage"]["records"]
    assert sorted(summary["agreements"]) == ["EXM-EH-003 v1", "EXM-MASH-001 v4", "EXM-OE-002 v1"]
    assert (tmp_path / "partnership" / "truth" / "records.csv").exists()
    # one demo account per role, and nothing served with --no-serve
    assert len({u["role"] for u in summary["users"]}) == 8
    assert summary["url"] is None

    again = runner.invoke(app, ["demo", "--children", "150", "--seed", "4", "--json", "--no-serve"])
    assert again.exit_code == 0, again.output
    second = json.loads(again.stdout)
    assert {f["status"] for f in second["deliveries"].values()} == {"unchanged"}
    assert second["linkage"]["persons"] == summary["linkage"]["persons"]
