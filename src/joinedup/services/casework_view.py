"""The single view as ``casework.single_view`` answers it (the page and the API both show
this model): a person across agencies, only what the decision allows.

A field the reader may not see is absent from the answer, not null: an identity's
attributes (school, free school meals, ethnicity, PNC reference) are there only when their
field is allowed. A police event's ``role`` and ``summary`` are always in the answer, null
when not shown.
"""

from __future__ import annotations

from pydantic import Field

from joinedup.services.answers import Answer


class Access(Answer):
    """The decision behind the view."""

    allowed: bool
    emergency: bool = Field(description="opened by breaking the glass")
    relationships: list[str]
    reasons: list[str]
    in_words: list[str] = Field(
        description="why the reader sees what they see, in sentences (what ``reasons`` and "
        "the decision say, without codes)"
    )
    agreements: list[str] = Field(description="the agreements relied on (id and version)")
    fields_shown: list[str]


class Identity(Answer):
    """Who one agency's record says the person is (shown when its identity field is)."""

    agency: str
    agency_name: str
    record: str = Field(description="source table / source id")
    forenames: str | None
    surname: str | None
    other_names: list[str]
    date_of_birth: str | None
    sex: str | None
    postcode: str | None
    address: str | None
    nhs_number: str | None
    upn: str | None
    match_probability: float | None
    # The record's attributes, each present only when its own field is allowed.
    urn: str | None = Field(None, description="school (education.school)")
    entry_date: str | None = Field(None, description="school entry (education.school)")
    fsm_eligible: bool | str | None = Field(
        None, description="education.free_school_meals (as the school census recorded it)"
    )
    sen_provision: str | None = Field(None, description="education.sen_provision")
    ethnicity: str | None = Field(None, description="the agency's ethnicity field")
    pnc_id: str | None = Field(None, description="police.pnc_reference")


class Status(Answer):
    status: str
    agency: str
    since: str
    open: bool
    detail: str | None


class Practitioner(Answer):
    agency: str
    agency_name: str
    role: str | None
    name: str | None
    email: str | None = Field(description="work (secure) email, where the agreements share it")
    phone: str | None = Field(description="work phone, where the agreements share it")
    contact_details_shared: bool = Field(
        description="whether the agreements share this agency's practitioners' contact details"
    )
    team: str | None
    lead: bool
    since: str | None


class ContactLine(Answer):
    """An agency's duty or out-of-hours line: whom to call when the practitioner cannot be
    reached, or to ask the agency what the reader may not see."""

    agency: str
    agency_name: str
    kind: str = Field(description="DUTY or OUT_OF_HOURS")
    service: str
    phone: str | None
    email: str | None
    hours: str | None


class FamilyEntry(Answer):
    on: str
    ended_on: str | None
    label: str


class FamilyRecords(Answer):
    """One item of an adult's record the agreements allow for the purpose (e.g. domestic
    abuse incidents): an item withheld is not in the answer at all."""

    field: str
    title: str
    agency: str
    agency_name: str
    entries: list[FamilyEntry] = Field(description="newest first; empty when none is held")


class FamilyMember(Answer):
    person_id: str
    name: str | None
    date_of_birth: str | None
    role: str = Field(description="PARENT_OR_CARER, OTHER_ADULT, SIBLING_OR_CHILD or CHILD")
    evidence: list[str] = Field(description="the ties the reader may see, e.g. SAME_ADDRESS")
    records: list[FamilyRecords] = Field(
        default_factory=list,
        description="for a parent, carer or other adult: what the agreements let the reader "
        "see of them for this purpose, each adult decided and audited on its own",
    )


class TimelineEvent(Answer):
    id: int
    agency: str
    agency_name: str
    field: str
    type: str
    on: str
    ended_on: str | None
    label: str
    role: str | None = Field(description="a police incident's role, when shown")
    summary: str | None = Field(description="a police incident's summary, when shown")


class RecordedNote(Answer):
    """A concern or an engagement a practitioner recorded in joinedup about the person: shown
    to the recorder's own agency and to the lead practitioners it was sent to."""

    id: int
    kind: str = Field(description="CONCERN or ENGAGEMENT")
    on: str = Field(description="the day it was recorded (UK time)")
    recorded_at: str
    text: str
    agency: str = Field(description="the recorder's agency")
    agency_name: str
    recorded_by: str = Field(description="the recorder's name (their account's)")
    recorded_by_role: str


class ChildVoice(Answer):
    """The child's wishes and feelings as a practitioner recorded them (issue 21): shown
    where the agreements share the recording agency's record of the child."""

    id: int
    words: str = Field(description="what the child said, in their words where possible")
    spoken_on: str = Field(description="the day the child said it")
    recorded_at: str
    agency: str = Field(description="the recorder's agency")
    agency_name: str
    recorded_by: str
    recorded_by_role: str


class Withheld(Answer):
    agency: str
    agency_name: str
    note: str


class TriageCase(Answer):
    """A MASH triage case (``governance.triage_cases.case_summary``)."""

    case_id: int
    person_id: str
    opened_by: str
    opened_at: str
    prompted_by: str | None = Field(description="CONTACT or REFERRAL")
    due_at: str | None
    overdue: bool
    closed_at: str | None
    outcome: str | None
    within_timescale: bool | None
    rag: str | None = Field(None, description="RED, AMBER or GREEN; None until rated")


class Options(Answer):
    """What the reader may do from the view."""

    can_break_glass: bool
    can_open_triage: bool
    can_record_concern: bool
    can_record_voice: bool = Field(
        False, description="may record the child's wishes and feelings (the child's voice)"
    )


class SingleView(Answer):
    person_id: str
    as_of: str
    purpose: str
    purpose_title: str
    access: Access
    agencies_linked: int
    identities: list[Identity]
    statuses: list[Status]
    lead_practitioners: list[Practitioner]
    contact_lines: list[ContactLine]
    family: list[FamilyMember]
    timeline: list[TimelineEvent]
    recorded: list[RecordedNote] = Field(
        default_factory=list,
        description="concerns and engagements recorded in joinedup, as far as the reader may "
        "see them",
    )
    voice: list[ChildVoice] = Field(
        default_factory=list,
        description="the child's voice: their wishes and feelings, newest first (shown first)",
    )
    withheld: list[Withheld]
    triage_case: TriageCase | None = Field(
        description="the open MASH triage case, for a reader who may see triage cases"
    )
    options: Options
