"""Interventions: the partnership's catalogue, the evaluation of a type over a period (group
figures for a partnership board: no child's record; kept a few minutes, see
``services.interventions.evaluation_kept``), and the estimate for one child before an
intervention (a governed, audited read of that child's records).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request

from joinedup.governance import uses
from joinedup.governance.reader import Reader
from joinedup.http.auth import current_reader, engine_of, governed
from joinedup.services import interventions as svc

router = APIRouter(tags=["interventions"])

ANALYSTS = governed(uses.INTERVENTION_EVALUATION)
CATALOGUE_READERS = governed(uses.INTERVENTION_CATALOGUE)
ESTIMATORS = governed(uses.INTERVENTION_ESTIMATE)
TYPE_CODE = r"^[A-Za-z0-9_]{1,60}$"
PERSON_ID = r"^[A-Za-z0-9_.:-]{1,64}$"
PERIOD = r"^[0-9.\-]{0,30}$"


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
    return svc.evaluation_kept(engine_of(request), intervention_type, period)


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
