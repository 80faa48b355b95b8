"""Agreements in the store and on the command line: load, version, supersede, list, show,
diff; every load audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.errors import Conflict
from joinedup.governance import agreement_store
from joinedup.governance.agreements import EXAMPLES, shipped_agreements
from joinedup.store import UnitOfWork
from joinedup.store.audit_tables import audit_entry

runner = CliRunner()


@pytest.fixture
def cli_store(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return engine


def encompass(version: int, **changes) -> dict:
    doc = yaml.safe_load((EXAMPLES / "operation_encompass.yaml").read_text())
    doc["version"] = version
    doc.update(changes)
    return doc


def test_versions_are_kept_and_the_newest_is_current(engine: Engine) -> None:
    oe = next(a for a in shipped_agreements() if a.id == "EXM-OE-002")
    v2 = oe.model_copy(update={"version": 2, "review_by": oe.review_by.replace(month=3)})
    with UnitOfWork(engine) as uow:
        c = uow.connection
        assert agreement_store.save(c, oe, source="a.yaml", loaded_by="dpo").status == "loaded"
        assert agreement_store.save(c, oe, source="a.yaml", loaded_by="dpo").status == "unchanged"
        outcome = agreement_store.save(c, v2, source="b.yaml", loaded_by="dpo")
        assert (outcome.status, outcome.superseded) == ("loaded", 1)
        uow.commit()
    with engine.connect() as c:
        assert [a.key for a in agreement_store.current_agreements(c)] == ["EXM-OE-002 v2"]
        assert agreement_store.get(c, "EXM-OE-002", 1) == oe
        assert [
            (h["version"], h["superseded_at"] is None)
            for h in agreement_store.history(c, "EXM-OE-002")
        ] == [(2, True), (1, False)]
        loads = (
            c.execute(select(audit_entry.c.details).where(audit_entry.c.kind == "AGREEMENT_LOADED"))
            .scalars()
            .all()
        )
    assert [(d["version"], d["superseded_version"]) for d in loads] == [(1, None), (2, 1)]


def test_a_loaded_version_is_never_edited_in_place_nor_replaced_by_an_older_one(
    engine: Engine,
) -> None:
    oe = next(a for a in shipped_agreements() if a.id == "EXM-OE-002")
    with UnitOfWork(engine) as uow:
        agreement_store.save(uow.connection, oe, source="a.yaml", loaded_by="dpo")
        with pytest.raises(Conflict, match="already loaded with different content"):
            agreement_store.save(
                uow.connection,
                oe.model_copy(update={"title": "Changed title"}),
                source="b.yaml",
                loaded_by="dpo",
            )
        agreement_store.save(
            uow.connection, oe.model_copy(update={"version": 3}), source="c.yaml", loaded_by="dpo"
        )
        with pytest.raises(Conflict, match="EXM-OE-002 v2 is older than the loaded version 3"):
            agreement_store.save(
                uow.connection,
                oe.model_copy(update={"version": 2}),
                source="d.yaml",
                loaded_by="dpo",
            )


def test_cli_load_list_show_and_validation_errors(cli_store: Engine, tmp_path: Path) -> None:
    result = runner.invoke(app, ["agreements", "load", str(EXAMPLES), "--json", "--by", "dpo"])
    assert result.exit_code == 0, result.output
    loaded = json.loads(result.stdout)
    assert {o["agreement"]: o["status"] for o in loaded["loaded"]} == {
        "EXM-EH-003 v1": "loaded",
        "EXM-MASH-001 v4": "loaded",
        "EXM-OE-002 v1": "loaded",
    }
    assert loaded["conflicts"] == []
    listed = json.loads(runner.invoke(app, ["agreements", "list", "--json"]).stdout)
    assert [a["agreement_id"] for a in listed["agreements"]] == [
        "EXM-EH-003",
        "EXM-MASH-001",
        "EXM-OE-002",
    ]
    shown = runner.invoke(app, ["agreements", "show", "EXM-OE-002@1", "--json"])
    assert json.loads(shown.stdout)["flows"][0]["items"] == ["domestic_abuse"]
    missing = runner.invoke(app, ["agreements", "show", "NOPE-1"])
    assert missing.exit_code == 4 and "no agreement NOPE-1" in missing.output
    bad = encompass(2)
    bad["flows"][0]["items"] = ["domestic_abuse", "nonsense"]
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(bad))
    refused = runner.invoke(app, ["agreements", "load", str(tmp_path / "bad.yaml")])
    assert refused.exit_code == 2
    message = " ".join(refused.output.split())
    assert "bad.yaml: flows[0] (police-to-schools).items[1]: unknown data item 'nonsense'" in (
        message
    )
    with UnitOfWork(cli_store) as uow:  # nothing of a refused load is stored
        assert [h["version"] for h in agreement_store.history(uow.connection, "EXM-OE-002")] == [1]
    checked = runner.invoke(app, ["agreements", "load", "--check", str(EXAMPLES)])
    assert checked.exit_code == 0 and "valid EXM-MASH-001 v4" in checked.output


def test_cli_shows_conflicts_side_by_side(cli_store: Engine, tmp_path: Path) -> None:
    rival = encompass(1, id="EXM-OE-LOCAL")
    rival["flows"][0]["retention"]["period"] = "P1Y"
    (tmp_path / "rival.yaml").write_text(yaml.safe_dump(rival))
    result = runner.invoke(app, ["agreements", "load", str(EXAMPLES), str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "1 conflicting share(s)" in result.output
    assert "EXM-OE-LOCAL" in result.output and "retention" in result.output
    diff = json.loads(runner.invoke(app, ["agreements", "diff", "--json"]).stdout)
    (conflict,) = diff["conflicts"]
    assert conflict["field"] == "police.domestic_abuse"
    assert [d["term"] for d in conflict["differences"]] == ["retention"]
    pair = json.loads(
        runner.invoke(app, ["agreements", "diff", "EXM-OE-002", "EXM-OE-LOCAL", "--json"]).stdout
    )
    assert {
        "what": "flow police-to-schools: retention",
        "left": "P25Y from the child's date of birth (kept on the school's child protection file)",
        "right": "P1Y from the child's date of birth (kept on the school's child protection file)",
    } in pair["rows"]


def test_the_agreements_fingerprint_is_read_once_per_transaction(engine: Engine) -> None:
    """Every governed decision asks which agreements are current; a transaction asks the
    store once, unless it loads an agreement itself, and the next transaction asks again."""
    from sqlalchemy import event

    oe = next(a for a in shipped_agreements() if a.id == "EXM-OE-002")
    v2 = oe.model_copy(update={"version": 2, "review_by": oe.review_by.replace(month=3)})
    reads: list[str] = []

    def count(_c: object, _cur: object, statement: str, *_: object) -> None:
        if "FROM agreement_version" in statement and "content_sha256" in statement:
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with UnitOfWork(engine) as uow:
            c = uow.connection
            agreement_store.save(c, oe, source="a.yaml", loaded_by="dpo")
            first = agreement_store.fingerprint(c)
            assert agreement_store.fingerprint(c) == first == (("EXM-OE-002", 1, first[0][2]),)
            reads_after_two = len(reads)
            agreement_store.save(c, v2, source="b.yaml", loaded_by="dpo")  # forgets it
            assert [v for _, v, _ in agreement_store.fingerprint(c)] == [2]
            uow.commit()
        with engine.connect() as c:
            assert [v for _, v, _ in agreement_store.fingerprint(c)] == [2]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    fingerprint_reads = [r for r in reads if "superseded_at IS NULL" in r]
    assert reads_after_two >= 1
    assert len(fingerprint_reads) == 3  # once, again after the load, once more next time
