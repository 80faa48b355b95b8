"""Stored models and scores: train, score every child, re-score a few and report changes.

Store-aware (takes a ``Connection`` the caller owns), no web framework. The newest score of a
child is ``current``; re-scoring keeps the old row, so alerts (issue 8) and explanations can
compare. ``rescore`` returns, per child, the old and new score, whether the triage threshold
was crossed, and the factors that newly weigh heavily.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, insert, select, update

from joinedup.risk import MODEL_VERSION, ranking
from joinedup.risk.dataset import load_histories
from joinedup.risk.features import (
    BREADTH_FACTORS_12M,
    ChildHistory,
    evidence_known,
    factors_at,
    features_at,
    in_population,
    status_at,
)
from joinedup.risk.model import CONTRIBUTION_KEYS, RiskModel, factor_contribution_matrix
from joinedup.risk.people import load_profiles, load_teams
from joinedup.store.risk_tables import risk_model, risk_score
from joinedup.store.tables import delivery, event

HIGH_WEIGHT = 0.5  # a factor adding this much log-odds (x1.65 the odds) "weighs heavily"
INSERT_BATCH = 2_000
_cache: dict[tuple[int, str], RiskModel] = {}
_cache_lock = threading.Lock()


def data_as_of(connection: Connection) -> date:
    """The date the data speaks for: the newest delivery's extract date (else today)."""
    newest = connection.execute(select(func.max(delivery.c.extracted_at))).scalar()
    return newest.date() if newest is not None else datetime.now(UTC).date()


def data_start(connection: Connection) -> date:
    """When the partner feeds begin (the oldest non-social-care event)."""
    oldest = connection.execute(
        select(func.min(event.c.occurred_on)).where(event.c.agency_id != "social_care")
    ).scalar()
    return oldest or data_as_of(connection)


def born_after(on: date) -> date:
    return date(on.year - 23, 1, 1)  # children at any snapshot of the last five years


