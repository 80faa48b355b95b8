"""The risk escalation rule, against issue 7's rescoring (``joinedup.risk.scoring.rescore``).

``rescore`` returns, per child, the old and new 12-month probability, whether the triage
threshold was crossed upwards and the high-weight factors that are new. A change alerts the
child's lead practitioner (social care, else the duty team, else the MASH) when the threshold
was crossed, the probability rose by at least ``RISE`` (absolute), or a new high-weight
factor appeared. What the alert shows is the factors' catalogue fields, governed for the
recipient like every other alert; the score itself is advisory and shown as such.

Extension point: ``raise_for_changes`` takes the change dicts, so any rescoring (the ingest
follow-up, a nightly batch) can call it inside its own transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection

from joinedup.alerts import facts, routing
from joinedup.alerts.evaluate import Finding
from joinedup.alerts.raising import raise_alert
from joinedup.alerts.rules import RULES
from joinedup.config import AlertSettings, alert_settings

RISE = 0.10


def escalated(change: dict[str, Any]) -> bool:
    old, new = change.get("old_probability_12m"), change.get("new_probability_12m") or 0.0
    return bool(
        change.get("crossed_threshold")
        or (old is not None and new - old >= RISE)
        or change.get("new_high_weight_factors")
    )


def raise_for_changes(
    connection: Connection,
    changes: Iterable[dict[str, Any]],
    *,
    settings: AlertSettings | None = None,
    now: datetime | None = None,
) -> list[int]:
    settings = settings or alert_settings()
    now = now or datetime.now(UTC)
    rule = RULES["RISK_ESCALATION"]
    raised = []
    for change in changes:
        if not escalated(change):
            continue
        child = change["person_id"]
        on = date.fromisoformat(change["as_of"])
        records = facts.records_of(connection, child)
        factors = change.get("new_high_weight_factors") or []
        details: dict[str, Any] = {}
        for factor in factors:
            for name in factor.get("fields") or []:
                details.setdefault(name, []).append(factor.get("label") or factor.get("code"))
        why = []
        if change.get("crossed_threshold"):
            why.append("crossed the triage threshold")
        if factors:
            why.append(f"{len(factors)} new high-weight factor(s)")
        if not why:
            why.append("its score rose")
        finding = Finding(
            rule,
            child,
            records,
            f"risk|{change['as_of']}|{change.get('new_probability_12m')}",
            on,
            now,
            details=details,
            summary="The child's advisory risk summary escalated: " + ", ".join(why),
        )
        recipient = routing.route(connection, rule, records, on, settings)
        alert_id, what = raise_alert(connection, finding, recipient, settings, now)
        if alert_id is not None and what == "raised":
            raised.append(alert_id)
    return raised
