"""The triage list and a child's explanation as ``services.triage`` answers them (the API
answers with these models; the pages and the CLI's ``--json`` show ``as_dict()``).

Minimised as the service minimises them: a factor's ``area`` is absent when the area is
withheld (its ``contribution`` is then null), and the list's factors carry no area at all;
a last review's ``reason`` is absent for anyone but the MASH.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from joinedup.services.answers import Answer


class Factor(Answer):
    """A risk factor in words, with the events it was found in."""

    code: str
    label: str
    fields: list[str] = Field(description="the catalogue fields its evidence comes from")
    agencies: list[str]
    event_ids: list[int]
    last_seen: str | None
    contribution: float | None = Field(
        description="its area's weight in log-odds; null when part of the area is withheld"
    )
    area: str | None = Field(None, description="the area of concern (absent when withheld)")
    own_event_ids: list[int] | None = Field(
        None, description="(explanation) the evidence from the child's own records"
    )


class DecisionTaken(Answer):
    """A recorded triage decision as the list and the explanation show it."""

    decision: str = Field(description="DISCUSS, NO_FURTHER_ACTION or REFER")
    decided_at: str
    decided_by: str
    decided_by_name: str | None = Field(description="the practitioner's name, if known")
    by_you: bool = Field(description="the reader took it")
    override: bool = Field(description="a decision against the ranking")
    score_id: int | None
    reason: str | None = Field(None, description="the MASH's reason (absent for others)")


class OpenCase(Answer):
    """The child's open MASH triage case (the MASH's only)."""

    case_id: int
    opened_at: str
    due_at: str | None
    overdue: bool
    prompted_by: str | None


class ListedChild(Answer):
    rank: int
    person_id: str
    as_of: str
    score_basis: str = Field(description="all, or visible: the score without withheld parts")
    probability_12m: float | None
    probability_6m: float | None
    flagged: bool
    factor_count: int | None = Field(
        None, description="distinct factors in 12 months (what the list ranks by on a count)"
    )
    change_since_previous: float | None
    open_to_social_care: str | None
    age: int | None
    name: str | None
    date_of_birth: str | None
    top_factors: list[Factor]
    factors_withheld: int
    withheld_note: str | None
    latest_decision: DecisionTaken | None = None
    change_since_decision: float | None = Field(
        None, description="the change in the chance since the score the last decision saw"
    )
    triage_case: OpenCase | None = None


class Ranking(Answer):
    """What the list ranks by and why: the partnership's own validation of the model against
    the count of factors (issue 22)."""

    by: Literal["model", "count"] = Field(description="the model's score or the factor count")
    reason: str
    model_auc: float | None = Field(None, description="the model's AUC on the held-out year")
    count_auc: float | None = Field(None, description="the count of factors' AUC on it")
    margin: float | None = Field(None, description="how far below the count the model may be")
    validated: bool = False
    count_threshold: int | None = Field(None, description="factors flagging a child (count)")


class TriageList(Answer):
    as_of: str | None
    model_id: int | None
    threshold: float | None
    children_scored: int
    matched: int | None = Field(
        None, description="the children at or above the threshold matching the filters"
    )
    offset: int = 0
    limit: int = 50
    shown: int
    advisory: str
    score_basis: str
    terms_withheld: int = Field(description="parts of the score the reader may not see")
    ranking: Ranking | None = None
    children: list[ListedChild]


class Contribution(Answer):
    factor: str
    label: str
    log_odds: float


class ReviewedDecision(Answer):
    decision: str
    decided_by: str
    reason: str | None = Field(None, description="the MASH's reason (absent for others)")


class LastReview(Answer):
    as_of: str
    probability_12m: float
    decision: ReviewedDecision | None


class FactorGone(Answer):
    code: str
    label: str


class FactorWithNewEvidence(Answer):
    code: str
    label: str
    new_event_ids: list[int]


class Changes(Answer):
    probability_12m_change: float
    new_factors: list[Factor]
    factors_no_longer_seen: list[FactorGone]
    factors_with_new_evidence: list[FactorWithNewEvidence]


class Explanation(Answer):
    person_id: str
    name: str | None = Field(None, description="as far as the reader may see it")
    date_of_birth: str | None = None
    as_of: str
    score_basis: str
    probability_6m: float | None
    probability_12m: float
    flagged: bool | None = Field(description="null when part of the score is withheld")
    open_to_social_care: str | None
    baseline_log_odds: float | None
    contributions: list[Contribution]
    terms_withheld: int
    factors: list[Factor]
    factors_withheld: int
    withheld_note: str | None
    advisory: str
    last_review: LastReview | None
    changes_since_last_review: Changes | None
    decisions: list[DecisionTaken] = Field(
        default_factory=list, description="every recorded triage decision, the newest first"
    )
    triage_case: OpenCase | None = None
