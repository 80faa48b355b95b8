"""The MASH case's own work (issue 21): its RAG rating, which sets when its decision is due
from the partnership's timescales (``JOINEDUP_MASH_TIMESCALES``), and its information requests
to agencies, each with a question, a due time and, in time, the agency's answer.

The MASH (role MASH practitioner, purpose MASH triage) rates a case, asks agencies and reads
their answers. A practitioner of the agency asked sees the request and only what they need to
answer it: the question, when it is due, and the child's identifying details (from their own
agency's record of the child when it holds one, else the name and date of birth the contact
gave); never the case's reason, rating, other requests or answers. They answer while the case
is open; a closed case's requests are withdrawn and cannot be answered. Every step is audited.
The triage case itself (opening, deciding and closing) is ``governance.triage_cases``.

Store-aware (takes a Connection the caller owns), no web framework.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, func, insert, select, update

from joinedup.config import settings
from joinedup.config.mash import RAGS
from joinedup.domain.agencies import AGENCIES, AgencyId
from joinedup.errors import BadInput, Conflict, Forbidden, NotFound
from joinedup.governance import triage_cases, uses
from joinedup.governance.audit import append
from joinedup.governance.justification import check_substance
from joinedup.governance.reader import Reader
from joinedup.governance.subjects import subject
from joinedup.store.casework_tables import mash_request, triage_case
from joinedup.store.tables import person_record

RAG_WORDS = {"RED": "Red", "AMBER": "Amber", "GREEN": "Green"}
# The agencies the MASH may ask: every partner agency (social care is the MASH's own
# record, but its duty team may still be asked what the case file holds).
ASKED = tuple(a.value for a in AgencyId)
MAX_QUESTION = 2_000
MAX_ANSWER = 4_000
MAX_DUE_HOURS = 24 * 14


class Answerer(Protocol):
    """Who answers a request: an account of the agency asked (no declared purpose)."""

    @property
    def username(self) -> str: ...

    @property
    def role(self) -> str: ...

    @property
    def agency(self) -> str: ...


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else _aware(moment).isoformat()


def _case(connection: Connection, case_id: int) -> Any:
    row = connection.execute(select(triage_case).where(triage_case.c.id == case_id)).first()
    if row is None:
        raise NotFound(f"no MASH case {case_id}")
    return row


def _open_case(connection: Connection, case_id: int) -> Any:
    row = _case(connection, case_id)
    if row.closed_at is not None:
        raise Conflict(f"MASH case {case_id} is closed")
    return row


def _audit(
    connection: Connection, reader: Reader, kind: str, person_id: str | None, now: datetime,
    **details: Any,
) -> None:  # fmt: skip
    append(
        connection,
        kind=kind,
        actor=reader.user_id,
        actor_role=reader.role.value,
        purpose=reader.purpose.value,
        subject=person_id,
        details=details,
        recorded_at=now,
    )


def set_rag(
    connection: Connection, reader: Reader, case_id: int, rag: str, now: datetime
) -> dict[str, Any]:
    """Rate an open case; its decision is due the rating's timescale after it opened."""
    uses.TRIAGE_CASE.check(reader)
    rag = rag.strip().upper()
    if rag not in RAGS:
        raise BadInput("Select the case's RAG rating: red, amber or green", field="rag")
    row = _open_case(connection, case_id)
    due = _aware(row.opened_at) + settings().mash.timescale(rag)
    connection.execute(
        update(triage_case)
        .where(triage_case.c.id == case_id)
        .values(rag=rag, rag_set_by=reader.user_id, rag_set_at=now, due_at=due)
    )
    _audit(connection, reader, "MASH_RAG_SET", row.person_id, now, case_id=case_id, rag=rag,
           previous=row.rag, due_at=due.isoformat())  # fmt: skip
    return {"case_id": case_id, "rag": rag, "due_at": due.isoformat()}


def send_request(
    connection: Connection,
    reader: Reader,
    case_id: int,
    agency: str,
    question: str,
    due_hours: int | None,
    now: datetime,
) -> int:
    """Ask an agency a question about the case's child, due in ``due_hours`` (by default when
    the case's decision is due). Returns the request's id."""
    uses.TRIAGE_CASE.check(reader)
    agency = agency.strip().lower()
    if agency not in ASKED:
        raise BadInput("Select the agency to ask", field="agency")
    text = check_substance(
        question, what="ask the agency what the MASH needs to know", field="question",
        min_chars=15, min_words=4,
    )  # fmt: skip
    if len(text) > MAX_QUESTION:
        raise BadInput(f"the question is at most {MAX_QUESTION:,} characters", field="question")
    if due_hours is not None and not 1 <= due_hours <= MAX_DUE_HOURS:
        raise BadInput(f"the answer is due in 1 to {MAX_DUE_HOURS} hours", field="due_hours")
    row = _open_case(connection, case_id)
    case_due = _aware(row.due_at) if row.due_at else now + timedelta(days=1)
    due = now + timedelta(hours=due_hours) if due_hours is not None else case_due
    if due <= now:  # the case is already overdue: the agency still gets a working hour
        due = now + timedelta(hours=1)
    key = connection.execute(
        insert(mash_request).values(
            case_id=case_id, person_id=row.person_id, agency=agency, question=text,
            requested_by=reader.user_id, requested_at=now, due_at=due, status="OPEN", level=0,
        )
    ).inserted_primary_key  # fmt: skip
    assert key is not None
    request_id = int(key[0])
    _audit(connection, reader, "MASH_REQUEST_SENT", row.person_id, now, case_id=case_id,
           request_id=request_id, agency=agency, due_at=due.isoformat())  # fmt: skip
    return request_id


