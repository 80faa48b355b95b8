"""Risk escalation in a replay (``joinedup replay --rescore-days N``).

Nothing re-scores a child as events arrive (``RISK_ESCALATION`` is raised only when some
rescoring calls ``alert_on_rescore``), so a replay without this never raises it. With it:
after the history is loaded and linked, the risk model (issue 7) is trained on the history
(snapshots every 6 months, the demo's setting) and every child is scored as of ``--from``;
then every ``N`` simulated days the children whose records changed in those days are
re-scored (``joinedup.risk.scoring.rescore``) and ``raise_for_changes`` raises the alerts,
in one transaction, at that day's simulated 06:00 (a nightly or weekly batch, as a
partnership would schedule it). The time this costs is reported, so the choice between
re-scoring in the ingest transaction and a batch can be made on figures.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, bindparam, select

from joinedup.alerts import facts
from joinedup.errors import BadInput
from joinedup.services.risk import score_children, train_risk_model
from joinedup.store.linkage_tables import linkage_record
from joinedup.store.tables import event, source_record

TRAIN_STEP_MONTHS = 6
_PEOPLE_OF = (
    select(event.c.agency_id, event.c.person_source_id)
    .join(source_record, source_record.c.id == event.c.source_record_id)
    .where(source_record.c.last_changed_delivery_id.in_(bindparam("deliveries", expanding=True)))
    .distinct()
)
_PERSONS_BY_KEYS = select(linkage_record.c.person_id).where(
    linkage_record.c.record_key.in_(bindparam("keys", expanding=True))
)


class Rescoring:
    """Trains and scores once, then re-scores the children touched since the last pass."""

    def __init__(self, engine: Engine, every_days: int) -> None:
        if every_days < 1:
            raise BadInput("--rescore-days must be at least 1")
        self.engine, self.every_days = engine, every_days
        self.deliveries: list[int] = []
        self.passes = self.children_rescored = self.alerts = 0
        self.seconds = 0.0
        self.setup: dict[str, Any] = {}

    def start(self, on: date) -> None:

        clock = time.perf_counter()
        trained = train_risk_model(self.engine, as_of=on, step_months=TRAIN_STEP_MONTHS)
        train_seconds = time.perf_counter() - clock
        scored = score_children(self.engine, as_of=on)
        self.setup = {
            "train_seconds": round(train_seconds, 1),
            "score_all_seconds": round(time.perf_counter() - clock - train_seconds, 1),
            "threshold": trained.get("threshold"),
            "children_scored_at_start": scored.get("children_scored"),
            "flagged_at_start": scored.get("flagged"),
        }

    def delivered(self, delivery_ids: Iterable[int]) -> None:
        self.deliveries.extend(delivery_ids)

    def due(self, slice_number: int, slice_days: int) -> bool:
        return (slice_number + 1) * slice_days % self.every_days < slice_days

    def rescore(self, on: date, now: datetime) -> None:
        """Re-score the children whose records changed since the last pass; raise alerts."""
        from joinedup.alerts.risk_escalation import raise_for_changes
        from joinedup.risk.scoring import rescore

        if not self.deliveries:
            return
        clock = time.perf_counter()
        with self.engine.begin() as connection:
            people: set[str] = set()
            with facts.remembering():
                touched = connection.execute(_PEOPLE_OF, {"deliveries": self.deliveries}).all()
                keys = [
                    f"{agency}|{table}|{source_id}"
                    for agency, source_id in touched
                    for table in facts.person_tables(connection, agency)
                ]
                for n in range(0, len(keys), 500):
                    chunk = {"keys": keys[n : n + 500]}
                    people.update(connection.execute(_PERSONS_BY_KEYS, chunk).scalars())
            if people:
                changes = rescore(connection, sorted(people), on=on)
                self.children_rescored += len(changes)
                self.alerts += len(raise_for_changes(connection, changes, now=now))
        self.deliveries = []
        self.passes += 1
        self.seconds += time.perf_counter() - clock

    def figures(self) -> dict[str, Any]:
        return {
            "every_days": self.every_days,
            **self.setup,
            "passes": self.passes,
            "children_rescored": self.children_rescored,
            "risk_escalation_alerts": self.alerts,
            "rescore_seconds": round(self.seconds, 1),
            "rescore_ms_per_child": round(1000 * self.seconds / self.children_rescored, 1)
            if self.children_rescored
            else None,
        }
