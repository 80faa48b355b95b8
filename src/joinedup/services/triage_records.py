"""What the MASH recorded about children on the triage list: their triage decisions (with
who took them and when) and their open MASH triage cases, so what a practitioner did stays
visible on the list's row and the child's explanation (issue 19: "what I record
disappears").

Called by ``services.triage`` only, for children the gate has already opened for the
reader: a decision's reason (free text, which may speak of anything the MASH saw) and the
MASH's cases are the MASH's, so they are given only to a reader whose role and purpose may
record decisions or hold cases; a decision's change in score is computed on the score the
reader may see (withheld terms left out, as the list's own scores are).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from joinedup.governance import triage_cases, uses
from joinedup.governance.reader import Reader
from joinedup.risk.provenance import visible_probability
from joinedup.store.account_tables import account
from joinedup.store.casework_tables import triage_case
from joinedup.store.risk_tables import risk_decision, risk_score

_CHUNK = 500


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _chunks(ids: list[Any]) -> Iterable[list[Any]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def _names_of(connection: Connection, usernames: set[str]) -> dict[str, str]:
    """The display names of the practitioners who decided (their account's name)."""
    if not usernames:
        return {}
    rows = connection.execute(
        select(account.c.username, account.c.display_name).where(
            account.c.username.in_(sorted(usernames))
        )
    ).all()
    return {r.username: r.display_name for r in rows}


def decisions(
    connection: Connection, reader: Reader, person_ids: list[str], *, latest_only: bool
) -> dict[str, list[dict[str, Any]]]:
    """Each child's recorded triage decisions, the newest first (only the newest with
    ``latest_only``); the reason only for the MASH."""
    mash = uses.TRIAGE_DECISION.allows(reader.role, reader.purpose)
    found: dict[str, list[Any]] = {}
    for chunk in _chunks(person_ids):
        rows = connection.execute(
            select(risk_decision)
            .where(risk_decision.c.person_id.in_(chunk))
            .order_by(risk_decision.c.id.desc())
        ).all()
        for row in rows:
            mine = found.setdefault(row.person_id, [])
            if not (latest_only and mine):
                mine.append(row)
    names = _names_of(connection, {r.decided_by for rows in found.values() for r in rows})
    out: dict[str, list[dict[str, Any]]] = {}
    for person_id, rows in found.items():
        out[person_id] = [
            {
                "decision": r.decision,
                "decided_at": _aware(r.decided_at).isoformat(),
                "decided_by": r.decided_by,
                "decided_by_name": names.get(r.decided_by),
                "by_you": r.decided_by == reader.user_id,
                "override": bool(r.override),
                "score_id": r.score_id,
                **({"reason": r.reason} if mash else {}),
            }
            for r in rows
        ]
    return out


def scores_at(
    connection: Connection,
    reader: Reader,
    score_ids: Iterable[int | None],
    withheld: frozenset[str],
) -> dict[int, float]:
    """The 12-month chance each score gave, on the terms the reader may see (the scores of
    children the list already opened for this reader; nothing for a reader who may not see
    the list)."""
    if not uses.TRIAGE_LIST.allows(reader.role, reader.purpose):
        return {}
    ids = sorted({i for i in score_ids if i is not None})
    out: dict[int, float] = {}
    for chunk in _chunks(ids):
        for row in connection.execute(
            select(risk_score.c.id, risk_score.c.probability_12m, risk_score.c.contributions)
            .where(risk_score.c.id.in_(chunk))
        ):  # fmt: skip
            out[row.id] = visible_probability(
                row.probability_12m, row.contributions or {}, withheld
            )
    return out


def open_cases(
    connection: Connection, reader: Reader, person_ids: list[str], now: datetime
) -> dict[str, dict[str, Any]]:
    """Each child's open MASH triage case (when it is due, whether it is overdue; the newest
    if there are several): the MASH's own work, so only for a reader who may hold cases."""
    if not uses.TRIAGE_CASE.allows(reader.role, reader.purpose) or not person_ids:
        return {}
    cutoff = now - timedelta(days=triage_cases.TRIAGE_CASE_DAYS)
    out: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(person_ids):
        rows = connection.execute(
            select(triage_case)
            .where(
                triage_case.c.person_id.in_(chunk),
                triage_case.c.closed_at.is_(None),
                triage_case.c.opened_at >= cutoff,
            )
            .order_by(triage_case.c.id.desc())
        ).all()
        for row in rows:
            if row.person_id in out:
                continue
            summary = triage_cases.case_summary(row, now)
            out[row.person_id] = {
                k: summary[k] for k in ("case_id", "opened_at", "due_at", "overdue", "prompted_by")
            }
    return out
