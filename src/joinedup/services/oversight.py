"""Use cases of the platform's oversight pages: the clerical review queue, data quality,
agreements, the privacy officer's break-glass reviews, audit search and verification.

Each checks the caller's role (``Forbidden`` otherwise) and writes an audit entry of the
access in the same unit of work. ``who`` is the signed-in account (username and role);
the privacy officer's reads also carry the purpose they declared (AUDIT).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Engine

from joinedup.errors import Forbidden
from joinedup.governance.audit import append
from joinedup.governance.roles import ROLE_RULES, Role

LINKAGE_STEWARDS = (Role.PARTNERSHIP_ANALYST, Role.ADMINISTRATOR)
QUALITY_READERS = (Role.PARTNERSHIP_ANALYST, Role.ADMINISTRATOR, Role.PRIVACY_OFFICER)
AGREEMENT_READERS = (Role.PRIVACY_OFFICER, Role.PARTNERSHIP_ANALYST, Role.ADMINISTRATOR)
BREAK_GLASS_REVIEWERS = (Role.PRIVACY_OFFICER,)
AUDIT_SEARCHERS = (Role.PRIVACY_OFFICER,)
AUDIT_VERIFIERS = (Role.PRIVACY_OFFICER, Role.ADMINISTRATOR)


class Who(Protocol):
    @property
    def username(self) -> str: ...

    @property
    def role(self) -> str: ...


def check_role(who: Who, roles: Iterable[Role]) -> Role:
    role = Role(who.role)
    allowed = tuple(roles)
    if role not in allowed:
        names = ", ".join(ROLE_RULES[r].title.split(" (")[0].lower() for r in allowed)
        raise Forbidden(f"this is for: {names}")
    return role


def _audit(
    connection: Connection,
    who: Who,
    kind: str,
    /,
    purpose: str | None = None,
    subject: str | None = None,
    **details: Any,
) -> None:
    append(
        connection,
        kind=kind,
        actor=who.username,
        actor_role=who.role,
        purpose=purpose,
        subject=subject,
        details=details,
    )


# --- clerical review of uncertain links ----------------------------------------------------


def review_queue(engine: Engine, who: Who, limit: int = 50) -> list[dict[str, Any]]:
    from joinedup.linkage import review

    check_role(who, LINKAGE_STEWARDS)
    with engine.begin() as connection:
        items = review.list_open(connection, limit)
        _audit(connection, who, "LINK_REVIEW_QUEUE_READ", items=len(items))
    return items


def review_item(engine: Engine, who: Who, review_id: int) -> dict[str, Any]:
    from joinedup.linkage import review

    check_role(who, LINKAGE_STEWARDS)
    with engine.begin() as connection:
        item = review.get(connection, review_id)
        item["records"] = review.pair_records(connection, item)
        _audit(connection, who, "LINK_REVIEW_ITEM_READ", review_id=review_id)
    return item


def decide_review(
    engine: Engine, who: Who, review_id: int, decision: str, reason: str = ""
) -> dict[str, Any]:
    from joinedup.linkage import review

    check_role(who, LINKAGE_STEWARDS)
    with engine.begin() as connection:  # review.decide audits the decision itself
        return review.decide(connection, review_id, decision, reviewer=who.username, reason=reason)


# --- data quality and agreements (no personal data: counts, codes, documents) --------------


def quality_summary(engine: Engine, who: Who) -> dict[str, Any]:
    from joinedup.ingest.quality import all_agencies_quality

    check_role(who, QUALITY_READERS)
    with engine.begin() as connection:
        report = all_agencies_quality(connection)
        _audit(connection, who, "QUALITY_REPORT_READ", agency="all")
    return report


def agency_quality(engine: Engine, who: Who, agency: str) -> dict[str, Any]:
    from joinedup.ingest.quality import agency_quality as report_of

    check_role(who, QUALITY_READERS)
    with engine.begin() as connection:
        report = report_of(connection, agency)
        _audit(connection, who, "QUALITY_REPORT_READ", agency=agency)
    return report


def agreements(engine: Engine, who: Who) -> list[dict[str, Any]]:
    from joinedup.governance import agreement_store

    check_role(who, AGREEMENT_READERS)
    with engine.connect() as connection:
        return agreement_store.history(connection)


def agreement(
    engine: Engine, who: Who, agreement_id: str, version: int | None = None
) -> dict[str, Any]:
    from joinedup.governance import agreement_store

    check_role(who, AGREEMENT_READERS)
    with engine.connect() as connection:
        document = agreement_store.get(connection, agreement_id, version)
        versions = agreement_store.history(connection, agreement_id)
    return {"agreement": document.model_dump(mode="json", by_alias=True), "versions": versions}


# --- the privacy officer's pages -----------------------------------------------------------


def break_glass_tasks(
    engine: Engine, who: Who, status: str | None = "OPEN"
) -> list[dict[str, Any]]:
    from joinedup.governance.emergency import review_tasks

    check_role(who, BREAK_GLASS_REVIEWERS)
    with engine.begin() as connection:
        tasks = review_tasks(connection, status)
        _audit(
            connection,
            who,
            "BREAK_GLASS_TASKS_READ",
            purpose="AUDIT",
            status=status,
            tasks=len(tasks),
        )
    return tasks


def review_break_glass(
    engine: Engine, who: Who, task_id: int, outcome: str, note: str = ""
) -> dict[str, Any]:
    from joinedup.governance.emergency import review

    role = check_role(who, BREAK_GLASS_REVIEWERS)
    with engine.begin() as connection:  # emergency.review audits the outcome itself
        return review(connection, task_id, who.username, outcome, note, reviewer_role=role)


def search_audit(
    engine: Engine,
    who: Who,
    *,
    subject: str | None = None,
    actor: str | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    limit: int = 200,
    after: int | None = None,
) -> list[dict[str, Any]]:
    from joinedup.governance.audit.query import entry_to_dict, search

    check_role(who, AUDIT_SEARCHERS)
    with engine.begin() as connection:
        entries = search(
            connection,
            subject=subject,
            actor=actor,
            kind=kind,
            since=since,
            limit=limit,
            after=after,
        )
        _audit(
            connection,
            who,
            "AUDIT_SEARCHED",
            purpose="AUDIT",
            subject=subject,
            searched_actor=actor,
            searched_kind=kind,
            since=since.isoformat() if since else None,
            after=after,
            results=len(entries),
        )
    return [entry_to_dict(e) for e in entries]


def verify_audit(engine: Engine, who: Who) -> dict[str, Any]:
    """Verify the whole log with this installation's trusted keys; the check is recorded
    after it (so it does not verify its own entry)."""
    from joinedup.governance.audit import heads as audit_heads
    from joinedup.governance.audit.verify import verify_log

    check_role(who, AUDIT_VERIFIERS)
    keys = audit_heads.trusted_keys(engine.url, None)
    with engine.connect() as connection:
        result = verify_log(connection, keys)
    with engine.begin() as connection:
        _audit(connection, who, "AUDIT_VERIFIED", ok=result.ok, entries=result.entries)
    return result.to_dict() | {"summary": result.describe()}
