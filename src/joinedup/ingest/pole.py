"""``pole-csv/1``: police persons, incidents and who was involved in what role."""

from __future__ import annotations

from joinedup.domain.model import Event as DomainEvent
from joinedup.domain.model import EventCategory, Practitioner, SourcePersonRecord, SourceRef
from joinedup.ingest.base import DeliveryContext, FeedAdapter, FileSpec, ParsedRow, parsed
from joinedup.ingest.contact_lines import SERVICE_CONTACTS
from joinedup.ingest.people import PERSON_FILE_COLUMNS, date_of_birth, sex
from joinedup.ingest.pole_network import INCIDENT_LINKS, LOCATIONS, OBJECTS
from joinedup.ingest.reading import RawRow
from joinedup.ingest.validation import RowChecks

AGENCY = "police"
CATEGORIES = frozenset(
    {
        "DOMESTIC_ABUSE",
        "MISSING_PERSON",
        "CHILD_SEXUAL_EXPLOITATION",
        "CHILD_CRIMINAL_EXPLOITATION",
        "ASSAULT",
        "SEXUAL_OFFENCE",
        "DRUGS",
        "WEAPONS",
        "ANTISOCIAL_BEHAVIOUR",
        "CONCERN_FOR_WELFARE",
        "THEFT",
        "CRIMINAL_DAMAGE",
        "ONLINE_HARM",
    }
)
ROLES = frozenset(
    {
        "VICTIM",
        "SUSPECT",
        "WITNESS",
        "CHILD_PRESENT",
        "MISSING_PERSON",
        "SUBJECT_OF_CONCERN",
        "REPORTING_PERSON",
    }
)
DASH = frozenset({"STANDARD", "MEDIUM", "HIGH"})
YES_NO = frozenset({"Y", "N"})
# Recorded at a domestic abuse incident, for Operation Encompass (optional columns).
ENCOMPASS_COLUMNS = ("welfare_check", "childrens_services_told")


def parse_person(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    person_id = checks.text(row, "person_id", required=True)
    born = date_of_birth(checks, row, "date_of_birth", context)
    record = SourcePersonRecord(
        ref=SourceRef(AGENCY, "persons", person_id or ""),
        forenames=checks.name(row, "forenames"),
        surname=checks.name(row, "surname"),
        date_of_birth=born,
        sex=sex(checks, row, "gender"),
        postcode=checks.postcode(row, "postcode"),
        address_line=checks.text(row, "address_line"),
        attributes={k: v for k, v in {"pnc_id": checks.text(row, "pnc_id")}.items() if v},
    )
    if person_id and not checks.has_errors:
        context.remember("persons", person_id)
        if born:
            context.births[person_id] = born
    return parsed(raw, "persons", person_id, checks, person=record)


def parse_incident(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    incident_id = checks.text(row, "incident_id", required=True)
    occurred = checks.datetime(row, "occurred_at", required=True, not_after=context.extracted_at)
    category = checks.code(row, "category", CATEGORIES, required=True)
    dash = checks.code(row, "dash_risk", DASH)
    if dash and category != "DOMESTIC_ABUSE":
        checks.add(
            "INCONSISTENT",
            "dash_risk",
            "dash_risk is only recorded for DOMESTIC_ABUSE incidents",
            "warning",
        )
    postcode = checks.postcode(row, "postcode")
    summary = checks.text(row, "summary", free_text=True)
    encompass = {name: checks.code(row, name, YES_NO) for name in ENCOMPASS_COLUMNS}
    if incident_id and occurred and category and not checks.has_errors:
        context.remember("incidents", incident_id)
        context.fact("incidents")[incident_id] = (
            occurred,
            category,
            dash,
            postcode,
            summary,
            {k: v == "Y" for k, v in encompass.items() if v},
        )
    return parsed(raw, "incidents", incident_id, checks)


def parse_involvement(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    incident_id = checks.text(row, "incident_id", required=True)
    person_id = checks.text(row, "person_id", required=True)
    role = checks.code(row, "role", ROLES, required=True)
    if incident_id and not context.knows("incidents", incident_id):
        checks.add(
            "UNKNOWN_REFERENCE",
            "incident_id",
            f"incident_id {incident_id!r} is not in incidents.csv of this delivery "
            "(or that incident was quarantined)",
        )
    if person_id and not context.knows("persons", person_id):
        checks.add(
            "UNKNOWN_REFERENCE",
            "person_id",
            f"person_id {person_id!r} is not in persons.csv of this delivery "
            "(or that person was quarantined)",
        )
    source_id = f"{incident_id}|{person_id}|{role}"
    events = []
    if not checks.has_errors and incident_id and person_id:
        occurred, category, dash, postcode, summary, told = context.fact("incidents")[incident_id]
        checks.not_before_birth(occurred.date(), context.births.get(person_id), "occurred_at")
        events.append(
            DomainEvent(
                ref=SourceRef(AGENCY, "involvements", source_id),
                person_source_id=person_id,
                category=EventCategory.POLICE_INCIDENT,
                event_type=category,
                occurred_on=occurred.date(),
                occurred_at=occurred,
                role=role,
                codes=[dash] if dash else [],
                detail={
                    "incident_id": incident_id,
                    "postcode": postcode,
                    "summary": summary,
                    **told,
                },
            )
        )
    return parsed(raw, "involvements", source_id, checks, events=events)


def parse_officer(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    """An officer of the force's safeguarding teams (the POLE model's officer in the case):
    name, rank, team and work contact details; a wrong phone or email is a warning."""
    row = raw.values or {}
    officer_id = checks.text(row, "officer_id", required=True)
    name = checks.name(row, "name") or f"Officer {officer_id}"
    officer = Practitioner(
        AGENCY,
        officer_key(officer_id or ""),
        name,
        checks.email(row, "email"),
        checks.text(row, "team"),
        checks.text(row, "rank"),
        checks.phone(row, "phone"),
    )
    return parsed(raw, "officers", officer_id, checks, practitioners=[officer])


def officer_key(officer_id: str) -> str:
    return f"officer:{officer_id}"


class PoliceAdapter(FeedAdapter):
    format_id = "pole-csv/1"
    files = (
        SERVICE_CONTACTS,
        FileSpec(
            "officers.csv",
            "officers",
            ("officer_id", "name"),
            parse_officer,
            required_file=False,
            optional_columns=("rank", "team", "phone", "email"),
        ),
        FileSpec(
            "persons.csv",
            "persons",
            PERSON_FILE_COLUMNS,
            parse_person,
            optional_columns=("pnc_id",),
        ),
        LOCATIONS,
        OBJECTS,
        FileSpec(
            "incidents.csv",
            "incidents",
            ("incident_id", "occurred_at", "category", "postcode", "dash_risk", "summary"),
            parse_incident,
            optional_columns=ENCOMPASS_COLUMNS,
        ),
        FileSpec(
            "involvements.csv",
            "involvements",
            ("incident_id", "person_id", "role"),
            parse_involvement,
        ),
        INCIDENT_LINKS,
    )
