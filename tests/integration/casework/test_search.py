"""Search: fuzzy names, identifiers, audited, for roles that work with children only."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from joinedup.errors import BadInput, Forbidden
from joinedup.governance.audit.query import search as audit_search
from joinedup.governance.reader import Reader
from joinedup.governance.retention_actions import pseudonym_key
from joinedup.governance.trace import term_pseudonym
from joinedup.services.search import Query, search_people
from joinedup.store.tables import person_record

MASH = Reader.build(
    user_id="mash-search", role="MASH_PRACTITIONER", agency="social_care", purpose="MASH_TRIAGE"
)


def _someone(engine: Engine) -> tuple[str, str, str, str, str]:
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "select lr.person_id, pr.forenames, pr.surname, pr.date_of_birth, pr.nhs_number"
                " from person_record pr join linkage_record lr on lr.agency_id = pr.agency_id"
                " and lr.source_table = pr.source_table and lr.source_id = pr.source_id"
                " where pr.agency_id = 'health' and length(pr.surname) >= 5"
                " and pr.nhs_number is not null and pr.date_of_birth > :born_after"
                " order by pr.id limit 1"
            ),
            {"born_after": date.today() - timedelta(days=17 * 366)},  # a child: MASH may find
        ).one()
    return row[0], row[1], row[2], str(row[3]), row[4]


def test_finds_a_person_by_misspelt_name_and_by_nhs_number(store: Engine) -> None:
    person, forenames, surname, dob, nhs = _someone(store)
    misspelt = surname[:-2] + surname[-1] + surname[-2]  # last two letters swapped
    found = search_people(store, MASH, Query.parse(name=f"{forenames} {misspelt}"))
    assert person in [r["person_id"] for r in found["results"][:5]]
    exact = search_people(store, MASH, Query.parse(nhs_number=nhs))
    assert exact["results"][0]["person_id"] == person
    by_dob = search_people(store, MASH, Query.parse(name=surname, date_of_birth=dob))
    assert by_dob["results"][0]["person_id"] == person
    top = by_dob["results"][0]
    assert set(top) == {
        "person_id",
        "name",
        "date_of_birth",
        "postcode_district",
        "match_score",
        "link_confidence",
    }, "a search shows who the person is, and nothing of any agency's record"


def test_search_is_audited_with_its_results(store: Engine) -> None:
    person, _f, surname, dob, _nhs = _someone(store)
    search_people(store, MASH, Query.parse(name=surname, date_of_birth=dob))
    with store.connect() as connection:
        entry = audit_search(connection, kind="SEARCH", actor="mash-search")[-1]
        key = pseudonym_key(connection)
    # The log keeps the terms as keyed pseudonyms, never the name or the date itself.
    assert entry.details["query"]["name"] == [term_pseudonym(key, "name", surname)]
    assert entry.details["query"]["date_of_birth"] == term_pseudonym(key, "date_of_birth", dob)
    assert surname not in json.dumps(entry.details) and dob not in json.dumps(entry.details)
    assert person in entry.details["results"]


def test_roles_that_do_not_work_with_children_cannot_search(store: Engine) -> None:
    analyst = Reader.build(
        user_id="analyst",
        role="PARTNERSHIP_ANALYST",
        agency="social_care",
        purpose="STATUTORY_RETURN",
    )
    with pytest.raises(Forbidden):
        search_people(store, analyst, Query.parse(name="Jo Smith"))


@pytest.mark.parametrize(
    "terms",
    [
        {},
        {"date_of_birth": "31/02/2019"},
        {"nhs_number": "1234567890"},
        {"upn": "X1"},
        {"postcode": "NOT A POSTCODE"},
        {"name": "a"},
    ],
)
def test_bad_terms_are_refused_with_a_reason(terms: dict[str, str]) -> None:
    with pytest.raises(BadInput):
        Query.parse(**terms)


# SQLite only: PostgreSQL's planner rightly seq-scans a table as small as the test store's.
@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_after_linking_a_search_by_nhs_number_reads_by_index_not_by_scanning(
    store: Engine,
) -> None:
    """A search starts from the NHS number's index and finds each record's person through
    the linkage index, and the planner has statistics once people are linked. Before the
    index (and without statistics) SQLite scanned every linked record for every search (a
    tenth of a second on a 5,000-child store, more on larger ones)."""
    from joinedup.services.search import _candidates

    captured: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((statement, parameters))

    with store.connect() as connection:
        nhs = connection.execute(
            text("select nhs_number from person_record where nhs_number is not null limit 1")
        ).scalar_one()
        event.listen(connection, "before_cursor_execute", capture)
        assert _candidates(connection, Query.parse(nhs_number=nhs))
        event.remove(connection, "before_cursor_execute", capture)
        statement, parameters = captured[-1]
        plan = " ".join(
            str(row[-1])
            for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        )
    with store.connect() as connection:
        analysed = set(connection.exec_driver_sql("select tbl from sqlite_stat1").scalars())
    assert {"linkage_record", "person_record", "event"} <= analysed
    assert "SEARCH person_record USING INDEX ix_person_record_nhs" in plan, plan
    assert "SEARCH linkage_record USING INDEX" in plan, plan


def test_a_name_is_found_when_its_surname_stem_matches_more_records_than_the_limit(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A common surname's stem ('wil' on 100,000 children: 8,963 records) matches more
    records than the candidate limit; the nearest come first, so the person asked for is
    not cut off by the limit."""
    from joinedup.services import search

    with store.connect() as connection:
        stem, records = connection.execute(
            text(
                "select lower(substr(surname, 1, 3)) s, count(*) n from person_record"
                " where length(surname) >= 4 group by 1 order by 2 desc, 1 limit 1"
            )
        ).one()
        person, record_id, forenames, surname = connection.execute(
            text(
                "select lr.person_id, pr.id, pr.forenames, pr.surname from person_record pr"
                " join linkage_record lr on lr.agency_id = pr.agency_id"
                " and lr.source_table = pr.source_table and lr.source_id = pr.source_id"
                " where lower(substr(pr.surname, 1, 3)) = :stem and pr.forenames is not null"
                " and pr.date_of_birth > :born_after"  # a child: the MASH may find them
                " order by lower(pr.surname) desc, pr.id desc limit 1"  # last in index order
            ),
            {"stem": stem, "born_after": date.today() - timedelta(days=17 * 366)},
        ).one()
        before, ties = connection.execute(
            text(
                "select sum(case when lower(surname) < :surname or (lower(surname) = :surname"
                " and id < :id) then 1 else 0 end), sum(case when lower(surname) = :surname"
                " and lower(substr(forenames, 1, 1)) = :initial then 1 else 0 end)"
                " from person_record where lower(substr(surname, 1, 3)) = :stem"
            ),
            {
                "stem": stem,
                "surname": surname.lower(),
                "id": record_id,
                "initial": forenames[:1].lower(),
            },
        ).one()
    limit = max(3, int(ties))  # the nearest: same surname and initial (the person among them)
    assert records > limit and before >= limit  # in index order, the limit would cut them
    monkeypatch.setattr(search, "CANDIDATE_LIMIT", limit)
    query = Query.parse(name=f"{forenames} {surname}")
    with store.connect() as connection:
        kept = search._candidates(connection, query)
    assert len(kept) == limit
    assert (
        all(  # the limit kept the nearest: same surname, same initial
            (r.surname or "").lower() == surname.lower()
            and (r.forenames or "")[:1].lower() == forenames[:1].lower()
            for r in kept
        )
        or int(ties) < limit
    )
    found = search_people(store, MASH, query)
    assert person in [r["person_id"] for r in found["results"]]


def test_a_person_is_found_by_another_name_their_record_holds(store: Engine) -> None:
    """The candidate query reads other names as JSON text (most are '[]') and the score
    decodes them: a search by a recorded alias (a different forename, the same surname)
    finds the person as the full match, on both databases."""
    person, _forenames, surname, _dob, _nhs = _someone(store)
    alias = f"Quillan {surname}"
    with store.begin() as connection:
        record_id, before = connection.execute(
            text(
                "select pr.id, pr.other_names from person_record pr join linkage_record lr"
                " on lr.agency_id = pr.agency_id and lr.source_table = pr.source_table"
                " and lr.source_id = pr.source_id where lr.person_id = :p order by pr.id limit 1"
            ),
            {"p": person},
        ).one()
        connection.execute(
            person_record.update()
            .where(person_record.c.id == record_id)
            .values(other_names=[alias])
        )
    try:
        found = search_people(store, MASH, Query.parse(name=alias))["results"]
        assert found[0]["person_id"] == person
        assert found[0]["match_score"] == 1.0
    finally:
        with store.begin() as connection:
            connection.execute(
                person_record.update()
                .where(person_record.c.id == record_id)
                .values(other_names=before if isinstance(before, list) else json.loads(before))
            )