def _request_summary(row: Any, now: datetime) -> dict[str, Any]:
    due = _aware(row.due_at)
    return {
        "request_id": int(row.id),
        "case_id": int(row.case_id),
        "agency": row.agency,
        "agency_name": AGENCIES[AgencyId(row.agency)].name,
        "question": row.question,
        "requested_at": _iso(row.requested_at),
        "due_at": due.isoformat(),
        "status": row.status,
        "overdue": row.status == "OPEN" and now > due,
        "escalated_at": _iso(row.escalated_at),
        "answer": row.answer,
        "answered_by": row.answered_by,
        "answered_at": _iso(row.answered_at),
    }


def case_detail(
    connection: Connection, reader: Reader, case_id: int, now: datetime
) -> dict[str, Any]:
    """A case for the MASH: its summary, reason, decision and every request with its answer
    (audited as a read of the case)."""
    uses.TRIAGE_CASE.check(reader)
    row = _case(connection, case_id)
    requests = connection.execute(
        select(mash_request).where(mash_request.c.case_id == case_id).order_by(mash_request.c.id)
    ).all()
    _audit(connection, reader, "MASH_CASE_READ", row.person_id, now, case_id=case_id)
    return {
        **triage_cases.case_summary(row, now),
        "reason": row.reason,
        "closed_by": row.closed_by,
        "closing_reason": row.closing_reason,
        "requests": [_request_summary(r, now) for r in requests],
    }


def request_counts(connection: Connection, case_ids: list[int], now: datetime) -> dict[int, Any]:
    """Per case: its requests still open, answered, and open past their due time."""
    out: dict[int, dict[str, int]] = {i: {"open": 0, "answered": 0, "overdue": 0} for i in case_ids}
    if not case_ids:
        return out
    rows = connection.execute(
        select(mash_request.c.case_id, mash_request.c.status, mash_request.c.due_at)
        .where(mash_request.c.case_id.in_(case_ids))
    ).all()  # fmt: skip
    for r in rows:
        counts = out[int(r.case_id)]
        if r.status == "ANSWERED":
            counts["answered"] += 1
        elif r.status == "OPEN":
            counts["open"] += 1
            counts["overdue"] += int(now > _aware(r.due_at))
    return out


def _identity(connection: Connection, person_id: str, agency: str) -> dict[str, Any]:
    """What the answering agency needs to find the child: its own record of them if it holds
    one (name, date of birth, its own reference), else the name and date of birth of social
    care's record (the contact's). Sealed records are left out."""
    found = subject(connection, person_id)
    sealed = set(found.sealed)
    own = [r for r in found.records if r.agency == agency]
    chosen = own or [r for r in found.records if r.agency == AgencyId.SOCIAL_CARE.value]
    for record in chosen:
        row = connection.execute(
            select(
                person_record.c.forenames, person_record.c.surname,
                person_record.c.date_of_birth, person_record.c.source_id,
                person_record.c.attributes,
            ).where(
                person_record.c.agency_id == record.agency,
                person_record.c.source_id == record.source_id,
            )
        ).first()  # fmt: skip
        if row is None or (sealed and (row.attributes or {}).get("sealed")):
            continue
        return {
            "name": " ".join(p for p in (row.forenames, row.surname) if p),
            "date_of_birth": row.date_of_birth.isoformat() if row.date_of_birth else None,
            "your_reference": row.source_id if own else None,
        }
    return {"name": None, "date_of_birth": None, "your_reference": None}


def _audit_answerer(
    connection: Connection, who: Answerer, kind: str, person_id: str | None, now: datetime,
    **details: Any,
) -> None:  # fmt: skip
    append(
        connection, kind=kind, actor=who.username, actor_role=str(who.role),
        purpose="MASH_TRIAGE", subject=person_id, details={"agency": who.agency, **details},
        recorded_at=now,
    )  # fmt: skip