def save_model(connection: Connection, model: RiskModel) -> int:
    blob = model.to_bytes()
    connection.execute(update(risk_model).values(active=False).where(risk_model.c.active))
    return int(
        connection.execute(
            insert(risk_model).values(
                version=model.version,
                created_at=datetime.now(UTC),
                trained_through=model.trained_through,
                seed=model.seed,
                threshold=model.threshold,
                training={**model.training, "dates": [d.isoformat() for d in model.training_dates]},
                artefact=blob,
                artefact_sha256=hashlib.sha256(blob).hexdigest(),
                active=True,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
    )


def active_model(connection: Connection) -> tuple[int, RiskModel] | None:
    row = connection.execute(
        select(risk_model.c.id, risk_model.c.artefact_sha256)
        .where(risk_model.c.active, risk_model.c.version == MODEL_VERSION)
        .order_by(risk_model.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    key = (int(row.id), row.artefact_sha256)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is None:
        blob = connection.execute(
            select(risk_model.c.artefact).where(risk_model.c.id == row.id)
        ).scalar_one()
        cached = RiskModel.from_bytes(bytes(blob), row.artefact_sha256)
        with _cache_lock:
            _cache[key] = cached
    return key[0], cached


def flags(model: RiskModel, p12: Any, counts: list[int]) -> list[bool]:
    """Who is flagged: at or above the model's threshold, or, when the partnership's validation
    chose the count of factors (``risk.ranking``), at or above the count's threshold."""
    choice = model.training.get("ranking") or {}
    if choice.get("by") == ranking.COUNT:
        least = int(choice.get("count_threshold") or 1)
        return [c >= least for c in counts]
    return [bool(q >= model.threshold) for q in np.asarray(p12).tolist()]


def score_rows(model: RiskModel, histories: list[ChildHistory], on: date) -> list[dict[str, Any]]:
    """Scores, contributions and factors of every child in the population on ``on``: the
    feature matrix of all children, one prediction call, contributions summed per area for
    all rows at once."""
    kids = [h for h in histories if in_population(h, on)]
    if not kids:
        return []
    known = [evidence_known(h, on) for h in kids]
    statuses = [status_at(h, on) for h in kids]
    x = np.asarray(
        [features_at(h, on, known[i], statuses[i]) for i, h in enumerate(kids)], dtype=float
    )
    p = model.predict(x)
    p6, p12 = p[6].tolist(), p[12].tolist()
    counts = x[:, BREADTH_FACTORS_12M].astype(int).tolist()
    flagged = flags(model, p[12], counts)
    by_factor = factor_contribution_matrix(model.contributions(x, 12))
    rounded = np.round(by_factor, 4).tolist()
    weighs = np.abs(by_factor) > 1e-4
    keys, column = CONTRIBUTION_KEYS, {k: j for j, k in enumerate(CONTRIBUTION_KEYS)}
    rows = []
    for i, h in enumerate(kids):
        factors = factors_at(h, on, known=known[i])
        for f in factors:  # why: the model weighs areas; a factor shows its area's weight
            f["contribution"] = rounded[i][column[f["area"]]]
        factors.sort(key=lambda f: -f["contribution"])
        nonzero = np.flatnonzero(weighs[i]).tolist()
        rows.append(
            {
                "person_id": h.person_id,
                "probability_6m": min(p6[i], p12[i]),  # why: nested windows
                "probability_12m": p12[i],
                "flagged": flagged[i],
                "status": statuses[i],
                "date_of_birth": h.dob,
                "factor_codes": sorted(f["code"] for f in factors),
                "factor_count": counts[i],
                "factors": factors,
                "contributions": {keys[j]: rounded[i][j] for j in nonzero},
            }
        )
    return rows


def _write(
    connection: Connection, model_id: int, on: date, rows: list[dict[str, Any]], extra: dict
) -> None:
    now = datetime.now(UTC)
    for i in range(0, len(rows), INSERT_BATCH):
        batch = [
            {
                **r,
                **extra.get(r["person_id"], {}),
                "model_id": model_id,
                "as_of": on,
                "scored_at": now,
                "current": True,
            }
            for r in rows[i : i + INSERT_BATCH]
        ]
        connection.execute(insert(risk_score), batch)


def score_all(
    connection: Connection,
    *,
    on: date,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Score every child in the population on ``on`` with the active model."""
    found = active_model(connection)
    if found is None:
        raise LookupError("no risk model yet")
    model_id, model = found
    profiles = load_profiles(connection)
    histories = load_histories(
        connection, born_after=born_after(on), profiles=profiles, progress=progress
    )
    teams = load_teams(connection)
    if progress:
        progress("scoring children", 0, len(histories))
    rows = score_rows(model, list(histories.values()), on)
    if progress:
        progress("scoring children", len(histories), len(histories))
    extra = {
        r["person_id"]: {
            "team": teams.get(r["person_id"]),
            "school_urn": profiles[r["person_id"]].school_urn,
        }
        for r in rows
    }
    connection.execute(update(risk_score).values(current=False).where(risk_score.c.current))
    _write(connection, model_id, on, rows, extra)
    return {
        "model_id": model_id,
        "as_of": on.isoformat(),
        "children_scored": len(rows),
        "flagged": sum(1 for r in rows if r["flagged"]),
        "threshold": threshold_shown(model.threshold),
    }


def threshold_shown(threshold: float) -> float:
    """The triage threshold as reported: three significant figures (a rare outcome's
    threshold can be below 0.00005, which four decimal places reported as 0.0)."""
    return float(f"{threshold:.3g}")


def _current(connection: Connection, person_ids: list[str]) -> dict[str, Any]:
    rows = connection.execute(
        select(risk_score).where(risk_score.c.person_id.in_(person_ids), risk_score.c.current)
    ).mappings()
    return {r["person_id"]: r for r in rows}


def rescore(connection: Connection, person_ids: list[str], *, on: date) -> list[dict[str, Any]]:
    """Re-score ``person_ids`` (after new events) and return what changed for each child:
    old and new 12-month probability, whether the triage threshold was crossed upwards, and
    the factors that now weigh heavily and did not before."""
    found = active_model(connection)
    if found is None:
        raise LookupError("no risk model yet")
    model_id, model = found
    ids = sorted(set(person_ids))
    profiles = load_profiles(connection, ids)
    histories = load_histories(
        connection, born_after=born_after(on), person_ids=ids, profiles=profiles
    )
    rows = score_rows(model, list(histories.values()), on)
    teams = load_teams(connection, ids)
    old = _current(connection, ids)
    connection.execute(
        update(risk_score)
        .values(current=False)
        .where(risk_score.c.person_id.in_(ids), risk_score.c.current)
    )
    extra = {
        pid: {"team": teams.get(pid), "school_urn": profiles[pid].school_urn} for pid in histories
    }
    _write(connection, model_id, on, rows, extra)
    changes = []
    for r in rows:
        before = old.get(r["person_id"])
        heavy_before = {
            f["code"]
            for f in (before or {}).get("factors") or []
            if f.get("contribution", 0) >= HIGH_WEIGHT
        }
        new_heavy = [
            f
            for f in r["factors"]
            if f["contribution"] >= HIGH_WEIGHT and f["code"] not in heavy_before
        ]
        old_p = None if before is None else float(before["probability_12m"])
        changes.append(
            {
                "person_id": r["person_id"],
                "as_of": on.isoformat(),
                "old_probability_12m": old_p,
                "new_probability_12m": round(r["probability_12m"], 6),
                "threshold": round(model.threshold, 6),
                "old_flagged": bool(before["flagged"]) if before is not None else False,
                "new_flagged": bool(r["flagged"]),
                "crossed_threshold": bool(r["flagged"])
                and not (before is not None and before["flagged"]),
                "rose": old_p is not None and r["probability_12m"] > old_p,
                "new_high_weight_factors": [
                    {k: f[k] for k in ("code", "label", "fields", "event_ids", "contribution")}
                    for f in new_heavy
                ],
            }
        )
    return changes
