"""The exchange follows each delivery (``services.exchange_follow``), in one process: a
delivery ingested with partners configured makes the exchange due; the alerts worker's cycle
tries the partner and, when it cannot be reached, goes on and tries again later, with the
retry kept in the store; a live claim by another worker is left alone, a dead one taken
over. The loopback test (tests/web/test_exchange_follows_deliveries.py) runs the whole way
over HTTP: the partner down, then up, the summaries received once."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from joinedup import bootstrap, services
from joinedup.alerts import worker
from joinedup.services import exchange_follow
from joinedup.services.alerts import worker_duties
from joinedup.store.audit_tables import audit_entry
from joinedup.store.exchange_tables import exchange_due
from joinedup.store.exchange_tables import exchange_follow as follow_table
from tests.support import partnerships

from .conftest import MOVED_POSTCODE, Pair


def deliver_movers(pair: Pair) -> None:
    """Otherbury ingests a school census with two of Exampleshire's children in it."""
    bootstrap.wire()
    folder, _ = partnerships.mover_delivery(
        pair.a, list(pair.movers)[:2], pair.folder / "movers", MOVED_POSTCODE
    )
    with pair.sides["otherbury"].active():
        report = services.ingest(pair.b, folder)
    assert report.status == "ingested"


def cycle(pair: Pair, worker_id: str = "test-worker") -> worker.CycleReport:
    with pair.sides["otherbury"].active():
        return worker.cycle(pair.b, worker_id, stop=threading.Event(), duties=worker_duties())


def state(pair: Pair) -> object:
    with pair.b.connect() as b:
        return b.execute(select(follow_table)).one()


def test_a_delivery_makes_the_exchange_due_only_with_partners(pair: Pair) -> None:
    bootstrap.wire()
    folder, _ = partnerships.mover_delivery(
        pair.a, list(pair.movers)[:1], pair.folder / "one", MOVED_POSTCODE
    )
    services.ingest(pair.b, folder)  # no JOINEDUP_EXCHANGE_PARTNERS here
    with pair.b.connect() as b:
        assert b.execute(select(func.count()).select_from(exchange_due)).scalar() == 0
    deliver_movers(pair)
    with pair.b.connect() as b:
        assert b.execute(select(func.count()).select_from(exchange_due)).scalar() == 1


def test_a_partner_that_cannot_be_reached_is_tried_again_later(pair: Pair) -> None:
    deliver_movers(pair)
    report = cycle(pair)  # the partner's URL is a closed port: the cycle goes on
    assert report.exchanges_deferred == 1 and report.exchanges_run == 0
    assert report.cycles_failed == 0
    assert any("could not be reached" in e for e in report.errors)
    first = state(pair)
    assert first.attempts == 1 and first.done_through == 0 and first.claimed_by is None
    assert first.next_attempt_at is not None
    # Before its next attempt the partner is left alone; the retry is in the store.
    assert cycle(pair).exchanges_deferred == 0
    assert state(pair).attempts == 1
    with pair.b.begin() as b:  # time passes
        b.execute(update(follow_table).values(next_attempt_at=datetime.now(UTC) - timedelta(1)))
    assert cycle(pair).exchanges_deferred == 1
    assert state(pair).attempts == 2
    with pair.b.connect() as b:
        deferred = b.execute(select(audit_entry.c.details).where(
            audit_entry.c.kind == "EXCHANGE_DEFERRED")).scalars().all()  # fmt: skip
    assert [d["attempts"] for d in deferred] == [1, 2]
    assert all(d["unreachable"] and d["partner"] == "exampleshire" for d in deferred)
    (shown,) = exchange_follow.status(pair.b)  # what `joinedup exchange status` prints
    assert shown["partner"] == "exampleshire" and not shown["up_to_date"]
    assert shown["attempts"] == 2 and "could not be reached" in shown["last_error"]


def test_the_wait_doubles_and_is_capped() -> None:
    waits = [exchange_follow.backoff(n) for n in range(1, 14)]
    assert waits[0] == exchange_follow.BACKOFF_BASE
    assert all(b == min(2 * a, exchange_follow.BACKOFF_MAX) for a, b in zip(waits, waits[1:]))
    assert waits[-1] == exchange_follow.BACKOFF_MAX


def test_a_partner_claimed_by_a_live_worker_is_left_to_it(pair: Pair) -> None:
    deliver_movers(pair)
    cycle(pair)  # makes the partner's row (one deferred attempt)
    later = datetime.now(UTC) + timedelta(minutes=10)
    with pair.b.begin() as b:
        b.execute(update(follow_table).values(
            next_attempt_at=None, claimed_until=later, claimed_by="elsewhere:1:1"))  # fmt: skip
    assert cycle(pair).exchanges_deferred == 0  # another host's worker holds it
    # A worker on this host that has ended (a restart): its claim is taken over at once.
    dead = f"{os.uname().nodename}:{2**22 + 12345}:1"
    with pair.b.begin() as b:
        b.execute(update(follow_table).values(claimed_by=dead))
    assert cycle(pair).exchanges_deferred == 1
