"""Issue 17: no one item can stop the alerts worker. A fault at each stage (rule evaluation,
policy decision, rendering, SMTP, webhook, escalation, re-scoring, concern relay) fails
that one item: every other item is still delivered, the failed one is a dead letter with
its stage and a reason without personal data, it is tried again with backoff, the loop
goes on, and the operator hears of it once. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from joinedup.alerts import dead_letters
from joinedup.store.alert_tables import alert, alert_message, alert_trigger
from joinedup.store.audit_tables import audit_entry
from joinedup.store.risk_tables import risk_rescore_request
from joinedup.store.tables import outbox

from .faults import BACKOFF, NAME, STAGES, World, letters, notices, run_cycles, text_of, utc


def _done(world: World, failing: list[tuple[str, int]]) -> None:
    """Every item but ``failing`` went all the way; the failing ones did not."""
    bad = set(failing)
    with world.engine.connect() as c:
        triggers = dict(c.execute(select(alert_trigger.c.id, alert_trigger.c.status)).all())
        published = dict(c.execute(select(outbox.c.id, outbox.c.published_at)).all())
        rescored = dict(
            c.execute(select(risk_rescore_request.c.id, risk_rescore_request.c.done_at)).all()
        )
        statuses = dict(c.execute(select(alert.c.id, alert.c.status)).all())
        messages = c.execute(select(alert_message)).all()
    for name, trigger_id in world.triggers.items():
        assert (triggers[trigger_id] == "DONE") != (("trigger", trigger_id) in bad), name
    for name, outbox_id in world.concerns.items():
        assert (published[outbox_id] is not None) != (("concern", outbox_id) in bad), name
    for name, request_id in world.rescores.items():
        assert (rescored[request_id] is not None) != (("rescore", request_id) in bad), name
    for name, alert_id in world.overdue.items():
        assert (statuses[alert_id] == "ESCALATED") != (("alert", alert_id) in bad), name
    received = set(world.mailbox.ids())
    hooked = {h["X-JoinedUp-Message"] for h, _, status in world.hooks.calls if status < 300}
    assert messages and len(messages) > 15  # triggers, concerns, escalations raised theirs
    for m in messages:
        failing_message = ("message", m.id) in bad
        assert (m.status == "SENT") != failing_message, (m.id, m.channel, m.status)
        if m.status == "SENT":
            key = f"<{m.message_key.replace('@', '.').replace(' ', '')}@joinedup>"
            assert key in received if m.channel == "EMAIL" else m.message_key in hooked


def _no_personal_data(text: str) -> None:
    for secret in (NAME, "Jane", "9434765919", "crying", "lead.mail@example.org"):
        assert secret not in text, secret


@pytest.mark.parametrize("stage", STAGES)
def test_one_item_failing_at_a_stage_fails_alone(world: World, stage: str) -> None:
    world.inject(stage)
    loop = run_cycles(world.engine, 3)
    assert loop.error is None and len(loop.cycles) == 3  # the loop went on, and stopped on cue
    assert loop.total.cycles_failed == 0
    failing = world.failing(stage)
    _done(world, failing)

    found = letters(world.engine)
    assert set(found) == set(failing)
    for letter in found.values():
        assert (letter.stage, letter.attempts, letter.resolved_at) == (stage, 1, None)
        assert utc(letter.next_attempt_at) - utc(letter.last_failed_at) == timedelta(
            seconds=BACKOFF
        )
        _no_personal_data(f"{letter.error_class} {letter.reason}")
    (notice,) = notices(world)  # one notice, however many cycles or items
    body = text_of(notice)
    assert all(f"{kind} {item_id} at {stage}" in body for kind, item_id in failing)
    _no_personal_data(body + str(notice["Subject"]))
    with world.engine.connect() as c:
        audited = c.execute(
            select(audit_entry.c.details).where(audit_entry.c.kind == "ALERT_DEAD_LETTER")
        ).scalars()
        audited = sorted((d["item"], d["item_id"], d["event"], d["stage"]) for d in audited)
    assert audited == sorted((k, i, "failed", stage) for k, i in failing)

    # Its next attempt comes after the backoff, and the one after waits twice as long.
    world.due_now()
    assert run_cycles(world.engine, 1).error is None
    for letter in letters(world.engine).values():
        assert letter.attempts == 2 and letter.resolved_at is None
        waited = utc(letter.next_attempt_at) - utc(letter.last_failed_at)
        assert waited == timedelta(seconds=2 * BACKOFF)
    assert len(notices(world)) == 1  # a second failure is no news
    _done(world, failing)

    # Once the cause is gone it succeeds: its letter is resolved and the item done.
    world.heal(stage)
    world.due_now()
    loop = run_cycles(world.engine, 3)
    assert loop.total.recovered == len(failing)
    _done(world, [])
    assert {(r.resolution, r.next_attempt_at) for r in letters(world.engine).values()} == {
        (dead_letters.SUCCEEDED, None)
    }
