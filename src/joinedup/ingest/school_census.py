"""``school-census-csv/1``: schools (and their DSL), pupils, attendance and exclusions."""

from __future__ import annotations

from datetime import date

from joinedup.domain.model import (
    Event,
    EventCategory,
    Involvement,
    Practitioner,
    SourcePersonRecord,
    SourceRef,
)
from joinedup.ingest.base import DeliveryContext, FeedAdapter, FileSpec, ParsedRow, parsed
from joinedup.ingest.contact_lines import SERVICE_CONTACTS, line
from joinedup.ingest.people import date_of_birth, sex
from joinedup.ingest.reading import RawRow
from joinedup.ingest.term_dates import TERM_DATES
from joinedup.ingest.validation import WARNING, RowChecks

AGENCY = "education"
PHASES = frozenset({"PRIMARY", "SECONDARY", "SPECIAL", "PRU"})
TERMS = {"2025-AUT": "2025-09-01", "2026-SPR": "2026-01-05", "2026-SUM": "2026-04-20"}
EXCLUSION_CATEGORIES = frozenset({"SUSP", "PERM"})
# DfE exclusion reason codes (school census).
EXCLUSION_REASONS = frozenset(
    {"PP", "PA", "VP", "VA", "DA", "DB", "BU", "DM", "RA", "SM", "DD", "MT", "WS", "OT", "AS", "DR"}
)
SEN = frozenset({"N", "K", "E"})
ETHNICITY = frozenset(
    {
        "WBRI",
        "WIRI",
        "WIRT",
        "WOTH",
        "WROM",
        "MWBC",
        "MWBA",
        "MWAS",
        "MOTH",
        "AIND",
        "APKN",
        "ABAN",
        "AOTH",
        "BCRB",
        "BAFR",
        "BOTH",
        "CHNE",
        "OOTH",
        "REFU",
        "NOBT",
    }
)


def dsl_key(urn: str) -> str:
    return f"school:{urn}:dsl"


