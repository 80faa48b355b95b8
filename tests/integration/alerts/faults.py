"""A small world for fault injection into the alerts worker, on an empty migrated store (either
backend): a few of every item the worker handles, each of which a test can make fail at one
stage and then heal.

- triggers of police DOMESTIC_ABUSE events of linked people, evaluated by an injected rule
  condition that can raise (rule evaluation) or name a field outside the catalogue (the
  real policy decision path refuses it);
- ``ConcernRecorded`` events (one can lose its concern id: concern relay);
- re-score requests (one can meet a raising ``_touched``: re-scoring);
- overdue alerts to escalate (one can meet a raising ``routing.escalation_of``);
- alerts with email and webhook messages, delivered to a real SMTP server (which can
  refuse one address) and a real HTTP server (which can answer 500 for one alert); one
  alert's content can be made unrenderable (rendering).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select, update

from joinedup.alerts import dead_letters, evaluate, raising, rescoring, routing, worker
from joinedup.alerts.evaluate import Finding
from joinedup.alerts.report import CycleReport
from joinedup.alerts.rules import RULES
from joinedup.config import alert_settings
from joinedup.store.alert_tables import alert, alert_dead_letter, alert_message, alert_trigger
from joinedup.store.casework_tables import concern
from joinedup.store.linkage_tables import linkage_model, linkage_record, linkage_run
from joinedup.store.risk_tables import risk_rescore_request
from joinedup.store.tables import delivery, event, outbox, person, source_record
from tests.support.alerts import social_worker

from .servers import Hooks, Mailbox, http_server, smtp_server

STAGES = (
    "rule evaluation",
    "policy decision",
    "rendering",
    "email",
    "webhook",
    "escalation",
    "re-scoring",
    "concern relay",
)
NAME = "Jane Smith"  # a name in an exception's message, which no reason may repeat
OPERATOR = "ops@example.org"
GOOD = ("good-1", "good-2")
BACKOFF = 60.0  # seconds: longer than a test's cycles take, so "not retried yet" is certain


@dataclass
class World:
    engine: Engine
    mailbox: Mailbox
    hooks: Hooks
    monkeypatch: pytest.MonkeyPatch
    triggers: dict[str, int] = field(default_factory=dict)
    concerns: dict[str, int] = field(default_factory=dict)  # outbox ids
    rescores: dict[str, int] = field(default_factory=dict)
    overdue: dict[str, int] = field(default_factory=dict)  # alert ids
    alerts: dict[str, int] = field(default_factory=dict)  # alert ids with messages
    faults: set[str] = field(default_factory=set)
    concern_payloads: dict[str, dict[str, Any]] = field(default_factory=dict)

    # --- the failing item of each stage --------------------------------------------------
    def failing(self, stage: str) -> list[tuple[str, int]]:
        """(kind, id) of the dead letters a fault at ``stage`` leaves."""
        if stage in ("rule evaluation", "policy decision"):
            return [("trigger", self.triggers["bad"])]
        if stage == "escalation":
            return [("alert", self.overdue["bad"])]
        if stage == "re-scoring":
            return [("rescore", self.rescores["bad"])]
        if stage == "concern relay":
            return [("concern", self.concerns["bad"])]
        channel = {"rendering": None, "email": "EMAIL", "webhook": "WEBHOOK"}[stage]
        name = {"rendering": "render", "email": "mail", "webhook": "hook"}[stage]
        return [("message", i) for i in self.messages_of(self.alerts[name], channel)]

    def messages_of(self, alert_id: int, channel: str | None = None) -> list[int]:
        query = select(alert_message.c.id).where(alert_message.c.alert_id == alert_id)
        if channel:
            query = query.where(alert_message.c.channel == channel)
        with self.engine.connect() as c:
            return sorted(c.execute(query).scalars())

    def inject(self, stage: str) -> None:
        self.faults.add(stage)
        if stage == "rendering":
            self._content(self.alerts["render"], ["not", "an", "alert's", "content", NAME])
        elif stage == "email":
            self.mailbox.refused.add(self._email_of(self.alerts["mail"]))
        elif stage == "webhook":
            self.hooks.failing_alerts.add(self.alerts["hook"])
        elif stage == "concern relay":
            self._payload(self.concerns["bad"], {"recipients": ["lead.c"], "who": NAME})

    def heal(self, stage: str) -> None:
        self.faults.discard(stage)
        if stage == "rendering":
            self._content(self.alerts["render"], {"child_id": "P-3", "what_happened": "x"})
        elif stage == "email":
            self.mailbox.refused.clear()
        elif stage == "webhook":
            self.hooks.failing_alerts.clear()
        elif stage == "concern relay":
            self._payload(self.concerns["bad"], self.concern_payloads["bad"])

    def due_now(self) -> None:
        """Time passes: every dead letter (and failed message) is due for its next attempt."""
        past = datetime.now(UTC) - timedelta(seconds=1)
        with self.engine.begin() as c:
            c.execute(
                update(alert_dead_letter)
                .where(alert_dead_letter.c.next_attempt_at.is_not(None))
                .values(next_attempt_at=past)
            )
            c.execute(
                update(alert_message)
                .where(alert_message.c.status == "PENDING")
                .values(next_attempt_at=past)
            )

    # --- helpers ---------------------------------------------------------------------------
    def _content(self, alert_id: int, content: Any) -> None:
        with self.engine.begin() as c:
            c.execute(update(alert).where(alert.c.id == alert_id).values(content=content))

    def _payload(self, outbox_id: int, payload: dict[str, Any]) -> None:
        with self.engine.begin() as c:
            c.execute(update(outbox).where(outbox.c.id == outbox_id).values(payload=payload))

    def _email_of(self, alert_id: int) -> str:
        with self.engine.connect() as c:
            return str(
                c.execute(select(alert.c.recipient_email).where(alert.c.id == alert_id)).scalar()
            )


def build(engine: Engine, mailbox: Mailbox, hooks: Hooks, mp: pytest.MonkeyPatch) -> World:
    world = World(engine, mailbox, hooks, mp)
    now = datetime.now(UTC)
    with engine.begin() as c:
        delivered = _delivery(c, "seed", now)
        model = c.execute(
            insert(linkage_model)
            .values(created_at=now, fingerprint="f" * 64, records=0, backend="duckdb",
                    splink_version="test", settings={}, thresholds={}, term_frequencies={})
            .returning(linkage_model.c.id)
        ).scalar_one()  # fmt: skip
        run = c.execute(
            insert(linkage_run)
            .values(kind="BATCH", backend="duckdb", model_id=model, started_at=now)
            .returning(linkage_run.c.id)
        ).scalar_one()
        for n, name in enumerate((*GOOD, "bad"), start=1):
            source = f"S-{n}"
            c.execute(insert(person).values(id=f"P-{n}", created_at=now))
            c.execute(
                insert(linkage_record).values(
                    record_key=f"police|persons.csv|{source}", agency_id="police",
                    source_table="persons.csv", source_id=source, person_id=f"P-{n}",
                    run_id=run,
                )
            )  # fmt: skip
            event_id = _event(c, delivered, f"INC-{name.upper()}", source, now, n)
            world.triggers[name] = c.execute(
                insert(alert_trigger)
                .values(event_id=event_id, delivery_id=delivered, created_at=now,
                        status="PENDING", attempts=0, outcome={})
                .returning(alert_trigger.c.id)
            ).scalar_one()  # fmt: skip
            world.concerns[name], world.concern_payloads[name] = _concern(c, f"P-{n}", now)
            request = delivered if name != "bad" else _delivery(c, "bad", now)
            world.rescores[name] = c.execute(
                insert(risk_rescore_request)
                .values(delivery_id=request, requested_at=now, outcome={})
                .returning(risk_rescore_request.c.id)
            ).scalar_one()
    world.overdue = {name: raise_alert_to(engine, name, days_ago=7) for name in (*GOOD, "bad")}
    world.alerts = {
        name: raise_alert_to(engine, name) for name in ("good", "render", "mail", "hook")
    }
    _faults(world)
    return world


def _delivery(c: Any, name: str, now: datetime) -> int:
    return int(
        c.execute(
            insert(delivery)
            .values(agency_id="police", feed_format="pole-csv/1", extracted_at=now,
                    received_at=now, manifest_sha256=name.ljust(64, "0"), source_path=name)
            .returning(delivery.c.id)
        ).scalar_one()
    )  # fmt: skip


def _event(c: Any, delivered: int, incident: str, source: str, now: datetime, n: int) -> int:
    record = c.execute(
        insert(source_record)
        .values(agency_id="police", source_table="involvements.csv", source_id=incident,
                content_sha256="c" * 64, payload={}, version=1, first_delivery_id=delivered,
                last_changed_delivery_id=delivered, row_number=n)
        .returning(source_record.c.id)
    ).scalar_one()  # fmt: skip
    return int(
        c.execute(
            insert(event)
            .values(source_record_id=record, agency_id="police", source_table="incidents.csv",
                    source_id=incident, person_source_id=source, category="police_incident",
                    event_type="DOMESTIC_ABUSE", occurred_on=now.date(), occurred_at=now,
                    role="CHILD_PRESENT", codes=[], detail={})
            .returning(event.c.id)
        ).scalar_one()
    )  # fmt: skip


def _concern(c: Any, child: str, now: datetime) -> tuple[int, dict[str, Any]]:
    concern_id = c.execute(
        insert(concern)
        .values(person_id=child, kind="CONCERN", text=f"{NAME} was seen crying at the gate",
                recorded_by="rec.one", role="SCHOOL_DSL", agency="education",
                purpose="LEAD_PRACTITIONER_CASEWORK", recorded_at=now,
                routed_to=[{"practitioner_key": "lead.c", "agency": "social_care",
                            "email": "lead.c@example.org"}])
        .returning(concern.c.id)
    ).scalar_one()  # fmt: skip
    payload = {"concern_id": concern_id, "recipients": ["lead.c"]}
    outbox_id = c.execute(
        insert(outbox)
        .values(event_type="ConcernRecorded", payload=payload, created_at=now)
        .returning(outbox.c.id)
    ).scalar_one()
    return int(outbox_id), payload


def raise_alert_to(engine: Engine, name: str, days_ago: int = 0) -> int:
    """An alert to a lead social worker (``lead.<name>``), with its email and webhook
    messages; raised ``days_ago`` (a week: long overdue)."""
    at = datetime.now(UTC) - timedelta(days=days_ago)
    finding = Finding(
        RULES["CHILD_SELF_HARM"], f"P-{name}", [], f"cause-{name}-{days_ago}", at.date(), at,
        {}, "seen in urgent care",
    )  # fmt: skip
    recipient = social_worker(f"lead.{name}{'-overdue' if days_ago else ''}")
    with engine.begin() as c:
        alert_id, _ = raising.raise_alert(c, finding, recipient, alert_settings(), at, fold=False)
    assert alert_id is not None
    return alert_id


def _faults(world: World) -> None:
    """The injected callables: each fails only while its stage is in ``world.faults``."""
    mp = world.monkeypatch

    def condition(connection: Any, found: Any, subject: Any) -> list[Finding]:
        details: dict[str, Any] = {"police.domestic_abuse": {"date": str(found["occurred_on"])}}
        if found["source_id"] == "INC-BAD":
            if "rule evaluation" in world.faults:
                raise RuntimeError(f"the rule broke on {NAME}'s record (NHS 9434765919)")
            if "policy decision" in world.faults:
                details = {"police.not_a_field": {}}
        on: date = found["occurred_on"]
        return [
            Finding(RULES["OPERATION_ENCOMPASS"], subject.id, subject.records,
                    f"test|{found['source_id']}", on, datetime.now(UTC), details,
                    "A domestic abuse incident")
        ]  # fmt: skip

    mp.setitem(evaluate.CONDITIONS, "OPERATION_ENCOMPASS", condition)

    real_escalation = routing.escalation_of

    def escalation_of(current: routing.Recipient, settings: Any) -> Any:
        if "escalation" in world.faults and current.key == "lead.bad-overdue":
            raise LookupError(f"no duty manager for {NAME}")
        return real_escalation(current, settings)

    mp.setattr(routing, "escalation_of", escalation_of)

    real_touched = rescoring._touched
    bad_request = world.rescores["bad"]
    with world.engine.connect() as c:
        bad_delivery = c.execute(
            select(risk_rescore_request.c.delivery_id).where(
                risk_rescore_request.c.id == bad_request
            )
        ).scalar_one()

    def touched(connection: Any, delivery_id: int) -> Any:
        if "re-scoring" in world.faults and delivery_id == bad_delivery:
            raise ZeroDivisionError(f"division by zero re-scoring {NAME}")
        return real_touched(connection, delivery_id)

    mp.setattr(rescoring, "_touched", touched)


@dataclass
class Loop:
    total: CycleReport
    cycles: list[CycleReport]
    error: BaseException | None


def run_cycles(engine: Engine, cycles: int, seconds: float = 60) -> Loop:
    """``worker.run`` (the loop itself, off the main thread) until ``cycles`` cycles have
    completed or failed; the loop must still be running then and stop when told."""
    stop = threading.Event()
    seen: list[CycleReport] = []
    result: dict[str, Any] = {}

    def on_cycle(report: CycleReport) -> None:
        seen.append(report)
        if len(seen) >= cycles:
            stop.set()

    def target() -> None:
        try:
            result["total"] = worker.run(engine, poll_seconds=0.01, stop=stop, on_cycle=on_cycle)
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            result["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=seconds)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive(), "the worker did not stop when told"
    return Loop(result.get("total", CycleReport()), seen, result.get("error"))


def letters(engine: Engine) -> dict[tuple[str, int], Any]:
    with engine.connect() as c:
        return {(r.kind, int(r.item_id)): r for r in c.execute(select(alert_dead_letter))}


def utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@pytest.fixture
def world(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The world, with real SMTP and HTTP servers on loopback, webhooks signed, a social
    care duty team, an operator address and notices every cycle."""
    monkeypatch.setattr(dead_letters, "BACKOFF_BASE_SECONDS", BACKOFF)
    with smtp_server() as (smtp_url, mailbox), http_server() as (hook_url, hooks):
        for name, value in {
            "JOINEDUP_SMTP_URL": smtp_url,
            "JOINEDUP_ALERT_WEBHOOK_URL": hook_url,
            "JOINEDUP_ALERT_WEBHOOK_SECRET": "s3cret",
            "JOINEDUP_ALERT_DUTY_TEAMS": "social_care=duty.sc@example.org",
            "JOINEDUP_ALERT_OPERATOR_EMAIL": OPERATOR,
            "JOINEDUP_ALERT_OPERATOR_EVERY_SECONDS": "0",
        }.items():
            monkeypatch.setenv(name, value)
        yield build(engine, mailbox, hooks, monkeypatch)


def notices(world: World) -> list[Any]:
    """The operator's emails so far."""
    return [m for m in world.mailbox.messages if m["To"] == OPERATOR]


def text_of(message: Any) -> str:
    return str(message.get_payload(decode=True).decode("utf-8"))
