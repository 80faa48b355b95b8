"""Smaller leaks of the same kind (issue 16, finding 5), on SQLite and PostgreSQL.

- ``agencies_linked`` told a reader refused everything how many agencies know the person;
- household members' dates of birth and ids appeared when the reader may see no identity
  data for them;
- review-item reads had no subject.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from sqlalchemy import Engine, select, text

from joinedup.governance.reader import Reader
from joinedup.services import oversight
from joinedup.services.casework import single_view
from joinedup.store.audit_tables import audit_entry
from joinedup.store.linkage_tables import linkage_record, linkage_review
from tests.integration.casework.conftest import lead_involvement


def test_a_reader_shown_nothing_is_not_told_how_many_agencies_know_the_person(
    store: Engine,
) -> None:
    person, _key, _team = lead_involvement(store, "social_care", with_agency_events="police")
    stranger = Reader.build(
        user_id="dsl-x", role="SCHOOL_DSL", agency="education", purpose="EARLY_HELP"
    )
    view = single_view(store, stranger, person).as_dict()
    assert not view["access"]["allowed"]
    assert view["agencies_linked"] == 0 and view["withheld"] == [] and view["family"] == []


def test_family_members_are_shown_only_from_records_the_reader_may_see(store: Engine) -> None:
    person, key, team = lead_involvement(store, "social_care")
    worker = Reader.build(
        user_id="sw-fam", role="SOCIAL_WORKER", agency="social_care",
        purpose="LEAD_PRACTITIONER_CASEWORK", team=team, practitioner_key=key,
    )  # fmt: skip
    view = single_view(store, worker, person).as_dict()
    allowed = set(view["access"]["fields_shown"])
    visible_agencies = {f.split(".")[0] for f in allowed if f.endswith(".identity")}
    with store.connect() as connection:
        for member in view["family"]:
            records = connection.execute(
                text(
                    "select pr.agency_id, pr.date_of_birth from linkage_record lr join"
                    " person_record pr on pr.agency_id = lr.agency_id and pr.source_table ="
                    " lr.source_table and pr.source_id = lr.source_id where lr.person_id = :p"
                ),
                {"p": member["person_id"]},
            ).all()
            shown_from = [r for r in records if r.agency_id in visible_agencies]
            assert shown_from, f"{member['person_id']} is known only to agencies withheld"
            if member["date_of_birth"]:
                assert member["date_of_birth"] in {str(r.date_of_birth) for r in shown_from}, (
                    "a member's date of birth comes from a record the reader may see"
                )
            if "POLICE_INCIDENT" in member["evidence"]:
                assert "police.incident_roles" in allowed


def test_reading_a_clerical_review_item_names_whom_it_is_about(store: Engine) -> None:
    with store.connect() as connection:
        item = connection.execute(select(linkage_review.c.id).limit(1)).scalar()
    if item is None:  # the test partnership had no uncertain pair: make one
        with store.begin() as connection:
            keys = connection.execute(
                select(linkage_record.c.record_key).order_by(linkage_record.c.record_key).limit(2)
            ).scalars().all()  # fmt: skip
            item = connection.execute(
                linkage_review.insert()
                .values(
                    record_key_l=keys[0], record_key_r=keys[1], match_weight=1.0,
                    match_probability=0.5, evidence=[], status="OPEN",
                    created_at=datetime.now(UTC),
                )
                .returning(linkage_review.c.id)
            ).scalar_one()  # fmt: skip
    steward = SimpleNamespace(username="steward-x", role="PARTNERSHIP_ANALYST")
    found = oversight.review_item(store, steward, item)
    with store.connect() as connection:
        entry = connection.execute(
            select(audit_entry.c.subject, audit_entry.c.details)
            .where(audit_entry.c.kind == "LINK_REVIEW_ITEM_READ")
            .order_by(audit_entry.c.seq.desc())
        ).first()
        people = set(
            connection.execute(
                select(linkage_record.c.person_id).where(
                    linkage_record.c.record_key.in_([found["record_key_l"], found["record_key_r"]])
                )
            ).scalars()
        )
    assert entry.subject in people and set(entry.details["people"]) == people
