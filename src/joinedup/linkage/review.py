"""Clerical review: the queue of uncertain pairs and reviewers' decisions.

Pairs scored between the review and link thresholds (or linked by name and DOB alone where
that is ambiguous) are queued with their evidence: per comparison, the level and its weight,
so a reviewer sees what agrees, what disagrees and by how much, beside the two records as
their agencies recorded them (``pair_records``). A decision (MATCH or NON_MATCH) is
recorded with who made it and why, written to the audit log, and applied by every later run
as a must-link or cannot-link constraint.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from joinedup.errors import BadInput, NotFound
from joinedup.governance.audit import append
from joinedup.governance.minimisation import RESTRICTED, sealed_kinds
from joinedup.linkage import queue
from joinedup.store.linkage_tables import linkage_review
from joinedup.store.tables import person_identifier, person_record

DECISIONS = ("MATCH", "NON_MATCH")


def ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def decided_pairs(connection: Connection) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(must-link, cannot-link) record-key pairs from every decision so far."""
    rows = connection.execute(
        select(
            linkage_review.c.record_key_l, linkage_review.c.record_key_r, linkage_review.c.decision
        ).where(linkage_review.c.status == "DECIDED")
    ).all()
    must = [(r.record_key_l, r.record_key_r) for r in rows if r.decision == "MATCH"]
    cannot = [(r.record_key_l, r.record_key_r) for r in rows if r.decision == "NON_MATCH"]
    return must, cannot


def refresh_queue(
    connection: Connection, pairs: list[dict[str, Any]], run_id: int | None
) -> dict[str, int]:
    """Make the open queue exactly ``pairs`` (dicts: record_key_l/r, match_weight,
    match_probability, evidence): new pairs open, pairs no longer uncertain go STALE,
    decided pairs are never touched."""
    existing = {
        (r.record_key_l, r.record_key_r): r.status
        for r in connection.execute(
            select(
                linkage_review.c.record_key_l,
                linkage_review.c.record_key_r,
                linkage_review.c.status,
            )
        )
    }
    wanted = {ordered(p["record_key_l"], p["record_key_r"]): p for p in pairs}
    now = datetime.now(UTC)
    new = [
        {
            **p,
            "record_key_l": key[0],
            "record_key_r": key[1],
            "status": "OPEN",
            "created_at": now,
            "run_id": run_id,
        }
        for key, p in wanted.items()
        if key not in existing
    ]
    if new:
        connection.execute(insert(linkage_review), new)
    reopened = [key for key, status in existing.items() if status == "STALE" and key in wanted]
    stale = [key for key, status in existing.items() if status == "OPEN" and key not in wanted]
    for keys, status in ((stale, "STALE"), (reopened, "OPEN")):
        for left, right in keys:
            connection.execute(
                update(linkage_review)
                .where(
                    linkage_review.c.record_key_l == left, linkage_review.c.record_key_r == right
                )
                .values(status=status)
            )
    return {"opened": len(new) + len(reopened), "stale": len(stale)}


def list_open(connection: Connection, limit: int = 50) -> list[dict[str, Any]]:
    """The first ``limit`` open pairs in the order a steward should take them (``queue``):
    a child's first, then an adult in a child's household, each nearest the threshold first;
    each item says its ``tier``."""
    order = queue.ranked(connection)[:limit]
    if not order:
        return []
    rows = {
        r.id: dict(r._mapping)
        for r in connection.execute(
            select(linkage_review).where(linkage_review.c.id.in_([r.id for r in order]))
        )
    }
    return [{**rows[r.id], "tier": r.tier} for r in order if r.id in rows]


def get(connection: Connection, review_id: int) -> dict[str, Any]:
    row = connection.execute(select(linkage_review).where(linkage_review.c.id == review_id)).first()
    if row is None:
        raise NotFound(f"no review item {review_id}")
    return dict(row._mapping)


def pair_records(connection: Connection, item: dict[str, Any]) -> dict[str, Any]:
    """The pair's two records as their agencies recorded them (``left`` and ``right``; None
    for one no longer in the store), for a reviewer to compare side by side."""
    return {
        side: _record(connection, item[f"record_key_{key}"])
        for side, key in (("left", "l"), ("right", "r"))
    }


_IDENTITY = ("forenames", "surname", "other_names", "date_of_birth", "sex", "nhs_number",
             "upn", "postcode", "address_line")  # fmt: skip


def _record(connection: Connection, record_key: str) -> dict[str, Any] | None:
    """One side of the pair; a sealed record (no rule of the link review opens a seal) only
    as "restricted record", its identity blank."""
    agency, table, source_id = record_key.split("|", 2)
    pr = person_record.c
    row = connection.execute(
        select(*(pr[c] for c in _IDENTITY), pr.attributes)
        .where(pr.agency_id == agency, pr.source_table == table, pr.source_id == source_id)
    ).first()  # fmt: skip
    if row is None:
        return None
    where = {"record_key": record_key, "agency": agency, "source_table": table,
             "source_id": source_id}  # fmt: skip
    if sealed_kinds(row.attributes or {}):
        blank: dict[str, Any] = {c: [] if c == "other_names" else None for c in _IDENTITY}
        return {**where, **blank, "other_identifiers": [], "restricted": RESTRICTED}
    pi = person_identifier.c
    others = connection.execute(
        select(pi.identifier_type, pi.value)
        .where(pi.agency_id == agency, pi.person_source_id == source_id)
        .order_by(pi.identifier_type, pi.value)
    ).all()
    return {
        **where,
        **{c: row._mapping[c] for c in _IDENTITY},
        "other_identifiers": [f"{kind.replace('_', ' ')} {value}" for kind, value in others],
        "restricted": None,
    }


def decide(
    connection: Connection, review_id: int, decision: str, *, reviewer: str, reason: str = ""
) -> dict[str, Any]:
    """Record a reviewer's decision on one pair (audited in the same transaction)."""
    decision = decision.upper()
    if decision not in DECISIONS:
        raise BadInput(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    if not reviewer:
        raise BadInput("a decision needs the reviewer's name")
    item = get(connection, review_id)
    now = datetime.now(UTC)
    connection.execute(
        update(linkage_review)
        .where(linkage_review.c.id == review_id)
        .values(
            status="DECIDED",
            decision=decision,
            decided_by=reviewer,
            decided_at=now,
            reason=reason or None,
        )
    )
    append(
        connection,
        kind="LINK_REVIEW",
        actor=reviewer,
        details={
            "review_id": review_id,
            "decision": decision,
            "reason": reason,
            "record_key_l": item["record_key_l"],
            "record_key_r": item["record_key_r"],
            "match_weight": item["match_weight"],
        },
        purpose="RECORD_LINKAGE",
    )
    return get(connection, review_id)
