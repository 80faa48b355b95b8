"""``ssd-csv/1``: children's social care as Standard Safeguarding Dataset tables.

People (``ssd_person``) come first; every other table names a person and becomes events,
addresses, identifiers, family memberships, practitioners or involvements. Episode tables
share one parser, driven by ``EPISODES`` (key column, person column, dates, codes).
"""

from __future__ import annotations

from dataclasses import dataclass

from joinedup.domain.model import (
    Address,
    Event,
    EventCategory,
    FamilyMembership,
    Involvement,
    Practitioner,
    SourcePersonRecord,
    SourceRef,
)
from joinedup.ingest.base import (
    DeliveryContext,
    FeedAdapter,
    FileSpec,
    ParsedRow,
    PersonIdentifier,
    parsed,
)
from joinedup.ingest.people import date_of_birth, sex
from joinedup.ingest.reading import RawRow
from joinedup.ingest.school_census import ETHNICITY
from joinedup.ingest.validation import WARNING, RowChecks

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


def _person(
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
    person_id = _person(checks, context, row, "addr_person_id")
    start = checks.date(row, "addr_address_start_date", not_after=context.extract_date)
    end = checks.date(row, "addr_address_end_date")
    line = checks.text(row, "addr_address_json", free_text=True)
    address = Address(line, checks.postcode(row, "addr_address_postcode"), start, end)
    return parsed(raw, "ssd_address", key, checks, addresses=[(person_id or "", address)])


def parse_identifier(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    key = checks.text(row, "link_table_id", required=True)
    person_id = _person(checks, context, row, "link_person_id")
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
    person_id = _person(checks, context, row, "fami_person_id")
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
        None,
        checks.text(row, "prof_professional_department"),
        checks.text(row, "prof_professional_job_title"),
    )
    if key and not checks.has_errors:
        context.remember("ssd_professionals", key)
    return parsed(raw, "ssd_professionals", key, checks, practitioners=[practitioner])


def parse_involvement(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    key = checks.text(row, "invo_involvements_id", required=True)
    professional = checks.text(row, "invo_professional_id", required=True)
    person_id = _person(checks, context, row, "invo_person_id")
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


@dataclass(frozen=True, slots=True)
class Episode:
    """How one SSD episode table becomes events."""

    table: str
    event_type: str
    key: str
    person: str
    start: str
    end: str | None = None
    codes: tuple[str, ...] = ()
    json_codes: tuple[str, ...] = ()
    detail: tuple[str, ...] = ()


EPISODES = (
    Episode(
        "ssd_contacts",
        "CONTACT",
        "cont_contact_id",
        "cont_person_id",
        "cont_contact_date",
        codes=("cont_contact_source_code",),
        json_codes=("cont_contact_outcome_json",),
        detail=("cont_contact_source_desc",),
    ),
    Episode(
        "ssd_early_help_episodes",
        "EARLY_HELP",
        "earl_episode_id",
        "earl_person_id",
        "earl_episode_start_date",
        "earl_episode_end_date",
        detail=(
            "earl_episode_reason",
            "earl_episode_end_reason",
            "earl_episode_organisation",
            "earl_episode_worker_id",
        ),
    ),
    Episode(
        "ssd_cin_episodes",
        "REFERRAL",
        "cine_referral_id",
        "cine_person_id",
        "cine_referral_date",
        "cine_close_date",
        codes=("cine_cin_primary_need_code", "cine_referral_source_code"),
        json_codes=("cine_referral_outcome_json",),
        detail=(
            "cine_referral_source_desc",
            "cine_referral_nfa",
            "cine_close_reason",
            "cine_referral_team",
            "cine_referral_worker_id",
        ),
    ),
    Episode(
        "ssd_cin_assessments",
        "ASSESSMENT",
        "cina_assessment_id",
        "cina_person_id",
        "cina_assessment_start_date",
        "cina_assessment_auth_date",
        json_codes=("cina_assessment_outcome_json",),
        detail=(
            "cina_referral_id",
            "cina_assessment_child_seen",
            "cina_assessment_outcome_nfa",
            "cina_assessment_team",
            "cina_assessment_worker_id",
        ),
    ),
    Episode(
        "ssd_s47_enquiry",
        "S47_ENQUIRY",
        "s47e_s47_enquiry_id",
        "s47e_person_id",
        "s47e_s47_start_date",
        "s47e_s47_end_date",
        json_codes=("s47e_s47_outcome_json",),
        detail=(
            "s47e_referral_id",
            "s47e_s47_nfa",
            "s47e_s47_completed_by_worker_id",
            "s47e_s47_completed_by_team",
        ),
    ),
    Episode(
        "ssd_cp_plans",
        "CP_PLAN",
        "cppl_cp_plan_id",
        "cppl_person_id",
        "cppl_cp_plan_start_date",
        "cppl_cp_plan_end_date",
        codes=("cppl_cp_plan_initial_category", "cppl_cp_plan_latest_category"),
        detail=("cppl_referral_id", "cppl_icpc_id", "cppl_cp_plan_ola"),
    ),
    Episode(
        "ssd_cla_episodes",
        "LOOKED_AFTER",
        "clae_cla_episode_id",
        "clae_person_id",
        "clae_cla_episode_start_date",
        "clae_cla_episode_ceased_date",
        codes=("clae_cla_episode_start_reason", "clae_cla_primary_need_code"),
        detail=(
            "clae_cla_episode_ceased_reason",
            "clae_referral_id",
            "clae_entered_care_date",
            "clae_cla_placement_id",
        ),
    ),
    Episode(
        "ssd_missing",
        "MISSING_EPISODE",
        "miss_table_id",
        "miss_person_id",
        "miss_missing_episode_start_date",
        "miss_missing_episode_end_date",
        codes=("miss_missing_episode_type",),
        detail=("miss_missing_rhi_offered", "miss_missing_rhi_accepted"),
    ),
)


def episode_parser(spec: Episode):  # type: ignore[no-untyped-def]
    def parse(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
        row = raw.values or {}
        key = checks.text(row, spec.key, required=True)
        person_id = _person(checks, context, row, spec.person)
        start = checks.date(row, spec.start, required=True, not_after=context.extract_date)
        end = checks.date(row, spec.end) if spec.end else None
        if start and end and end < start:
            checks.add("INCONSISTENT", spec.end, f"{spec.end} is before {spec.start}", WARNING)
        if person_id:
            checks.not_before_birth(start, context.births.get(person_id), spec.start)
        codes = [c for c in (checks.text(row, name) for name in spec.codes) if c]
        for name in spec.json_codes:
            codes.extend(checks.json_codes(row, name))
        detail = {
            name: value for name in spec.detail if (value := checks.text(row, name, free_text=True))
        }
        if spec.table == "ssd_cin_assessments" and key and person_id and not checks.has_errors:
            context.fact("assessment_person")[key] = (person_id, start)
        events = []
        if person_id and start:
            events.append(
                Event(
                    ref=SourceRef(AGENCY, spec.table, key or ""),
                    person_source_id=person_id,
                    category=EventCategory.SOCIAL_CARE,
                    event_type=spec.event_type,
                    occurred_on=start,
                    ended_on=end,
                    codes=codes,
                    detail=detail,
                )
            )
        if key and not checks.has_errors:
            context.remember(spec.table, key)
        return parsed(raw, spec.table, key, checks, events=events)

    return parse


def parse_assessment_factors(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    key = checks.text(row, "cinf_table_id", required=True)
    assessment_id = checks.text(row, "cinf_assessment_id", required=True)
    factors = checks.json_codes(row, "cinf_assessment_factors_json")
    known = context.fact("assessment_person").get(assessment_id or "")
    if assessment_id and known is None:
        checks.add(
            "UNKNOWN_REFERENCE",
            "cinf_assessment_id",
            f"cinf_assessment_id {assessment_id!r} is not in ssd_cin_assessments.csv "
            "of this delivery (or that assessment was quarantined)",
        )
    events = []
    if known is not None:
        person_id, started = known
        events.append(
            Event(
                ref=SourceRef(AGENCY, "ssd_assessment_factors", key or ""),
                person_source_id=person_id,
                category=EventCategory.SOCIAL_CARE,
                event_type="ASSESSMENT_FACTORS",
                occurred_on=started,
                codes=factors,
                detail={"assessment_id": assessment_id},
            )
        )
    return parsed(raw, "ssd_assessment_factors", key, checks, events=events)


def _episode_file(spec: Episode) -> FileSpec:
    return FileSpec(
        f"{spec.table}.csv",
        spec.table,
        (spec.key, spec.person, spec.start),
        episode_parser(spec),
        required_file=False,
        optional_columns=tuple(
            c for c in (spec.end, *spec.codes, *spec.json_codes, *spec.detail) if c is not None
        ),
    )


class SsdAdapter(FeedAdapter):
    format_id = "ssd-csv/1"
    files = (
        FileSpec(
            "ssd_person.csv",
            PERSONS,
            ("pers_person_id", "pers_forename", "pers_surname", "pers_dob"),
            parse_person,
            optional_columns=(
                "pers_sex",
                "pers_gender",
                "pers_ethnicity",
                "pers_send_flag",
                "pers_upn_unknown",
                "pers_expected_dob",
                "pers_death_date",
                "pers_is_mother",
                "pers_nationality",
            ),
        ),
        FileSpec(
            "ssd_address.csv",
            "ssd_address",
            ("addr_table_id", "addr_person_id"),
            parse_address,
            required_file=False,
            optional_columns=(
                "addr_address_json",
                "addr_address_postcode",
                "addr_address_start_date",
                "addr_address_end_date",
            ),
        ),
        FileSpec(
            "ssd_linked_identifiers.csv",
            "ssd_linked_identifiers",
            ("link_table_id", "link_person_id", "link_identifier_type", "link_identifier_value"),
            parse_identifier,
            required_file=False,
        ),
        FileSpec(
            "ssd_family.csv",
            "ssd_family",
            ("fami_table_id", "fami_family_id", "fami_person_id"),
            parse_family,
            required_file=False,
        ),
        FileSpec(
            "ssd_professionals.csv",
            "ssd_professionals",
            ("prof_professional_id", "prof_professional_name"),
            parse_professional,
            required_file=False,
            optional_columns=("prof_professional_department", "prof_professional_job_title"),
        ),
        FileSpec(
            "ssd_involvements.csv",
            "ssd_involvements",
            ("invo_involvements_id", "invo_professional_id", "invo_person_id"),
            parse_involvement,
            required_file=False,
            optional_columns=(
                "invo_professional_role_id",
                "invo_involvement_start_date",
                "invo_involvement_end_date",
            ),
        ),
        *(_episode_file(spec) for spec in EPISODES),
        FileSpec(
            "ssd_assessment_factors.csv",
            "ssd_assessment_factors",
            ("cinf_table_id", "cinf_assessment_id", "cinf_assessment_factors_json"),
            parse_assessment_factors,
            required_file=False,
        ),
    )

    def finalise_sql(self) -> list[str]:
        # SSD keeps NHS numbers and UPNs in their own table; copy the current ones onto the
        # person records so that linkage sees one row per person.
        return [
            "UPDATE person_record SET nhs_number = (SELECT max(i.value) FROM person_identifier i "
            "WHERE i.agency_id = person_record.agency_id AND i.person_source_id = "
            "person_record.source_id AND i.identifier_type = 'NHS_NUMBER') "
            "WHERE agency_id = 'social_care'",
            "UPDATE person_record SET upn = (SELECT max(i.value) FROM person_identifier i "
            "WHERE i.agency_id = person_record.agency_id AND i.person_source_id = "
            "person_record.source_id AND i.identifier_type = 'UPN') "
            "WHERE agency_id = 'social_care'",
        ]
