"""Operating the alerts worker (issue 17): an item out of attempts waits for an operator, who
is told, sees it in ``joinedup alerts status`` and the health endpoint, and tries it again
with ``joinedup alerts retry``; a storm of failures is one notice; a cycle that fails as a
whole (the store away) does not stop the loop; SIGTERM stops it after the item in hand.
On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from joinedup.alerts import dead_letters, worker
from joinedup.cli import app
from joinedup.services.accounts import add_user
from joinedup.store.alert_tables import alert_trigger, alert_worker
from joinedup.store.audit_tables import audit_entry
from tests.support.webapp import served

from .faults import World, letters, notices, raise_alert_to, run_cycles, text_of

runner = CliRunner()


def _cli(world: World, *args: str) -> Any:
    url = world.engine.url.render_as_string(hide_password=False)
    result = runner.invoke(app, list(args), env={"JOINEDUP_DATABASE_URL": url})
    return result


def _health(world: World) -> httpx.Response:
    with served(world.engine, []) as live:
        return httpx.get(f"{live.url}/api/v1/health/alerts", timeout=30)


def test_an_item_out_of_attempts_waits_for_an_operator(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dead_letters, "MAX_ATTEMPTS", 2)
    monkeypatch.setenv("JOINEDUP_ALERT_HEALTH_MAX_DEAD_LETTER_SECONDS", "3600")
    world.inject("rule evaluation")
    ((kind, item),) = world.failing("rule evaluation")
    run_cycles(world.engine, 1)
    healthy = _health(world)
    assert healthy.status_code == 200, healthy.text  # failing for seconds only: not yet
    assert healthy.json()["dead_letters"] == 1

    world.due_now()
    run_cycles(world.engine, 2)
    letter = letters(world.engine)[(kind, item)]
    assert letter.attempts == 2 and letter.exhausted_at is not None
    assert letter.next_attempt_at is None
    first, second = notices(world)
    assert "1 out of attempts" in second["Subject"] and "Out of attempts (1)" in text_of(second)
    world.due_now()
    run_cycles(world.engine, 1)
    assert letters(world.engine)[(kind, item)].attempts == 2  # not tried again by itself
    assert len(notices(world)) == 2

    monkeypatch.setenv("JOINEDUP_ALERT_HEALTH_MAX_DEAD_LETTER_SECONDS", "0")
    unhealthy = _health(world)
    assert unhealthy.status_code == 503
    figures = unhealthy.json()
    assert figures["healthy"] is False and figures["dead_letters_exhausted"] == 1
    assert figures["last_cycle_age_seconds"] < 60 and figures["queue"]["triggers"] == 1
    assert "item_id" not in unhealthy.text and "reason" not in unhealthy.text  # counts only

    result = _cli(world, "alerts", "status", "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["health"]["healthy"] is False
    assert shown["dead_letters"]["by_kind_and_stage"] == [
        {
            "kind": "trigger",
            "stage": "rule evaluation",
            "count": 1,
            "exhausted": 1,
            "oldest_first_failed_at": shown["dead_letters"]["oldest_first_failed_at"],
        }
    ]
    assert shown["dead_letters"]["latest"][0]["item_id"] == item
    assert shown["last_cycle"]["at"] and shown["workers"]
    plain = _cli(world, "alerts", "status")
    assert plain.exit_code == 0 and "rule evaluation" in plain.output

    add_user(world.engine, username="ops.admin", role="ADMINISTRATOR", agency="social_care",
             display_name="Operator", password=None)  # fmt: skip
    add_user(world.engine, username="sw", role="SOCIAL_WORKER", agency="social_care",
             display_name="Social worker", password=None)  # fmt: skip
    refused = _cli(world, "alerts", "retry", "--as", "sw")
    assert refused.exit_code == 5 and len(refused.output.strip().splitlines()) == 1
    assert _cli(world, "alerts", "retry", "--item", "3", "--as", "ops.admin").exit_code == 2
    world.heal("rule evaluation")
    again = _cli(world, "alerts", "retry", "--kind", "trigger", "--as", "ops.admin", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.output) == {"count": 1, "retried": [{"kind": kind, "item_id": item}]}
    run_cycles(world.engine, 1)
    assert letters(world.engine)[(kind, item)].resolution == dead_letters.SUCCEEDED
    with world.engine.connect() as c:
        assert (
            c.execute(select(alert_trigger.c.status).where(alert_trigger.c.id == item)).scalar_one()
            == "DONE"
        )
        events = sorted(
            d["event"]
            for d in c.execute(
                select(audit_entry.c.details).where(audit_entry.c.kind == "ALERT_DEAD_LETTER")
            ).scalars()
        )
    assert events == ["exhausted", "failed", "retry"]
    assert _health(world).status_code == 200


def test_a_storm_of_failures_is_one_notice(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOINEDUP_ALERT_OPERATOR_EVERY_SECONDS", "300")
    # Every practitioner's address refused: every email of the cycle fails at once.
    world.mailbox.refused.update(
        f"lead.{n}@example.org" for n in ("good", "render", "mail", "hook")
    )
    world.mailbox.refused.update(
        f"lead.{n}-overdue@example.org" for n in ("good-1", "good-2", "bad")
    )
    world.mailbox.refused.update({"lead.c@example.org", "duty.sc@example.org"})
    loop = run_cycles(world.engine, 3)
    assert loop.error is None and loop.total.dead_lettered >= 10
    (notice,) = notices(world)  # the first cycle's failures; the later ones wait
    assert f"{loop.cycles[0].dead_lettered} item(s) failing" in notice["Subject"]
    # A later failure waits for the next notice, due five minutes after the last one.
    world.mailbox.refused.add("lead.late@example.org")
    late = raise_alert_to(world.engine, "late")
    (message,) = world.messages_of(late, "EMAIL")
    run_cycles(world.engine, 2)
    assert ("message", message) in letters(world.engine)
    assert len(notices(world)) == 1
    with world.engine.begin() as c:
        c.execute(update(alert_worker).values(notified_at=datetime.now(UTC) - timedelta(hours=1)))
    run_cycles(world.engine, 1)
    assert len(notices(world)) == 2
    first, later = notices(world)
    assert f"message {message} at email" in text_of(later)
    assert f"message {message} at" not in text_of(first)
    assert all(r.reported_at is not None for r in letters(world.engine).values())


def test_a_cycle_that_fails_as_a_whole_does_not_stop_the_loop(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = worker._waiting
    failures_left = [3]

    def store_away(engine: Any, now: datetime) -> set[str]:
        if failures_left[0]:
            failures_left[0] -= 1
            raise OperationalError("SELECT", {}, Exception("server closed the connection"))
        return real(engine, now)

    monkeypatch.setattr(worker, "_waiting", store_away)
    monkeypatch.setattr(worker, "MAX_ERROR_WAIT_SECONDS", 0.05)
    loop = run_cycles(world.engine, 6)
    assert loop.error is None and loop.total.cycles_failed == 3
    assert loop.total.escalated == 3 and loop.total.sent > 10  # then it did everything
    with world.engine.connect() as c:
        (beat,) = c.execute(select(alert_worker)).all()
    assert "OperationalError" in beat.last_error and beat.last_cycle_at > beat.last_error_at
    assert beat.stopped_at is not None  # stopped when told, and said so


def test_sigterm_stops_the_worker_after_the_item_in_hand(world: World) -> None:
    env = {
        **os.environ,
        "JOINEDUP_DATABASE_URL": world.engine.url.render_as_string(hide_password=False),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "joinedup.alerts.worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120  # a loaded machine imports slowly
        while time.monotonic() < deadline:
            with world.engine.connect() as c:
                beat = c.execute(select(alert_worker.c.last_cycle_at)).first()
            if beat is not None and beat.last_cycle_at is not None:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the worker never completed a cycle")
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    with world.engine.connect() as c:
        assert c.execute(select(alert_worker.c.stopped_at)).scalar_one() is not None


def test_worker_once_says_in_one_line_that_its_cycle_failed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def store_away(engine: Any, now: datetime) -> set[str]:
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    real = worker._waiting
    monkeypatch.setattr(worker, "_waiting", store_away)
    result = _cli(world, "alerts", "worker", "--once")
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        "error: the cycle failed: cycle: OperationalError: server closed the connection"
    )
    monkeypatch.setattr(worker, "_waiting", real)
    done = _cli(world, "alerts", "worker", "--once", "--json")
    assert done.exit_code == 0 and json.loads(done.output)["escalated"] == 3


def test_the_health_endpoint_is_open_and_documents_its_503(world: World) -> None:
    with served(world.engine, []) as live:
        answer = httpx.get(f"{live.url}/api/v1/health/alerts", timeout=30)  # no session
        schema = httpx.get(f"{live.url}/openapi.json", timeout=30).json()
    operation = schema["paths"]["/api/v1/health/alerts"]["get"]
    assert operation["x-public"] is True and operation["x-roles"] == []
    assert {"200", "503"} <= set(operation["responses"])
    assert answer.status_code == 503  # no worker has run on this store
    assert answer.json()["problems"] == ["no worker has completed a cycle"]
    run_cycles(world.engine, 1)
    with served(world.engine, []) as live:
        assert httpx.get(f"{live.url}/api/v1/health/alerts", timeout=30).status_code == 200


def test_a_long_running_worker_signs_the_log_after_each_cycle(world: World) -> None:
    """Issue 17 finding 7 for the one command that runs until stopped: each cycle that wrote
    to the audit log ends with a signed head covering it, not only at shutdown."""
    from joinedup.governance.audit.seal import sealing
    from joinedup.store.audit_tables import audit_tree_head

    covered: list[tuple[int, int]] = []

    def after_cycle(_report: Any) -> None:
        with world.engine.connect() as c:
            entries = len(c.execute(select(audit_entry.c.seq)).all())
            head = c.execute(
                select(audit_tree_head.c.tree_size).order_by(audit_tree_head.c.tree_size.desc())
            ).scalar()
        covered.append((entries, head or 0))
        stop.set()

    import threading

    stop = threading.Event()
    with sealing():
        worker.run(world.engine, stop=stop, on_cycle=after_cycle, poll_seconds=0.01)
    assert covered and covered[0][0] > 0, "the cycle wrote audit entries"
    assert covered[0][1] == covered[0][0], covered  # the head covers every entry, mid-run
