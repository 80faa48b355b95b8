"""Break-glass grants as the store holds them: a grant, whether it covers a request, the
grants in force for a user and a child, and the request as the policy decision point may see
it (an emergency claimed without a grant in force is decided without it).

Below both ``recording`` (every decision checks the grants) and ``emergency`` (which makes
them): neither imports the other's way round.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from joinedup.governance.access import AccessRequest
from joinedup.store.governance_tables import emergency_access as grant_t

# Ids per IN list when many children are asked about at once (SQLite's bound-parameter limit).
CHUNK = 5000


@dataclass(frozen=True, slots=True)
class EmergencyGrant:
    id: int
    user_id: str
    role: str
    agency: str
    purpose: str
    child_id: str
    justification: str
    granted_at: datetime
    expires_at: datetime
    review_task_id: int | None = None

    def covers(self, request: AccessRequest, at: datetime) -> bool:
        """Whether this grant stands in for ``request``'s relationship at ``at``: the same
        user, role, agency, child and purpose, and not expired."""
        return (
            self.user_id == request.user_id
            and self.child_id == request.child_id
            and self.role == request.role.value
            and self.agency == request.agency.value
            and self.purpose == request.purpose.value
            and self.granted_at <= at < self.expires_at
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user_id": self.user_id,
            "role": self.role,
            "agency": self.agency,
            "purpose": self.purpose,
            "child_id": self.child_id,
            "justification": self.justification,
            "granted_at": self.granted_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "review_task_id": self.review_task_id,
        }


def effective_request(
    request: AccessRequest, grants: Iterable[EmergencyGrant], at: datetime
) -> tuple[AccessRequest, str | None]:
    """The request as the PDP may see it: ``emergency`` stays true only while a grant
    covers it (a caller cannot simply claim an emergency); the note says when it was
    dropped."""
    if not request.emergency or any(g.covers(request, at) for g in grants):
        return request, None
    return replace(request, emergency=False), (
        "emergency access not in force (never granted, or expired): decided without it"
    )


def _grant(row: Any, task_id: int | None) -> EmergencyGrant:
    return EmergencyGrant(
        int(row.id),
        row.user_id,
        row.role,
        row.agency,
        row.purpose,
        row.child_id,
        row.justification,
        _aware(row.granted_at),
        _aware(row.expires_at),
        task_id,
    )


def _aware(value: datetime) -> datetime:
    # SQLite returns naive datetimes; everything here is stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def active_grants(
    connection: Connection, user_id: str, child_id: str, at: datetime
) -> list[EmergencyGrant]:
    rows = connection.execute(
        select(grant_t).where(
            grant_t.c.user_id == user_id,
            grant_t.c.child_id == child_id,
            grant_t.c.expires_at > at,
        )
    ).all()
    return [g for g in (_grant(r, None) for r in rows) if g.granted_at <= at < g.expires_at]


def active_grants_for(
    connection: Connection, user_id: str, child_ids: Iterable[str], at: datetime
) -> dict[str, list[EmergencyGrant]]:
    """``active_grants`` for many children at once (one query per 5,000): the grants in force
    at ``at`` for ``user_id``, by child; children with none are absent."""
    found: dict[str, list[EmergencyGrant]] = {}
    ids = sorted(set(child_ids))
    for start in range(0, len(ids), CHUNK):
        rows = connection.execute(
            select(grant_t).where(
                grant_t.c.user_id == user_id,
                grant_t.c.child_id.in_(ids[start : start + CHUNK]),
                grant_t.c.expires_at > at,
            )
        ).all()
        for grant in (_grant(r, None) for r in rows):
            if grant.granted_at <= at < grant.expires_at:
                found.setdefault(grant.child_id, []).append(grant)
    return found
