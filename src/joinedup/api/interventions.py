"""Interventions: the partnership's catalogue, the evaluation of a type over a period (group
figures for a partnership board: no child's record; kept a few minutes, see
``services.interventions.evaluation_kept``), and the estimate for one child before an
intervention (a governed, audited read of that child's records).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from joinedup.api.answers import answers
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


class InterventionType(BaseModel):
    code: str
    title: str
    description: str
    min_age: int
    max_age: int
    active: bool


class Records(BaseModel):
    """The intervention records behind an evaluation."""

    recorded: int
    not_linked: int = Field(description="records of no linked person")
    follow_up_incomplete: int = Field(description="started too recently for 12 months")
    treated: int | None = None


class Effect(BaseModel):
    """The effect on one outcome (rates for a yes/no outcome, means otherwise)."""

    measure: str = Field(description="risk or mean")
    treated_with: float | None
    comparison_without: float | None
    difference: float | None
    difference_ci: list[float | None]
    naive_difference_vs_everyone: float | None
    treated_before: float | None
    measured_on_treated: int
    relative_change: float | None = None
    relative_change_ci: list[float | None] | None = None
    relative_change_ci_analytic: list[float | None] | None = None
    relative_change_weighting: float | None = Field(
        None, description="weighting only (no outcome model), beside the doubly robust figure"
    )
    relative_change_weighting_ci: list[float | None] | None = None
    naive_relative_vs_everyone: float | None = None
    e_value: float | None = None
    e_value_ci: float | None = None
    did: float | None = Field(None, description="difference in differences")
    did_ci: list[float | None] | None = None
    naive_before_after: float | None = None
    naive_before_after_relative: float | None = None


class Balance(BaseModel):
    covariate: str
    smd_before: float | None
    smd_after: float | None


class PropensityOverlap(BaseModel):
    treated_median: float | None
    comparison_median: float | None
    comparison_weight_max_share: float | None


class Trajectory(BaseModel):
    """Monthly share with a statutory outcome, treated against the weighted comparison."""

    months: list[int]
    treated: list[float]
    comparison: list[float]


class Evaluation(BaseModel):
    """A type's evaluation: group figures only. When the evidence is too thin (``too_thin``,
    with a ``message``) the figures after ``too_thin`` are absent."""

    intervention_type: str
    title: str
    period: list[str] | None = Field(description="first and last day, or null for all")
    primary_outcome: str
    outcome_labels: dict[str, str]
    covariate_labels: dict[str, str]
    method: str
    records: Records
    treated: int
    too_thin: bool
    message: str | None = None
    comparison: int | None = None
    comparison_index_dates: int | None = Field(
        None, description="index dates drawn per comparison child (the bootstrap takes one)"
    )
    effective_comparison: float | None = None
    bootstrap: int | None = None
    outcomes: dict[str, Effect] | None = Field(None, description="by outcome code")
    balance: list[Balance] | None = None
    max_abs_smd_after: float | None = None
    balance_exact: bool | None = Field(
        None, description="every covariate's weighted comparison mean equals the treated mean"
    )
    trimmed: int | None = Field(
        None, description="comparison children whose propensity was capped at 0.99"
    )
    propensity_overlap: PropensityOverlap | None = None
    trajectory: Trajectory | None = None
    summary: str | None = None


class Comparable(BaseModel):
    treated: int
    untreated: int
    median_distance_sd: float | None = None
    similarity_percent: float | None = None


class Estimate(BaseModel):
    """Before an intervention, for one child. When the evidence is too thin (``too_thin``)
    the figures may be absent; ``message`` says why in words."""

    person_id: str
    intervention_type: str
    title: str
    as_of: str
    outcome: str
    matched_on: list[str] = Field(description="the covariates the reader may see")
    withheld: list[str] = Field(description="categories of the child's records not shown")
    too_thin: bool
    message: str
    comparable: Comparable | None = None
    risk_without: float | None = None
    risk_with: float | None = None
    change: float | None = None
    change_ci: list[float | None] | None = None
    relative_change: float | None = None


@router.get("/interventions/types", **answers(list[InterventionType]), **CATALOGUE_READERS)
def types(request: Request) -> list[InterventionType]:
    """The partnership's catalogue of intervention types (no personal data)."""
    return [InterventionType.model_validate(t) for t in svc.list_types(engine_of(request))]


@router.get("/interventions/evaluations/{intervention_type}", **answers(Evaluation), **ANALYSTS)
def evaluate(
    request: Request,
    intervention_type: str = Path(..., pattern=TYPE_CODE),
    period: str = Query(
        "", pattern=PERIOD, description="YYYY, YYYY..YYYY or YYYY-MM-DD..YYYY-MM-DD"
    ),
) -> Evaluation:
    """The effect of one intervention type on the children who started it in the period,
    against similar children who did not (propensity weighting, 95% intervals), with the
    naive comparison beside it, balance and sensitivity. Group figures only."""
    return Evaluation.model_validate(
        svc.evaluation_kept(engine_of(request), intervention_type, period)
    )


@router.get(
    "/people/{person_id}/interventions/{intervention_type}/estimate",
    **answers(Estimate),
    **ESTIMATORS,
)
def estimate(
    request: Request,
    person_id: str = Path(..., pattern=PERSON_ID),
    intervention_type: str = Path(..., pattern=TYPE_CODE),
    reader: Reader = Depends(current_reader),
) -> Estimate:
    """Before an intervention: the change in this child's 12-month risk of a statutory
    outcome that comparable past cases suggest, with its interval and how comparable they
    were; says plainly when the evidence is too thin. Audited."""
    found = svc.estimate_for(engine_of(request), person_id, intervention_type, reader=reader)
    return Estimate.model_validate(found)
