"""Use cases of the platform's oversight pages: the clerical review queue, data quality,
agreements, the privacy officer's break-glass reviews, audit search and verification.

Each checks the caller's role (``Forbidden`` otherwise) and writes an audit entry of the
access in the same unit of work. ``who`` is the signed-in account (username and role);
the privacy officer's reads also carry the purpose they declared (AUDIT).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Engine

from joinedup.governance import uses
from joinedup.governance.audit import append


class Who(Protocol):
    """An account (``username``) or a reader (``user_id``, with a declared purpose)."""

    @property
    def role(self) -> Any: ...


def name_of(who: Who) -> str:
    """The username the audit log names: an account's ``username``, a reader's ``user_id``."""
    name = getattr(who, "username", None) or getattr(who, "user_id", None)
    if not name:
        raise TypeError("a caller needs a username")
    return str(name)


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
        actor=name_of(who),
        actor_role=str(who.role),
        purpose=purpose,
        subject=subject,
        details=details,
    )


# --- clerical review of uncertain links ----------------------------------------------------


def review_queue(engine: Engine, who: Who, limit: int = 50) -> list[dict[str, Any]]:
    from joinedup.linkage import review

    uses.LINK_REVIEW.check(who)
    with engine.begin() as connection:
        items = review.list_open(connection, limit)
        _audit(connection, who, "LINK_REVIEW_QUEUE_READ", items=len(items))
    return items


def review_queue_size(engine: Engine, who: Who) -> dict[str, Any]:
    """The open queue's size by tier, the share of records it touches (counts only)."""
    from joinedup.linkage import queue

    uses.LINK_REVIEW.check(who)
    with engine.begin() as connection:
        found = queue.size(connection)
        _audit(connection, who, "LINK_REVIEW_QUEUE_SIZE_READ", pairs=found.open_pairs)
    return {**found.to_dict(), "line": found.line()}


def review_item(engine: Engine, who: Who, review_id: int) -> dict[str, Any]:
    from joinedup.linkage import review

    uses.LINK_REVIEW.check(who)
    with engine.begin() as connection:
        item = review.get(connection, review_id)
        item["records"] = review.pair_records(connection, item)
        # The entry names whom the item is about: both records' people, so the transparency
        # report and the audit search by subject find the read.
        people = _people_in(connection, item)
        _audit(
            connection,
            who,
            "LINK_REVIEW_ITEM_READ",
            subject=people[0] if people else None,
            review_id=review_id,
            people=people,
        )
    return item


def decide_review(
    engine: Engine, who: Who, review_id: int, decision: str, reason: str = ""
) -> dict[str, Any]:
    from joinedup.linkage import review

    uses.LINK_REVIEW.check(who)
    with engine.begin() as connection:  # review.decide audits the decision itself
        return review.decide(connection, review_id, decision, reviewer=name_of(who), reason=reason)


# --- data quality and agreements (no personal data: counts, codes, documents) --------------


def quality_summary(engine: Engine, who: Who) -> dict[str, Any]:
    from joinedup.ingest.quality import all_agencies_quality

    uses.DATA_QUALITY.check(who)
    with engine.begin() as connection:
        report = all_agencies_quality(connection)
        _audit(connection, who, "QUALITY_REPORT_READ", agency="all")
    return report


def agency_quality(engine: Engine, who: Who, agency: str) -> dict[str, Any]:
    from joinedup.ingest.quality import agency_quality as report_of

    uses.DATA_QUALITY.check(who)
    with engine.begin() as connection:
        report = report_of(connection, agency)
        _audit(connection, who, "QUALITY_REPORT_READ", agency=agency)
    return report


def agreements(engine: Engine, who: Who) -> list[dict[str, Any]]:
    from joinedup.governance import agreement_store

    uses.AGREEMENTS.check(who)
    with engine.connect() as connection:
        return agreement_store.history(connection)


def agreement(
    engine: Engine, who: Who, agreement_id: str, version: int | None = None
) -> dict[str, Any]:
    from joinedup.governance import agreement_store

    uses.AGREEMENTS.check(who)
    with engine.connect() as connection:
        document = agreement_store.get(connection, agreement_id, version)
        versions = agreement_store.history(connection, agreement_id)
    return {"agreement": document.model_dump(mode="json", by_alias=True), "versions": versions}


