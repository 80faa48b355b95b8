"""The MASH case (issue 21): a RAG rating that sets the due time from the partnership's
timescales, information requests to agencies answered by the agency asked (who sees the
question and the child's identifying details, nothing else of the case), a decision with an
outcome, and closure that withdraws what is unanswered. Overdue requests escalate as alerts.
Wrong roles, the wrong agency and an answer to a closed case are refused."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text

from joinedup.alerts.mash_requests import escalate_overdue_requests
from joinedup.config import alert_settings
from joinedup.errors import BadInput, Conflict, Forbidden
from joinedup.governance.audit.query import search as audit_search
from joinedup.governance.reader import Reader
from joinedup.services import mash
from joinedup.services.casework_actions import close_triage, open_triage
from joinedup.store.alert_tables import alert
from tests.support.casework import add_contact, child_known_to_social_care

REASON = "Contact from the school today about bruising on the child's arm"
QUESTION = "Is the family known to police for domestic abuse in the last year?"


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    agency: str


def mash_reader() -> Reader:
    return Reader.build(
        user_id=f"mash-{uuid.uuid4().hex[:6]}",
        role="MASH_PRACTITIONER",
        agency="social_care",
        purpose="MASH_TRIAGE",
    )


def opened_case(store: Engine, skip: int) -> tuple[Reader, str, int]:
    person, source = child_known_to_social_care(store, skip=skip)
    add_contact(store, source)
    reader = mash_reader()
    return reader, person, int(open_triage(store, reader, person, REASON)["case_id"])


POLICE = Account("police-officer-1", "POLICE_SAFEGUARDING_OFFICER", "police")
HEALTH = Account("health-lead-1", "HEALTH_SAFEGUARDING_LEAD", "health")


def test_a_case_from_contact_to_closed_outcome(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOINEDUP_MASH_TIMESCALES", "red=2h,amber=1d,green=3d")
    reader, person, case_id = opened_case(store, skip=40)
    rated = mash.rate_case(store, reader, case_id, "red")
    case = mash.mash_case(store, reader, case_id)
    assert rated["rag"] == case["rag"] == "RED"
    opened_at = datetime.fromisoformat(case["opened_at"])
    assert datetime.fromisoformat(case["due_at"]) - opened_at == timedelta(hours=2)
    police = mash.request_information(store, reader, case_id, "police", QUESTION)
    health = mash.request_information(
        store, reader, case_id, "health", "Has the child attended A&E with injuries lately?",
        due_hours=1,
    )  # fmt: skip

    # Each agency sees its own request only, with the question and who the child is.
    seen = mash.requests_to_my_agency(store, POLICE)
    mine = [r for r in seen if r["request_id"] == police]
    assert mine and all(r["request_id"] != health for r in seen)
    assert mine[0]["question"] == QUESTION and mine[0]["child"]["name"]
    assert mine[0]["child"]["date_of_birth"]
    assert not {"reason", "rag", "requests", "case_id", "agency"} & set(mine[0])
    with pytest.raises(Forbidden, match="another agency"):
        mash.answer_request(store, POLICE, health, "Nothing known to us at all here")

    mash.answer_request(store, POLICE, police, "Two domestic abuse incidents this year, DASH high")
    mash.answer_request(store, HEALTH, health, "Seen in A&E twice in October with bruising")
    with pytest.raises(Conflict, match="already been answered"):
        mash.answer_request(store, HEALTH, health, "Seen in A&E twice in October again")
    answered = mash.mash_case(store, reader, case_id)["requests"]
    assert [r["status"] for r in answered] == ["ANSWERED", "ANSWERED"]
    assert "DASH high" in answered[0]["answer"]

    home = mash.mash_home(store, reader)
    listed = next(c for c in home["open"] if c["case_id"] == case_id)
    assert listed["requests"] == {"open": 0, "answered": 2, "overdue": 0}
    closed = close_triage(store, reader, case_id, "POLICE_ACTION", "Police to investigate assault")
    assert closed["outcome"] == "POLICE_ACTION"
    with store.connect() as connection:
        kinds = [
            e.kind
            for e in audit_search(connection, subject=person)
            if e.kind.startswith(("MASH_", "TRIAGE_"))
        ]
    assert {"TRIAGE_OPENED", "MASH_RAG_SET", "MASH_REQUEST_SENT", "MASH_CASE_READ",
            "MASH_REQUEST_ANSWERED", "TRIAGE_CLOSED"} <= set(kinds)  # fmt: skip


def test_an_answer_to_a_closed_case_is_refused(store: Engine) -> None:
    reader, _person, case_id = opened_case(store, skip=41)
    request_id = mash.request_information(store, reader, case_id, "police", QUESTION)
    close_triage(store, reader, case_id, "NO_FURTHER_ACTION", "Known to early help already")
    assert mash.mash_case(store, reader, case_id)["requests"][0]["status"] == "WITHDRAWN"
    assert all(r["request_id"] != request_id for r in mash.requests_to_my_agency(store, POLICE))
    with pytest.raises(Conflict, match="closed this case"):
        mash.answer_request(store, POLICE, request_id, "Two incidents this year, both high")
    with pytest.raises(Conflict):
        mash.request_information(store, reader, case_id, "health", QUESTION)


def test_the_wrong_role_is_refused(store: Engine) -> None:
    reader, _person, case_id = opened_case(store, skip=42)
    request_id = mash.request_information(store, reader, case_id, "police", QUESTION)
    social_worker = Reader.build(
        user_id="sw-y", role="SOCIAL_WORKER", agency="social_care", purpose="EARLY_HELP"
    )
    for step in (
        lambda: mash.mash_case(store, social_worker, case_id),
        lambda: mash.rate_case(store, social_worker, case_id, "RED"),
        lambda: mash.request_information(store, social_worker, case_id, "police", QUESTION),
        lambda: mash.mash_home(store, social_worker),
    ):
        with pytest.raises(Forbidden):
            step()
    analyst = Account("analyst-1", "PARTNERSHIP_ANALYST", "police")
    with pytest.raises(Forbidden):
        mash.requests_to_my_agency(store, analyst)
    with pytest.raises(Forbidden):
        mash.answer_request(store, analyst, request_id, "Two incidents this year, both high")
    with pytest.raises(BadInput):
        mash.rate_case(store, reader, case_id, "PURPLE")
    with pytest.raises(BadInput):
        mash.request_information(store, reader, case_id, "the_council", QUESTION)


def test_an_overdue_request_escalates_once_as_an_alert(store: Engine) -> None:
    reader, person, case_id = opened_case(store, skip=43)
    request_id = mash.request_information(store, reader, case_id, "police", QUESTION, due_hours=1)
    later = datetime.now(UTC) + timedelta(hours=2)
    listed = mash.requests_to_my_agency(store, POLICE, now=later)
    assert next(r for r in listed if r["request_id"] == request_id)["overdue"]
    escalated = escalate_overdue_requests(store, alert_settings(), later)
    assert escalated >= 1
    assert escalate_overdue_requests(store, alert_settings(), later) == 0  # once
    with store.connect() as connection:
        raised = connection.execute(
            select(alert).where(
                alert.c.rule_id == "MASH_REQUEST_OVERDUE", alert.c.child_person_id == person
            )
        ).all()
        level = connection.execute(
            text("select level, escalated_at from mash_request where id = :i"), {"i": request_id}
        ).one()
    assert len(raised) == 1
    assert raised[0].recipient_agency in ("police", "social_care")
    assert f"request {request_id}" in raised[0].content["what_happened"]
    assert QUESTION not in str(raised[0].content)  # nothing of the case
    assert level.level == 1 and level.escalated_at is not None
    case = mash.mash_case(store, reader, case_id, now=later)
    assert case["requests"][0]["overdue"] and case["requests"][0]["escalated_at"]
