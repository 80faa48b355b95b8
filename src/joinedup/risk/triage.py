"""The triage list and one child's explanation, as stored (the recorded triage decisions are
``risk.triage_decisions``).

Data layer: these read the stored scores (personal data: a child's factors, evidence and
scores) and return them whole. Only the governed services in ``services/triage.py`` call them,
with a reader whose access the gate has decided; the architecture test enforces it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, func, select

from joinedup.errors import BadInput, NotFound
from joinedup.risk import ranking
from joinedup.risk.areas import contribution_label
from joinedup.risk.factors import FACTORS
from joinedup.risk.provenance import TERM_NEEDS, visible_probability
from joinedup.risk.scoring import active_model, threshold_shown
from joinedup.store.risk_tables import risk_decision, risk_score


def _age(dob: date | None, on: date) -> int | None:
    if dob is None:
        return None
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


_SHOWN_FACTORS = 5
_FACTOR_KEYS = ("code", "label", "fields", "agencies", "event_ids", "contribution", "last_seen")


def _shown_factors(factors: list[dict[str, Any]], wanted: str | None) -> list[dict[str, Any]]:
    """The child's factors to show in the list: those that raise the score first (stored
    largest contribution first), then any others the child has, up to five; the factor the
    list is filtered by is always among them. A factor whose area of concern happens to lower
    the score (old evidence, an area the model weighs by its history) is still a recorded
    factor: hiding it would tell the practitioner "no recorded factor" when there is one."""
    shown = factors[:_SHOWN_FACTORS]
    if wanted and all(f["code"] != wanted for f in shown):
        extra = [f for f in factors if f["code"] == wanted]
        shown = shown[: _SHOWN_FACTORS - len(extra)] + extra
    return [{k: f[k] for k in _FACTOR_KEYS} for f in shown]


def _summary(
    row: Any,
    rank: int,
    on: date,
    previous: float | None,
    factor: str | None,
    probability: float,
    count: int | None = None,
) -> dict[str, Any]:
    factors = row["factors"] or []
    return {
        "rank": rank,
        "person_id": row["person_id"],
        "score_id": row["id"],
        "as_of": row["as_of"].isoformat(),
        "probability_6m": round(row["probability_6m"], 4),
        "probability_12m": round(probability, 4),
        "flagged": bool(row["flagged"]),
        "factor_count": count,
        "change_since_previous": None if previous is None else round(probability - previous, 4),
        "open_to_social_care": row["status"],
        "age": _age(row["date_of_birth"], on),
        "team": row["team"],
        "school_urn": row["school_urn"],
        "top_factors": _shown_factors(factors, factor),
        "contributions": dict(row["contributions"] or {}),
    }


def _probability(row: Any, withheld: frozenset[str]) -> float:
    if not withheld:
        return float(row["probability_12m"])
    return visible_probability(row["probability_12m"], row["contributions"] or {}, withheld)


def triage_list(
    engine: Engine,
    *,
    as_of: date | None = None,
    team: str | None = None,
    school_urn: str | None = None,
    min_age: int | None = None,
    max_age: int | None = None,
    factor: str | None = None,
    order: str = "score",
    limit: int = 100,
    offset: int = 0,
    withheld: frozenset[str] = frozenset(),
    flagged_only: bool = False,
) -> dict[str, Any]:
    """Children ranked by 12-month score (or by ``order="change"``, the biggest rise since
    their previous score), each with top factors in words and the evidence event ids.

    ``withheld`` names score terms the reader may not see (``risk.provenance``): the list is
    then ranked, and its scores and changes given, on the score without them, so neither a
    number nor the order says what they contributed. ``flagged_only`` lists only the
    children at or above the threshold (the MASH's list). ``offset`` skips that many of the
    matching children (a page of the list); ``matched`` counts them all."""
    if factor and factor not in FACTORS:
        raise BadInput(f"unknown factor {factor!r} (factors: {', '.join(FACTORS)})")
    if order not in ("score", "change"):
        raise BadInput("order is 'score' or 'change'")
    light = [
        risk_score.c.id,
        risk_score.c.person_id,
        risk_score.c.as_of,
        risk_score.c.date_of_birth,
        risk_score.c.team,
        risk_score.c.school_urn,
        risk_score.c.factor_codes,
        risk_score.c.probability_12m,
        risk_score.c.factor_count,
    ]
    if withheld:  # ranking needs each child's terms
        light.append(risk_score.c.contributions)
    with engine.connect() as connection:
        # Rank and filter on the light columns; read whole rows only for the children shown.
        query = select(*light)
        if as_of is None:
            query = query.where(risk_score.c.current)
        else:
            query = query.where(risk_score.c.as_of == as_of)
        scored = connection.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        if flagged_only:
            query = query.where(risk_score.c.flagged.is_(True))
        found = active_model(connection)
        choice = ranking.ranked_by(found[1] if found else None)
        by = choice["by"]
        keys = [risk_score.c.probability_12m.desc(), risk_score.c.person_id]
        if by == ranking.COUNT:
            keys.insert(0, func.coalesce(risk_score.c.factor_count, 0).desc())
        ordered = query.order_by(*keys)
        if withheld:
            rows = connection.execute(ordered).mappings().all()
            stream: Any = sorted(
                rows,
                key=lambda r: ranking.order_key(
                    by,
                    _probability(r, withheld),
                    ranking.visible_count(r, withheld),
                    r["person_id"],
                ),
            )
        else:
            # Stream in rank order and stop once the page is full (by change needs all).
            stream = connection.execute(ordered, execution_options={"yield_per": 1000}).mappings()
        matched = []
        counted, complete = 0, True
        first_as_of = None
        for rank, row in enumerate(stream, start=1):
            first_as_of = first_as_of or row["as_of"]
            age = _age(row["date_of_birth"], row["as_of"])
            if team and (row["team"] or "").lower() != team.lower():
                continue
            if school_urn and row["school_urn"] != school_urn:
                continue
            if min_age is not None and (age is None or age < min_age):
                continue
            if max_age is not None and (age is None or age > max_age):
                continue
            if factor and factor not in (row["factor_codes"] or []):
                continue
            counted += 1
            if order == "change" or offset < counted <= offset + limit:
                matched.append((rank, row))
            if order == "score" and not flagged_only and counted >= offset + limit:
                complete = False  # every child scored is a long list: the flagged one is
                break  # counted to its end, this one only to the page
        if hasattr(stream, "close"):
            stream.close()
        chosen = matched
        ids = [r["id"] for _, r in chosen]
        full: dict[int, Any] = {}
        for i in range(0, len(ids), 500):
            for r in connection.execute(
                select(risk_score).where(risk_score.c.id.in_(ids[i : i + 500]))
            ).mappings():
                full[r["id"]] = r
        listed = [(rank, full[r["id"]]) for rank, r in chosen]
        previous = _previous(
            connection,
            [r["person_id"] for _, r in listed],
            before={r["person_id"]: r["id"] for _, r in listed},
            withheld=withheld,
        )
    children = [
        _summary(
            r,
            rank,
            r["as_of"],
            previous.get(r["person_id"]),
            factor,
            _probability(r, withheld),
            ranking.visible_count(r, withheld) if r["factor_count"] is not None else None,
        )
        for rank, r in listed
    ]
    if order == "change":
        children.sort(key=lambda c: -(c["change_since_previous"] or 0.0))
        children = children[offset : offset + limit]
    return {
        "as_of": first_as_of.isoformat() if first_as_of else None,
        "model_id": found[0] if found else None,
        "threshold": threshold_shown(found[1].threshold) if found else None,
        "children_scored": scored,
        "matched": counted if complete else None,
        "shown": len(children),
        "advisory": "Scores inform a practitioner, who decides (UK GDPR Art 22).",
        "ranking": choice,
        "children": children,
    }


def _previous(
    connection: Any,
    person_ids: list[str],
    *,
    before: dict[str, int],
    withheld: frozenset[str] = frozenset(),
) -> dict[str, float]:
    out: dict[str, float] = {}
    columns = [risk_score.c.person_id, risk_score.c.id, risk_score.c.probability_12m]
    if withheld:
        columns.append(risk_score.c.contributions)
    for i in range(0, len(person_ids), 500):
        chunk = person_ids[i : i + 500]
        rows = connection.execute(
            select(*columns).where(risk_score.c.person_id.in_(chunk)).order_by(risk_score.c.id)
        ).mappings()
        for row in rows:
            if row["id"] < before.get(row["person_id"], 0):
                out[row["person_id"]] = _probability(row, withheld)
    return out


def explain_child(
    engine: Engine,
    person_id: str,
    *,
    since: date | None = None,
    withheld: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Why the child's score is what it is (contributions in log-odds per area of concern and
    the other features, in words, with the factors and their evidence), and what changed
    since the last review (the last recorded triage decision, else the previous score, else
    ``since``).

    ``withheld`` names score terms the reader may not see (``risk.provenance``): they are
    left out of the contributions (counted in ``terms_withheld``), and every probability and
    change is the score without them; the 6-month figure, whose terms are not stored, is
    then not given."""
    with engine.connect() as connection:
        rows = (
            connection.execute(
                select(risk_score)
                .where(risk_score.c.person_id == person_id)
                .order_by(risk_score.c.id)
            )
            .mappings()
            .all()
        )
        if not rows:
            raise NotFound(f"no risk score for {person_id}")
        current = next((r for r in reversed(rows) if r["current"]), rows[-1])
        last_decision = (
            connection.execute(
                select(risk_decision)
                .where(risk_decision.c.person_id == person_id)
                .order_by(risk_decision.c.id.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
        found = active_model(connection)
    earlier = [r for r in rows if r["id"] < current["id"]]
    review = None
    if last_decision is not None and last_decision["score_id"] != current["id"]:
        review = next((r for r in earlier if r["id"] == last_decision["score_id"]), None)
    if review is None and since is not None:
        review = next((r for r in reversed(earlier) if r["as_of"] <= since), None)
    if review is None and earlier:
        review = earlier[-1]
    contributions = current["contributions"] or {}
    base = found[1].intercept(12) if found else None
    hidden = {k for k in contributions if k in withheld}
    out = {
        "person_id": person_id,
        "as_of": current["as_of"].isoformat(),
        "score_basis": "visible" if withheld else "all",
        "probability_6m": None if withheld else round(current["probability_6m"], 4),
        "probability_12m": round(_probability(current, withheld), 4),
        "flagged": bool(current["flagged"]),
        "open_to_social_care": current["status"],
        "baseline_log_odds": None if base is None else round(base, 4),
        "contributions": [
            {
                "factor": k,
                "label": contribution_label(k),
                "log_odds": v,
            }
            for k, v in sorted(contributions.items(), key=lambda kv: -kv[1])
            if k not in hidden
        ],
        "terms_withheld": len(withheld & set(TERM_NEEDS)),
        "factors": current["factors"] or [],
        "advisory": "Scores inform a practitioner, who decides (UK GDPR Art 22).",
        "last_review": None,
        "changes_since_last_review": None,
    }
    if review is not None:
        was = {f["code"]: f for f in review["factors"] or []}
        now = {f["code"]: f for f in current["factors"] or []}
        out["last_review"] = {
            "as_of": review["as_of"].isoformat(),
            "probability_12m": round(_probability(review, withheld), 4),
            "decision": None
            if last_decision is None
            else {k: last_decision[k] for k in ("decision", "reason", "decided_by")},
        }
        out["changes_since_last_review"] = {
            "probability_12m_change": round(
                _probability(current, withheld) - _probability(review, withheld), 4
            ),
            "new_factors": [now[c] for c in sorted(set(now) - set(was))],
            "factors_no_longer_seen": [
                {"code": c, "label": was[c]["label"]} for c in sorted(set(was) - set(now))
            ],
            "factors_with_new_evidence": [
                {
                    "code": c,
                    "label": now[c]["label"],
                    "new_event_ids": sorted(set(now[c]["event_ids"]) - set(was[c]["event_ids"])),
                }
                for c in sorted(set(now) & set(was))
                if set(now[c]["event_ids"]) - set(was[c]["event_ids"])
            ],
        }
    return out
