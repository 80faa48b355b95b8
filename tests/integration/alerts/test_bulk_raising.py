"""A delivery's alerts raised as a set (``raising_bulk``) are the alerts ``raise_alert`` gives
one finding at a time: the same duplicates, folds (into a stored alert and into one raised
earlier in the same set), hourly email limit, content, outbox messages and audit entries,
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, select

from joinedup.alerts import raising, raising_bulk, routing
from joinedup.alerts.evaluate import Finding
from joinedup.alerts.rules import RULES
from joinedup.config import alert_settings
from joinedup.governance.audit import verify_log
from joinedup.governance.audit.heads import trusted_keys
from joinedup.services import EXAMPLE_AGREEMENTS, load_agreements
from joinedup.store.alert_tables import alert, alert_message
from joinedup.store.audit_tables import audit_entry, audit_tree_head
from tests.support.alerts import social_worker

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)


def _recipient(key: str) -> routing.Recipient:
    return social_worker(key)


def _finding(child: str, cause: str, rule: str = "MISSING_EPISODES") -> Finding:
    episodes = {"episodes_in_90_days": 3, "latest": "2026-01-05"}
    return Finding(
        RULES[rule],
        child,
        [],
        cause,
        date(2026, 1, 5),
        NOW,
        {"police.missing_reports": episodes, "social_care.missing_episodes": episodes},
        f"missing ({cause})",
    )


A, B = _recipient("worker.a"), _recipient("worker.b")
# In order: raised; folded into it (same rule, child, recipient); the same cause again (a
# duplicate); four more children to A (five alerts: beyond the limit of 3 emails an hour,
# the last two wait); one to B; one to B that folds into B's alert raised before this set.
SET = [
    (_finding("P1", "c1"), A),
    (_finding("P1", "c2"), A),
    (_finding("P1", "c1"), A),
    (_finding("P2", "c3"), A),
    (_finding("P3", "c4"), A),
    (_finding("P4", "c5"), A),
    (_finding("P5", "c6"), A),
    (_finding("P1", "c1"), B),
    (_finding("P9", "c8"), B),
]
BEFORE = (_finding("P9", "c7"), B)


def _state(connection: Connection, results: list[tuple[int | None, str]]) -> dict[str, Any]:
    key_of = dict(connection.execute(select(alert.c.id, alert.c.dedup_key)).all())
    alerts = [
        (r.dedup_key, r.occurrences, r.shared, r.title, r.content, r.recipient_email)
        for r in connection.execute(select(alert).order_by(alert.c.dedup_key))
    ]
    messages = sorted(
        (key_of[m.alert_id], m.channel, m.target, m.next_attempt_at.replace(tzinfo=UTC) > NOW)
        for m in connection.execute(select(alert_message))
    )
    audit = [
        (e.kind, e.actor, e.subject, e.details)
        for e in connection.execute(select(audit_entry).order_by(audit_entry.c.seq))
    ]
    heads = list(connection.execute(select(audit_tree_head.c.tree_size)).scalars())
    outcomes = [(None if i is None else key_of[i], what) for i, what in results]
    return {
        "alerts": alerts,
        "messages": messages,
        "audit": audit,
        "heads": sorted(heads),
        "outcomes": outcomes,
    }


def _raise(engine: Engine, bulk: bool) -> dict[str, Any]:
    settings = alert_settings()
    with engine.connect() as connection:
        transaction = connection.begin()
        raising.raise_alert(connection, BEFORE[0], BEFORE[1], settings, NOW - timedelta(hours=1))
        if bulk:
            routed = [raising_bulk.Routed(f, r, None) for f, r in SET]
            results = raising_bulk.raise_alerts(connection, routed, settings, NOW)
        else:
            results = [raising.raise_alert(connection, f, r, settings, NOW) for f, r in SET]
        state = _state(connection, results)
        assert verify_log(connection, trusted_keys(engine.url)).ok
        transaction.rollback()
    return state


def test_a_set_raises_what_one_at_a_time_raises(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_agreements(engine, sorted(EXAMPLE_AGREEMENTS.glob("*.yaml")), loaded_by="test")
    monkeypatch.setattr(raising, "MESSAGES_PER_HOUR", 3)
    monkeypatch.setenv("JOINEDUP_AUDIT_CHECKPOINT_EVERY", "4")  # the set crosses a head

    one_at_a_time, as_a_set = _raise(engine, bulk=False), _raise(engine, bulk=True)

    assert as_a_set == one_at_a_time
    whats = [what for _, what in as_a_set["outcomes"]]
    assert whats == ["raised", "folded", "duplicate", "raised", "raised"] + [
        "raised",
        "raised",
        "raised",
        "folded",
    ]
    assert [waits for *_, waits in as_a_set["messages"]].count(True) == 2
    assert [a for a in as_a_set["alerts"] if a[0].startswith("MISSING_EPISODES|P1|c1|worker.a")][0][
        1
    ] == 2
    assert sum(1 for e in as_a_set["audit"] if e[0] == "ACCESS") == 7
    assert as_a_set["heads"] == [4, 8]
