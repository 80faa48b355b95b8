"""Search that finds (issue 19, finding 5): a forename with a date of birth or a postcode,
accents folded as linkage folds them, British dates, and results a page at a time with how
many there are, each page counted and audited as a search."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, select, text

from joinedup.domain.names import folded_or_none
from joinedup.errors import BadInput
from joinedup.services import search
from joinedup.services.search import Query, search_people
from joinedup.store.tables import person_record
from tests.integration.casework.test_search import MASH


def _child(engine: Engine) -> tuple[str, int, str, str, date, str]:
    """(person id, record id, forenames, surname, date of birth, postcode) of a child with
    a health record (MASH practitioners may find any child)."""
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "select lr.person_id, pr.id, pr.forenames, pr.surname, pr.date_of_birth,"
                " pr.postcode from person_record pr join linkage_record lr"
                " on lr.agency_id = pr.agency_id and lr.source_table = pr.source_table"
                " and lr.source_id = pr.source_id where pr.agency_id = 'health'"
                " and length(pr.surname) >= 5 and pr.postcode is not null"
                " and pr.date_of_birth > :born_after order by pr.id limit 1"
            ),
            {"born_after": date.today() - timedelta(days=17 * 366)},
        ).one()
    born = row[4] if isinstance(row[4], date) else date.fromisoformat(str(row[4]))
    return row[0], row[1], row[2].split()[0], row[3], born, row[5]


def _found(engine: Engine, **terms: str) -> list[str]:
    return [r["person_id"] for r in search_people(engine, MASH, Query.parse(**terms))["results"]]


def test_ingest_keeps_each_surname_folded_for_search(store: Engine) -> None:
    with store.connect() as connection:
        rows = connection.execute(
            text("select surname, surname_folded from person_record where surname is not null")
        ).all()
    assert rows and all(folded == folded_or_none(surname) for surname, folded in rows)


def test_a_forename_with_a_date_of_birth_typed_the_british_way_finds_the_child(
    store: Engine,
) -> None:
    """Before: one name was taken as a surname, so a forename with a date of birth found
    nobody, and 3/2/2015 was refused as not YYYY-MM-DD."""
    person, _record, forename, _surname, born, _postcode = _child(store)
    assert person in _found(
        store, name=forename, date_of_birth=f"{born.day}/{born.month}/{born.year}"
    )
    assert person in _found(store, name=forename, date_of_birth=born.strftime("%d/%m/%Y"))
    assert person in _found(store, name=forename, date_of_birth=born.strftime("%-d %B %Y"))


def test_a_forename_with_a_postcode_finds_the_child(store: Engine) -> None:
    person, _record, forename, _surname, _born, postcode = _child(store)
    assert person in _found(store, name=forename, postcode=postcode.lower())


def test_wozniak_finds_wozniak_with_its_accent(store: Engine) -> None:
    """The surname as recorded has an accent the practitioner cannot type: before, the
    surname lookup compared 'woz' with 'woź' and never found the record."""
    person, record, forename, surname, born, _postcode = _child(store)
    with store.begin() as connection:
        connection.execute(
            person_record.update()
            .where(person_record.c.id == record)
            .values(surname="Woźniak", surname_folded=folded_or_none("Woźniak"))
        )
    try:
        assert person in _found(store, name=f"{forename} Wozniak")
        assert person in _found(store, name="WOZNIAK", date_of_birth=born.isoformat())
        assert person in _found(store, name=f"{forename.upper()} woźniak")
    finally:
        with store.begin() as connection:
            connection.execute(
                person_record.update()
                .where(person_record.c.id == record)
                .values(surname=surname, surname_folded=folded_or_none(surname))
            )


@pytest.mark.parametrize(
    ("recorded", "typed"),
    [("Zoë", "Zoe"), ("Zoe", "Zoë"), ("Zoe\u0308", "ZOE"), ("Зоя", "Zoya")],
)
def test_a_forename_is_found_with_or_without_its_accent_or_script(
    store: Engine, recorded: str, typed: str
) -> None:
    """Issue 20: one agency records "Zoë", another "Zoe"; a practitioner types either (or
    the name an agency recorded in Cyrillic, transliterated). Each finds the child, with a
    surname, a date of birth or a postcode."""
    person, record, _forename, surname, born, postcode = _child(store)
    with store.begin() as connection:
        forenames = connection.execute(
            select(person_record.c.forenames).where(person_record.c.id == record)
        ).scalar_one()
        connection.execute(
            person_record.update().where(person_record.c.id == record).values(forenames=recorded)
        )
    try:
        assert person in _found(store, name=f"{typed} {surname}")
        assert person in _found(store, name=typed, date_of_birth=born.isoformat())
        assert person in _found(store, name=typed, postcode=postcode)
    finally:
        with store.begin() as connection:
            connection.execute(
                person_record.update()
                .where(person_record.c.id == record)
                .values(forenames=forenames)
            )


@pytest.mark.parametrize(
    ("terms", "field", "message"),
    [
        ({"name": "Amy", "date_of_birth": "31/02/2015"}, "date_of_birth",
         "Date of birth must be a real date"),
        ({"name": "Amy", "date_of_birth": "soon"}, "date_of_birth",
         "Date of birth must be a date, for example 27/3/2015 or 27 March 2015"),
        ({"name": "Amy"}, "name", "A name alone finds too many people"),
        ({"name": "Amy Smith", "postcode": "nowhere"}, "postcode", "Postcode must be"),
        ({"upn": "X1"}, "upn", "UPN must be"),
    ],
)  # fmt: skip
def test_a_bad_term_is_named_with_a_sentence(
    terms: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(BadInput, match=f"^{message}") as refused:
        Query.parse(**terms)
    assert refused.value.field == field


def test_results_come_a_page_at_a_time_with_how_many_in_all(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: results stopped at 20 with no way to the rest. Each page is a search:
    audited with its own people and counted against the volume limit."""
    with store.connect() as connection:
        surname, postcode = connection.execute(
            text(
                "select pr.surname_folded, min(pr.postcode) from person_record pr"
                " join linkage_record lr on lr.agency_id = pr.agency_id"
                " and lr.source_table = pr.source_table and lr.source_id = pr.source_id"
                " where pr.date_of_birth > :born_after and pr.postcode is not null"
                " group by pr.surname_folded having count(distinct lr.person_id) >= 3"
                " order by count(distinct lr.person_id) desc, pr.surname_folded limit 1"
            ),
            {"born_after": date.today() - timedelta(days=17 * 366)},
        ).one()
        before = connection.execute(
            text("select count(*) from audit_entry where kind = 'SEARCH'")
        ).scalar_one()
    query = Query.parse(name=surname, postcode=postcode)
    monkeypatch.setattr(search, "PAGE_SIZE", 2)
    one = search_people(store, MASH, query, page=1)
    two = search_people(store, MASH, query, page=2)
    assert one["total"] == two["total"] >= 3
    assert one["pages"] == two["pages"] == -(-one["total"] // 2)
    assert len(one["results"]) == 2 and two["results"]
    assert not {r["person_id"] for r in one["results"]} & {r["person_id"] for r in two["results"]}
    assert one["truncated"] and two["truncated"] == (two["total"] > 4)
    with store.connect() as connection:
        audited = (
            connection.execute(
                text("select details from audit_entry where kind = 'SEARCH' order by seq")
            )
            .scalars()
            .all()[before:]
        )
    counts = [len(d["results"] if isinstance(d, dict) else _json(d)["results"]) for d in audited]
    assert counts == [2, len(two["results"])]
    with pytest.raises(BadInput):
        search_people(store, MASH, query, page=search.MAX_PAGE + 1)


def _json(value: str) -> dict[str, list[str]]:
    import json

    return dict(json.loads(value))
