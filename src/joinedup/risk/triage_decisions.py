"""The triage decisions practitioners record about children on the triage list, as stored:
each with its reason, the score and rank it was taken against, and whether it overrode the
ranking.

Data layer: these read and write personal data; only the governed services in
``services/triage.py`` call them, with a reader whose access the gate has decided; the
architecture test enforces it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select

from joinedup.errors import BadInput, NotFound
from joinedup.store.risk_tables import risk_decision, risk_score

DECISIONS = ("DISCUSS", "NO_FURTHER_ACTION", "REFER")


def record_triage_decision(
    engine: Engine, person_id: str, decision: str, *, reason: str, decided_by: str
) -> dict[str, Any]:
    """Record what a practitioner decided about a child on the triage list, with the reason;
    an override is a decision against the ranking (no further action for a flagged child, or
    discuss/refer for a child below the threshold)."""
    decision = decision.strip().upper().replace(" ", "_").replace("-", "_")
    if decision == "NFA":
        decision = "NO_FURTHER_ACTION"
    if decision not in DECISIONS:
        raise BadInput(f"decision is one of {', '.join(DECISIONS)}")
    if not reason.strip():
        raise BadInput("a triage decision needs a reason")
    if not decided_by.strip():
        raise BadInput("a triage decision needs the practitioner who took it")
    with engine.begin() as connection:
        score = (
            connection.execute(
                select(risk_score).where(risk_score.c.person_id == person_id, risk_score.c.current)
            )
            .mappings()
            .first()
        )
        if score is None:
            raise NotFound(f"{person_id} is not on the current triage list")
        rank = (
            connection.execute(
                select(func.count()).where(
                    risk_score.c.current, risk_score.c.probability_12m > score["probability_12m"]
                )
            ).scalar_one()
            + 1
        )
        flagged = bool(score["flagged"])
        override = (flagged and decision == "NO_FURTHER_ACTION") or (
            not flagged and decision != "NO_FURTHER_ACTION"
        )
        values = {
            "person_id": person_id,
            "decision": decision,
            "reason": reason.strip(),
            "decided_by": decided_by.strip(),
            "decided_at": datetime.now(UTC),
            "score_id": score["id"],
            "probability_12m": score["probability_12m"],
            "rank": rank,
            "flagged": flagged,
            "override": override,
        }
        decision_id = connection.execute(
            insert(risk_decision).values(**values)
        ).inserted_primary_key[0]  # type: ignore[index]
    return {"id": decision_id, **values, "decided_at": values["decided_at"].isoformat()}


def triage_decisions(engine: Engine, *, overrides_only: bool = False) -> dict[str, Any]:
    """Every recorded triage decision, and how often practitioners overrode the ranking."""
    with engine.connect() as connection:
        query = select(risk_decision).order_by(risk_decision.c.id)
        if overrides_only:
            query = query.where(risk_decision.c.override)
        rows = [dict(r) for r in connection.execute(query).mappings()]
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r["decision"]] += 1
        r["decided_at"] = r["decided_at"].isoformat()
    overrides = [r for r in rows if r["override"]]
    return {
        "decisions": len(rows),
        "by_decision": dict(counts),
        "overrides": len(overrides),
        "override_rate": round(len(overrides) / len(rows), 4) if rows else None,
        "rows": rows,
    }
