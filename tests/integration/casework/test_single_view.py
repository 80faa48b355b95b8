"""The single view: what a reader sees of a child is exactly what the decision allows, the
access is audited, and break glass and MASH triage open it the governed way."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, text

from joinedup.errors import BadInput, Forbidden, NotFound
from joinedup.governance.audit.query import search as audit_search
from joinedup.governance.data_map import event_field
from joinedup.governance.reader import Reader
from joinedup.services.casework import single_view
from joinedup.services.casework_actions import break_glass, open_triage, record_concern
from joinedup.store.governance_tables import access_review_task
from joinedup.store.tables import outbox
from tests.integration.casework.conftest import lead_involvement
from tests.support.casework import add_contact, child_known_to_social_care


def social_worker(
    key: str, team: str | None, purpose: str = "LEAD_PRACTITIONER_CASEWORK"
) -> Reader:
    return Reader.build(
        user_id=f"sw-{key}",
        role="SOCIAL_WORKER",
        agency="social_care",
        purpose=purpose,
        practitioner_key=key,
        team=team,
    )


def stranger(purpose: str = "CHILD_PROTECTION_ENQUIRY") -> Reader:
    return Reader.build(
        user_id="officer-no-relationship",
        role="POLICE_SAFEGUARDING_OFFICER",
        agency="police",
        purpose=purpose,
        practitioner_key="nobody@police.example",
    )


def _stored_fields(engine: Engine, person_id: str) -> set[str]:
    """The catalogue fields the store holds events under for the person (the oracle)."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "select e.agency_id, e.source_table, e.event_type, e.codes from event e"
                " join linkage_record lr on lr.agency_id = e.agency_id"
                " and lr.source_id = e.person_source_id where lr.person_id = :p"
            ),
            {"p": person_id},
        ).all()
    import json

    fields = set()
    for agency, table, event_type, codes in rows:
        codes = json.loads(codes) if isinstance(codes, str) else codes
        name = event_field(agency, table, event_type, codes)
        if name:
            fields.add(name)
    return fields


def test_involved_social_worker_sees_the_child_across_agencies(store: Engine) -> None:
    person, key, team = lead_involvement(store, "social_care", with_agency_events="health")
    view = single_view(store, social_worker(key, team), person).as_dict()
    assert view["access"]["allowed"]
    assert "INVOLVED" in view["access"]["relationships"]
    agencies = {i["agency"] for i in view["identities"]}
    assert "social_care" in agencies
    assert view["timeline"], "a child with an open social care involvement has events"
    assert any(e["agency"] == "health" for e in view["timeline"]), "health shares encounters"
    assert any(p["agency"] == "social_care" for p in view["lead_practitioners"])
    with store.connect() as connection:
        entries = audit_search(connection, kind="ACCESS", subject=person)
    assert entries and entries[-1].actor == f"sw-{key}"
    assert set(entries[-1].details["allowed"]) == set(view["access"]["fields_shown"])


def test_denied_fields_are_absent_not_blank(store: Engine) -> None:
    person, key, team = lead_involvement(store, "social_care", with_agency_events="police")
    view = single_view(store, social_worker(key, team), person).as_dict()
    shown = set(view["access"]["fields_shown"])
    stored = _stored_fields(store, person)
    denied_with_content = stored - shown
    assert denied_with_content, "the oracle needs a field this reader may not see"
    assert all(e["field"] in shown for e in view["timeline"])
    assert not {e["field"] for e in view["timeline"]} & denied_with_content
    for identity in view["identities"]:
        assert f"{identity['agency']}.identity" in shown
    withheld = {w["agency"] for w in view["withheld"]}
    assert {f.split(".")[0] for f in denied_with_content} <= withheld
    # Nothing of a withheld agency's events leaks through the statuses either.
    for status in view["statuses"]:
        assert status["agency"] not in withheld or any(
            e["agency"] == status["agency"] for e in view["timeline"]
        )


