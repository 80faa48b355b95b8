"""The risk escalation rule, against issue 7's rescoring (``joinedup.risk.scoring.rescore``).

``rescore`` returns, per child, the old and new 12-month probability, the model's triage
threshold, whether it was crossed upwards and the high-weight factors that are new. Which
of those alert is the rule's ``EscalationTriggers`` (``rules.py``): by default the threshold
crossed or a rise of 0.10, and a child hears at most once in 30 days unless the score
reaches a higher band (1, 2, 4 times the threshold). A change held back in the quiet period
is folded into the child's open risk alert, if one. What the alert shows is the new
factors' catalogue fields, governed for the recipient like every other alert; the score
itself is advisory and never shown (its band is kept, hidden, for the quiet period).

Extension point: ``raise_for_changes`` takes the change dicts, so any rescoring (the ingest
follow-up, a nightly batch) can call it inside its own transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, select

from joinedup.alerts import facts, raising, raising_bulk, routing
from joinedup.alerts.evaluate import Finding
from joinedup.alerts.rules import RULES, EscalationTriggers
from joinedup.config import AlertSettings, alert_settings
from joinedup.store.alert_tables import alert

RISK = "_risk"  # hidden content: the band and probability the alert was raised at
_RECENT = (
    select(
        alert.c.id, alert.c.child_person_id, alert.c.status, alert.c.content, alert.c.occurrences
    )
    .where(
        alert.c.rule_id == "RISK_ESCALATION",
        alert.c.level == 0,
        alert.c.child_person_id.in_(bindparam("children", expanding=True)),
        alert.c.raised_at >= bindparam("since"),
    )
    .order_by(alert.c.id)
)


def reasons(change: dict[str, Any], triggers: EscalationTriggers) -> list[str]:
    """Why the change alerts under ``triggers`` (empty: it does not)."""
    old, new = change.get("old_probability_12m"), change.get("new_probability_12m") or 0.0
    why = []
    if triggers.crossing and change.get("crossed_threshold"):
        why.append("crossed the triage threshold")
    if triggers.rise is not None and old is not None and new - old >= triggers.rise:
        why.append("its score rose")
    factors = change.get("new_high_weight_factors") or []
    if triggers.new_high_weight_factor and factors:
        why.append(f"{len(factors)} new high-weight factor(s)")
    return why


def band(change: dict[str, Any], triggers: EscalationTriggers) -> int:
    """How many of the bands (multiples of the triage threshold) the new score reaches."""
    threshold = change.get("threshold")
    new = change.get("new_probability_12m") or 0.0
    if not threshold:  # no threshold reported: only a crossing says it is in the first band
        return 1 if change.get("new_flagged") or change.get("crossed_threshold") else 0
    return sum(1 for b in triggers.bands if new >= b * threshold)


def escalated(change: dict[str, Any], triggers: EscalationTriggers | None = None) -> bool:
    return bool(reasons(change, triggers or _triggers()))


def _triggers() -> EscalationTriggers:
    return RULES["RISK_ESCALATION"].escalation or EscalationTriggers()


def raise_for_changes(
    connection: Connection,
    changes: Iterable[dict[str, Any]],
    *,
    settings: AlertSettings | None = None,
    now: datetime | None = None,
) -> list[int]:
    """Raise the alerts ``changes`` call for; returns the ids of the alerts raised."""
    settings = settings or alert_settings()
    now = now or datetime.now(UTC)
    rule = RULES["RISK_ESCALATION"]
    triggers = _triggers()
    alerting = [(c, reasons(c, triggers)) for c in changes]
    alerting = [(c, why) for c, why in alerting if why]
    if not alerting:
        return []
    recent = _recent(connection, sorted({c["person_id"] for c, _ in alerting}), triggers, now)
    routed = []
    folds: dict[int, dict[str, Any]] = {}
    for change, why in alerting:
        child, reached = change["person_id"], band(change, triggers)
        before = recent.get(child)
        if before is not None and reached <= before["band"]:
            if before["open"] is not None:  # held back: the open alert counts it
                _fold_into(before["open"], change, folds)
            continue
        recent[child] = {"band": reached, "open": None}
        routed.append(_routed(connection, rule, change, why, reached, settings, now))
    raised = raising_bulk.raise_alerts(connection, routed, settings, now)
    if folds:
        connection.execute(raising.FOLD, list(folds.values()))
    return [int(i) for i, what in raised if i is not None and what == "raised"]


def _recent(
    connection: Connection, children: list[str], triggers: EscalationTriggers, now: datetime
) -> dict[str, dict[str, Any]]:
    """Per child alerted in the quiet period: the highest band alerted, and the newest open
    alert (to count held-back changes in)."""
    found: dict[str, dict[str, Any]] = {}
    if triggers.quiet_days <= 0:
        return found
    since = now - timedelta(days=triggers.quiet_days)
    for n in range(0, len(children), 1000):
        params = {"children": children[n : n + 1000], "since": since}
        for row in connection.execute(_RECENT, params):
            mine = found.setdefault(row.child_person_id, {"band": 0, "open": None})
            mine["band"] = max(mine["band"], int((row.content or {}).get(RISK, {}).get("band", 0)))
            if row.status == "OPEN":
                mine["open"] = row
    return found


def _fold_into(row: Any, change: dict[str, Any], folds: dict[int, dict[str, Any]]) -> None:
    held = folds.get(row.id)
    content = held["b_content"] if held else dict(row.content)
    occurrences = held["b_occurrences"] if held else row.occurrences
    cause = f"risk|{change['as_of']}|{change.get('new_probability_12m')}"
    causes = list(content.get(raising.CAUSES, []))
    if cause in causes:
        return
    content = {**content, raising.CAUSES: (causes + [cause])[-200:], "latest": change["as_of"]}
    folds[row.id] = {"b_id": row.id, "b_content": content, "b_occurrences": occurrences + 1}


def _routed(
    connection: Connection,
    rule: Any,
    change: dict[str, Any],
    why: list[str],
    reached: int,
    settings: AlertSettings,
    now: datetime,
) -> raising_bulk.Routed:
    child = change["person_id"]
    on = date.fromisoformat(change["as_of"])
    records = facts.records_of(connection, child)
    details: dict[str, Any] = {}
    for factor in change.get("new_high_weight_factors") or []:
        for name in factor.get("fields") or []:
            details.setdefault(name, []).append(factor.get("label") or factor.get("code"))
    finding = Finding(
        rule,
        child,
        records,
        f"risk|{change['as_of']}|{change.get('new_probability_12m')}",
        on,
        now,
        details=details,
        summary="The child's advisory risk summary escalated: " + ", ".join(why),
        extra={RISK: {"band": reached}},
    )
    recipient = routing.route(connection, rule, records, on, settings)
    return raising_bulk.Routed(finding, recipient, None)
