"""What a practitioner does from the single view: record a concern or an engagement, put a
child on the MASH's triage list, break the glass. Each is one unit of work, audited, and each
checks the reader first (a concern needs a legitimate view of the child: you record about a
child you may see)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, and_, insert, or_, select

from joinedup.domain.events import ConcernRecorded
from joinedup.errors import BadInput, Forbidden
from joinedup.governance import gate, triage_cases, uses
from joinedup.governance.audit import append
from joinedup.governance.pdp import UK
from joinedup.governance.reader import Reader
from joinedup.store import UnitOfWork
from joinedup.store.casework_tables import concern
from joinedup.store.tables import involvement, practitioner

CONCERN_KINDS = ("CONCERN", "ENGAGEMENT")
MIN_CONCERN_CHARS = 10
MAX_CONCERN_CHARS = 4_000


def _lead_practitioners(connection: Any, subject: gate.Subject, on: Any) -> list[dict[str, Any]]:
    """Everyone holding an active lead involvement with the person, in any agency: a concern
    goes to them whatever the recorder may see of them."""
    i, p = involvement.c, practitioner.c
    of_person = or_(
        *(and_(i.agency_id == r.agency, i.person_source_id == r.source_id) for r in subject.records)
    )
    rows = connection.execute(
        select(i.agency_id, i.practitioner_key, p.email)
        .join(
            practitioner,
            and_(p.agency_id == i.agency_id, p.practitioner_key == i.practitioner_key),
            isouter=True,
        )
        .where(
            of_person,
            i.is_lead.is_(True),
            or_(i.start_date.is_(None), i.start_date <= on),
            or_(i.end_date.is_(None), i.end_date >= on),
        )
    ).all()
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        seen.setdefault(
            (row.agency_id, row.practitioner_key),
            {"agency": row.agency_id, "practitioner_key": row.practitioner_key, "email": row.email},
        )
    return sorted(seen.values(), key=lambda r: (r["agency"], r["practitioner_key"]))


def record_concern(
    engine: Engine,
    reader: Reader,
    person_id: str,
    text: str,
    *,
    kind: str = "CONCERN",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record a concern (or an engagement) about a person the reader may see; it is audited
    and routed to every lead practitioner of the person (through the outbox)."""
    now = now or datetime.now(UTC)
    kind = kind.strip().upper()
    if kind not in CONCERN_KINDS:
        raise BadInput(
            f"kind must be one of {', '.join(CONCERN_KINDS)}, not {kind!r}", field="kind"
        )
    body = text.strip()
    if not MIN_CONCERN_CHARS <= len(body) <= MAX_CONCERN_CHARS:
        raise BadInput(
            f"say what the {kind.lower()} is in {MIN_CONCERN_CHARS} to {MAX_CONCERN_CHARS:,} "
            "characters",
            field="text",
        )
    uses.RECORD_CONCERN.check(reader)
    with UnitOfWork(engine) as uow:
        connection = uow.connection
        opened = gate.open_person(connection, reader, person_id, (), now=now)
        if not opened.relationships and not opened.decision.emergency:
            raise Forbidden(
                "you have no legitimate relationship with this person for "
                f"{reader.purpose_title}: record the concern with your own agency, or break "
                "the glass if a child is at immediate risk"
            )
        leads = _lead_practitioners(connection, opened.subject, now.astimezone(UK).date())
        entry = append(
            connection,
            kind="CONCERN_RECORDED",
            actor=reader.user_id,
            actor_role=reader.role.value,
            purpose=reader.purpose.value,
            subject=person_id,
            details={
                "agency": reader.agency.value,
                "kind": kind,
                "chars": len(body),
                "routed_to": [r["practitioner_key"] for r in leads],
            },
            recorded_at=now,
        )
        key = connection.execute(
            insert(concern).values(
                person_id=person_id,
                kind=kind,
                text=body,
                recorded_by=reader.user_id,
                role=reader.role.value,
                agency=reader.agency.value,
                purpose=reader.purpose.value,
                recorded_at=now,
                routed_to=leads,
                audit_seq=entry.seq,
            )
        ).inserted_primary_key
        assert key is not None
        concern_id = int(key[0])
        uow.emit(
            ConcernRecorded(
                concern_id=concern_id,
                person_id=person_id,
                kind=kind,
                recorded_by=reader.user_id,
                agency=reader.agency.value,
                recipients=tuple(r["practitioner_key"] for r in leads),
            )
        )
        uow.commit()
    return {
        "concern_id": concern_id,
        "person_id": person_id,
        "kind": kind,
        "recorded_at": now.isoformat(),
        "routed_to": [{"agency": r["agency"]} for r in leads],
        "audit_seq": entry.seq,
    }


def open_triage(engine: Engine, reader: Reader, person_id: str, reason: str) -> dict[str, Any]:
    """Open a MASH triage case for a child a contact or referral is about (audited)."""
    uses.TRIAGE_CASE.check(reader)
    with engine.begin() as connection:
        case_id = triage_cases.open_triage_case(connection, reader, person_id, reason)
        due = triage_cases.open_case(connection, person_id, datetime.now(UTC))
    return {
        "case_id": case_id,
        "person_id": person_id,
        "due_at": due.due_at.isoformat() if due is not None and due.due_at else None,
    }


def close_triage(
    engine: Engine, reader: Reader, case_id: int, outcome: str, reason: str
) -> dict[str, Any]:
    """Close a MASH triage case with its outcome and why; the MASH's access ends with it."""
    uses.TRIAGE_CASE.check(reader)
    with engine.begin() as connection:
        return triage_cases.close_triage_case(connection, reader, case_id, outcome, reason)


def mash_cases(engine: Engine, reader: Reader, *, status: str = "OPEN") -> list[dict[str, Any]]:
    """The MASH's triage cases, the soonest due first, each saying whether it is overdue."""
    uses.TRIAGE_CASE.check(reader)
    with engine.begin() as connection:
        return triage_cases.cases(connection, reader, status=status)


def break_glass(
    engine: Engine, reader: Reader, person_id: str, justification: str, *, minutes: int = 60
) -> dict[str, Any]:
    """Emergency access for a safeguarding purpose: counted against the account's volume
    (the privacy officer is told of a burst; too many are refused), then granted, flagged,
    time-limited and queued for review."""
    from joinedup.governance.emergency import break_glass_volume, check_request
    from joinedup.governance.notices import check_volume

    uses.BREAK_GLASS.check(reader)
    reader.check_purpose()
    # The request's own checks first: a refused justification does not count.
    check_request(gate.request_for(reader, gate.Subject(person_id, ()), (), frozenset()),
                  justification, minutes)  # fmt: skip
    check_volume(engine, break_glass_volume(), actor=reader.user_id, actor_role=reader.role.value)
    with engine.begin() as connection:
        grant = gate.break_the_glass(connection, reader, person_id, justification, minutes=minutes)
    return {
        "grant_id": grant.id,
        "person_id": person_id,
        "purpose": grant.purpose,
        "expires_at": grant.expires_at.isoformat(),
        "review_task_id": grant.review_task_id,
    }
