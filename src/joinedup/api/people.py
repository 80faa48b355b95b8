"""People: search, the single view of a child and family, timeline, lead practitioners, and
what a practitioner does from it (record a concern, MASH triage, break glass).

Every route reads through the governed services (``services.casework``, ``services.search``),
which ask the gate: the response holds only what the decision allows for the declared
purpose, and every call is in the audit log. The single view answers with the service's
own model (``services.casework_view.SingleView``), as the page shows it.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from joinedup.api.answers import answers
from joinedup.governance import uses
from joinedup.governance.reader import Reader
from joinedup.http.auth import current_reader, engine_of, governed
from joinedup.http.limits import RecordId
from joinedup.services import casework_actions, child_voice
from joinedup.services.casework import single_view
from joinedup.services.casework_view import (
    FamilyMember,
    Practitioner,
    SingleView,
    TimelineEvent,
    TriageCase,
)
from joinedup.services.search import MAX_PAGE, search_people
from joinedup.services.search import Query as SearchQuery

router = APIRouter(tags=["people"])

READERS = governed(uses.SINGLE_VIEW)


class SearchResult(BaseModel):
    person_id: str
    name: str
    date_of_birth: str | None
    postcode_district: str | None
    match_score: float
    link_confidence: float | None


class SearchTerms(BaseModel):
    """The search as understood (a name tidied, a date of birth as ISO)."""

    name: str
    date_of_birth: str | None
    nhs_number: str | None
    upn: str | None
    postcode: str | None


class SearchResults(BaseModel):
    query: SearchTerms
    results: list[SearchResult]
    total: int = Field(description="how many people the caller may find match, in all")
    page: int = Field(description="this page's number, from 1")
    pages: int = Field(description="how many pages there are")
    truncated: bool = Field(description="whether there are more results after this page")


class RoutedTo(BaseModel):
    agency: str = Field(description="an agency whose lead practitioner was told")


class RecordedConcern(BaseModel):
    concern_id: int
    person_id: str
    kind: str = Field(description="CONCERN or ENGAGEMENT")
    recorded_at: str
    routed_to: list[RoutedTo]
    audit_seq: int


class Grant(BaseModel):
    """Emergency access granted (break glass), queued for the privacy officer's review."""

    grant_id: int
    person_id: str
    purpose: str
    expires_at: str
    review_task_id: int | None


class OpenedCase(BaseModel):
    case_id: int
    person_id: str
    due_at: str | None


class ClosedCase(BaseModel):
    case_id: int
    person_id: str
    outcome: str
    closed_at: str
    within_timescale: bool | None


class ConcernIn(BaseModel):
    text: str = Field(..., min_length=10, max_length=4000)
    kind: Literal["CONCERN", "ENGAGEMENT"] = "CONCERN"


class VoiceIn(BaseModel):
    words: str = Field(
        ..., min_length=10, max_length=4000, description="what the child said, in their words"
    )
    spoken_on: str | None = Field(
        None, description="the day the child said it (YYYY-MM-DD; default today)"
    )


class RecordedVoice(BaseModel):
    voice_id: int
    person_id: str
    spoken_on: str
    recorded_at: str
    audit_seq: int


class Reason(BaseModel):
    reason: str = Field(..., min_length=20, max_length=4000)
    minutes: int = Field(60, ge=1, le=240)


class TriageReason(BaseModel):
    reason: str = Field(..., min_length=20, max_length=4000)


class Closure(BaseModel):
    outcome: Literal["NO_FURTHER_ACTION", "EARLY_HELP", "SECTION_17", "SECTION_47", "POLICE_ACTION"]
    reason: str = Field(..., min_length=10, max_length=4000)


@router.get("/people", **answers(SearchResults), **governed(uses.SEARCH))
def search(
    request: Request,
    name: str = Query("", max_length=200),
    date_of_birth: str | None = Query(
        None, max_length=40, description="27/3/2015, 27 March 2015 or 2015-03-27"
    ),
    nhs_number: str | None = Query(None, max_length=20),
    upn: str | None = Query(None, max_length=20),
    postcode: str | None = Query(None, max_length=10),
    page: int = Query(1, ge=1, le=MAX_PAGE, description="the page of results, from 1"),
    reader: Reader = Depends(current_reader),
) -> SearchResults:
    """Find people by name (fuzzy), date of birth, NHS number, UPN or postcode. Shows who
    each person is, nothing of any agency's record; audited."""
    query = SearchQuery.parse(
        name=name, date_of_birth=date_of_birth, nhs_number=nhs_number, upn=upn, postcode=postcode
    )
    return SearchResults.model_validate(search_people(engine_of(request), reader, query, page=page))


