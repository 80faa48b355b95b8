"""``fhir-r4-bulk/1``: health's Patient, Encounter and Condition resources (ndjson)."""

from __future__ import annotations

from typing import Any

from joinedup.domain.model import (
    Event,
    EventCategory,
    Involvement,
    Practitioner,
    Sex,
    SourcePersonRecord,
    SourceRef,
)
from joinedup.ingest.base import DeliveryContext, FeedAdapter, FileSpec, ParsedRow, parsed
from joinedup.ingest.fhir_organization import ORGANIZATIONS, gp_key
from joinedup.ingest.people import date_of_birth
from joinedup.ingest.reading import RawRow
from joinedup.ingest.validation import WARNING, RowChecks

AGENCY = "health"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
GENDER = {"male": Sex.MALE, "female": Sex.FEMALE, "other": Sex.UNKNOWN, "unknown": Sex.UNKNOWN}
ENCOUNTER_CLASSES = frozenset({"EMER", "AMB", "IMP"})
ENCOUNTER_REASONS = frozenset(
    {
        "INJURY",
        "FRACTURE",
        "BURN",
        "HEAD_INJURY",
        "SELF_HARM",
        "OVERDOSE",
        "INGESTION",
        "ASSAULT",
        "ALCOHOL_INTOXICATION",
        "MENTAL_HEALTH_CRISIS",
        "SEXUAL_HEALTH",
        "PREGNANCY",
        "HEALTH_VISITOR_CONTACT",
        "MISSED_APPOINTMENT",
        "ILLNESS",
        "OTHER",
    }
)
CONDITIONS = frozenset(
    {
        "DEPRESSION",
        "ANXIETY",
        "PSYCHOSIS",
        "PERSONALITY_DISORDER",
        "ALCOHOL_DEPENDENCE",
        "DRUG_DEPENDENCE",
        "LEARNING_DISABILITY",
        "PHYSICAL_DISABILITY",
        "PERINATAL_MENTAL_HEALTH",
        "EATING_DISORDER",
    }
)
CLINICAL_STATUS = frozenset({"ACTIVE", "RESOLVED"})


def _get(resource: Any, *path: Any) -> Any:
    """resource[path...] or None, tolerating missing keys, short lists and wrong types.

    Subscripts and catches rather than testing each step's type: this runs about five times
    per delivered FHIR line, and the tests cost more than the lookups. A JSON object's keys
    are text, so an index into an object is a KeyError, a key into a list a TypeError, and
    anything into a number, true/false or null a TypeError; only text would answer an index
    (with a character), so text part-way is refused explicitly."""
    try:
        for step in path:
            if type(resource) is str:
                return None
            resource = resource[step]
    except (KeyError, IndexError, TypeError):
        return None
    return resource


def _resource_type(checks: RowChecks, resource: dict[str, Any], expected: str) -> None:
    if resource.get("resourceType") not in (None, expected):
        checks.add(
            "WRONG_RESOURCE_TYPE",
            "resourceType",
            f"resourceType is {resource.get('resourceType')!r}, expected {expected}",
        )


def _subject(checks: RowChecks, resource: dict[str, Any], context: DeliveryContext) -> str | None:
    reference = _get(resource, "subject", "reference")
    if not isinstance(reference, str) or not reference.startswith("Patient/"):
        checks.add(
            "MISSING_REQUIRED", "subject.reference", "subject.reference must be Patient/<id>"
        )
        return None
    patient_id = reference.removeprefix("Patient/")
    if not context.knows("Patient", patient_id):
        checks.add(
            "UNKNOWN_REFERENCE",
            "subject.reference",
            f"{reference} is not in Patient.ndjson of this delivery (or was quarantined)",
        )
    return patient_id


