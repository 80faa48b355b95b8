"""The police safeguarding officer is the police's seat in the MASH (issue 21): under MASH
triage they open a child on the MASH's list without breaking the glass, and no other child."""

from __future__ import annotations

from sqlalchemy import Engine

from joinedup.governance.reader import Reader
from joinedup.services.casework import single_view
from tests.support.casework import add_contact, child_known_to_social_care

OFFICER = Reader.build(
    user_id="officer-in-mash",
    role="POLICE_SAFEGUARDING_OFFICER",
    agency="police",
    purpose="MASH_TRIAGE",
    practitioner_key="public.protection@police.example",
    team="Public Protection Unit",
)


def test_the_officer_opens_a_child_on_the_mash_list_without_break_glass(store: Engine) -> None:
    person, source = child_known_to_social_care(store, skip=7)
    before = single_view(store, OFFICER, person).as_dict()
    assert not before["access"]["allowed"], "not on the MASH's list: nothing"
    assert before["options"]["can_break_glass"]
    add_contact(store, source)
    view = single_view(store, OFFICER, person).as_dict()
    assert view["access"]["allowed"] and not view["access"]["emergency"]
    assert view["access"]["relationships"] == ["MASH_TRIAGE"]
    assert "social_care.identity" in view["access"]["fields_shown"]
    assert any(i["agency"] == "social_care" for i in view["identities"])
    assert not view["options"]["can_open_triage"], "the MASH practitioner opens the case"


def test_the_mash_list_is_open_to_the_officer_only_under_mash_triage(store: Engine) -> None:
    """The officer's seat in the MASH is taken by declaring MASH triage: the same officer
    declaring a section 47 enquiry, with no involvement of their own, reads nothing of a child
    who is on the MASH's list (found: every police officer read the whole list under s47)."""
    person, source = child_known_to_social_care(store, skip=9)
    add_contact(store, source)
    assert single_view(store, OFFICER, person).as_dict()["access"]["allowed"]
    enquiry = Reader.build(
        user_id="officer-in-mash",
        role="POLICE_SAFEGUARDING_OFFICER",
        agency="police",
        purpose="CHILD_PROTECTION_ENQUIRY",
        practitioner_key="public.protection@police.example",
        team="Public Protection Unit",
    )
    view = single_view(store, enquiry, person).as_dict()
    assert not view["access"]["allowed"] and view["identities"] == []
