"""Emergency access ("break glass").

A practitioner who must see a child's record now, for a safeguarding purpose, without a
legitimate relationship the system knows of, breaks the glass: they type why, and are always
granted access for a limited time. The grant stands in for the missing relationship and for
nothing else: the role rules, the agreements and sealed records still apply. Every grant is
flagged in the decision and the audit log and opens a review task for the privacy officer,
whose outcome (appropriate, inappropriate, needs follow-up) is recorded in the task and the
audit log. ICO safeguarding guidance, point 9: share in an emergency, and document it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, insert, select, update

from joinedup.errors import BadInput, Conflict, Forbidden, NotFound
from joinedup.governance.access import AccessRequest, Decision
from joinedup.governance.audit import append

# The grants' names are re-exported: callers name them as ``emergency.*`` since before the
# split (``grants`` is below both this module and ``recording``).
from joinedup.governance.grants import (  # noqa: F401
    EmergencyGrant,
    active_grants,
    effective_request,
)
from joinedup.governance.justification import check_substance
from joinedup.governance.purposes import PURPOSES, SAFEGUARDING_PURPOSES
from joinedup.governance.recording import decide_and_record
from joinedup.governance.roles import ROLE_RULES, Role
from joinedup.store.governance_tables import access_review_task as task_t
from joinedup.store.governance_tables import emergency_access as grant_t

MIN_JUSTIFICATION_CHARS = 30
MIN_JUSTIFICATION_WORDS = 5
DEFAULT_MINUTES = 60
MAX_MINUTES = 240


class ReviewOutcome(StrEnum):
    APPROPRIATE = "APPROPRIATE"
    INAPPROPRIATE = "INAPPROPRIATE"
    NEEDS_FOLLOW_UP = "NEEDS_FOLLOW_UP"


OUTCOME_WORDS = {
    ReviewOutcome.APPROPRIATE: "appropriate",
    ReviewOutcome.INAPPROPRIATE: "inappropriate",
    ReviewOutcome.NEEDS_FOLLOW_UP: "to need follow-up",
}


def check_request(request: AccessRequest, justification: str, minutes: int) -> str:
    """Refuse what break glass is not for; returns the cleaned justification."""
    if request.purpose not in SAFEGUARDING_PURPOSES:
        allowed = ", ".join(sorted(SAFEGUARDING_PURPOSES))
        raise Forbidden(
            f"break glass is only for a safeguarding purpose ({allowed}), "
            f"not {request.purpose.value} ({PURPOSES[request.purpose].title})"
        )
    if not ROLE_RULES[request.role].practitioner:
        raise Forbidden(f"break glass is only for practitioners, not a {request.role.value}")
    text = check_substance(
        justification,
        what="break glass needs a typed justification saying what the emergency is",
        min_chars=MIN_JUSTIFICATION_CHARS,
        min_words=MIN_JUSTIFICATION_WORDS,
        field="justification",
    )
    if not 1 <= minutes <= MAX_MINUTES:
        raise BadInput(f"break glass lasts 1 to {MAX_MINUTES} minutes, not {minutes}")
    return text


def break_glass(
    connection: Connection,
    request: AccessRequest,
    justification: str,
    *,
    minutes: int = DEFAULT_MINUTES,
    pdp: Any = None,
    now: datetime | None = None,
) -> tuple[EmergencyGrant, Decision]:
    """Grant emergency access (always, once the checks pass), open the review task, audit
    both, and return the grant with the decision made under it."""
    text = check_request(request, justification, minutes)
    now = now or datetime.now(UTC)
    expires = now + timedelta(minutes=minutes)
    entry = append(
        connection,
        kind="BREAK_GLASS",
        actor=request.user_id,
        actor_role=request.role.value,
        purpose=request.purpose.value,
        subject=request.child_id,
        details={
            "emergency": True,
            "agency": request.agency.value,
            "team": request.team,
            "justification": text,
            "fields": sorted(request.fields),
            "expires_at": expires.isoformat(),
        },
        recorded_at=now,
    )
    grant_key = connection.execute(
        insert(grant_t).values(
            user_id=request.user_id,
            role=request.role.value,
            agency=request.agency.value,
            team=request.team,
            purpose=request.purpose.value,
            child_id=request.child_id,
            fields=sorted(request.fields),
            justification=text,
            granted_at=now,
            expires_at=expires,
            audit_seq=entry.seq,
        )
    ).inserted_primary_key
    assert grant_key is not None
    grant_id = int(grant_key[0])
    task_key = connection.execute(
        insert(task_t).values(
            emergency_access_id=grant_id,
            created_at=now,
            assigned_role=Role.PRIVACY_OFFICER.value,
            status="OPEN",
        )
    ).inserted_primary_key
    assert task_key is not None
    task_id = int(task_key[0])
    grant = EmergencyGrant(
        int(grant_id),
        request.user_id,
        request.role.value,
        request.agency.value,
        request.purpose.value,
        request.child_id,
        text,
        now,
        expires,
        int(task_id),
    )
    decision = decide_and_record(connection, replace(request, emergency=True), pdp=pdp, now=now)
    return grant, decision


def review(
    connection: Connection,
    task_id: int,
    reviewer: str,
    outcome: ReviewOutcome | str,
    note: str = "",
    *,
    reviewer_role: Role = Role.PRIVACY_OFFICER,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record the privacy officer's review of a break-glass grant, in the task and the audit
    log. The reviewer must be a privacy officer and not the person who broke the glass."""
    if not str(outcome).strip():
        raise BadInput("Select whether this access was appropriate", field="outcome")
    try:
        outcome = ReviewOutcome(str(outcome).upper())
    except ValueError:
        known = ", ".join(o.value for o in ReviewOutcome)
        raise BadInput(
            f"unknown review outcome {outcome!r} (one of: {known})", field="outcome"
        ) from None
    if reviewer_role is not Role.PRIVACY_OFFICER:
        raise Forbidden("break-glass reviews are for privacy officers")
    note = " ".join(note.split())
    if outcome is not ReviewOutcome.APPROPRIATE and not note:
        raise BadInput(
            f"An access found {OUTCOME_WORDS[outcome]} needs a note saying why",
            field="note",
        )
    row = connection.execute(
        select(task_t, grant_t.c.user_id, grant_t.c.child_id, grant_t.c.purpose)
        .join(grant_t, grant_t.c.id == task_t.c.emergency_access_id)
        .where(task_t.c.id == task_id)
    ).first()
    if row is None:
        raise NotFound(f"no break-glass review task {task_id}")
    if row.status != "OPEN":
        raise Conflict(f"review task {task_id} was already reviewed ({row.outcome})")
    if row.user_id == reviewer:
        raise Forbidden("nobody reviews their own break-glass access")
    now = now or datetime.now(UTC)
    connection.execute(
        update(task_t)
        .where(task_t.c.id == task_id, task_t.c.status == "OPEN")
        .values(
            status="CLOSED",
            reviewer=reviewer,
            outcome=outcome.value,
            note=note or None,
            reviewed_at=now,
        )
    )
    details = {
        "task_id": task_id,
        "emergency_access_id": int(row.emergency_access_id),
        "accessed_by": row.user_id,
        "outcome": outcome.value,
        "note": note,
    }
    append(
        connection,
        kind="BREAK_GLASS_REVIEW",
        actor=reviewer,
        actor_role=reviewer_role.value,
        purpose="AUDIT",
        subject=row.child_id,
        details=details,
        recorded_at=now,
    )
    return details | {"reviewer": reviewer, "reviewed_at": now.isoformat()}