def test_no_relationship_shows_nothing_and_says_not_which_agencies(store: Engine) -> None:
    person, _key, _team = lead_involvement(store, "social_care")
    view = single_view(store, stranger(), person).as_dict()
    assert not view["access"]["allowed"]
    assert view["identities"] == [] and view["timeline"] == [] and view["family"] == []
    assert view["lead_practitioners"] == [] and view["statuses"] == []
    assert view["withheld"] == []
    assert view["options"]["can_break_glass"]


def test_break_glass_opens_the_record_and_queues_a_review(store: Engine) -> None:
    person, _key, _team = lead_involvement(store, "health")
    reader = Reader.build(
        user_id="officer-bg",
        role="POLICE_SAFEGUARDING_OFFICER",
        agency="police",
        purpose="CHILD_PROTECTION_ENQUIRY",
    )
    assert not single_view(store, reader, person).access.allowed
    with pytest.raises(BadInput):
        break_glass(store, reader, person, "urgent")
    grant = break_glass(
        store, reader, person, "Child found alone at an address after a reported assault tonight"
    )
    view = single_view(store, reader, person).as_dict()
    assert view["access"]["allowed"] and view["access"]["emergency"]
    assert view["identities"]
    with store.connect() as connection:
        task = connection.execute(
            select(access_review_task).where(access_review_task.c.id == grant["review_task_id"])
        ).one()
    assert task.status == "OPEN"


def test_break_glass_is_refused_for_a_purpose_that_is_not_safeguarding(store: Engine) -> None:
    person, _key, _team = lead_involvement(store, "health")
    reader = Reader.build(
        user_id="dsl-bg", role="SCHOOL_DSL", agency="education", purpose="EARLY_HELP"
    )
    with pytest.raises(Forbidden):
        break_glass(store, reader, person, "I would like to see this child's whole record now")


def test_mash_triage_case_gives_the_mash_a_relationship(store: Engine) -> None:
    person, source_id = child_known_to_social_care(store, skip=3)
    mash = Reader.build(
        user_id="mash-1", role="MASH_PRACTITIONER", agency="social_care", purpose="MASH_TRIAGE"
    )
    before = single_view(store, mash, person).as_dict()
    assert not before["access"]["allowed"], "pick a child with no recent contact"
    assert not before["options"]["can_open_triage"], "no contact: nothing to triage"
    with pytest.raises(BadInput):
        open_triage(store, mash, person, "because")
    add_contact(store, source_id)
    contacted = single_view(store, mash, person).as_dict()
    assert contacted["options"]["can_open_triage"] and contacted["triage_case"] is None
    open_triage(store, mash, person, "Contact from the school today about bruising on the arm")
    after = single_view(store, mash, person).as_dict()
    assert after["triage_case"]["prompted_by"] == "CONTACT"
    assert not after["options"]["can_open_triage"]
    assert after["access"]["allowed"]
    assert "MASH_TRIAGE" in after["access"]["relationships"]
    with pytest.raises(Forbidden):
        open_triage(store, stranger(), person, "Contact from the school today about bruising")


def test_unknown_person_is_not_found(store: Engine) -> None:
    with pytest.raises(NotFound):
        single_view(store, stranger(), "P-DOES-NOT-EXIST")


def test_a_concern_goes_to_the_lead_practitioners_and_the_audit_log(store: Engine) -> None:
    person, key, team = lead_involvement(store, "social_care")
    reader = social_worker(key, team)
    result = record_concern(store, reader, person, "Mother reports the child has not eaten today")
    assert any(r["agency"] == "social_care" for r in result["routed_to"])
    with store.connect() as connection:
        events = (
            connection.execute(
                select(outbox.c.payload).where(outbox.c.event_type == "ConcernRecorded")
            )
            .scalars()
            .all()
        )
        entries = audit_search(connection, kind="CONCERN_RECORDED", subject=person)
    assert any(e["concern_id"] == result["concern_id"] and key in e["recipients"] for e in events)
    assert entries and entries[-1].seq == result["audit_seq"]
    with pytest.raises(Forbidden):
        record_concern(store, stranger(), person, "A concern from someone with no relationship")
    with pytest.raises(BadInput):
        record_concern(store, reader, person, "short")
