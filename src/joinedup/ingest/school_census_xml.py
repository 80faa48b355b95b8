"""``school-census-xml/1``: a school's census return, in the DfE's Common Basic Data Set (CBDS).

Every state school in England sends the DfE a School Census each term as one XML file
(``<Message>``: a ``<Header>``, the ``<SchoolInformation>`` and ``<Pupils>`` with one
``<PupilOnRoll>`` per pupil). Schools already make it, so a school (or the local authority
collecting it) can deliver it as it is: one file per school, one delivery per school.

What this adapter reads, by CBDS element name (a census carries many more; any other element
is ignored):

- ``SchoolInformation``: ``URN``, ``SchoolName``, ``Phase`` (CBDS phase codes: ``NS``, ``PS``,
  ``MP`` are primary; ``MS``, ``SS``, ``AT`` secondary; ``SP`` special; ``PR`` a pupil
  referral unit). It is one row: the census names no Designated Safeguarding Lead, so alerts
  about its pupils reach the DSL only where ``schools.csv`` or the service contacts name one.
- ``PupilOnRoll``: ``UPN``, ``FormerUPN``, ``Surname``, ``Forename``, ``PreferredSurname``,
  ``PreferredForename``, ``DOB``, ``Sex``, ``Ethnicity``, ``EntryDate``, ``SENprovision``,
  ``FSMList/FSM`` (``FSMstartDate``, ``FSMendDate``: eligible when a period is open on the
  census date), ``Address`` (its ``PostCode``, at any depth: BS7666 or address lines),
  ``Attendance/TermlyAttendance`` (``Term`` ``AUT|SPR|SUM``, ``Year``, ``SessionsPossible``,
  ``SessionsAuthorised``, ``SessionsUnauthorised``) and ``Exclusions/Exclusion``
  (``Category`` ``SUSP|PERM``, ``Reason``, ``StartDate``, ``Sessions``).

The DfE publishes the CBDS as a specification but its census XSD is issued to software
suppliers, not shipped with any package joinedup can vendor; so the file is checked here
field by field (root ``<Message>``, one row per record element, each finding naming the
element) rather than against the DfE schema. A partnership holding the DfE's XSD can add it
beside ``CIN_schema_2024.xsd`` and name it in ``FileSpec.schema``.

The records are the CSV feed's, so a child's single view reads the same: a pupil is a person
record (table ``census_pupils``), attendance and exclusions the same events with the same keys
(``UPN|URN|2025-AUT``), and the pupil's school an involvement of its DSL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from joinedup.domain.model import Event, EventCategory, Involvement, SourcePersonRecord, SourceRef
from joinedup.ingest.base import DeliveryContext, FeedAdapter, FileSpec, ParsedRow, parsed
from joinedup.ingest.contact_lines import SERVICE_CONTACTS
from joinedup.ingest.people import date_of_birth, sex
from joinedup.ingest.reading import RawRow
from joinedup.ingest.school_census import (
    ETHNICITY,
    EXCLUSION_CATEGORIES,
    EXCLUSION_REASONS,
    SEN,
    TERMS,
    dsl_key,
)
from joinedup.ingest.validation import WARNING, RowChecks
from joinedup.ingest.xml_rows import ELEMENT

AGENCY = "education"
PUPILS = "census_pupils"
SCHOOLS = "census_schools"
FILE = "school_census.xml"
ROOT = "Message"
# CBDS phase codes -> the phases joinedup's school records use.
PHASES = {
    "NS": "PRIMARY",
    "PS": "PRIMARY",
    "MP": "PRIMARY",
    "MS": "SECONDARY",
    "SS": "SECONDARY",
    "AT": "SECONDARY",
    "SP": "SPECIAL",
    "PR": "PRU",
}
CENSUS_TERMS = frozenset({"AUT", "SPR", "SUM"})


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value in (None, "") else [value]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _postcode(value: Any) -> dict[str, Any]:
    """The first ``PostCode`` under ``Address``, at any depth, as a one-field row."""
    if isinstance(value, dict):
        if isinstance(value.get("PostCode"), str):
            return {"PostCode": value["PostCode"]}
        for inner in value.values():
            for item in _list(inner):
                if found := _postcode(item):
                    return found
    return {}


def parse_school(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    urn = checks.text(row, "URN", required=True)
    checks.text(row, "SchoolName")
    phase_code = checks.code(row, "Phase", set(PHASES))
    checks.add(
        "MISSING_CONTACT",
        "SchoolInformation",
        "a school census names no Designated Safeguarding Lead: alerts reach the school "
        "only where schools.csv or the service contacts name one",
        WARNING,
    )
    if urn and not checks.has_errors:
        context.remember(SCHOOLS, urn)
        context.fact(SCHOOLS)["urn"] = urn
        context.fact(SCHOOLS)["phase"] = PHASES.get(phase_code or "")
    return parsed(raw, SCHOOLS, urn, checks)


def _fsm_eligible(row: dict[str, Any], checks: RowChecks, on: date) -> bool | None:
    periods = [_dict(p) for p in _list(_dict(row.get("FSMList")).get("FSM"))]
    if not periods:
        return None
    for period in periods:
        start = checks.date(period, "FSMstartDate")
        end = checks.date(period, "FSMendDate")
        if start and start <= on and (end is None or end >= on):
            return True
    return False


def _attendance(
    upn: str, urn: str | None, row: dict[str, Any], checks: RowChecks
) -> Iterator[Event]:
    for block in map(_dict, _list(_dict(row.get("Attendance")).get("TermlyAttendance"))):
        season = checks.code(block, "Term", CENSUS_TERMS, required=True)
        year = checks.integer(block, "Year", required=True, minimum=2000)
        term = f"{year}-{season}" if season and year else None
        if term and term not in TERMS:
            checks.add(
                "INVALID_CODE",
                "TermlyAttendance",
                f"attendance term {term} is not one joinedup holds term dates for "
                f"({', '.join(sorted(TERMS))})",
            )
            term = None
        possible = checks.integer(block, "SessionsPossible", required=True)
        authorised = checks.integer(block, "SessionsAuthorised", required=True)
        unauthorised = checks.integer(block, "SessionsUnauthorised", required=True)
        if None not in (possible, authorised, unauthorised) and (authorised or 0) + (
            unauthorised or 0
        ) > (possible or 0):
            checks.add(
                "INCONSISTENT",
                "SessionsPossible",
                "absences add up to more than the sessions possible",
            )
        if term is None or possible is None:
            continue
        missed = (authorised or 0) + (unauthorised or 0)
        yield Event(
            ref=SourceRef(AGENCY, "attendance", f"{upn}|{urn}|{term}"),
            person_source_id=upn,
            category=EventCategory.EDUCATION,
            event_type="ATTENDANCE",
            occurred_on=date.fromisoformat(TERMS[term]),
            codes=[term],
            detail={
                "urn": urn,
                "term": term,
                "sessions_possible": possible,
                "sessions_authorised_absence": authorised,
                "sessions_unauthorised_absence": unauthorised,
                "absence_rate": round(missed / possible, 4) if possible else None,
            },
        )


def _exclusions(
    upn: str, urn: str | None, row: dict[str, Any], checks: RowChecks, context: DeliveryContext
) -> Iterator[Event]:
    for block in map(_dict, _list(_dict(row.get("Exclusions")).get("Exclusion"))):
        start = checks.date(block, "StartDate", required=True, not_after=context.extract_date)
        category = checks.code(block, "Category", EXCLUSION_CATEGORIES, required=True)
        reason = checks.code(block, "Reason", EXCLUSION_REASONS)
        sessions = checks.integer(block, "Sessions")
        checks.not_before_birth(start, context.births.get(upn), "StartDate")
        if start and category:
            yield Event(
                ref=SourceRef(AGENCY, "exclusions", f"{upn}|{urn}|{start}|{category}"),
                person_source_id=upn,
                category=EventCategory.EDUCATION,
                event_type=f"EXCLUSION_{category}",
                occurred_on=start,
                codes=[c for c in (category, reason) if c],
                detail={"urn": urn, "sessions": sessions},
            )


def parse_pupil(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    upn_raw = checks.text(row, "UPN", required=True)
    upn = checks.upn_value(upn_raw.upper() if upn_raw else None, "UPN")
    former = checks.upn_value(checks.text(row, "FormerUPN"), "FormerUPN")
    born = date_of_birth(checks, row, "DOB", context)
    entry = checks.date(row, "EntryDate", not_after=context.extract_date)
    checks.not_before_birth(entry, born, "EntryDate")
    urn = context.fact(SCHOOLS).get("urn")
    if urn is None:
        checks.add(
            "UNKNOWN_REFERENCE",
            "SchoolInformation",
            "the census has no usable SchoolInformation/URN: the pupil's school is unknown",
            WARNING,
        )
    preferred = " ".join(
        p
        for p in (checks.name(row, "PreferredForename"), checks.name(row, "PreferredSurname"))
        if p
    )
    attributes = {
        "urn": urn,
        "entry_date": entry.isoformat() if entry else None,
        "fsm_eligible": _fsm_eligible(row, checks, context.extract_date),
        "sen_provision": checks.code(row, "SENprovision", SEN),
        "former_upn": former,
    }
    key = upn_raw or ""
    events = [*_attendance(key, urn, row, checks), *_exclusions(key, urn, row, checks, context)]
    record = SourcePersonRecord(
        ref=SourceRef(AGENCY, PUPILS, key),
        forenames=checks.name(row, "Forename"),
        surname=checks.name(row, "Surname"),
        date_of_birth=born,
        sex=sex(checks, row, "Sex"),
        upn=upn,
        postcode=checks.postcode(_postcode(row.get("Address")), "PostCode"),
        ethnicity=checks.code(row, "Ethnicity", ETHNICITY),
        other_names=[preferred] if preferred else [],
        attributes={k: v for k, v in attributes.items() if v is not None},
    )
    involvements = (
        [Involvement(AGENCY, dsl_key(urn), key, "Designated Safeguarding Lead", entry, None)]
        if urn and upn_raw
        else []
    )
    if upn_raw and not checks.has_errors:
        context.remember(PUPILS, upn_raw)
        if born:
            context.births[upn_raw] = born
    return parsed(
        raw, PUPILS, upn_raw, checks, person=record, events=events, involvements=involvements
    )


def parse_record(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    """A census row: its ``SchoolInformation`` (the first row) or a ``PupilOnRoll``."""
    if raw.values is not None and raw.values.get(ELEMENT) == "SchoolInformation":
        return parse_school(raw, checks, context)
    return parse_pupil(raw, checks, context)


class SchoolCensusXmlAdapter(FeedAdapter):
    format_id = "school-census-xml/1"
    files = (
        SERVICE_CONTACTS,
        FileSpec(
            FILE,
            PUPILS,
            (),
            parse_record,
            kind="xml",
            root=ROOT,
            records=("SchoolInformation", "PupilOnRoll"),
        ),
    )
