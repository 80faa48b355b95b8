"""Overdue MASH information requests escalate as alerts do (issue 21): an open request of an
open case past its due time raises a ``MASH_REQUEST_OVERDUE`` alert to the asked agency's duty
manager (the MASH when the agency has none configured), once; that alert, unacknowledged,
escalates on to the MASH like any other (``alerts.escalation``). The alert names the request,
when it was due and where to answer it, and nothing of the case."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from joinedup.alerts import facts, routing
from joinedup.alerts.clock import UK
from joinedup.alerts.evaluate import Finding
from joinedup.alerts.raising import raise_alert
from joinedup.alerts.rules import RULES
from joinedup.config import AlertSettings
from joinedup.domain.agencies import AGENCIES, AgencyId
from joinedup.governance import mash_cases

RULE = "MASH_REQUEST_OVERDUE"
PER_CYCLE = 200


def escalate_overdue_requests(
    engine: Engine, settings: AlertSettings, now: datetime | None = None
) -> int:
    """Alert about each overdue request not yet escalated; returns how many were."""
    now = now or datetime.now(UTC)
    rule = RULES[RULE]
    done = 0
    with engine.begin() as connection:
        rows = connection.execute(mash_cases.overdue_requests(now).limit(PER_CYCLE)).all()
        for row in rows:
            due = row.due_at if row.due_at.tzinfo else row.due_at.replace(tzinfo=UTC)
            agency = AGENCIES[AgencyId(row.agency)].name
            finding = Finding(
                rule,
                row.person_id,
                facts.records_of(connection, row.person_id),
                f"mash-request|{row.id}",
                now.astimezone(UK).date(),
                now,
                details={},
                summary=f"The MASH asked {agency} a question (request {row.id}) due by "
                f"{due.astimezone(UK):%d %B %Y %H:%M}; it has not been answered. Answer it "
                f"under 'MASH requests' in joinedup (/mash/requests/{row.id}).",
            )
            target = routing.duty_manager(settings, row.agency, rule.purpose)
            alert_id, _ = raise_alert(connection, finding, target, settings, now, fold=False)
            mash_cases.mark_escalated(connection, row, now, alert_id)
            done += 1
    return done