def parse_patient(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    resource = raw.values or {}
    _resource_type(checks, resource, "Patient")
    patient_id = checks.text(resource, "id", required=True)
    nhs = None
    identifiers = resource.get("identifier") or []
    for identifier in identifiers if isinstance(identifiers, list) else []:
        if isinstance(identifier, dict) and identifier.get("system") == NHS_NUMBER_SYSTEM:
            nhs = checks.nhs_number_value(
                str(identifier.get("value") or "") or None, "identifier[nhs-number]"
            )
    given = _get(resource, "name", 0, "given")
    given_names = [g for g in given if isinstance(g, str)] if isinstance(given, list) else []
    names = {
        "forenames": " ".join(given_names) or None,
        "surname": _get(resource, "name", 0, "family"),
    }
    forenames = checks.name(names, "forenames")
    surname = checks.name(names, "surname")
    born = date_of_birth(checks, {"birthDate": resource.get("birthDate")}, "birthDate", context)
    gender = resource.get("gender")
    sex = GENDER.get(str(gender).lower(), Sex.UNKNOWN) if gender else Sex.UNKNOWN
    if gender and str(gender).lower() not in GENDER:
        checks.add("INVALID_CODE", "gender", f"gender {gender!r} is not a FHIR gender", WARNING)
    lines = _get(resource, "address", 0, "line")
    address = {
        "line": ", ".join(x for x in lines if isinstance(x, str))
        if isinstance(lines, list)
        else None,
        "postalCode": _get(resource, "address", 0, "postalCode"),
    }
    gp = checks.text({"gp": _get(resource, "generalPractitioner", 0, "display")}, "gp")
    record = SourcePersonRecord(
        ref=SourceRef(AGENCY, "Patient", patient_id or ""),
        forenames=forenames,
        surname=surname,
        date_of_birth=born,
        sex=sex,
        nhs_number=nhs,
        postcode=checks.postcode(address, "postalCode"),
        address_line=checks.text(address, "line"),
    )
    practitioners, involvements = [], []
    if gp:
        key = gp_key(gp)
        practitioners.append(Practitioner(AGENCY, key, gp, None, gp, "GP practice"))
        involvements.append(
            Involvement(AGENCY, key, patient_id or "", "Registered GP practice", None)
        )
    if patient_id and not checks.has_errors:
        context.remember("Patient", patient_id)
        if born:
            context.births[patient_id] = born
    return parsed(
        raw,
        "Patient",
        patient_id,
        checks,
        person=record,
        practitioners=practitioners,
        involvements=involvements,
    )


def parse_encounter(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    resource = raw.values or {}
    _resource_type(checks, resource, "Encounter")
    encounter_id = checks.text(resource, "id", required=True)
    patient_id = _subject(checks, resource, context)
    klass = checks.code(
        {"class": _get(resource, "class", "code")}, "class", ENCOUNTER_CLASSES, required=True
    )
    start = checks.datetime(
        {"period.start": _get(resource, "period", "start")},
        "period.start",
        required=True,
        not_after=context.extracted_at,
    )
    reason = checks.code(
        {"reasonCode": _get(resource, "reasonCode", 0, "text")}, "reasonCode", ENCOUNTER_REASONS
    )
    provider = checks.text({"p": _get(resource, "serviceProvider", "display")}, "p")
    if start and patient_id:
        checks.not_before_birth(start.date(), context.births.get(patient_id), "period.start")
    events = []
    if patient_id and klass and start:
        events.append(
            Event(
                ref=SourceRef(AGENCY, "Encounter", encounter_id or ""),
                person_source_id=patient_id,
                category=EventCategory.HEALTH_ENCOUNTER,
                event_type=klass,
                occurred_on=start.date(),
                occurred_at=start,
                codes=[reason] if reason else [],
                detail={"service_provider": provider} if provider else {},
            )
        )
    return parsed(raw, "Encounter", encounter_id, checks, events=events)


def parse_condition(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    resource = raw.values or {}
    _resource_type(checks, resource, "Condition")
    patient_id = _subject(checks, resource, context)
    code = checks.code(
        {"code.text": _get(resource, "code", "text")}, "code.text", CONDITIONS, required=True
    )
    onset = checks.datetime(
        {"onsetDateTime": resource.get("onsetDateTime")},
        "onsetDateTime",
        required=True,
        not_after=context.extracted_at,
    )
    status = checks.code(
        {"s": _get(resource, "clinicalStatus", "coding", 0, "code")}, "s", CLINICAL_STATUS
    )
    # Conditions carry an id in bulk exports; fall back to a natural key when one does not.
    condition_id = (
        checks.text(resource, "id") or f"{patient_id}|{code}|{onset.isoformat() if onset else ''}"
    )
    if onset and patient_id:
        checks.not_before_birth(onset.date(), context.births.get(patient_id), "onsetDateTime")
    events = []
    if patient_id and code and onset:
        events.append(
            Event(
                ref=SourceRef(AGENCY, "Condition", condition_id),
                person_source_id=patient_id,
                category=EventCategory.HEALTH_CONDITION,
                event_type=code,
                occurred_on=onset.date(),
                occurred_at=onset,
                codes=[status] if status else [],
                detail={"clinical_status": status.lower()} if status else {},
            )
        )
    return parsed(raw, "Condition", condition_id, checks, events=events)


class FhirBulkAdapter(FeedAdapter):
    format_id = "fhir-r4-bulk/1"
    files = (
        ORGANIZATIONS,
        FileSpec("Patient.ndjson", "Patient", (), parse_patient, kind="ndjson"),
        FileSpec(
            "Encounter.ndjson", "Encounter", (), parse_encounter, kind="ndjson", required_file=False
        ),
        FileSpec(
            "Condition.ndjson", "Condition", (), parse_condition, kind="ndjson", required_file=False
        ),
    )
