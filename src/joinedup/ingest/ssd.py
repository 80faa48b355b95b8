"""``ssd-csv/1``: children's social care as Standard Safeguarding Dataset tables.

People (``ssd_person``) come first; every other table names a person and becomes events,
addresses, identifiers, family memberships, practitioners or involvements. The parsers are
in ``ssd_people`` (person-level tables) and ``ssd_episodes`` (episode tables, as events).
"""

from __future__ import annotations

from joinedup.ingest.base import FeedAdapter, FileSpec
from joinedup.ingest.contact_lines import SERVICE_CONTACTS
from joinedup.ingest.pre_birth_plans import PRE_BIRTH_PLANS
from joinedup.ingest.ssd_episodes import EPISODES, Episode, episode_parser, parse_assessment_factors
from joinedup.ingest.ssd_people import (
    AGENCY,
    PERSONS,
    parse_address,
    parse_family,
    parse_identifier,
    parse_involvement,
    parse_person,
    parse_professional,
)

__all__ = ["AGENCY", "EPISODES", "PERSONS", "SsdAdapter"]


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
        SERVICE_CONTACTS,
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
            optional_columns=(
                "prof_professional_department",
                "prof_professional_job_title",
                "prof_professional_email",
                "prof_professional_phone",
            ),
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
        PRE_BIRTH_PLANS,
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
