"""Interventions: the partnership's catalogue, the evaluation of a type over a period (group
figures for a partnership board: no child's record), and the estimate for one child before
an intervention (a governed, audited read of that child's records).

Evaluations take seconds (bootstrap intervals over the whole partnership), and a board
report is read several times (its page, then its charts): the result is kept for a few
minutes per store, type and period (``evaluation``). It holds group figures only.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy import Engine

from joinedup.governance import uses
from joinedup.governance.reader import Reader
from joinedup.services import interventions as svc
from joinedup.web.auth import current_reader, engine_of, governed

router = APIRouter(tags=["interventions"])

ANALYSTS = governed(uses.INTERVENTION_EVALUATION)
CATALOGUE_READERS = governed(uses.INTERVENTION_CATALOGUE)
ESTIMATORS = governed(uses.INTERVENTION_ESTIMATE)
TYPE_CODE = r"^[A-Za-z0-9_]{1,60}$"
PERSON_ID = r"^[A-Za-z0-9_.:-]{1,64}$"
PERIOD = r"^[0-9.\-]{0,30}$"

# A few minutes of reuse: hand-written (a dict and a lock) because no caching library is a
# dependency and this needs only expiry by age.
KEEP_SECONDS = 600
_kept: dict[tuple[int, str, str], tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


def evaluation(engine: Engine, intervention_type: str, period: str = "") -> dict[str, Any]:
    """``services.interventions.evaluate``, reused for ``KEEP_SECONDS`` per store, type and
    period (unknown types and bad periods raise as the service does)."""
    key = (id(engine), intervention_type.strip().upper(), period.strip())
    now = time.monotonic()
    with _lock:
        for k in [k for k, (at, _) in _kept.items() if now - at > KEEP_SECONDS]:
            del _kept[k]
        if key in _kept:
            return _kept[key][1]
    result = svc.evaluate(engine, key[1], key[2] or None)
    with _lock:
        _kept[key] = (time.monotonic(), result)
    return result


@router.get("/interventions/types", response_model=list[dict[str, Any]], **CATALOGUE_READERS)
def types(request: Request) -> list[dict[str, Any]]:
    """The partnership's catalogue of intervention types (no personal data)."""
    return svc.list_types(engine_of(request))


@router.get(
    "/interventions/evaluations/{intervention_type}", response_model=dict[str, Any], **ANALYSTS
)
def evaluate(
    request: Request,
    intervention_type: str = Path(..., pattern=TYPE_CODE),
    period: str = Query(
        "", pattern=PERIOD, description="YYYY, YYYY..YYYY or YYYY-MM-DD..YYYY-MM-DD"
    ),
) -> dict[str, Any]:
    """The effect of one intervention type on the children who started it in the period,
    against similar children who did not (propensity weighting, 95% intervals), with the
    naive comparison beside it, balance and sensitivity. Group figures only."""
    return evaluation(engine_of(request), intervention_type, period)


@router.get(
    "/people/{person_id}/interventions/{intervention_type}/estimate",
    response_model=dict[str, Any],
    **ESTIMATORS,
)
def estimate(
    request: Request,
    person_id: str = Path(..., pattern=PERSON_ID),
    intervention_type: str = Path(..., pattern=TYPE_CODE),
    reader: Reader = Depends(current_reader),
) -> dict[str, Any]:
    """Before an intervention: the change in this child's 12-month risk of a statutory
    outcome that comparable past cases suggest, with its interval and how comparable they
    were; says plainly when the evidence is too thin. Audited."""
    return svc.estimate_for(engine_of(request), person_id, intervention_type, reader=reader)
