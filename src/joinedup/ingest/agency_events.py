"""``agency-events-csv/1``: housing, probation, substance misuse and adult mental health."""

from __future__ import annotations

from joinedup.domain.model import (
    Event,
    EventCategory,
    Involvement,
    Practitioner,
    SourcePersonRecord,
    SourceRef,
)
from joinedup.ingest.base import DeliveryContext, FeedAdapter, FileSpec, ParsedRow, parsed
from joinedup.ingest.contact_lines import SERVICE_CONTACTS
from joinedup.ingest.people import PERSON_FILE_COLUMNS, date_of_birth, sex
from joinedup.ingest.reading import RawRow
from joinedup.ingest.validation import RowChecks

EVENT_TYPES: dict[str, frozenset[str]] = {
    "housing": frozenset(
        {
            "HOMELESS_APPLICATION",
            "TEMPORARY_ACCOMMODATION",
            "EVICTION_NOTICE",
            "RENT_ARREARS",
            "ANTISOCIAL_BEHAVIOUR_WARNING",
            "OVERCROWDING",
        }
    ),
    "probation": frozenset(
        {
            "ORDER_START",
            "ORDER_END",
            "LICENCE_START",
            "RECALL",
            "MAPPA_LEVEL_1",
            "MAPPA_LEVEL_2",
            "MAPPA_LEVEL_3",
            "DOMESTIC_ABUSE_PERPETRATOR_PROGRAMME",
        }
    ),
    "substance_misuse": frozenset(
        {"TREATMENT_START", "TREATMENT_END", "TREATMENT_DROPOUT", "RELAPSE"}
    ),
    "adult_mental_health": frozenset(
        {
            "REFERRAL",
            "CRISIS_TEAM_CONTACT",
            "DETAINED_UNDER_MHA",
            "DISCHARGE",
            "CARE_COORDINATOR_ASSIGNED",
        }
    ),
}
CATEGORY = {
    "housing": EventCategory.HOUSING,
    "probation": EventCategory.PROBATION,
    "substance_misuse": EventCategory.SUBSTANCE_MISUSE,
    "adult_mental_health": EventCategory.ADULT_MENTAL_HEALTH,
}


def parse_person(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    agency = context.agency
    person_id = checks.text(row, "person_id", required=True)
    born = date_of_birth(checks, row, "date_of_birth", context)
    record = SourcePersonRecord(
        ref=SourceRef(agency, "persons", person_id or ""),
        forenames=checks.name(row, "forenames"),
        surname=checks.name(row, "surname"),
        date_of_birth=born,
        sex=sex(checks, row, "gender"),
        nhs_number=checks.nhs_number(row, "nhs_number"),
        postcode=checks.postcode(row, "postcode"),
        address_line=checks.text(row, "address_line"),
    )
    worker_name = checks.text(row, "key_worker_name")
    worker_email = checks.email(row, "key_worker_email")
    worker_phone = checks.phone(row, "key_worker_phone")
    worker_team = checks.text(row, "key_worker_team")
    practitioners, involvements = [], []
    if worker_name or worker_email:
        key = (worker_email or worker_name or "").lower()
        practitioners.append(
            Practitioner(
                agency,
                key,
                worker_name or worker_email or "",
                worker_email,
                worker_team,
                "Key worker",
                worker_phone,
            )
        )
        involvements.append(Involvement(agency, key, person_id or "", "Key worker", None))
    if person_id and not checks.has_errors:
        context.remember("persons", person_id)
        if born:
            context.births[person_id] = born
    return parsed(
        raw,
        "persons",
        person_id,
        checks,
        person=record,
        practitioners=practitioners,
        involvements=involvements,
    )


def parse_event(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    agency = context.agency
    event_id = checks.text(row, "event_id", required=True)
    person_id = checks.text(row, "person_id", required=True)
    occurred = checks.datetime(row, "occurred_at", required=True, not_after=context.extracted_at)
    event_type = checks.code(row, "type", EVENT_TYPES[agency], required=True)
    detail = checks.text(row, "detail", free_text=True)
    if person_id and not context.knows("persons", person_id):
        checks.add(
            "UNKNOWN_REFERENCE",
            "person_id",
            f"person_id {person_id!r} is not in persons.csv of this delivery "
            "(or that person was quarantined)",
        )
    if occurred and person_id:
        checks.not_before_birth(occurred.date(), context.births.get(person_id), "occurred_at")
    events = []
    if occurred and event_type and person_id:
        events.append(
            Event(
                ref=SourceRef(agency, "events", event_id or ""),
                person_source_id=person_id,
                category=CATEGORY[agency],
                event_type=event_type,
                occurred_on=occurred.date(),
                occurred_at=occurred,
                detail={"detail": detail} if detail else {},
            )
        )
    return parsed(raw, "events", event_id, checks, events=events)


class AgencyEventsAdapter(FeedAdapter):
    format_id = "agency-events-csv/1"
    files = (
        SERVICE_CONTACTS,
        FileSpec(
            "persons.csv",
            "persons",
            PERSON_FILE_COLUMNS,
            parse_person,
            optional_columns=(
                "nhs_number",
                "key_worker_name",
                "key_worker_email",
                "key_worker_phone",
                "key_worker_team",
            ),
        ),
        FileSpec(
            "events.csv",
            "events",
            ("event_id", "person_id", "occurred_at", "type"),
            parse_event,
            optional_columns=("detail",),
        ),
    )
