"""``ssd-csv/1``, the person-level tables: people, their addresses, identifiers and families,
professionals, and professionals' involvements with people.

``ssd_person`` comes first in a delivery; every other table names a person, and a person who
is not in this delivery's ``ssd_person.csv`` (or was quarantined) is an unknown reference.
"""

from __future__ import annotations

from joinedup.domain.model import (
    Address,
    FamilyMembership,
    Involvement,
    Practitioner,
    SourcePersonRecord,
    SourceRef,
)
from joinedup.ingest.base import DeliveryContext, ParsedRow, PersonIdentifier, parsed
from joinedup.ingest.people import date_of_birth, sex
from joinedup.ingest.reading import RawRow
from joinedup.ingest.school_census import ETHNICITY
from joinedup.ingest.validation import RowChecks

AGENCY = "social_care"
PERSONS = "ssd_person"


def parse_person(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    person_id = checks.text(row, "pers_person_id", required=True)
    born = date_of_birth(checks, row, "pers_dob", context)
    ethnicity = checks.code(row, "pers_ethnicity", ETHNICITY)
    attributes = {
        "send_flag": checks.text(row, "pers_send_flag"),
        "upn_unknown": checks.text(row, "pers_upn_unknown"),
        "expected_dob": checks.text(row, "pers_expected_dob"),
        "death_date": checks.text(row, "pers_death_date"),
        "is_mother": checks.text(row, "pers_is_mother"),
        "nationality": checks.text(row, "pers_nationality"),
        "gender": checks.text(row, "pers_gender"),
    }
    record = SourcePersonRecord(
        ref=SourceRef(AGENCY, PERSONS, person_id or ""),
        forenames=checks.name(row, "pers_forename"),
        surname=checks.name(row, "pers_surname"),
        date_of_birth=born,
        sex=sex(checks, row, "pers_sex"),
        ethnicity=ethnicity,
        attributes={k: v for k, v in attributes.items() if v},
    )
    if person_id and not checks.has_errors:
        context.remember(PERSONS, person_id)
        if born:
            context.births[person_id] = born
    return parsed(raw, PERSONS, person_id, checks, person=record)


def known_person(
    checks: RowChecks, context: DeliveryContext, row: dict[str, str], column: str
) -> str | None:
    person_id = checks.text(row, column, required=True)
    if person_id and not context.knows(PERSONS, person_id):
        checks.add(
            "UNKNOWN_REFERENCE",
            column,
            f"{column} {person_id!r} is not in ssd_person.csv of this delivery "
            "(or that person was quarantined)",
        )
    return person_id


def parse_address(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    key = checks.text(row, "addr_table_id", required=True)
    person_id = known_person(checks, context, row, "addr_person_id")
    start = checks.date(row, "addr_address_start_date", not_after=context.extract_date)
    end = checks.date(row, "addr_address_end_date")
    line = checks.text(row, "addr_address_json", free_text=True)
    address = Address(line, checks.postcode(row, "addr_address_postcode"), start, end)
    return parsed(raw, "ssd_address", key, checks, addresses=[(person_id or "", address)])


def parse_identifier(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    key = checks.text(row, "link_table_id", required=True)
    person_id = known_person(checks, context, row, "link_person_id")
    kind = (checks.text(row, "link_identifier_type", required=True) or "").lower()
    value = checks.text(row, "link_identifier_value", required=True)
    identifiers = []
    if "nhs" in kind:
        clean = checks.nhs_number_value(value, "link_identifier_value")
        if clean:
            identifiers.append(PersonIdentifier(person_id or "", "NHS_NUMBER", clean))
    elif "pupil" in kind or kind == "upn":
        clean = checks.upn_value(value, "link_identifier_value")
        if clean:
            identifiers.append(PersonIdentifier(person_id or "", "UPN", clean))
    return parsed(raw, "ssd_linked_identifiers", key, checks, identifiers=identifiers)


def parse_family(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    key = checks.text(row, "fami_table_id", required=True)
    family_id = checks.text(row, "fami_family_id", required=True)
    person_id = known_person(checks, context, row, "fami_person_id")
    return parsed(
        raw,
        "ssd_family",
        key,
        checks,
        families=[FamilyMembership(AGENCY, family_id or "", person_id or "")],
    )


def parse_professional(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    key = checks.text(row, "prof_professional_id", required=True)
    name = checks.text(row, "prof_professional_name") or f"Worker {key}"
    practitioner = Practitioner(
        AGENCY,
        key or "",
        name,
        checks.email(row, "prof_professional_email"),
        checks.text(row, "prof_professional_department"),
        checks.text(row, "prof_professional_job_title"),
        checks.phone(row, "prof_professional_phone"),
    )
    if key and not checks.has_errors:
        context.remember("ssd_professionals", key)
    return parsed(raw, "ssd_professionals", key, checks, practitioners=[practitioner])


def parse_involvement(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    key = checks.text(row, "invo_involvements_id", required=True)
    professional = checks.text(row, "invo_professional_id", required=True)
    person_id = known_person(checks, context, row, "invo_person_id")
    if (
        professional
        and context.has_table("ssd_professionals")
        and not context.knows("ssd_professionals", professional)
    ):
        checks.add(
            "UNKNOWN_REFERENCE",
            "invo_professional_id",
            f"invo_professional_id {professional!r} is not in ssd_professionals.csv",
        )
    start = checks.date(row, "invo_involvement_start_date", not_after=context.extract_date)
    end = checks.date(row, "invo_involvement_end_date")
    role = checks.text(row, "invo_professional_role_id") or "Allocated worker"
    involvement = Involvement(AGENCY, professional or "", person_id or "", role, start, end)
    return parsed(raw, "ssd_involvements", key, checks, involvements=[involvement])