def _for_answerer(connection: Connection, row: Any, now: datetime) -> dict[str, Any]:
    """A request as the agency asked sees it: nothing of the case but the question."""
    due = _aware(row.due_at)
    return {
        "request_id": int(row.id),
        "question": row.question,
        "requested_at": _iso(row.requested_at),
        "due_at": due.isoformat(),
        "status": row.status,
        "overdue": row.status == "OPEN" and now > due,
        "answer": row.answer,
        "answered_at": _iso(row.answered_at),
        "child": _identity(connection, row.person_id, row.agency),
    }


def agency_requests(
    connection: Connection, who: Answerer, now: datetime, *, include_done: bool = False
) -> list[dict[str, Any]]:
    """The MASH's requests to the account's agency, the soonest due first (audited, with
    the children whose identifying details were shown)."""
    uses.MASH_REQUESTS.check_role(who)
    statuses = ("OPEN", "ANSWERED") if include_done else ("OPEN",)
    rows = connection.execute(
        select(mash_request)
        .where(mash_request.c.agency == who.agency, mash_request.c.status.in_(statuses))
        .order_by(mash_request.c.due_at, mash_request.c.id)
        .limit(200)
    ).all()
    _audit_answerer(connection, who, "MASH_REQUESTS_READ", None, now,
                    requests=[int(r.id) for r in rows],
                    people=sorted({r.person_id for r in rows}))  # fmt: skip
    return [_for_answerer(connection, r, now) for r in rows]


def _request_of_agency(connection: Connection, who: Answerer, request_id: int) -> Any:
    row = connection.execute(select(mash_request).where(mash_request.c.id == request_id)).first()
    if row is None:
        raise NotFound(f"no MASH information request {request_id}")
    if row.agency != who.agency:
        raise Forbidden("this request asks another agency: only its practitioners answer it")
    return row


def agency_request(
    connection: Connection, who: Answerer, request_id: int, now: datetime
) -> dict[str, Any]:
    """One request to the account's agency, as its practitioner sees it (audited)."""
    uses.MASH_REQUESTS.check_role(who)
    row = _request_of_agency(connection, who, request_id)
    _audit_answerer(connection, who, "MASH_REQUEST_READ", row.person_id, now,
                    request_id=request_id)  # fmt: skip
    return _for_answerer(connection, row, now)


def answer_request(
    connection: Connection, who: Answerer, request_id: int, answer: str, now: datetime
) -> dict[str, Any]:
    """Record the agency's answer to an open request of an open case (audited)."""
    uses.MASH_REQUESTS.check_role(who)
    text = check_substance(
        answer, what="say what your agency knows that answers the question", field="answer",
        min_chars=10, min_words=3,
    )  # fmt: skip
    if len(text) > MAX_ANSWER:
        raise BadInput(f"the answer is at most {MAX_ANSWER:,} characters", field="answer")
    row = _request_of_agency(connection, who, request_id)
    if row.status == "WITHDRAWN" or _case(connection, int(row.case_id)).closed_at is not None:
        raise Conflict("the MASH has closed this case: it no longer needs an answer")
    if row.status == "ANSWERED":
        raise Conflict("this request has already been answered")
    done = connection.execute(
        update(mash_request)
        .where(mash_request.c.id == request_id, mash_request.c.status == "OPEN")
        .values(status="ANSWERED", answer=text, answered_by=who.username, answered_at=now)
    ).rowcount
    if done != 1:
        raise Conflict("this request has already been answered")
    on_time = now <= _aware(row.due_at)
    _audit_answerer(connection, who, "MASH_REQUEST_ANSWERED", row.person_id, now,
                    request_id=request_id, case_id=int(row.case_id), chars=len(text),
                    within_due_time=on_time)  # fmt: skip
    return {"request_id": request_id, "status": "ANSWERED", "answered_at": now.isoformat(),
            "within_due_time": on_time}  # fmt: skip


def overdue_requests(now: datetime) -> Any:
    """Open requests of open cases past their due time, not yet escalated."""
    return (
        select(mash_request)
        .join(triage_case, triage_case.c.id == mash_request.c.case_id)
        .where(
            mash_request.c.status == "OPEN",
            mash_request.c.due_at < now,
            mash_request.c.escalated_at.is_(None),
            triage_case.c.closed_at.is_(None),
        )
        .order_by(mash_request.c.due_at)
    )


def mark_escalated(connection: Connection, row: Any, now: datetime, alert_id: int | None) -> None:
    connection.execute(
        update(mash_request)
        .where(mash_request.c.id == row.id)
        .values(escalated_at=now, level=func.coalesce(mash_request.c.level, 0) + 1)
    )
    append(
        connection, kind="MASH_REQUEST_ESCALATED", actor="alerts-worker",
        purpose="MASH_TRIAGE", subject=row.person_id,
        details={"request_id": int(row.id), "case_id": int(row.case_id), "agency": row.agency,
                 "due_at": _aware(row.due_at).isoformat(), "alert_id": alert_id},
        recorded_at=now,
    )  # fmt: skip
