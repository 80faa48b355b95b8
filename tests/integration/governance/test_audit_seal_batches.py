"""The web app seals the audit log in batches: at most one signed head a second per store,
the requests appending within the second covered by one round at its end (a round per
request held SQLite's write lock as often as the requests did: bench_web's single views fell
from 110 to 71 a second). On SQLite and PostgreSQL."""

from __future__ import annotations

import time

from sqlalchemy import Engine, func, select

from joinedup.governance.audit import append
from joinedup.governance.audit.seal import seal_soon
from joinedup.store.audit_tables import audit_tree_head


def _heads(engine: Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        return (
            int(connection.scalar(select(func.count()).select_from(audit_tree_head)) or 0),
            int(connection.scalar(select(func.max(audit_tree_head.c.tree_size))) or 0),
        )


def _entry(engine: Engine, n: int) -> None:
    with engine.begin() as connection:
        append(connection, kind="TEST", actor="tester", details={"n": n})


def test_requests_within_a_second_share_one_round_at_its_end(engine: Engine) -> None:
    _entry(engine, 0)
    seal_soon(engine, batch_seconds=0.5)
    assert _heads(engine) == (1, 1)  # the first request of a quiet store: sealed at once
    for n in range(1, 6):
        _entry(engine, n)
        seal_soon(engine, batch_seconds=0.5)
    assert _heads(engine) == (1, 1), "the batch waits for its end"
    deadline = time.monotonic() + 10
    while _heads(engine)[1] < 6 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _heads(engine) == (2, 6), "one round covered the five requests of the batch"
