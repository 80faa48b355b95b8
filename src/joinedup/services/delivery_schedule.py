"""Late deliveries: each agency's schedule (``JOINEDUP_DELIVERY_SCHEDULE``) against what has
been received, so the data steward hears that an agency has gone quiet instead of finding
out from a child's missing record.

``late_agencies`` answers for every scheduled agency; ``warn_late`` records each newly late
agency once in the audit log (``DELIVERY_LATE``, subject ``agency:AGENCY``: once per silence,
not once per poll), which every receiver calls after each pass, and the data quality pages
and API show ``late`` beside the agency's timeliness.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select

from joinedup.config import settings
from joinedup.governance.audit import append
from joinedup.ingest.quality_rules import aware, hours
from joinedup.store.audit_tables import audit_entry
from joinedup.store.tables import delivery


def late_agencies(engine: Engine, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every agency with a schedule: when it last delivered and whether it is late."""
    at = aware(now or datetime.now(UTC))
    schedule = settings().ingest.delivery_schedule
    with engine.connect() as connection:
        newest = dict(
            connection.execute(
                select(delivery.c.agency_id, func.max(delivery.c.received_at)).group_by(
                    delivery.c.agency_id
                )
            ).all()
        )
    found = []
    for agency, every in sorted(schedule.items()):
        last = newest.get(agency)
        since = round(hours(at - aware(last)), 1) if last is not None else None
        found.append(
            {
                "agency": agency,
                "expected_every_hours": every,
                "last_received_at": aware(last).isoformat() if last is not None else None,
                "hours_since_received": since,
                "late": since is None or since > every,
            }
        )
    return found


def warn_late(engine: Engine, now: datetime | None = None) -> list[dict[str, Any]]:
    """Record each agency that is late and has not been recorded late since its last
    delivery; the newly late."""
    newly = []
    for entry in late_agencies(engine, now):
        if not entry["late"]:
            continue
        subject = f"agency:{entry['agency']}"
        since = entry["last_received_at"]
        with engine.begin() as connection:
            query = (
                select(func.count())
                .select_from(audit_entry)
                .where(audit_entry.c.kind == "DELIVERY_LATE", audit_entry.c.subject == subject)
            )
            if since is not None:
                query = query.where(audit_entry.c.recorded_at > datetime.fromisoformat(since))
            if connection.execute(query).scalar_one():
                continue
            append(
                connection,
                kind="DELIVERY_LATE",
                actor="receiver",
                subject=subject,
                details=entry,
                recorded_at=now,
            )
        newly.append(entry)
    return newly