def review_tasks(connection: Connection, status: str | None = "OPEN") -> list[dict[str, Any]]:
    """Review tasks with their grants, oldest first (``status=None``: all)."""
    query = (
        select(
            task_t.c.id.label("task_id"),
            task_t.c.status,
            task_t.c.outcome,
            task_t.c.reviewer,
            task_t.c.note,
            task_t.c.reviewed_at,
            grant_t.c.id.label("emergency_access_id"),
            grant_t.c.user_id,
            grant_t.c.role,
            grant_t.c.agency,
            grant_t.c.purpose,
            grant_t.c.child_id,
            grant_t.c.justification,
            grant_t.c.granted_at,
            grant_t.c.expires_at,
        )
        .join(grant_t, grant_t.c.id == task_t.c.emergency_access_id)
        .order_by(task_t.c.id)
    )
    if status is not None:
        query = query.where(task_t.c.status == status)
    return [dict(r._mapping) for r in connection.execute(query)]


def break_glass_volume() -> Any:
    """The volume limit on one account's break-glass grants (24 hours), from the settings."""
    from joinedup.config import volume_limits
    from joinedup.governance.notices import Volume

    limits = volume_limits()
    return Volume(
        "BREAK_GLASS_VOLUME", "BREAK_GLASS", timedelta(hours=24),
        limits.break_glass_notice_per_day, limits.break_glass_limit_per_day,
        "break-glass grants",
    )  # fmt: skip
