"""A search is a trace, not a browse (issue 16, finding 4).

Before: as a school DSL, two-letter name searches harvested most of the partnership (adults
known only to police or mental health among them) with name, date of birth and district;
sealed records, refused in the single view, were returned by search. Now a search needs a
specific query, returns only people the reader could lawfully open for their purpose, never
a sealed record, and each account's volume is limited with the privacy officer told.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, select, text

from joinedup.errors import BadInput, TooManyRequests
from joinedup.governance.reader import Reader
from joinedup.services.search import Query, search_people
from joinedup.store.governance_tables import privacy_notice
from joinedup.store.tables import person_record

ADULT_BORN_BEFORE = date.today() - timedelta(days=19 * 366)
CHILD_BORN_AFTER = date.today() - timedelta(days=17 * 366)


def reader(role: str, agency: str, purpose: str, user: str | None = None) -> Reader:
    return Reader.build(
        user_id=user or f"{role.lower()}-{uuid.uuid4().hex[:6]}",
        role=role,
        agency=agency,
        purpose=purpose,
    )


def _known_only_to(engine: Engine, agency: str, *, adult: bool) -> tuple[str, str, str, str]:
    """(person_id, forenames, surname, date of birth) of someone known to ``agency`` alone."""
    condition = "pr.date_of_birth < :adult" if adult else "pr.date_of_birth > :child"
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "select lr.person_id, pr.forenames, pr.surname, pr.date_of_birth"
                " from linkage_record lr join person_record pr on pr.agency_id = lr.agency_id"
                " and pr.source_table = lr.source_table and pr.source_id = lr.source_id"
                f" where lr.agency_id = :agency and {condition} and pr.forenames is not null"
                " and length(pr.surname) >= 3 and not exists (select 1 from linkage_record o"
                " where o.person_id = lr.person_id and o.agency_id <> :agency)"
                " order by lr.person_id limit 1"
            ),
            {"agency": agency, "adult": ADULT_BORN_BEFORE, "child": CHILD_BORN_AFTER},
        ).first()
    assert row is not None, f"the test partnership has nobody known only to {agency}"
    return row[0], row[1], row[2], str(row[3])


@pytest.mark.parametrize(
    "terms",
    [
        {"name": "Smith"},  # a surname alone
        {"name": "Sm"},
        {"date_of_birth": "2015-03-01"},  # a date alone
        {"postcode": "LS6 2AB"},  # a postcode alone
        {"date_of_birth": "2015-03-01", "postcode": "LS6 2AB"},  # no name, no identifier
        {"name": "A B"},  # a one-letter surname
    ],
)
def test_a_search_needs_an_identifier_or_a_surname_with_something_more(
    terms: dict[str, str],
) -> None:
    with pytest.raises(BadInput):
        Query.parse(**terms)


@pytest.mark.parametrize(
    "terms",
    [
        {"nhs_number": "9434765919"},
        {"upn": "A123456789012"},
        {"name": "Jo Smith"},
        {"name": "Smith", "date_of_birth": "2015-03-01"},
        {"name": "Smith", "postcode": "LS6 2AB"},
    ],
)
def test_specific_searches_are_accepted(terms: dict[str, str]) -> None:
    Query.parse(**terms)


def test_an_adult_known_only_to_police_is_not_found_by_a_school(store: Engine) -> None:
    person, forenames, surname, dob = _known_only_to(store, "police", adult=True)
    query = Query.parse(name=f"{forenames} {surname}", date_of_birth=dob)
    dsl = reader("SCHOOL_DSL", "education", "LEAD_PRACTITIONER_CASEWORK")
    assert person not in [r["person_id"] for r in search_people(store, dsl, query)["results"]]
    mash = reader("MASH_PRACTITIONER", "social_care", "MASH_TRIAGE")
    assert person not in [r["person_id"] for r in search_people(store, mash, query)["results"]]
    # The police, who hold the record, find them (an involvement can exist there).
    police = reader("POLICE_SAFEGUARDING_OFFICER", "police", "CHILD_PROTECTION_ENQUIRY")
    assert person in [r["person_id"] for r in search_people(store, police, query)["results"]]


def test_a_child_is_found_by_the_mash_and_a_safeguarding_purpose_but_not_early_help(
    store: Engine,
) -> None:
    person, forenames, surname, dob = _known_only_to(store, "health", adult=False)
    query = Query.parse(name=f"{forenames} {surname}", date_of_birth=dob)
    found = lambda r: person in [x["person_id"] for x in search_people(store, r, query)["results"]]  # noqa: E731
    assert found(reader("MASH_PRACTITIONER", "social_care", "MASH_TRIAGE"))
    # a DSL may break the glass for a child under casework (a safeguarding purpose) ...
    assert found(reader("SCHOOL_DSL", "education", "LEAD_PRACTITIONER_CASEWORK"))
    # ... but early help is not safeguarding, and the child is not known to the school
    assert not found(reader("SCHOOL_DSL", "education", "EARLY_HELP"))
    # the privacy officer finds only people whose access is under review
    assert not found(reader("PRIVACY_OFFICER", "social_care", "AUDIT"))


def test_a_sealed_record_is_not_found(store: Engine) -> None:
    person, forenames, surname, dob = _known_only_to(store, "health", adult=False)
    query = Query.parse(name=f"{forenames} {surname}", date_of_birth=dob)
    mash = reader("MASH_PRACTITIONER", "social_care", "MASH_TRIAGE")
    assert person in [r["person_id"] for r in search_people(store, mash, query)["results"]]
    with store.begin() as connection:
        record = connection.execute(
            text(
                "select pr.id, pr.attributes from person_record pr join linkage_record lr"
                " on lr.agency_id = pr.agency_id and lr.source_table = pr.source_table"
                " and lr.source_id = pr.source_id where lr.person_id = :p"
            ),
            {"p": person},
        ).first()
        attributes = record.attributes if isinstance(record.attributes, dict) else {}
        connection.execute(
            person_record.update()
            .where(person_record.c.id == record.id)
            .values(attributes={**attributes, "sealed": "witness_protection"})
        )
    try:
        found = search_people(store, mash, query)["results"]
        assert person not in [r["person_id"] for r in found]
    finally:
        with store.begin() as connection:
            connection.execute(
                person_record.update()
                .where(person_record.c.id == record.id)
                .values(attributes=attributes)
            )


def test_an_account_searching_in_volume_is_reported_then_refused(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOINEDUP_SEARCH_NOTICE_PER_HOUR", "3")
    monkeypatch.setenv("JOINEDUP_SEARCH_LIMIT_PER_HOUR", "5")
    user = f"harvester-{uuid.uuid4().hex[:6]}"
    dsl = reader("SCHOOL_DSL", "education", "LEAD_PRACTITIONER_CASEWORK", user)
    for surname in ("Smith", "Jones", "Brown", "Khan", "Ahmed"):
        search_people(store, dsl, Query.parse(name=f"Jo {surname}"))
    with store.connect() as connection:
        notice = connection.execute(
            select(privacy_notice).where(privacy_notice.c.actor == user)
        ).one()
    assert notice.kind == "SEARCH_VOLUME" and notice.status == "OPEN"
    assert notice.details["highest_count"] == 5
    with pytest.raises(TooManyRequests, match="privacy officer"):
        search_people(store, dsl, Query.parse(name="Jo Patel"))
    with store.connect() as connection:
        refused = connection.execute(
            select(privacy_notice.c.details).where(privacy_notice.c.actor == user)
        ).scalar_one()
    assert refused["refused"] is True and refused["highest_count"] == 6
