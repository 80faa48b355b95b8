"""The family in the child's single view (issue 21): a parent's records are shown as the
agreements allow for the purpose, each adult decided and audited on its own, under the
reader's relationship with the child."""

from __future__ import annotations

import json
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


@pytest.mark.parametrize("kind", ["witness_protection", "adoption"])
def test_a_sealed_family_member_is_not_named_in_the_childs_view(store: Engine, kind: str) -> None:
    """Red team: the family list named each member from their record directly, so an adult
    under witness protection appeared by name and date of birth in a child's view. A sealed
    member's record opens only through their own decision (which the seal closes): they are
    not listed, as a member known only to agencies the reader may not see is not."""
    child, key, team, adult = _child_with_abusive_adult(store)
    reader = _social_worker(key, team, "CHILD_PROTECTION_ENQUIRY")
    _member(single_view(store, reader, child).as_dict(), adult)  # listed while unsealed
    with store.begin() as c:
        kept = c.execute(
            text(
                "select pr.id, pr.attributes from person_record pr join linkage_record lr"
                " on lr.agency_id = pr.agency_id and lr.source_table = pr.source_table"
                " and lr.source_id = pr.source_id where lr.person_id = :adult"
            ),
            {"adult": adult},
        ).all()
        c.execute(
            text(
                "update person_record set attributes = :sealed where id in (select pr.id"
                " from person_record pr join linkage_record lr on lr.agency_id = pr.agency_id"
                " and lr.source_table = pr.source_table and lr.source_id = pr.source_id"
                " where lr.person_id = :adult)"
            ),
            {"sealed": f'{{"sealed": "{kind}"}}', "adult": adult},
        )
        names = c.execute(
            text(
                "select pr.forenames, pr.surname from person_record pr join linkage_record lr"
                " on lr.agency_id = pr.agency_id and lr.source_table = pr.source_table"
                " and lr.source_id = pr.source_id where lr.person_id = :adult"
            ),
            {"adult": adult},
        ).all()
    try:
        view = single_view(store, reader, child).as_dict()
    finally:  # the store is shared by the module's tests
        with store.begin() as c:
            for row_id, attributes in kept:
                c.execute(
                    text("update person_record set attributes = :a where id = :id"),
                    {"a": attributes if isinstance(attributes, str) else json.dumps(attributes),
                     "id": row_id},
                )  # fmt: skip
    assert adult not in {m["person_id"] for m in view["family"]}
    shown = repr(view["family"])
    for forenames, surname in names:
        assert f"{forenames} {surname}" not in shown
