"""A development store made by the per-capability branches that ``0049_base`` replaced.

At every branch's newest revision its schema is the base's (compared on SQLite and
PostgreSQL when the base was made), so ``joinedup db upgrade`` stamps it with the base and
keeps its rows. Part way along the old branches it is not, and it is told to rebuild.
"""

from __future__ import annotations

import json

import pytest
from alembic import command
from sqlalchemy import Engine, func, insert, select, text
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.store import is_up_to_date, upgrade
from joinedup.store import tables as t
from joinedup.store.migrate import (
    BASE,
    LEGACY_HEADS,
    OldHistory,
    alembic_config,
    current_revision,
    head_revision,
)
from joinedup.store.opening import SchemaOutOfDate, open_store


def _at(engine: Engine, revisions: set[str]) -> None:
    """Make the store look as if these revisions were the applied ones (its schema first
    taken back to the base's: revisions after the base are not in a store the old branches
    made)."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, BASE)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM alembic_version"))
        for revision in sorted(revisions):
            connection.execute(
                text("INSERT INTO alembic_version (version_num) VALUES (:r)"), {"r": revision}
            )


def _people(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(t.person)).scalar_one())


def test_one_head_and_an_empty_store_reaches_it(engine: Engine) -> None:
    head = head_revision(engine)
    assert head and "," not in head
    assert current_revision(engine) == head


def test_a_store_at_the_old_heads_is_stamped_with_the_base_and_keeps_its_rows(
    engine: Engine,
) -> None:
    with engine.begin() as connection:
        connection.execute(insert(t.person).values(id="P1", created_at=func.now()))
    _at(engine, set(LEGACY_HEADS))
    assert not is_up_to_date(engine)
    with pytest.raises(SchemaOutOfDate):
        open_store(engine.url.render_as_string(hide_password=False))
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)
    assert _people(engine) == 1


@pytest.mark.parametrize(
    "revisions",
    [
        {"0001"},
        set(LEGACY_HEADS) - {"0041_sign_in_throttle"} | {"0006_accounts"},
    ],
    ids=["initial-only", "one-branch-behind"],
)
def test_a_store_part_way_along_the_old_branches_is_told_to_rebuild(
    engine: Engine, revisions: set[str]
) -> None:
    _at(engine, revisions)
    with pytest.raises(OldHistory, match="rebuild") as raised:
        upgrade(engine)
    assert "\n" not in str(raised.value)
    assert set((current_revision(engine) or "").split(",")) == revisions  # left as it was


def test_the_cli_stamps_an_old_store_and_status_shows_the_one_head(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    _at(engine, set(LEGACY_HEADS))
    head = head_revision(engine)
    status = json.loads(runner.invoke(app, ["db", "status", "--json"]).stdout)
    assert status["head"] == head and status["up_to_date"] is False
    result = runner.invoke(app, ["db", "upgrade", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["to"] == head
    status = json.loads(runner.invoke(app, ["db", "status", "--json"]).stdout)
    assert status == {"current": head, "head": head, "up_to_date": True}

    _at(engine, {"0001", "0002_audit"})
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == OldHistory.exit_code
    assert "rebuild" in result.output and len(result.output.strip().splitlines()) == 1
