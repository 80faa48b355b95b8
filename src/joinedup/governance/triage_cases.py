"""MASH triage cases: the MASH's legitimate relationship with a child it is triaging, with the
controls break glass has.

A case answers a contact or a referral that reached children's social care about the child
(in the last ``MASH_CONTACT_DAYS`` days): without one there is nothing for the MASH to
triage, and a practitioner who must see a child at immediate risk breaks the glass instead
(time-limited, reviewed by the privacy officer, throttled). The reason is checked for
substance and audited. A case is due to be decided within the MASH's timescale (one working
day, Working Together to Safeguard Children 2023: a decision within one working day of a
referral) and is closed with an outcome: no further action, early help, a child in need
assessment (Children Act 1989 s17), a child protection enquiry (s47) or police action. A RAG
rating sets the due time from the partnership's timescales, and the case asks agencies for
information (``governance.mash_cases``). Closing it withdraws its unanswered requests and ends
the MASH's access that the case, and the contact before it, opened (``gate.on_mash_list``).

Store-aware (takes a Connection the caller owns), no web framework.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from joinedup.errors import BadInput, Conflict, Forbidden, NotFound
from joinedup.governance import uses
from joinedup.governance.audit import append
from joinedup.governance.justification import check_substance
from joinedup.governance.pdp import UK
from joinedup.governance.reader import Reader
from joinedup.governance.subjects import Subject, subject
from joinedup.store.casework_tables import mash_request, triage_case
from joinedup.store.tables import event

# A contact or referral to children's social care in this many days puts the child on the
# MASH's list, and lets the MASH open a case for it.
MASH_CONTACT_DAYS = 30
# An open case lapses after this many days unless closed earlier.
TRIAGE_CASE_DAYS = 30
MIN_TRIAGE_REASON_CHARS = 20
PROMPTS = ("CONTACT", "REFERRAL")
OUTCOMES = {
    "NO_FURTHER_ACTION": "No further action",
    "EARLY_HELP": "Early help",
    "SECTION_17": "Child in need assessment (Children Act 1989 s17)",
    "SECTION_47": "Child protection enquiry (Children Act 1989 s47)",
    "POLICE_ACTION": "Police action",
}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def one_working_day_after(moment: datetime) -> datetime:
    """The same time on the next working day (Monday to Friday; bank holidays are the
    partnership's calendar, not known here)."""
    due = moment + timedelta(days=1)
    while due.astimezone(UK).weekday() >= 5:
        due += timedelta(days=1)
    return due


def open_case(connection: Connection, person_id: str, now: datetime) -> Any:
    """The child's open, unlapsed case, if any."""
    return connection.execute(
        select(triage_case)
        .where(
            triage_case.c.person_id == person_id,
            triage_case.c.closed_at.is_(None),
            triage_case.c.opened_at >= now - timedelta(days=TRIAGE_CASE_DAYS),
        )
        .order_by(triage_case.c.id.desc())
        .limit(1)
    ).first()


def last_closed(connection: Connection, person_id: str) -> datetime | None:
    """When the child's most recent case was closed, if one was."""
    row = connection.execute(
        select(triage_case.c.closed_at)
        .where(triage_case.c.person_id == person_id, triage_case.c.closed_at.is_not(None))
        .order_by(triage_case.c.closed_at.desc())
        .limit(1)
    ).first()
    return None if row is None else _aware(row.closed_at)


def recent_prompt(connection: Connection, found: Subject, now: datetime) -> tuple[str, date] | None:
    """The latest contact or referral about the child in the last ``MASH_CONTACT_DAYS``
    days: (event type, date)."""
    ssd_ids = [r.source_id for r in found.records if r.agency == "social_care"]
    if not ssd_ids:
        return None
    day = now.astimezone(UK).date()
    row = connection.execute(
        select(event.c.event_type, event.c.occurred_on)
        .where(
            event.c.agency_id == "social_care",
            event.c.person_source_id.in_(ssd_ids),
            event.c.event_type.in_(PROMPTS),
            event.c.occurred_on >= day - timedelta(days=MASH_CONTACT_DAYS),
            event.c.occurred_on <= day,
        )
        .order_by(event.c.occurred_on.desc())
        .limit(1)
    ).first()
    return None if row is None else (str(row.event_type), row.occurred_on)


def open_triage_case(
    connection: Connection,
    reader: Reader,
    person_id: str,
    reason: str,
    *,
    now: datetime | None = None,
) -> int:
    """A MASH practitioner opens a case for a child about whom a contact or referral has
    been received, saying why (audited; the privacy officer can see it). Returns its id."""
    uses.TRIAGE_CASE.check(reader)
    now = now or datetime.now(UTC)
    text = check_substance(
        reason,
        what="say why the MASH is triaging this child (e.g. the contact received)",
        field="reason",
        min_chars=MIN_TRIAGE_REASON_CHARS,
        min_words=4,
    )
    found = subject(connection, person_id)  # NotFound for an unknown person
    if open_case(connection, person_id, now) is not None:
        raise Conflict("this child already has an open MASH triage case")
    prompt = recent_prompt(connection, found, now)
    if prompt is None:
        raise Forbidden(
            "no contact or referral about this child has reached children's social care in "
            f"the last {MASH_CONTACT_DAYS} days: the MASH opens a triage case to answer one. "
            "If a child is at immediate risk, break the glass instead (it is time-limited "
            "and the privacy officer reviews it)"
        )
    due = one_working_day_after(now)
    key = connection.execute(
        insert(triage_case).values(
            person_id=person_id,
            opened_by=reader.user_id,
            agency=reader.agency.value,
            reason=text,
            opened_at=now,
            due_at=due,
            prompted_by=prompt[0],
        )
    ).inserted_primary_key
    assert key is not None
    case_id = int(key[0])
    append(
        connection,
        kind="TRIAGE_OPENED",
        actor=reader.user_id,
        actor_role=reader.role.value,
        purpose=reader.purpose.value,
        subject=person_id,
        details={
            "case_id": case_id,
            "reason": text,
            "agency": reader.agency.value,
            "prompted_by": prompt[0],
            "prompted_on": prompt[1].isoformat(),
            "due_at": due.isoformat(),
        },
        recorded_at=now,
    )
    return case_id


def close_triage_case(
    connection: Connection,
    reader: Reader,
    case_id: int,
    outcome: str,
    reason: str,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Close a case with the MASH's outcome and why (audited, with whether it was decided
    within the timescale). The MASH's access that the case opened ends with it."""
    uses.TRIAGE_CASE.check(reader)
    now = now or datetime.now(UTC)
    outcome = outcome.strip().upper().replace(" ", "_")
    if not outcome:
        raise BadInput("Select what the MASH decided", field="outcome")
    if outcome not in OUTCOMES:
        raise BadInput(f"the outcome is one of {', '.join(OUTCOMES)}, not {outcome!r}")
    text = check_substance(
        reason, what="say why the MASH decided this", min_chars=10, min_words=3, field="reason"
    )
    row = connection.execute(select(triage_case).where(triage_case.c.id == case_id)).first()
    if row is None:
        raise NotFound(f"no MASH triage case {case_id}")
    if row.closed_at is not None:
        raise Conflict(f"MASH triage case {case_id} is already closed")
    on_time = row.due_at is None or now <= _aware(row.due_at)
    connection.execute(
        update(triage_case)
        .where(triage_case.c.id == case_id, triage_case.c.closed_at.is_(None))
        .values(closed_at=now, outcome=outcome, closed_by=reader.user_id, closing_reason=text)
    )
    withdrawn = connection.execute(
        update(mash_request)
        .where(mash_request.c.case_id == case_id, mash_request.c.status == "OPEN")
        .values(status="WITHDRAWN")
    ).rowcount
    append(
        connection,
        kind="TRIAGE_CLOSED",
        actor=reader.user_id,
        actor_role=reader.role.value,
        purpose=reader.purpose.value,
        subject=row.person_id,
        details={
            "case_id": case_id,
            "outcome": outcome,
            "within_timescale": on_time,
            "requests_withdrawn": withdrawn,
        },
        recorded_at=now,
    )
    return {
        "case_id": case_id,
        "person_id": row.person_id,
        "outcome": outcome,
        "closed_at": now.isoformat(),
        "within_timescale": on_time,
    }


def case_summary(row: Any, now: datetime) -> dict[str, Any]:
    due = _aware(row.due_at) if row.due_at else None
    closed = _aware(row.closed_at) if row.closed_at else None
    return {
        "case_id": int(row.id),
        "person_id": row.person_id,
        "opened_by": row.opened_by,
        "opened_at": _aware(row.opened_at).isoformat(),
        "prompted_by": row.prompted_by,
        "due_at": due.isoformat() if due else None,
        "overdue": closed is None and due is not None and now > due,
        "closed_at": closed.isoformat() if closed else None,
        "outcome": row.outcome,
        "within_timescale": None if closed is None or due is None else closed <= due,
        "rag": row.rag,
    }


def cases(
    connection: Connection, reader: Reader, *, status: str = "OPEN", now: datetime | None = None
) -> list[dict[str, Any]]:
    """The MASH's cases (open ones by default, the soonest due first), with whether each is
    overdue; audited as a read of the list (the children are named by id only)."""
    uses.TRIAGE_CASE.check(reader)
    now = now or datetime.now(UTC)
    query = select(triage_case)
    if status == "OPEN":
        query = query.where(
            triage_case.c.closed_at.is_(None),
            triage_case.c.opened_at >= now - timedelta(days=TRIAGE_CASE_DAYS),
        ).order_by(triage_case.c.due_at, triage_case.c.id)
    elif status == "CLOSED":
        query = query.where(triage_case.c.closed_at.is_not(None)).order_by(
            triage_case.c.closed_at.desc()
        )
    else:
        raise BadInput("status is OPEN or CLOSED")
    found = [case_summary(r, now) for r in connection.execute(query.limit(500))]
    append(
        connection,
        kind="TRIAGE_CASES_READ",
        actor=reader.user_id,
        actor_role=reader.role.value,
        purpose=reader.purpose.value,
        details={"status": status, "cases": len(found)},
        recorded_at=now,
    )
    return found
