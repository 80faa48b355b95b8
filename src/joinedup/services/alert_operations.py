"""Use cases of the alerts worker's operators: its status (the queue, the dead letters, the
last completed cycle), its health for monitoring, and retrying the items it failed on.

Status and health show counts, times, item ids and the dead letters' reasons, written
without personal data (``joinedup.alerts.failures``): nothing about a child, so neither
takes a caller. Retrying puts items back into the worker's queue: administrators only,
audited.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from joinedup.alerts import dead_letters
from joinedup.alerts import status as worker_state
from joinedup.errors import BadInput, NotFound
from joinedup.governance import uses
from joinedup.governance.audit import append
from joinedup.services.oversight import Who, name_of


def worker_status(engine: Engine) -> dict[str, Any]:
    """What ``joinedup alerts status`` shows: health, last cycle, queue, dead letters,
    workers."""
    return worker_state.status(engine)


def worker_health(engine: Engine) -> tuple[bool, dict[str, Any]]:
    """(healthy, the figures) for ``GET /api/v1/health/alerts``: counts and times only."""
    figures = worker_state.health(engine)
    return bool(figures["healthy"]), figures


def retry_failed(
    engine: Engine, who: Who, *, kind: str | None = None, item_id: int | None = None
) -> dict[str, Any]:
    """Try the failing items again now, their attempts counted afresh (after the cause was
    fixed); an item id needs its kind."""
    uses.ALERT_OPERATIONS.check(who)
    if kind is not None and kind not in dead_letters.KINDS:
        raise BadInput(f"kind must be one of {', '.join(dead_letters.KINDS)}, not {kind!r}")
    if item_id is not None and kind is None:
        raise BadInput("--item needs --kind (ids are per kind)")
    now = datetime.now(UTC)
    with engine.begin() as connection:
        again = dead_letters.retry(connection, now, kind, item_id)
        if item_id is not None and not again:
            raise NotFound(f"no failing {kind} {item_id}")
        append(
            connection,
            kind=dead_letters.AUDIT_KIND,
            actor=name_of(who),
            actor_role=str(who.role),
            details={"event": "retry", "item": kind, "item_id": item_id, "count": len(again)},
            recorded_at=now,
        )
    return {"retried": again, "count": len(again)}