def parse_school(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    urn = checks.text(row, "urn", required=True)
    name = checks.text(row, "name", required=True)
    phase = checks.code(row, "phase", PHASES)
    dsl_name = checks.text(row, "dsl_name")
    dsl_email = checks.email(row, "dsl_email")
    dsl_phone = checks.phone(row, "dsl_phone")
    office_phone = checks.phone(row, "office_phone")
    if not dsl_name and not dsl_email:
        checks.add(
            "MISSING_CONTACT",
            "dsl_name",
            "no Designated Safeguarding Lead recorded: alerts fall back to social care",
            WARNING,
        )
    practitioners = []
    if urn and (dsl_name or dsl_email):
        role = (
            f"Designated Safeguarding Lead ({phase.title()} school)"
            if phase
            else "Designated Safeguarding Lead"
        )
        practitioners.append(
            Practitioner(
                AGENCY,
                dsl_key(urn),
                dsl_name or dsl_email or "",
                dsl_email,
                name,
                role,
                dsl_phone or office_phone,
            )
        )
    if urn and name and office_phone:
        # the school office: the DSL's line when the DSL cannot be reached
        practitioners.append(
            line(
                AGENCY, f"school:{urn}", f"{name} (school office)", "DUTY", office_phone, None, None
            )
        )
    if urn and not checks.has_errors:
        context.remember("schools", urn)
    return parsed(raw, "schools", urn, checks, practitioners=practitioners)


def parse_pupil(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    upn_raw = checks.text(row, "upn", required=True)
    upn = checks.upn_value(upn_raw.upper() if upn_raw else None, "upn")
    former = checks.upn_value(checks.text(row, "former_upn"), "former_upn")
    born = date_of_birth(checks, row, "date_of_birth", context)
    urn = checks.text(row, "urn")
    if urn and context.has_table("schools") and not context.knows("schools", urn):
        checks.add("UNKNOWN_REFERENCE", "urn", f"urn {urn!r} is not in schools.csv", WARNING)
    entry = checks.date(row, "entry_date", not_after=context.extract_date)
    leaving = checks.date(row, "leaving_date")
    checks.not_before_birth(entry, born, "entry_date")
    if entry and leaving and leaving < entry:
        checks.add("INCONSISTENT", "leaving_date", "leaving_date is before entry_date", WARNING)
    preferred = [
        " ".join(
            p
            for p in (checks.name(row, "preferred_forename"), checks.name(row, "preferred_surname"))
            if p
        )
    ]
    attributes = {
        "urn": urn,
        "entry_date": entry.isoformat() if entry else None,
        "leaving_date": leaving.isoformat() if leaving else None,
        "fsm_eligible": checks.flag(row, "fsm_eligible"),
        "sen_provision": checks.code(row, "sen_provision", SEN),
        "former_upn": former,
    }
    record = SourcePersonRecord(
        ref=SourceRef(AGENCY, "pupils", upn_raw or ""),
        forenames=checks.name(row, "legal_forename"),
        surname=checks.name(row, "legal_surname"),
        date_of_birth=born,
        sex=sex(checks, row, "sex"),
        upn=upn,
        postcode=checks.postcode(row, "postcode"),
        ethnicity=checks.code(row, "ethnicity", ETHNICITY),
        other_names=[p for p in preferred if p],
        attributes={k: v for k, v in attributes.items() if v is not None},
    )
    involvements = []
    if urn:
        involvements.append(
            Involvement(
                AGENCY, dsl_key(urn), upn_raw or "", "Designated Safeguarding Lead", entry, leaving
            )
        )
    if upn_raw and not checks.has_errors:
        context.remember("pupils", upn_raw)
        if born:
            context.births[upn_raw] = born
    return parsed(raw, "pupils", upn_raw, checks, person=record, involvements=involvements)


def _pupil_reference(checks: RowChecks, context: DeliveryContext, upn: str | None) -> None:
    if upn and not context.knows("pupils", upn):
        checks.add(
            "UNKNOWN_REFERENCE",
            "upn",
            f"upn {upn!r} is not in pupils.csv of this delivery (or was quarantined)",
        )


def parse_attendance(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    upn = checks.text(row, "upn", required=True)
    urn = checks.text(row, "urn")
    term = checks.code(row, "term", set(TERMS), required=True)
    possible = checks.integer(row, "sessions_possible", required=True)
    authorised = checks.integer(row, "sessions_authorised_absence", required=True)
    unauthorised = checks.integer(row, "sessions_unauthorised_absence", required=True)
    _pupil_reference(checks, context, upn)
    if None not in (possible, authorised, unauthorised) and (authorised or 0) + (
        unauthorised or 0
    ) > (possible or 0):
        checks.add(
            "INCONSISTENT",
            "sessions_possible",
            "absences add up to more than the sessions possible",
        )
    source_id = f"{upn}|{urn}|{term}"
    events = []
    if term and upn and possible is not None:
        missed = (authorised or 0) + (unauthorised or 0)
        events.append(
            Event(
                ref=SourceRef(AGENCY, "attendance", source_id),
                person_source_id=upn,
                category=EventCategory.EDUCATION,
                event_type="ATTENDANCE",
                occurred_on=_term_start(term),
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
        )
    return parsed(raw, "attendance", source_id, checks, events=events)


def _term_start(term: str) -> date:
    return date.fromisoformat(TERMS[term])


def parse_exclusion(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    upn = checks.text(row, "upn", required=True)
    urn = checks.text(row, "urn")
    start = checks.date(row, "start_date", required=True, not_after=context.extract_date)
    category = checks.code(row, "category", EXCLUSION_CATEGORIES, required=True)
    reason = checks.code(row, "reason", EXCLUSION_REASONS)
    sessions = checks.integer(row, "sessions")
    _pupil_reference(checks, context, upn)
    if upn:
        checks.not_before_birth(start, context.births.get(upn), "start_date")
    source_id = f"{upn}|{urn}|{start}|{category}"
    events = []
    if upn and start and category:
        events.append(
            Event(
                ref=SourceRef(AGENCY, "exclusions", source_id),
                person_source_id=upn,
                category=EventCategory.EDUCATION,
                event_type=f"EXCLUSION_{category}",
                occurred_on=start,
                codes=[c for c in (category, reason) if c],
                detail={"urn": urn, "sessions": sessions},
            )
        )
    return parsed(raw, "exclusions", source_id, checks, events=events)


class SchoolCensusAdapter(FeedAdapter):
    format_id = "school-census-csv/1"
    files = (
        SERVICE_CONTACTS,
        FileSpec(
            "schools.csv",
            "schools",
            ("urn", "name", "phase", "dsl_name", "dsl_email"),
            parse_school,
            optional_columns=("dsl_phone", "office_phone"),
        ),
        FileSpec(
            "pupils.csv",
            "pupils",
            ("upn", "legal_forename", "legal_surname", "date_of_birth", "sex", "postcode", "urn"),
            parse_pupil,
            optional_columns=(
                "former_upn",
                "preferred_forename",
                "preferred_surname",
                "entry_date",
                "leaving_date",
                "fsm_eligible",
                "sen_provision",
                "ethnicity",
            ),
        ),
        FileSpec(
            "attendance.csv",
            "attendance",
            (
                "upn",
                "urn",
                "term",
                "sessions_possible",
                "sessions_authorised_absence",
                "sessions_unauthorised_absence",
            ),
            parse_attendance,
        ),
        FileSpec(
            "exclusions.csv",
            "exclusions",
            ("upn", "urn", "start_date", "category", "reason"),
            parse_exclusion,
            required_file=False,
            optional_columns=("sessions",),
        ),
        TERM_DATES,
    )
