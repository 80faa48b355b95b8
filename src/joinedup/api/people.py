"""People: search, the single view of a child and family, timeline, lead practitioners, and
what a practitioner does from it (record a concern, MASH triage, break glass).

Every route reads through the governed services (``services.casework``, ``services.search``),
which ask the gate: the response holds only what the decision allows for the declared
purpose, and every call is in the audit log.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from joinedup.governance import uses
from joinedup.governance.reader import Reader
from joinedup.http.auth import current_reader, engine_of, governed
from joinedup.http.limits import RecordId
from joinedup.services import casework_actions
from joinedup.services.casework import single_view
from joinedup.services.search import Query as SearchQuery
from joinedup.services.search import search_people

router = APIRouter(tags=["people"])

READERS = governed(uses.SINGLE_VIEW)


class SearchResult(BaseModel):
    person_id: str
    name: str
    date_of_birth: str | None
    postcode_district: str | None
    match_score: float
    link_confidence: float | None


class SearchResults(BaseModel):
    query: dict[str, Any]
    results: list[SearchResult]
    truncated: bool


class Access(BaseModel):
    allowed: bool
    emergency: bool
    relationships: list[str]
    reasons: list[str]
    agreements: list[str]
    fields_shown: list[str]


class TimelineEvent(BaseModel):
    id: int
    agency: str
    agency_name: str
    field: str
    type: str
    on: str
    ended_on: str | None
    label: str
    role: str | None = None
    summary: str | None = None


class Practitioner(BaseModel):
    agency: str
    agency_name: str
    role: str | None
    name: str | None
    email: str | None
    team: str | None
    lead: bool
    since: str | None


class FamilyMember(BaseModel):
    person_id: str
    name: str | None
    date_of_birth: str | None
    role: str
    evidence: list[str]


class Status(BaseModel):
    status: str
    agency: str
    since: str
    open: bool
    detail: str | None = None


class Withheld(BaseModel):
    agency: str
    agency_name: str
    note: str


class SingleView(BaseModel):
    person_id: str
    as_of: str
    purpose: str
    purpose_title: str
    access: Access
    agencies_linked: int
    identities: list[dict[str, Any]]
    statuses: list[Status]
    lead_practitioners: list[Practitioner]
    family: list[FamilyMember]
    timeline: list[TimelineEvent]
    withheld: list[Withheld]
    triage_case: dict[str, Any] | None = None
    options: dict[str, bool]


class ConcernIn(BaseModel):
    text: str = Field(..., min_length=10, max_length=4000)
    kind: Literal["CONCERN", "ENGAGEMENT"] = "CONCERN"


class Reason(BaseModel):
    reason: str = Field(..., min_length=20, max_length=4000)
    minutes: int = Field(60, ge=1, le=240)


class TriageReason(BaseModel):
    reason: str = Field(..., min_length=20, max_length=4000)


class Closure(BaseModel):
    outcome: Literal["NO_FURTHER_ACTION", "EARLY_HELP", "SECTION_17", "SECTION_47"]
    reason: str = Field(..., min_length=10, max_length=4000)


@router.get("/people", response_model=SearchResults, **governed(uses.SEARCH))
def search(
    request: Request,
    name: str = Query("", max_length=200),
    date_of_birth: date | None = Query(None),
    nhs_number: str | None = Query(None, max_length=20),
    upn: str | None = Query(None, max_length=20),
    postcode: str | None = Query(None, max_length=10),
    reader: Reader = Depends(current_reader),
) -> dict[str, Any]:
    """Find people by name (fuzzy), date of birth, NHS number, UPN or postcode. Shows who
    each person is, nothing of any agency's record; audited."""
    query = SearchQuery.parse(
        name=name, date_of_birth=date_of_birth, nhs_number=nhs_number, upn=upn, postcode=postcode
    )
    return search_people(engine_of(request), reader, query)


