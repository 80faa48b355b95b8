"""MASH triage cases with break glass's controls (issue 16, finding 3).

Before: any 20-character reason on ``POST /people/{id}/triage-cases`` opened 30 days of MASH
access to anyone, adults known only to adult mental health included; no check that a
contact or referral existed, no review, no end. Now a case answers a contact or referral
received about the child, its reason is checked for substance, it is due within one working
day, it is closed with an outcome, and the MASH's access ends when it closes.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text

from joinedup.errors import BadInput, Conflict, Forbidden
from joinedup.governance.audit.query import search as audit_search
from joinedup.governance.reader import Reader
from joinedup.governance.triage_cases import one_working_day_after
from joinedup.services.casework import single_view
from joinedup.services.casework_actions import close_triage, mash_cases, open_triage
from tests.support.casework import add_contact, child_known_to_social_care

REASON = "Contact from the school today about bruising on the child's arm"


def mash() -> Reader:
    return Reader.build(
        user_id=f"mash-{uuid.uuid4().hex[:6]}",
        role="MASH_PRACTITIONER",
        agency="health",
        purpose="MASH_TRIAGE",
    )


def test_no_case_without_a_contact_or_referral(store: Engine) -> None:
    person, _source = child_known_to_social_care(store, skip=10)
    with pytest.raises(Forbidden, match="break the glass"):
        open_triage(store, mash(), person, REASON)


def test_no_case_for_an_adult_known_only_to_adult_mental_health(store: Engine) -> None:
    with store.connect() as connection:
        adult = connection.execute(
            text(
                "select lr.person_id from linkage_record lr where lr.agency_id ="
                " 'adult_mental_health' and not exists (select 1 from linkage_record o where"
                " o.person_id = lr.person_id and o.agency_id <> 'adult_mental_health')"
                " order by 1 limit 1"
            )
        ).scalar()
    assert adult is not None
    with pytest.raises(Forbidden):
        open_triage(store, mash(), adult, REASON)
    assert not single_view(store, mash(), adult).access.allowed


@pytest.mark.parametrize(
    "reason",
    ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "test test test test test test", "1234567890 1234567890"],
)
def test_a_reason_that_says_nothing_is_refused(store: Engine, reason: str) -> None:
    person, source = child_known_to_social_care(store, skip=11)
    add_contact(store, source)
    with pytest.raises(BadInput):
        open_triage(store, mash(), person, reason)


def test_a_case_is_due_in_a_working_day_closed_with_an_outcome_and_access_ends(
    store: Engine,
) -> None:
    person, source = child_known_to_social_care(store, skip=12)
    practitioner = mash()
    assert not single_view(store, practitioner, person).access.allowed
    add_contact(store, source)
    # The contact alone puts the child on the MASH's list ...
    assert single_view(store, practitioner, person).access.allowed
    opened = open_triage(store, practitioner, person, REASON)
    with pytest.raises(Conflict):
        open_triage(store, practitioner, person, REASON)
    listed = {c["case_id"]: c for c in mash_cases(store, practitioner)}
    case = listed[opened["case_id"]]
    assert case["prompted_by"] == "CONTACT" and not case["overdue"]
    due = datetime.fromisoformat(case["due_at"])
    assert due.weekday() < 5 and due > datetime.fromisoformat(case["opened_at"])
    with pytest.raises(BadInput):
        close_triage(store, practitioner, opened["case_id"], "MAYBE", "We decided something")
    closed = close_triage(
        store, practitioner, opened["case_id"], "EARLY_HELP", "Family agreed to early help"
    )
    assert closed["within_timescale"] is True
    # ... and closing the case ends what the case and the contact opened.
    after = single_view(store, practitioner, person).as_dict()
    assert not after["access"]["allowed"]
    with store.connect() as connection:
        entry = audit_search(connection, kind="TRIAGE_CLOSED", subject=person)[-1]
    assert entry.details["outcome"] == "EARLY_HELP" and entry.details["within_timescale"]
    with pytest.raises(Conflict):
        close_triage(store, practitioner, opened["case_id"], "SECTION_47", "Changed our minds")


def test_only_the_mash_opens_and_closes_cases(store: Engine) -> None:
    person, source = child_known_to_social_care(store, skip=13)
    add_contact(store, source)
    worker = Reader.build(
        user_id="sw-x", role="SOCIAL_WORKER", agency="social_care", purpose="EARLY_HELP"
    )
    with pytest.raises(Forbidden):
        open_triage(store, worker, person, REASON)
    with pytest.raises(Forbidden):
        mash_cases(store, worker)


def test_a_working_day_skips_the_weekend() -> None:
    friday = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    assert one_working_day_after(friday).weekday() == 0  # Monday
    tuesday = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    assert one_working_day_after(tuesday).day == 9
