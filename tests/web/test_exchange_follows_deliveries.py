"""The exchange follows each delivery, on loopback (issue 24): Exampleshire's joinedup on
PostgreSQL and Otherbury's on SQLite. Children move from Exampleshire to Otherbury; their
first records in Otherbury come in a school's delivery. Nobody runs ``joinedup exchange``:
Otherbury's alerts worker (``joinedup alerts worker --once``, a new process each time, as
after a restart) finds Exampleshire down, goes on and tries again later; once Exampleshire
is up, the movers' summaries reach Otherbury's MASH, with a transfer-in case for each child
on a plan, once: later cycles and later deliveries tell the MASH nothing new."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from joinedup.store import make_engine
from joinedup.store.alert_tables import alert
from joinedup.store.exchange_tables import exchange_follow, exchange_summary, transfer_in_case
from tests.support import loopback, partnerships

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not loopback.has_postgres(), reason="needs JOINEDUP_TEST_DATABASE_URL"),
]


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[loopback.Loopback]:
    yield from loopback.started(tmp_path_factory.mktemp("follow"), moved=False, serving=())


def worker_once(loop: loopback.Loopback) -> dict[str, Any]:
    done = loop.cli("otherbury", "alerts", "worker", "--once", "--json")
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def told(loop: loopback.Loopback) -> dict[str, int]:
    """What Otherbury's MASH has been told and what it tracks."""
    engine = make_engine(loop.sides["otherbury"].url)
    try:
        with engine.connect() as b:
            rules = b.execute(select(alert.c.rule_id, func.count()).where(
                alert.c.recipient_kind == "MASH",
                alert.c.rule_id.in_(("TRANSFER_IN", "EXCHANGE_SUMMARY")),
            ).group_by(alert.c.rule_id)).all()  # fmt: skip
            summaries = b.execute(select(func.count()).select_from(exchange_summary)).scalar()
            cases = b.execute(select(func.count()).select_from(transfer_in_case)).scalar()
            retry = b.execute(select(exchange_follow.c.next_attempt_at)).scalar()
    finally:
        engine.dispose()
    return {**{r: int(n) for r, n in rules}, "summaries": int(summaries or 0),
            "cases": int(cases or 0), "retry_in": _seconds_until(retry)}  # fmt: skip


def _seconds_until(when: datetime | None) -> int:
    if when is None:
        return 0
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return max(0, int((when - datetime.now(UTC)).total_seconds()) + 1)


def test_a_movers_first_delivery_reaches_the_mash_with_no_exchange_command(
    loop: loopback.Loopback,
) -> None:
    assert loop.delivery is not None
    ingested = loop.cli("otherbury", "ingest", str(loop.delivery), "--json")
    assert ingested.returncode == 0, ingested.stderr
    # Exampleshire is down: the worker's cycle goes on; the exchange waits to be tried again.
    down = worker_once(loop)
    assert down["exchanges_deferred"] == 1 and down["exchanges_run"] == 0
    assert down["cycles_failed"] == 0
    before = told(loop)
    assert before["summaries"] == before["cases"] == 0
    # Exampleshire comes up; the next worker (a new process) tries again when it is due.
    loop.serve("exampleshire")
    time.sleep(before["retry_in"])
    up = worker_once(loop)
    assert up["exchanges_run"] == 1, up["errors"]
    after = told(loop)
    planned = len(loop.on_plan)
    assert after["summaries"] == len(loop.movers)
    assert after["cases"] == after["TRANSFER_IN"] == planned
    assert after["EXCHANGE_SUMMARY"] == len(loop.movers) - planned
    # Covered: the next cycle has nothing to do, and a later delivery brings nothing new.
    assert worker_once(loop)["exchanges_run"] == 0
    later, _ = partnerships.mover_delivery(
        make_engine(loop.sides["exampleshire"].url), list(loop.movers)[:1],
        loop.folder / "later-delivery", "WM1 5QT",
    )  # fmt: skip
    assert loop.cli("otherbury", "ingest", str(later)).returncode == 0
    assert worker_once(loop)["exchanges_run"] == 1
    assert told(loop) == after
