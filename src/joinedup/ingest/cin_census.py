"""``cin-census-xml/1``: the Children in Need census return, as the DfE specifies it.

The file (``cin_census.xml``) is validated against the DfE's XSD (vendored from the
MIT-licensed liiatools, ``ingest/data/CIN_schema_2024.xsd``); each ``<Child>`` is one row. A
child becomes a person record (no names: the census carries none; linkage uses the UPN, the
date of birth and sex) and the same social care events the SSD adapter makes: a REFERRAL per
CIN episode, ASSESSMENT (and ASSESSMENT_FACTORS), S47_ENQUIRY, CIN_PLAN and CP_PLAN.

The census gives episodes no identifiers: an event's key is the child, its kind and its start
date (``DfEX1:ASSESSMENT:2025-06-03``), with ``#2`` for a second one the same day, so the
same return delivered again changes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from joinedup.domain.model import Event, EventCategory, SourcePersonRecord, SourceRef
from joinedup.ingest.base import DeliveryContext, FeedAdapter, FileSpec, ParsedRow, parsed
from joinedup.ingest.people import date_of_birth, sex
from joinedup.ingest.reading import RawRow
from joinedup.ingest.school_census import ETHNICITY
from joinedup.ingest.validation import WARNING, RowChecks

AGENCY = "social_care"
CHILDREN = "cin_child"
SCHEMA = "CIN_schema_2024.xsd"


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value in (None, "") else [value]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class _Events:
    """The events of one child, with stable keys."""

    def __init__(self, child: str, checks: RowChecks, context: DeliveryContext) -> None:
        self.child, self.checks, self.context = child, checks, context
        self.events: list[Event] = []
        self.keys: set[str] = set()

    def add(
        self,
        event_type: str,
        block: dict[str, Any],
        start: str,
        end: str | None = None,
        codes: tuple[str, ...] = (),
        detail: tuple[str, ...] = (),
        extra_codes: list[str] | None = None,
    ) -> date | None:
        began = self.checks.date(block, start, required=True, not_after=self.context.extract_date)
        ended = self.checks.date(block, end) if end else None
        if began and ended and ended < began:
            self.checks.add("INCONSISTENT", end, f"{end} is before {start}", WARNING)
        self.checks.not_before_birth(began, self.context.births.get(self.child), start)
        if began is None:
            return None
        key = f"{self.child}:{event_type}:{began.isoformat()}"
        n = 1
        while (numbered := key if n == 1 else f"{key}#{n}") in self.keys:
            n += 1
        self.keys.add(numbered)
        found = [c for c in (self.checks.text(block, name) for name in codes) if c]
        self.events.append(
            Event(
                ref=SourceRef(AGENCY, CHILDREN, numbered),
                person_source_id=self.child,
                category=EventCategory.SOCIAL_CARE,
                event_type=event_type,
                occurred_on=began,
                ended_on=ended,
                codes=found + (extra_codes or []),
                detail={
                    name: value
                    for name in detail
                    if (value := self.checks.text(block, name, free_text=True))
                },
            )
        )
        return began


def parse_child(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    ids = _dict(row.get("ChildIdentifiers"))
    traits = _dict(row.get("ChildCharacteristics"))
    child = checks.text(ids, "LAchildID", required=True)
    born = date_of_birth(checks, ids, "PersonBirthDate", context)
    upn = checks.upn_value(checks.text(ids, "UPN"), "UPN")
    disabilities = [d for d in _list(_dict(traits.get("Disabilities")).get("Disability")) if d]
    attributes = {
        "former_upn": checks.text(ids, "FormerUPN"),
        "upn_unknown": checks.text(ids, "UPNunknown"),
        "expected_dob": checks.text(ids, "ExpectedPersonBirthDate"),
        "death_date": checks.text(ids, "PersonDeathDate"),
        "disabilities": disabilities,
    }
    person = SourcePersonRecord(
        ref=SourceRef(AGENCY, CHILDREN, child or ""),
        forenames=None,
        surname=None,
        date_of_birth=born,
        sex=sex(checks, ids, "GenderCurrent"),
        upn=upn,
        ethnicity=checks.code(traits, "Ethnicity", ETHNICITY),
        attributes={k: v for k, v in attributes.items() if v},
    )
    if child and born:
        context.births[child] = born
    events = _Events(child or "", checks, context)
    for episode in map(_dict, _list(row.get("CINdetails"))):
        events.add(
            "REFERRAL",
            episode,
            "CINreferralDate",
            "CINclosureDate",
            codes=("PrimaryNeedCode", "ReferralSource"),
            detail=("ReasonForClosure", "ReferralNFA", "DateOfInitialCPC"),
        )
        for assessment in map(_dict, _list(episode.get("Assessments"))):
            factors = [
                f
                for f in _list(
                    _dict(assessment.get("FactorsIdentifiedAtAssessment")).get("AssessmentFactors")
                )
                if isinstance(f, str) and f
            ]
            args = ("AssessmentActualStartDate", "AssessmentAuthorisationDate")
            events.add("ASSESSMENT", assessment, *args, extra_codes=factors)
            if factors:
                events.add("ASSESSMENT_FACTORS", assessment, args[0], extra_codes=factors)
        for plan in map(_dict, _list(episode.get("CINPlanDates"))):
            events.add("CIN_PLAN", plan, "CINPlanStartDate", "CINPlanEndDate")
        for enquiry in map(_dict, _list(episode.get("Section47"))):
            events.add(
                "S47_ENQUIRY",
                enquiry,
                "S47ActualStartDate",
                detail=("DateOfInitialCPC", "ICPCnotRequired", "InitialCPCtarget"),
            )
        for plan in map(_dict, _list(episode.get("ChildProtectionPlans"))):
            events.add(
                "CP_PLAN",
                plan,
                "CPPstartDate",
                "CPPendDate",
                codes=("InitialCategoryOfAbuse", "LatestCategoryOfAbuse"),
                detail=("NumberOfPreviousCPP",),
            )
    if child and not checks.has_errors:
        context.remember(CHILDREN, child)
    return parsed(raw, CHILDREN, child, checks, person=person, events=events.events)


class CinCensusAdapter(FeedAdapter):
    format_id = "cin-census-xml/1"
    files = (FileSpec("cin_census.xml", CHILDREN, (), parse_child, kind="xml", schema=SCHEMA),)
