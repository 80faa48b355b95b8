"""The MASH case from contact to closed outcome (issue 21), each step one governed, audited
unit of work: the MASH's home (its open cases, the soonest due first), a case with its
requests and answers, its RAG rating, its information requests to agencies, and the asked
agency's view of and answer to a request. Opening and closing a case are
``services.casework_actions`` (``open_triage``, ``close_triage``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from joinedup.governance import mash_cases, triage_cases, uses
from joinedup.governance.mash_cases import Answerer
from joinedup.governance.reader import Reader


def mash_home(engine: Engine, reader: Reader, *, now: datetime | None = None) -> dict[str, Any]:
    """The MASH's open cases by due time, each with its RAG rating and its requests' counts,
    and the cases it closed most recently."""
    uses.TRIAGE_CASE.check(reader)
    now = now or datetime.now(UTC)
    with engine.begin() as connection:
        open_cases = triage_cases.cases(connection, reader, status="OPEN", now=now)
        closed = triage_cases.cases(connection, reader, status="CLOSED", now=now)[:20]
        counts = mash_cases.request_counts(connection, [c["case_id"] for c in open_cases], now)
    for case in open_cases:
        case["requests"] = counts[case["case_id"]]
    return {"open": open_cases, "closed": closed}


def mash_case(
    engine: Engine, reader: Reader, case_id: int, *, now: datetime | None = None
) -> dict[str, Any]:
    """One case with its requests and their answers (the MASH's)."""
    uses.TRIAGE_CASE.check(reader)
    with engine.begin() as connection:
        return mash_cases.case_detail(connection, reader, case_id, now or datetime.now(UTC))


def rate_case(
    engine: Engine, reader: Reader, case_id: int, rag: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """Set the case's RAG rating (and so its due time)."""
    uses.TRIAGE_CASE.check(reader)
    with engine.begin() as connection:
        return mash_cases.set_rag(connection, reader, case_id, rag, now or datetime.now(UTC))


def request_information(
    engine: Engine,
    reader: Reader,
    case_id: int,
    agency: str,
    question: str,
    *,
    due_hours: int | None = None,
    now: datetime | None = None,
) -> int:
    """Ask an agency a question for the case; returns the request's id."""
    uses.TRIAGE_CASE.check(reader)
    with engine.begin() as connection:
        return mash_cases.send_request(
            connection, reader, case_id, agency, question, due_hours, now or datetime.now(UTC)
        )


def requests_to_my_agency(
    engine: Engine, account: Answerer, *, include_done: bool = False, now: datetime | None = None
) -> list[dict[str, Any]]:
    """The MASH's requests to the account's agency (the question and the child's
    identifying details only)."""
    uses.MASH_REQUESTS.check_role(account)
    with engine.begin() as connection:
        return mash_cases.agency_requests(
            connection, account, now or datetime.now(UTC), include_done=include_done
        )


def request_to_my_agency(
    engine: Engine, account: Answerer, request_id: int, *, now: datetime | None = None
) -> dict[str, Any]:
    uses.MASH_REQUESTS.check_role(account)
    with engine.begin() as connection:
        return mash_cases.agency_request(connection, account, request_id, now or datetime.now(UTC))


def answer_request(
    engine: Engine, account: Answerer, request_id: int, answer: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """Record the agency's answer to the MASH's request."""
    uses.MASH_REQUESTS.check_role(account)
    with engine.begin() as connection:
        return mash_cases.answer_request(
            connection, account, request_id, answer, now or datetime.now(UTC)
        )
