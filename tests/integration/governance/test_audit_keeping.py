"""Keeping the audit log as services (issue 18): signing a head, rotating the signing key
and verifying are use cases the command line calls, not work done in the command itself.
On SQLite and PostgreSQL."""

# ruff: noqa: F811  (pytest fixtures imported from audit_fixtures are test arguments)

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, select

from joinedup.governance.audit import append
from joinedup.services import audit_log
from joinedup.store.audit_tables import audit_entry
from tests.integration.governance.audit_fixtures import (  # noqa: F401  (fixtures)
    audit_key_dir,
    engine,
    migrated_store,
)


def entries(engine: Engine, n: int) -> None:
    with engine.begin() as connection:
        for i in range(n):
            append(connection, kind="ACCESS", actor="w", details={"n": i})


def test_a_checkpoint_signs_every_entry_and_is_witnessed(engine: Engine, tmp_path: Path) -> None:
    assert audit_log.checkpoint(engine) is None  # an empty log: nothing to sign
    entries(engine, 3)
    head = audit_log.checkpoint(engine)
    assert head is not None and head.tree_size == 3
    witnessed = (tmp_path / "audit-witness.log").read_text().splitlines()
    assert json.loads(witnessed[-1])["root_hash"] == head.root_hash


def test_a_rotation_is_logged_by_whoever_rotates_and_old_heads_still_verify(
    engine: Engine,
) -> None:
    entries(engine, 2)
    audit_log.checkpoint(engine)
    before = audit_log.public_key(engine)["key_id"]
    rotated = audit_log.rotate_signing_key(engine, actor="ops")
    assert rotated["old_key_id"] == before != rotated["new_key_id"]
    assert audit_log.public_key(engine)["key_id"] == rotated["new_key_id"]
    with engine.connect() as connection:
        logged = connection.execute(
            select(audit_entry.c.actor, audit_entry.c.details).where(
                audit_entry.c.kind == "AUDIT_KEY_ROTATED"
            )
        ).one()
    assert logged.actor == "ops"
    assert logged.details["new_key_id"] == rotated["new_key_id"]
    result = audit_log.verify(engine)
    assert result.ok and result.heads_checked == 2 and result.unsigned_tail == 0
