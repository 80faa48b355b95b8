"""Risk triage: the MASH's ranked list of children to discuss, one child's explanation, and
the decisions practitioners took (advisory scores: a practitioner decides, UK GDPR Art 22).

Every route calls the governed services in ``services.triage``: each child listed or explained
is a decided, audited read, and factors whose evidence the reader may not see are withheld
(counted, not described).
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from joinedup.api.answers import answers
from joinedup.governance import uses
from joinedup.governance.reader import Reader
from joinedup.http.auth import current_reader, engine_of, governed
from joinedup.services import triage, triage_exploitation
from joinedup.services.triage_exploitation import ExploitationList
from joinedup.services.triage_view import Explanation, TriageList

router = APIRouter(tags=["risk triage"])

EXPLAINERS = governed(uses.RISK_EXPLANATION)
OVERSIGHT = governed(uses.TRIAGE_OVERSIGHT)
PERSON_ID = r"^[A-Za-z0-9_.:-]{1,64}$"


class DecisionIn(BaseModel):
    decision: Literal["DISCUSS", "NO_FURTHER_ACTION", "REFER"]
    reason: str = Field(..., min_length=1, max_length=4000)


class TriageDecision(BaseModel):
    """A recorded triage decision (without the score and rank it was taken at, which stay
    with the model's oversight)."""

    id: int
    person_id: str
    decision: str
    reason: str
    decided_by: str
    decided_at: str
    score_id: int | None
    flagged: bool | None = Field(description="the child was at or above the threshold")
    override: bool = Field(description="a decision against the ranking")


class TriageDecisions(BaseModel):
    decisions: int
    by_decision: dict[str, int]
    overrides: int
    override_rate: float | None
    rows: list[TriageDecision] = Field(description="the decisions themselves: the MASH's only")


@router.get("/triage", **answers(TriageList), **governed(uses.TRIAGE_LIST))
def triage_list(
    request: Request,
    team: str | None = Query(None, max_length=100),
    school_urn: str | None = Query(None, max_length=20),
    min_age: int | None = Query(None, ge=0, le=25),
    max_age: int | None = Query(None, ge=0, le=25),
    factor: str | None = Query(None, max_length=60),
    order: Literal["score", "change"] = "score",
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=1_000_000, description="skip this many (the next page)"),
    reader: Reader = Depends(current_reader),
) -> TriageList:
    """The children at or above the triage threshold, ranked by 12-month probability (or by
    the rise since their previous score), each with the factors you may see in words and
    the evidence event ids, what the MASH last decided (and the change since) and any open
    MASH case; a page at a time (``limit``, ``offset``; ``matched`` counts them all); audited
    per child shown."""
    return triage.triage_list(
        engine_of(request), reader, team=team or None, school_urn=school_urn or None,
        min_age=min_age, max_age=max_age, factor=factor or None, order=order, limit=limit,
        offset=offset,
    )  # fmt: skip


@router.get("/triage-exploitation", **answers(ExploitationList), **governed(uses.TRIAGE_LIST))
def exploitation_list(
    request: Request,
    limit: int = Query(50, ge=1, le=500),
    reader: Reader = Depends(current_reader),
) -> ExploitationList:
    """The triage list's exploitation view: children at or above the exploitation early
    warning's threshold, ranked by its chance of a referral for exploitation within 12
    months, each with why in words (reasons you may not see withheld and counted); audited
    per child shown."""
    return triage_exploitation.exploitation_list(engine_of(request), reader, limit=limit)


@router.get("/triage/{person_id}", **answers(Explanation), **EXPLAINERS)
def explain(
    request: Request,
    person_id: str = Path(..., pattern=PERSON_ID),
    reader: Reader = Depends(current_reader),
) -> Explanation:
    """Why the child's score is what it is (each factor's contribution) and what changed
    since the last review."""
    return triage.explain_child(engine_of(request), reader, person_id)


@router.post(
    "/triage/{person_id}/decision", **answers(TriageDecision), **governed(uses.TRIAGE_DECISION)
)
def decide(
    request: Request,
    body: DecisionIn,
    person_id: str = Path(..., pattern=PERSON_ID),
    reader: Reader = Depends(current_reader),
) -> TriageDecision:
    """Record what you decided about a child on the list (discuss, no further action,
    refer) and why; a decision against the ranking is recorded as an override."""
    recorded = triage.record_triage_decision(
        engine_of(request), reader, person_id, body.decision, reason=body.reason
    )
    return TriageDecision.model_validate(recorded)


@router.get("/triage-decisions", **answers(TriageDecisions), **OVERSIGHT)
def decisions(
    request: Request,
    overrides_only: bool = False,
    reader: Reader = Depends(current_reader),
) -> TriageDecisions:
    """Every recorded triage decision and how often the ranking was overridden."""
    found = triage.triage_decisions(engine_of(request), reader, overrides_only=overrides_only)
    return TriageDecisions.model_validate(found)
