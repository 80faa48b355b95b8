"""Risk summary and triage use cases (issue 7): each function is one unit of work and returns
plain, JSON-able dicts. Scores are advisory: a practitioner decides, and the decision is
recorded with its reason (``record_triage_decision``).

The lead's API and web pages wrap ``triage_list`` and ``explain_child`` through governance:
every factor carries its catalogue ``fields`` and evidence ``event_ids`` so factors a reader
may not see can be withheld.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from joinedup.errors import BadInput, NotFound
from joinedup.risk import band_calibration, evaluation, fairness, ranking, report
from joinedup.risk.dataset import family_groups, load_histories, load_profiles
from joinedup.risk.deprivation import decile_of
from joinedup.risk.features import DEPRIVATION_DECILE, HISTORY_DAYS
from joinedup.risk.model import TRIAGE_SHARE, month_offset, snapshots, train, training_dates
from joinedup.risk.scoring import (
    born_after,
    data_as_of,
    data_start,
    rescore,
    save_model,
    score_all,
)
from joinedup.store.linkage_tables import linkage_record

Progress = Callable[[str, int, int], None] | None
DECISIONS = ("DISCUSS", "NO_FURTHER_ACTION", "REFER")
OUTCOMES = {"CP_PLAN", "LOOKED_AFTER", "SERIOUS_INCIDENT"}


def _as_of(connection: Any, as_of: date | None) -> date:
    return as_of or data_as_of(connection)


def train_risk_model(
    engine: Engine,
    *,
    as_of: date | None = None,
    seed: int = 7,
    progress: Progress = None,
    step_months: int = 2,
) -> dict[str, Any]:
    """Train the 6- and 12-month models on snapshots every ``step_months`` whose outcome
    window has closed (the demo takes one every 6 months: a third of the work)."""
    with engine.begin() as connection:
        on = _as_of(connection, as_of)
        start = data_start(connection)
        histories = load_histories(connection, born_after=born_after(on), progress=progress)
        groups = family_groups(connection, histories)
        dates = training_dates(on, data_start=start, step_months=step_months)
        if not dates:
            raise BadInput("too little history to train: at least two years of data are needed")
        data = snapshots(histories.values(), dates, groups=groups)
        try:
            model = train(data, trained_through=month_offset(on, -12), seed=seed, progress=progress)
        except ValueError as error:
            raise BadInput(str(error)) from None
        held = _own_validation(histories, groups, on, start, seed, step_months, progress)
        model.training["ranking"] = _ranking(held)
        if held is not None:
            _calibrate_by_band(model, held, data)
        model_id = save_model(connection, model)
    return {
        "model_id": model_id,
        "version": model.version,
        "trained_through": model.trained_through.isoformat(),
        "threshold": round(model.threshold, 6),
        "training_dates": [d.isoformat() for d in model.training_dates],
        **model.training,
    }


def _own_validation(
    histories: dict[str, Any],
    groups: dict[str, str],
    on: date,
    start: date,
    seed: int,
    step_months: int,
    progress: Progress,
) -> evaluation.HeldOut | None:
    """The partnership's own validation: out-of-fold predictions on the held-out year
    (family folds); None when there is too little history or a fold has no outcomes."""
    try:
        return evaluation.cross_fit(
            list(histories.values()),
            groups,
            as_of=on,
            data_start=start,
            seed=seed,
            step_months=step_months,
            progress=progress,
        )
    except ValueError:
        return None


def _ranking(held: evaluation.HeldOut | None) -> dict[str, Any]:
    """The model's AUC against the count of factors', and what the list ranks by. The model
    weighed is the one the list ranks by: recalibrated within deprivation bands (the stored
    model's shifts, ``_calibrate_by_band``; here cross-fitted, as the fairness audit does),
    since the shifts reorder children across bands and can lower its AUC."""
    if held is None:
        return ranking.choose(None, None)
    m12 = evaluation.metrics(held, 12)
    y = held.data.y(12)
    as_listed = band_calibration.cross_fitted(
        y, held.p12, held.data.x[:, DEPRIVATION_DECILE], held.fold
    )
    choice = ranking.choose(evaluation.auc(y, as_listed), m12["baseline_auc"])
    choice["model_auc_before_band_calibration"] = ranking.rounded(m12["auc"])
    choice["count_threshold"] = ranking.count_threshold(held.baseline, TRIAGE_SHARE)
    choice["evaluated_on"] = held.on.isoformat()
    choice["children"] = m12["children"]
    choice["outcomes"] = m12["outcomes"]
    return choice


def _calibrate_by_band(model: Any, held: evaluation.HeldOut, data: Any) -> None:
    """Shift the 12-month model's deprivation term so each band's mean predicted chance
    matches its observed rate on the held-out year (``risk.band_calibration``), and place
    the threshold again on the training snapshots."""
    import numpy as np

    deciles = held.data.x[:, DEPRIVATION_DECILE]
    shifts = band_calibration.fit(held.data.y(12), held.p12, deciles)
    band_calibration.add_to_term(model.models[12], DEPRIVATION_DECILE, shifts)
    model.__dict__.pop("_lookup", None)
    p12 = model.models[12].predict_proba(data.x)[:, 1]
    model.threshold = float(np.quantile(p12, 1 - TRIAGE_SHARE))
    model.training["deprivation_calibration"] = shifts


def score_children(
    engine: Engine, *, as_of: date | None = None, progress: Progress = None
) -> dict[str, Any]:
    """Score every child with the active model and store the scores (the triage list)."""
    with engine.begin() as connection:
        try:
            return score_all(connection, on=_as_of(connection, as_of), progress=progress)
        except LookupError:
            raise NotFound("no risk model yet: run `joinedup risk train`") from None


def rescore_children(
    engine: Engine, person_ids: list[str], *, as_of: date | None = None
) -> list[dict[str, Any]]:
    """Re-score children after new events; returns per child the old and new score, whether
    the triage threshold was crossed, and new high-weight factors (for alerts, issue 8)."""
    with engine.begin() as connection:
        try:
            return rescore(connection, person_ids, on=_as_of(connection, as_of))
        except LookupError:
            raise NotFound("no risk model yet: run `joinedup risk train`") from None


# (triage_list, explain_child, record_triage_decision and triage_decisions: governed
# wrappers in services/triage.py over joinedup.risk.triage)


# --- validation and fairness -----------------------------------------------------------------


def _truth_outcomes(connection: Any, truth: Path) -> dict[str, list[tuple[date, str]]]:
    """Statutory outcomes of the truth folder, keyed by the linked person of each record."""
    person_of = dict(
        connection.execute(select(linkage_record.c.record_key, linkage_record.c.person_id)).all()
    )
    key_to_person: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with (truth / "records.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            pid = person_of.get(f"{r['agency']}|{r['source_table']}|{r['source_id']}")
            if pid:
                key_to_person[r["person_key"]][pid] += 1
    out: dict[str, list[tuple[date, str]]] = defaultdict(list)
    with (truth / "outcomes.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["outcome"] in OUTCOMES and r["person_key"] in key_to_person:
                pid = max(key_to_person[r["person_key"]].items(), key=lambda kv: kv[1])[0]
                out[pid].append((date.fromisoformat(r["date"]), r["outcome"]))
    return {k: sorted(v) for k, v in out.items()}


def _held_out(
    engine: Engine, truth: Path | None, folds: int, seed: int, progress: Progress
) -> tuple[Any, ...]:
    if truth is not None and not (Path(truth) / "outcomes.csv").is_file():
        raise BadInput(f"{truth} holds no outcomes.csv (give the partnership's truth/ folder)")
    with engine.connect() as connection:
        on = data_as_of(connection)
        start = data_start(connection)
        profiles = load_profiles(connection)
        histories = load_histories(
            connection, born_after=born_after(on), profiles=profiles, progress=progress
        )
        groups = family_groups(connection, histories)
        truth_outcomes = _truth_outcomes(connection, Path(truth)) if truth is not None else None
    if truth_outcomes is not None:
        for h in histories.values():  # labels and lead time from the truth, not the store
            h.outcomes = truth_outcomes.get(h.person_id, [])
    try:
        held = evaluation.cross_fit(
            list(histories.values()),
            groups,
            as_of=on,
            data_start=start,
            folds=folds,
            seed=seed,
            progress=progress,
        )
    except ValueError as error:
        raise BadInput(str(error)) from None
    return on, held, histories, profiles


def validate_risk(
    engine: Engine,
    *,
    truth: Path | None = None,
    out: Path | None = None,
    folds: int = 3,
    seed: int = 7,
    progress: Progress = None,
) -> dict[str, Any]:
    """AUC, average precision, precision/recall at the top 1% and 5%, calibration and lead
    time on the held-out year, with the rule-based baseline; charts and Markdown to ``out``."""
    on, held, histories, _ = _held_out(engine, truth, folds, seed, progress)
    m12, m6 = evaluation.metrics(held, 12), evaluation.metrics(held, 6)
    first = {
        pid: next(d for d, _kind in h.outcomes if d > held.on)
        for pid, h in histories.items()
        if any(d > held.on for d, _kind in h.outcomes)
    }
    lead = evaluation.lead_times(held, histories, first, as_of=on)
    result = {
        "as_of": on.isoformat(),
        "evaluated_on": held.on.isoformat(),
        "labels": "truth/outcomes.csv"
        if truth is not None
        else "statutory outcomes recorded in the store",
        "folds": folds,
        "auc": m12["auc"],
        "average_precision": m12["average_precision"],
        "calibration_error": m12["calibration_error"],
        "baseline_auc": m12["baseline_auc"],
        "lead_time_months_median": lead["lead_time_months_median"],
        "metrics_12m": m12,
        "metrics_6m": m6,
        "calibration_bins": evaluation.calibration_bins(held.data.y(12), held.p12),
        "lead_time": lead,
        "importance": evaluation.importance(held.models[0]),
    }
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        result["charts"] = report.calibration_chart(
            result["calibration_bins"], out / "calibration"
        ) + report.lead_time_chart(lead["lead_times"], out / "lead_time")
        (out / "validation.md").write_text(report.validation_markdown(result), encoding="utf-8")
        result["report"] = str(out / "validation.md")
    return result


_POLICE = "police"
_NOT_COUNTED = {"social_care", "police"}  # social care contacts partly flow from police


def fairness_audit(
    engine: Engine,
    *,
    truth: Path | None = None,
    folds: int = 3,
    seed: int = 7,
    progress: Progress = None,
) -> dict[str, Any]:
    """Calibration, false positive/negative and selection rates at the triage threshold by
    ethnicity, sex, disability and deprivation decile (95% intervals), and the recording-bias
    test, with the findings in words."""
    import numpy as np

    on, held, histories, profiles = _held_out(engine, truth, folds, seed, progress)
    ids = held.data.person_ids
    prof = [profiles[p] for p in ids]
    deciles = [decile_of(p.postcode) for p in prof]
    attributes = {
        "ethnicity": [fairness.ethnic_group(p.ethnicity) for p in prof],
        "sex": [{"M": "Male", "F": "Female"}.get(p.sex, "Unknown") for p in prof],
        "disability": ["SEN provision" if p.sen else "No SEN provision" for p in prof],
        "deprivation": [fairness.deprivation_band(d) for d in deciles],
    }
    police = np.zeros(len(ids))
    other = np.zeros(len(ids))
    for i, pid in enumerate(ids):
        for e in histories[pid].evidence:
            if e.known_on > held.on or (held.on - e.known_on).days > HISTORY_DAYS:
                continue
            if e.agency == _POLICE:
                police[i] += 1
            elif e.agency not in _NOT_COUNTED:
                other[i] += 1
    deprived = np.asarray([d is not None and d <= 2 for d in deciles])
    # As the stored model is: recalibrated within deprivation bands, here cross-fitted (a
    # child's band shift comes from the other folds' held-out children).
    y, decile_feature = held.data.y(12), held.data.x[:, DEPRIVATION_DECILE]
    bands = band_calibration.fit(y, held.p12, decile_feature)
    p12 = band_calibration.cross_fitted(y, held.p12, decile_feature, held.fold)
    result = fairness.audit(y, p12, held.flagged, attributes, police, other, deprived)
    result["deprivation_calibration"] = bands
    result["findings"] += fairness.band_findings(bands)
    return {
        "as_of": on.isoformat(),
        "evaluated_on": held.on.isoformat(),
        "labels": "truth/outcomes.csv"
        if truth is not None
        else "statutory outcomes recorded in the store",
        "children": len(ids),
        "threshold_share": "about 5% of children flagged",
        **result,
    }
