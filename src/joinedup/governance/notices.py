"""Volume limits on one account, and notices to the privacy officer.

Some things a practitioner may do are harmless once and a warning sign in bulk: searching for
people (a trace, not a browse) and breaking the glass. ``check_volume`` counts what the
account did in the window from the audit log (every search and every grant is an entry, so
the count cannot be dodged by another channel), raises a notice to the privacy officer the
moment the notice level is reached, and refuses (``TooManyRequests``) at the limit. A notice
is one row per account and kind while open: a burst updates its count rather than flooding
the privacy officer; each raise and each refusal is itself audited.

Store-aware: ``check_volume`` runs in a transaction of its own, the rest in the caller's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from joinedup.errors import BadInput, Conflict, NotFound, TooManyRequests
from joinedup.governance.audit import append
from joinedup.store.audit_tables import audit_entry
from joinedup.store.governance_tables import privacy_notice


@dataclass(frozen=True, slots=True)
class Volume:
    kind: str  # the notice kind, e.g. SEARCH_VOLUME
    entry_kind: str  # the audit entries counted, e.g. SEARCH
    window: timedelta
    notice_at: int  # the count (including this one) at which the privacy officer is told
    limit: int  # the count beyond which the action is refused
    what: str  # words for the refusal ("searches")


def done_since(connection: Connection, actor: str, entry_kind: str, since: datetime) -> int:
    """How many audit entries of ``entry_kind`` ``actor`` has since ``since``."""
    return int(
        connection.execute(
            select(func.count())
            .select_from(audit_entry)
            .where(
                audit_entry.c.actor == actor,
                audit_entry.c.kind == entry_kind,
                audit_entry.c.recorded_at >= since,
            )
        ).scalar_one()
    )


def check_volume(
    engine: Engine,
    volume: Volume,
    *,
    actor: str,
    actor_role: str,
    now: datetime | None = None,
) -> int:
    """Count this action against the account's volume, in a transaction of its own (so a
    notice and a refusal are kept whatever becomes of the action): returns the count
    including this one; tells the privacy officer from ``notice_at``; refuses
    (``TooManyRequests``) beyond ``limit``."""
    now = now or datetime.now(UTC)
    hours = round(volume.window.total_seconds() / 3600, 2)
    with engine.begin() as connection:
        count = done_since(connection, actor, volume.entry_kind, now - volume.window) + 1
        details = {"count": count, "window_hours": hours, "limit": volume.limit}
        refused = count > volume.limit
        if refused or count >= volume.notice_at:
            raise_notice(
                connection, kind=volume.kind, actor=actor, actor_role=actor_role,
                details=details | {"refused": refused}, now=now,
            )  # fmt: skip
    if refused:
        raise TooManyRequests(
            f"you have made {count - 1} {volume.what} in the last {hours:g} hours, the most "
            "one account may: the privacy officer has been told. Try again later, or ask "
            "the privacy officer"
        )
    return count


def raise_notice(
    connection: Connection,
    *,
    kind: str,
    actor: str,
    actor_role: str | None,
    details: dict[str, Any],
    now: datetime | None = None,
) -> int:
    """Open a notice (or update the open one of this kind for this account) and audit it."""
    now = now or datetime.now(UTC)
    n = privacy_notice.c
    existing = connection.execute(
        select(n.id, n.details).where(n.status == "OPEN", n.kind == kind, n.actor == actor)
    ).first()
    if existing is None:
        key = connection.execute(
            insert(privacy_notice).values(
                kind=kind, actor=actor, actor_role=actor_role, raised_at=now, updated_at=now,
                details=details, status="OPEN",
            )
        ).inserted_primary_key  # fmt: skip
        assert key is not None
        notice_id = int(key[0])
    else:
        notice_id = int(existing.id)
        merged = dict(existing.details or {}) | details
        merged["highest_count"] = max(
            int((existing.details or {}).get("highest_count", 0)), int(details.get("count", 0))
        )
        connection.execute(
            update(privacy_notice).where(n.id == notice_id).values(details=merged, updated_at=now)
        )
    append(
        connection,
        kind="PRIVACY_NOTICE",
        actor=actor,
        actor_role=actor_role,
        details={"notice_id": notice_id, "notice_kind": kind, **details},
        recorded_at=now,
    )
    return notice_id


def notices(connection: Connection, status: str | None = "OPEN") -> list[dict[str, Any]]:
    """Notices, newest first (``status=None``: all)."""
    query = select(privacy_notice).order_by(privacy_notice.c.updated_at.desc())
    if status is not None:
        query = query.where(privacy_notice.c.status == status)
    return [dict(r._mapping) for r in connection.execute(query)]


def close_notice(
    connection: Connection,
    notice_id: int,
    *,
    reviewer: str,
    reviewer_role: str,
    note: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The privacy officer closes a notice with what they found (audited)."""
    note = " ".join(note.split())
    if len(note) < 10:
        raise BadInput("say what you found (at least 10 characters)")
    row = connection.execute(select(privacy_notice).where(privacy_notice.c.id == notice_id)).first()
    if row is None:
        raise NotFound(f"no notice {notice_id}")
    if row.status != "OPEN":
        raise Conflict(f"notice {notice_id} is already closed")
    if row.actor == reviewer:
        raise Conflict("nobody reviews a notice about themselves")
    now = now or datetime.now(UTC)
    connection.execute(
        update(privacy_notice)
        .where(privacy_notice.c.id == notice_id)
        .values(status="CLOSED", reviewer=reviewer, note=note, reviewed_at=now)
    )
    append(
        connection,
        kind="PRIVACY_NOTICE_REVIEW",
        actor=reviewer,
        actor_role=reviewer_role,
        purpose="AUDIT",
        details={"notice_id": notice_id, "about": row.actor, "note": note},
        recorded_at=now,
    )
    return {"notice_id": notice_id, "status": "CLOSED", "reviewer": reviewer, "note": note}
