"""The family in the child's single view (issue 21): a parent's records are shown as the
agreements allow for the purpose, each adult decided and audited on its own, under the
reader's relationship with the child."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, text

from joinedup.governance.audit.query import search as audit_search
from joinedup.governance.reader import Reader
from joinedup.services.casework import single_view
from joinedup.services.family_view import FAMILY_ITEMS


def _child_with_abusive_adult(engine: Engine) -> tuple[str, str, str | None, str]:
    """(child, social worker key, team, adult) of a child with an open social care
    involvement living with an adult who has a police domestic abuse incident."""
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "select lr.person_id, i.practitioner_key, p.team, hm2.person_id"
                " from involvement i"
                " join linkage_record lr on lr.agency_id = i.agency_id"
                " and lr.source_id = i.person_source_id"
                " left join practitioner p on p.agency_id = i.agency_id"
                " and p.practitioner_key = i.practitioner_key"
                " join linkage_household_member hm on hm.person_id = lr.person_id"
                " join linkage_household_member hm2 on hm2.household_id = hm.household_id"
                " and hm2.person_id <> hm.person_id"
                " join linkage_record a on a.person_id = hm2.person_id"
                " and a.agency_id = 'police'"
                " join person_record apr on apr.agency_id = 'police'"
                " and apr.source_table = a.source_table and apr.source_id = a.source_id"
                " and apr.date_of_birth < :adult"
                " join event e on e.agency_id = 'police' and e.person_source_id = a.source_id"
                " and e.event_type = 'DOMESTIC_ABUSE'"
                " where i.agency_id = 'social_care' and i.end_date is null"
                " and hm.to_date is null and hm2.to_date is null"
                " order by lr.person_id, hm2.person_id limit 1"
            ),
            {"adult": date(date.today().year - 25, 1, 1)},
        ).first()
    if row is None:
        pytest.fail("the test partnership has no child living with an adult known for abuse")
    return str(row[0]), str(row[1]), row[2], str(row[3])


def _social_worker(key: str, team: str | None, purpose: str) -> Reader:
    return Reader.build(
        user_id=f"sw-{key}",
        role="SOCIAL_WORKER",
        agency="social_care",
        purpose=purpose,
        practitioner_key=key,
        team=team,
    )


def _member(view: dict, person_id: str) -> dict:
    found = [m for m in view["family"] if m["person_id"] == person_id]
    assert found, "the adult is in the child's family list"
    return found[0]


def test_a_parents_domestic_abuse_is_shown_under_a_s47_enquiry_not_early_help(
    store: Engine,
) -> None:
    child, key, team, adult = _child_with_abusive_adult(store)
    s47 = single_view(store, _social_worker(key, team, "CHILD_PROTECTION_ENQUIRY"), child)
    member = _member(s47.as_dict(), adult)
    assert member["role"] in ("PARENT_OR_CARER", "OTHER_ADULT")
    items = {r["field"]: r for r in member["records"]}
    assert "police.domestic_abuse" in items
    assert items["police.domestic_abuse"]["entries"], "the incidents themselves are shown"
    assert set(items) <= set(FAMILY_ITEMS)

    early = single_view(store, _social_worker(key, team, "EARLY_HELP"), child).as_dict()
    assert early["access"]["allowed"]
    for member in early["family"]:
        assert member["records"] == [], "early help shares nothing of the adults"
    assert "DOMESTIC_ABUSE" not in str(early["family"]).upper()


def test_each_adult_is_decided_and_audited_with_the_purpose_and_the_child(store: Engine) -> None:
    child, key, team, adult = _child_with_abusive_adult(store)
    single_view(store, _social_worker(key, team, "CHILD_PROTECTION_ENQUIRY"), child)
    with store.connect() as connection:
        entries = audit_search(connection, kind="ACCESS", subject=adult)
    mine = [e for e in entries if e.actor == f"sw-{key}"]
    assert mine, "the adult's record was read: the audit log names them"
    last = mine[-1]
    assert last.purpose == "CHILD_PROTECTION_ENQUIRY"
    assert last.details["family_of"] == child
    assert set(last.details["requested"]) == set(FAMILY_ITEMS)
    assert "police.domestic_abuse" in last.details["allowed"]


def test_a_reader_with_no_relationship_to_the_child_sees_no_adult(store: Engine) -> None:
    child, _key, _team, adult = _child_with_abusive_adult(store)
    stranger = Reader.build(
        user_id="sw-stranger",
        role="SOCIAL_WORKER",
        agency="social_care",
        purpose="CHILD_PROTECTION_ENQUIRY",
        practitioner_key="nobody@social-care.example",
    )
    view = single_view(store, stranger, child).as_dict()
    assert view["family"] == []
    with store.connect() as connection:
        entries = audit_search(connection, kind="ACCESS", subject=adult)
    assert not [e for e in entries if e.actor == "sw-stranger"]
