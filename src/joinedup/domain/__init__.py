"""The domain model: plain dataclasses and value objects, no framework imports."""

from joinedup.domain.agencies import AGENCIES, Agency, AgencyId, FeedFormat, agency
from joinedup.domain.identifiers import (
    UPN,
    InvalidIdentifier,
    NHSNumber,
    Postcode,
    normalise_postcode,
)
from joinedup.domain.model import (
    Address,
    Event,
    EventCategory,
    FamilyMembership,
    Household,
    Involvement,
    Practitioner,
    Sex,
    SourcePersonRecord,
    SourceRef,
)

__all__ = [
    "AGENCIES",
    "UPN",
    "Address",
    "Agency",
    "AgencyId",
    "Event",
    "EventCategory",
    "FamilyMembership",
    "FeedFormat",
    "Household",
    "InvalidIdentifier",
    "Involvement",
    "NHSNumber",
    "Postcode",
    "Practitioner",
    "Sex",
    "SourcePersonRecord",
    "SourceRef",
    "agency",
    "normalise_postcode",
]