@router.get("/people/{person_id}", response_model=SingleView, **READERS)
def person(
    person_id: str, request: Request, reader: Reader = Depends(current_reader)
) -> dict[str, Any]:
    """The single view: identity across agencies with linkage confidence, statuses, family,
    lead practitioners, timeline, and which agencies hold what you may not see."""
    return single_view(engine_of(request), reader, person_id)


@router.get("/people/{person_id}/timeline", response_model=list[TimelineEvent], **READERS)
def timeline(
    person_id: str, request: Request, reader: Reader = Depends(current_reader)
) -> list[dict[str, Any]]:
    """The events across agencies the reader may see, oldest first."""
    return list(single_view(engine_of(request), reader, person_id)["timeline"])


@router.get("/people/{person_id}/family", response_model=list[FamilyMember], **READERS)
def family(
    person_id: str, request: Request, reader: Reader = Depends(current_reader)
) -> list[dict[str, Any]]:
    """Household and family members (each opens through their own decision)."""
    return list(single_view(engine_of(request), reader, person_id)["family"])


@router.get("/people/{person_id}/lead-practitioners", response_model=list[Practitioner], **READERS)
def lead_practitioners(
    person_id: str, request: Request, reader: Reader = Depends(current_reader)
) -> list[dict[str, Any]]:
    """The practitioner in each agency, as far as the reader may see."""
    return list(single_view(engine_of(request), reader, person_id)["lead_practitioners"])


@router.post(
    "/people/{person_id}/concerns", response_model=dict[str, Any], **governed(uses.RECORD_CONCERN)
)
def record_concern(
    person_id: str, concern: ConcernIn, request: Request, reader: Reader = Depends(current_reader)
) -> dict[str, Any]:
    """Record a concern or an engagement; it goes to the lead practitioners and the audit log."""
    return casework_actions.record_concern(
        engine_of(request), reader, person_id, concern.text, kind=concern.kind
    )


@router.post(
    "/people/{person_id}/break-glass", response_model=dict[str, Any], **governed(uses.BREAK_GLASS)
)
def break_glass(
    person_id: str, body: Reason, request: Request, reader: Reader = Depends(current_reader)
) -> dict[str, Any]:
    """Emergency access for a safeguarding purpose: always granted once justified,
    time-limited, flagged, and reviewed by the privacy officer."""
    return casework_actions.break_glass(
        engine_of(request), reader, person_id, body.reason, minutes=body.minutes
    )


@router.post(
    "/people/{person_id}/triage-cases", response_model=dict[str, Any], **governed(uses.TRIAGE_CASE)
)
def open_triage(
    person_id: str,
    body: TriageReason,
    request: Request,
    reader: Reader = Depends(current_reader),
) -> dict[str, Any]:
    """Open a MASH triage case for a child a contact or referral to children's social care
    is about (in the last 30 days; otherwise 403: break the glass if a child is at immediate
    risk). Due within one working day; audited."""
    return casework_actions.open_triage(engine_of(request), reader, person_id, body.reason)


@router.get("/triage-cases", response_model=list[dict[str, Any]], **governed(uses.TRIAGE_CASE))
def triage_cases(
    request: Request,
    status: Literal["OPEN", "CLOSED"] = "OPEN",
    reader: Reader = Depends(current_reader),
) -> list[dict[str, Any]]:
    """The MASH's triage cases, the soonest due first, each saying whether it is overdue."""
    return casework_actions.mash_cases(engine_of(request), reader, status=status)


@router.post(
    "/triage-cases/{case_id}/closure",
    response_model=dict[str, Any],
    **governed(uses.TRIAGE_CASE),
)
def close_triage(
    case_id: RecordId,
    body: Closure,
    request: Request,
    reader: Reader = Depends(current_reader),
) -> dict[str, Any]:
    """Close a MASH triage case with its outcome (no further action, early help, s17, s47)
    and why; the MASH's access that the case opened ends with it. Audited."""
    return casework_actions.close_triage(
        engine_of(request), reader, case_id, body.outcome, body.reason
    )
