"""The canonical safeguarding record model: plain dataclasses, no framework imports.

An agency's delivery becomes ``SourcePersonRecord``s (a person as that agency recorded them),
``Event``s (something that happened, typed, coded and dated, traced to its source row),
``Address``es, ``Practitioner``s and their ``Involvement`` with a child (who is the lead
practitioner in each agency). Linkage (a later capability) joins source records into
``Person``s and people into ``Household``s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"
    UNKNOWN = "U"


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a fact came from: agency, source table, the agency's own key, and the row."""

    agency: str
    source_table: str
    source_id: str
    delivery_id: int | None = None
    row_number: int | None = None


@dataclass(slots=True)
class Address:
    line: str | None
    postcode: str | None
    from_date: date | None = None
    to_date: date | None = None


@dataclass(slots=True)
class SourcePersonRecord:
    """One person as one agency recorded them. Fields may be wrong or missing: we never trust
    one field, we link on all of them."""

    ref: SourceRef
    forenames: str | None
    surname: str | None
    date_of_birth: date | None
    sex: Sex = Sex.UNKNOWN
    nhs_number: str | None = None
    upn: str | None = None
    postcode: str | None = None
    address_line: str | None = None
    ethnicity: str | None = None
    other_names: list[str] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.forenames, self.surname) if p) or "(name not recorded)"


class EventCategory(StrEnum):
    """Broad kinds of event, shared across agencies, for timelines and risk factors."""

    SOCIAL_CARE = "social_care"
    HEALTH_ENCOUNTER = "health_encounter"
    HEALTH_CONDITION = "health_condition"
    POLICE_INCIDENT = "police_incident"
    EDUCATION = "education"
    HOUSING = "housing"
    PROBATION = "probation"
    SUBSTANCE_MISUSE = "substance_misuse"
    ADULT_MENTAL_HEALTH = "adult_mental_health"


@dataclass(slots=True)
class Event:
    """Something an agency recorded about a person on a date.

    ``event_type`` is the agency's own code (``DOMESTIC_ABUSE``, ``EMER``, ``CP_PLAN_START``);
    ``codes`` carries further coded detail (CIN assessment factors, DASH risk, reason codes).
    """

    ref: SourceRef
    person_source_id: str
    category: EventCategory
    event_type: str
    occurred_on: date
    ended_on: date | None = None
    role: str | None = None
    codes: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    occurred_at: datetime | None = None


@dataclass(slots=True)
class Practitioner:
    """A named professional in an agency (an allocated social worker, a school's DSL, a GP
    practice, an adult-services key worker), or one of the agency's contact lines: ``kind``
    is ``PERSON``, ``DUTY`` (the service's duty line in working hours) or ``OUT_OF_HOURS``.
    ``phone`` and ``email`` are work contact details (a secure email where the agency has
    one); ``hours`` says when a line is answered."""

    agency: str
    practitioner_key: str
    name: str
    email: str | None = None
    team: str | None = None
    role: str | None = None
    phone: str | None = None
    kind: str = "PERSON"
    hours: str | None = None


@dataclass(slots=True)
class Involvement:
    """A practitioner's involvement with a person; ``is_lead`` marks the agency's lead."""

    agency: str
    practitioner_key: str
    person_source_id: str
    role: str | None
    start_date: date | None
    end_date: date | None = None
    is_lead: bool = True

    def active_on(self, day: date) -> bool:
        started = self.start_date is None or self.start_date <= day
        return started and (self.end_date is None or day <= self.end_date)


@dataclass(slots=True)
class FamilyMembership:
    """An agency's own grouping of people into a family (SSD ``ssd_family``)."""

    agency: str
    family_source_id: str
    person_source_id: str


@dataclass(slots=True)
class Household:
    """People living at one address over a period (derived by linkage)."""

    household_id: str
    postcode: str | None
    from_date: date | None
    to_date: date | None
    member_person_ids: list[str] = field(default_factory=list)