# --- the privacy officer's pages -----------------------------------------------------------


def break_glass_tasks(
    engine: Engine, who: Who, status: str | None = "OPEN"
) -> list[dict[str, Any]]:
    from joinedup.governance.emergency import review_tasks

    uses.BREAK_GLASS_REVIEW.check(who)
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

    role = uses.BREAK_GLASS_REVIEW.check(who)
    with engine.begin() as connection:  # emergency.review audits the outcome itself
        return review(connection, task_id, name_of(who), outcome, note, reviewer_role=role)


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

    uses.AUDIT_SEARCH.check(who)
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
    key = _pseudonym_key(engine)
    return [_without_terms(key, entry_to_dict(e)) for e in entries]


def _pseudonym_key(engine: Engine) -> bytes:
    from joinedup.governance.retention_actions import pseudonym_key

    with engine.connect() as connection:
        return pseudonym_key(connection)


def _without_terms(key: bytes, entry: dict[str, Any]) -> dict[str, Any]:
    """An entry as the audit search shows it: a search's terms pseudonymised (entries
    written before terms were kept pseudonymised hold them in clear; they are shown the
    same way as newer ones)."""
    from joinedup.governance.trace import pseudonymised_terms

    details = entry.get("details") or {}
    query = details.get("query")
    if entry.get("kind") == "SEARCH" and isinstance(query, dict):
        entry = {**entry, "details": {**details, "query": pseudonymised_terms(key, query)}}
    return entry


# --- the privacy officer's notices (volume of searches and break-glass grants) ---------------


def privacy_notices(engine: Engine, who: Who, status: str | None = "OPEN") -> list[dict[str, Any]]:
    """Notices about accounts acting in unusual volume, newest first (audited)."""
    from joinedup.governance.notices import notices

    uses.PRIVACY_NOTICES.check(who)
    with engine.begin() as connection:
        found = notices(connection, status)
        _audit(connection, who, "PRIVACY_NOTICES_READ", purpose="AUDIT", notices=len(found))
    return found


def review_privacy_notice(engine: Engine, who: Who, notice_id: int, note: str) -> dict[str, Any]:
    """Close a notice with what the privacy officer found (audited)."""
    from joinedup.governance.notices import close_notice

    role = uses.PRIVACY_NOTICES.check(who)
    with engine.begin() as connection:
        return close_notice(
            connection, notice_id, reviewer=name_of(who), reviewer_role=role.value, note=note
        )


def search_term_pseudonym(engine: Engine, who: Who, field: str, value: str) -> list[str]:
    """What a search term is kept as in the audit log, so the privacy officer can look for
    searches of it (a name gives one value per part)."""
    from joinedup.governance.trace import pseudonymised_terms

    uses.AUDIT_SEARCH.check(who)
    found = pseudonymised_terms(_pseudonym_key(engine), {field: value})[field]
    return found if isinstance(found, list) else [found]


def verify_audit(engine: Engine, who: Who) -> dict[str, Any]:
    """Verify the whole log with this installation's trusted keys; the check is recorded
    after it (so it does not verify its own entry)."""
    from joinedup.governance.audit import heads as audit_heads
    from joinedup.governance.audit.verify import verify_log

    uses.AUDIT_VERIFY.check(who)
    keys = audit_heads.trusted_keys(engine.url, None)
    with engine.connect() as connection:
        result = verify_log(connection, keys)
    with engine.begin() as connection:
        _audit(connection, who, "AUDIT_VERIFIED", ok=result.ok, entries=result.entries)
    return result.to_dict() | {"summary": result.describe()}


def _people_in(connection: Connection, item: dict[str, Any]) -> list[str]:
    """The people a clerical review item is about: each record's linked person."""
    from sqlalchemy import select

    from joinedup.store.linkage_tables import linkage_record

    keys = [item.get("record_key_l"), item.get("record_key_r")]
    rows = connection.execute(
        select(linkage_record.c.person_id).where(
            linkage_record.c.record_key.in_([k for k in keys if k])
        )
    ).scalars()
    return sorted(set(rows))