@router.get("/people/{person_id}", **answers(SingleView), **READERS)
def person(
    person_id: str, request: Request, reader: Reader = Depends(current_reader)
) -> SingleView:
    """The single view: identity across agencies with linkage confidence, statuses, family,
    lead practitioners, timeline, and which agencies hold what you may not see."""
    return single_view(engine_of(request), reader, person_id)


@router.get("/people/{person_id}/timeline", **answers(list[TimelineEvent]), **READERS)
def timeline(
    person_id: str, request: Request, reader: Reader = Depends(current_reader)
) -> list[TimelineEvent]:
    """The events across agencies the reader may see, oldest first."""
    return single_view(engine_of(request), reader, person_id).timeline


@router.get("/people/{person_id}/family", **answers(list[FamilyMember]), **READERS)
def family(
    person_id: str, request: Request, reader: Reader = Depends(current_reader)
) -> list[FamilyMember]:
    """Household and family members (each opens through their own decision)."""
    return single_view(engine_of(request), reader, person_id).family


@router.get("/people/{person_id}/lead-practitioners", **answers(list[Practitioner]), **READERS)
def lead_practitioners(
    person_id: str, request: Request, reader: Reader = Depends(current_reader)
) -> list[Practitioner]:
    """The practitioner in each agency, as far as the reader may see."""
    return single_view(engine_of(request), reader, person_id).lead_practitioners


@router.post(
    "/people/{person_id}/concerns", **answers(RecordedConcern), **governed(uses.RECORD_CONCERN)
)
def record_concern(
    person_id: str, concern: ConcernIn, request: Request, reader: Reader = Depends(current_reader)
) -> RecordedConcern:
    """Record a concern or an engagement; it goes to the lead practitioners and the audit log."""
    recorded = casework_actions.record_concern(
        engine_of(request), reader, person_id, concern.text, kind=concern.kind
    )
    return RecordedConcern.model_validate(recorded)


@router.post(
    "/people/{person_id}/voice", **answers(RecordedVoice), **governed(uses.RECORD_CHILD_VOICE)
)
def record_child_voice(
    person_id: str, voice: VoiceIn, request: Request, reader: Reader = Depends(current_reader)
) -> RecordedVoice:
    """Record the child's wishes and feelings; the single view shows them first, the audit
    log and the child's transparency report say that they were recorded."""
    recorded = child_voice.record_voice(
        engine_of(request), reader, person_id, voice.words, spoken_on=voice.spoken_on
    )
    return RecordedVoice.model_validate(recorded)


@router.post("/people/{person_id}/break-glass", **answers(Grant), **governed(uses.BREAK_GLASS))
def break_glass(
    person_id: str, body: Reason, request: Request, reader: Reader = Depends(current_reader)
) -> Grant:
    """Emergency access for a safeguarding purpose: always granted once justified,
    time-limited, flagged, and reviewed by the privacy officer."""
    grant = casework_actions.break_glass(
        engine_of(request), reader, person_id, body.reason, minutes=body.minutes
    )
    return Grant.model_validate(grant)


@router.post(
    "/people/{person_id}/triage-cases", **answers(OpenedCase), **governed(uses.TRIAGE_CASE)
)
def open_triage(
    person_id: str,
    body: TriageReason,
    request: Request,
    reader: Reader = Depends(current_reader),
) -> OpenedCase:
    """Open a MASH triage case for a child a contact or referral to children's social care
    is about (in the last 30 days; otherwise 403: break the glass if a child is at immediate
    risk). Due within one working day; audited."""
    opened = casework_actions.open_triage(engine_of(request), reader, person_id, body.reason)
    return OpenedCase.model_validate(opened)


@router.get("/triage-cases", **answers(list[TriageCase]), **governed(uses.TRIAGE_CASE))
def triage_cases(
    request: Request,
    status: Literal["OPEN", "CLOSED"] = "OPEN",
    reader: Reader = Depends(current_reader),
) -> list[TriageCase]:
    """The MASH's triage cases, the soonest due first, each saying whether it is overdue."""
    cases = casework_actions.mash_cases(engine_of(request), reader, status=status)
    return [TriageCase.model_validate(case) for case in cases]


@router.post("/triage-cases/{case_id}/closure", **answers(ClosedCase), **governed(uses.TRIAGE_CASE))
def close_triage(
    case_id: RecordId,
    body: Closure,
    request: Request,
    reader: Reader = Depends(current_reader),
) -> ClosedCase:
    """Close a MASH triage case with its outcome (no further action, early help, s17, s47,
    police action) and why; unanswered information requests are withdrawn and the MASH's
    access that the case opened ends with it. Audited."""
    closed = casework_actions.close_triage(
        engine_of(request), reader, case_id, body.outcome, body.reason
    )
    return ClosedCase.model_validate(closed)
