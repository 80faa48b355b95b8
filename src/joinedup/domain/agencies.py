"""The partner agencies of a safeguarding partnership and the feed format each delivers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FeedFormat(StrEnum):
    SSD_CSV = "ssd-csv/1"
    FHIR_R4_BULK = "fhir-r4-bulk/1"
    POLE_CSV = "pole-csv/1"
    SCHOOL_CENSUS_CSV = "school-census-csv/1"
    AGENCY_EVENTS_CSV = "agency-events-csv/1"
    # the statutory returns children's social care already makes (issue 23)
    CIN_CENSUS_XML = "cin-census-xml/1"
    SSDA903_CSV = "ssda903-csv/1"
    ANNEX_A_CSV = "annex-a-csv/1"
    # the School Census every school already sends the DfE (CBDS XML)
    SCHOOL_CENSUS_XML = "school-census-xml/1"


class AgencyId(StrEnum):
    SOCIAL_CARE = "social_care"
    HEALTH = "health"
    POLICE = "police"
    EDUCATION = "education"
    HOUSING = "housing"
    PROBATION = "probation"
    SUBSTANCE_MISUSE = "substance_misuse"
    ADULT_MENTAL_HEALTH = "adult_mental_health"


@dataclass(frozen=True, slots=True)
class Agency:
    id: AgencyId
    name: str
    feed_format: FeedFormat
    statutory_partner: bool
    # formats the agency may deliver besides its own (returns it already makes for the DfE)
    other_formats: tuple[FeedFormat, ...] = ()

    def delivers(self, feed_format: FeedFormat) -> bool:
        return feed_format == self.feed_format or feed_format in self.other_formats


RETURNS = (FeedFormat.CIN_CENSUS_XML, FeedFormat.SSDA903_CSV, FeedFormat.ANNEX_A_CSV)


AGENCIES: dict[AgencyId, Agency] = {
    a.id: a
    for a in (
        Agency(AgencyId.SOCIAL_CARE, "Children's social care", FeedFormat.SSD_CSV, True, RETURNS),
        Agency(AgencyId.HEALTH, "Health (integrated care board)", FeedFormat.FHIR_R4_BULK, True),
        Agency(AgencyId.POLICE, "Police", FeedFormat.POLE_CSV, True),
        Agency(
            AgencyId.EDUCATION,
            "Schools and education",
            FeedFormat.SCHOOL_CENSUS_CSV,
            False,
            (FeedFormat.SCHOOL_CENSUS_XML,),
        ),
        Agency(AgencyId.HOUSING, "Housing", FeedFormat.AGENCY_EVENTS_CSV, False),
        Agency(AgencyId.PROBATION, "Probation", FeedFormat.AGENCY_EVENTS_CSV, False),
        Agency(
            AgencyId.SUBSTANCE_MISUSE,
            "Substance misuse services",
            FeedFormat.AGENCY_EVENTS_CSV,
            False,
        ),
        Agency(
            AgencyId.ADULT_MENTAL_HEALTH,
            "Adult mental health services",
            FeedFormat.AGENCY_EVENTS_CSV,
            False,
        ),
    )
}


def agency(agency_id: str) -> Agency:
    """The agency with this id; raises ``BadInput`` naming the unknown id."""
    from joinedup.errors import BadInput

    try:
        return AGENCIES[AgencyId(agency_id)]
    except ValueError:
        known = ", ".join(a.value for a in AgencyId)
        raise BadInput(f"unknown agency {agency_id!r} (known: {known})") from None
