"""What the receiving MASH is told of an exchanged summary, and the transfer-in case.

Every new summary alerts the MASH (rule ``EXCHANGE_SUMMARY``). A summary saying the child is
on a child protection plan or looked after in the other area alerts it at once (rule
``TRANSFER_IN``, one hour) and opens a transfer-in case: the transfer-in conference is due
within 15 working days (Working Together 2023: a child protection plan transfers at a
conference in the receiving area within 15 working days of notification), counted on the
same working-day calendar as the MASH's deadlines (weekends and England's bank holidays,
``alerts.school_calendar``). The case moves OPEN -> CONFERENCE_BOOKED -> CONFERENCE_HELD ->
CLOSED (or CLOSED at any point, with a reason); a case past its date without the
conference held alerts the MASH once (``TRANSFER_IN_OVERDUE``, from ``check_overdue``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from joinedup.alerts import facts, raising, routing
from joinedup.alerts.evaluate import Finding
from joinedup.alerts.rules import RULES
from joinedup.alerts.school_calendar import UK, is_working_day
from joinedup.config import alert_settings
from joinedup.errors import BadInput, Conflict, NotFound
from joinedup.governance.audit import append
from joinedup.governance.purposes import Purpose
from joinedup.store.exchange_tables import transfer_in_case

WORKING_DAYS = 15
MAX_OUTCOME = 2000  # the API's limit too (``api.exchange.Move``)
STATES = ("OPEN", "CONFERENCE_BOOKED", "CONFERENCE_HELD", "CLOSED")
NEXT = {"OPEN": ("CONFERENCE_BOOKED", "CLOSED"), "CONFERENCE_BOOKED": (
    "CONFERENCE_HELD", "CLOSED"), "CONFERENCE_HELD": ("CLOSED",), "CLOSED": ()}  # fmt: skip
KIND_WORDS = {"CHILD_PROTECTION_PLAN": "on a child protection plan",
              "LOOKED_AFTER": "looked after"}  # fmt: skip


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start``."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        days -= is_working_day(day)
    return day


def _alert(connection: Connection, rule_id: str, person_id: str, cause: str, text: str,
           now: datetime, extra: dict[str, Any]) -> int | None:  # fmt: skip
    settings = alert_settings()
    records = facts.records_of(connection, person_id)
    finding = Finding(RULES[rule_id], person_id, records, cause, now.astimezone(UK).date(), now,
                      details={}, extra=extra, summary=text)  # fmt: skip
    recipient = routing.with_purpose(routing.mash(settings), Purpose.CHILD_MOVED_AREA)
    alert_id, _ = raising.raise_alert(connection, finding, recipient, settings, now, fold=False)
    return alert_id


def _contact(partner: str, sections: dict[str, Any]) -> dict[str, Any]:
    lead = next(iter(sections.get("lead_practitioners") or []), None)
    if lead:
        return {"name": lead.get("name"), "role": "lead practitioner", "agency":
                f"children's social care, {partner}", "phone": lead.get("phone"),
                "email": lead.get("email")}  # fmt: skip
    return {"name": f"Children's social care, {partner}", "agency": partner}


def act_on(connection: Connection, partner: str, person_id: str, summary_id: int,
           sections: dict[str, Any], now: datetime) -> dict[str, Any]:  # fmt: skip
    """Alert the MASH of a new summary; open a transfer-in case when it says so."""
    from joinedup.services.exchange_records import transfer_kinds

    kinds = transfer_kinds(sections)
    extra = {"contact": _contact(partner, sections), "_summary_id": summary_id}
    if not kinds:
        text = (f"{partner} knows this child: its summary (current plans, lead practitioners, "
                f"recent concerns) is on the child's exchange page.")  # fmt: skip
        alert_id = _alert(connection, "EXCHANGE_SUMMARY", person_id, f"exchange|{summary_id}",
                          text, now, extra)  # fmt: skip
        return {"alert_id": alert_id, "transfer_case_id": None}
    already = connection.execute(select(transfer_in_case.c.id).where(
        transfer_in_case.c.person_id == person_id, transfer_in_case.c.partner == partner,
        transfer_in_case.c.status != "CLOSED")).scalar()  # fmt: skip
    if already is not None:  # an updated summary of a child whose transfer-in is under way
        text = (f"{partner} sent an updated summary of this child, whose transfer-in case "
                f"{already} is open.")  # fmt: skip
        alert_id = _alert(connection, "EXCHANGE_SUMMARY", person_id, f"exchange|{summary_id}",
                          text, now, {**extra, "_transfer_case_id": int(already)})  # fmt: skip
        return {"alert_id": alert_id, "transfer_case_id": None}
    due = add_working_days(now.astimezone(UK).date(), WORKING_DAYS)
    key = connection.execute(insert(transfer_in_case).values(
        person_id=person_id, partner=partner, summary_id=summary_id, kind=kinds[0],
        opened_at=now, conference_due_on=due, status="OPEN")).inserted_primary_key  # fmt: skip
    assert key is not None
    case_id = int(key[0])
    words = " and ".join(KIND_WORDS[k] for k in kinds)
    text = (f"This child is {words} in {partner} and has moved into your area. A transfer-in "
            f"case is open: the transfer-in conference is due by {due:%d %B %Y}.")  # fmt: skip
    alert_id = _alert(connection, "TRANSFER_IN", person_id, f"transfer-in|{case_id}", text, now,
                      {**extra, "_transfer_case_id": case_id})  # fmt: skip
    connection.execute(update(transfer_in_case).where(transfer_in_case.c.id == case_id)
                       .values(alert_id=alert_id))  # fmt: skip
    append(connection, kind="TRANSFER_IN_OPENED", actor="exchange", purpose="CHILD_MOVED_AREA",
           subject=person_id, details={"case_id": case_id, "partner": partner, "kinds": kinds,
           "conference_due_on": due.isoformat(), "summary_id": summary_id},
           recorded_at=now)  # fmt: skip
    return {"alert_id": alert_id, "transfer_case_id": case_id}


def _view(row: Any, today: date) -> dict[str, Any]:
    return {
        "case_id": int(row.id), "person_id": row.person_id, "partner": row.partner,
        "summary_id": int(row.summary_id), "kind": row.kind,
        "kind_words": KIND_WORDS.get(row.kind, row.kind), "status": row.status,
        "opened_at": row.opened_at.isoformat(),
        "conference_due_on": row.conference_due_on.isoformat(),
        "conference_on": row.conference_on.isoformat() if row.conference_on else None,
        "overdue": row.status in ("OPEN", "CONFERENCE_BOOKED") and today > row.conference_due_on,
        "outcome": row.outcome, "updated_by": row.updated_by,
    }  # fmt: skip


def cases(engine: Engine, now: datetime, *, include_closed: bool = False) -> list[dict]:
    query = select(transfer_in_case).order_by(transfer_in_case.c.conference_due_on,
                                              transfer_in_case.c.id)  # fmt: skip
    if not include_closed:
        query = query.where(transfer_in_case.c.status != "CLOSED")
    with engine.connect() as connection:
        return [_view(r, now.date()) for r in connection.execute(query)]


def case(connection: Connection, case_id: int, today: date) -> dict[str, Any]:
    row = connection.execute(
        select(transfer_in_case).where(transfer_in_case.c.id == case_id)
    ).first()
    if row is None:
        raise NotFound(f"no transfer-in case {case_id}")
    return _view(row, today)


def move(engine: Engine, case_id: int, status: str, by: str, now: datetime, *,
         conference_on: date | None = None, outcome: str | None = None) -> dict:  # fmt: skip
    """Move a case on (audited); the conference date is needed to book or hold it."""
    status = status.strip().upper()
    if status not in STATES:
        raise BadInput(f"status must be one of {', '.join(STATES)}", field="status")
    if status in ("CONFERENCE_BOOKED", "CONFERENCE_HELD") and conference_on is None:
        raise BadInput("give the conference's date", field="conference_on")
    if status == "CLOSED" and not (outcome or "").strip():
        raise BadInput("say why the case closes (the conference's outcome)", field="outcome")
    given = len((outcome or "").strip())
    if given > MAX_OUTCOME:
        raise BadInput(f"the outcome is at most {MAX_OUTCOME:,} characters (this is {given:,}): "
                       "shorten it", field="outcome")  # fmt: skip
    with engine.begin() as connection:
        row = case(connection, case_id, now.date())
        opened = datetime.fromisoformat(row["opened_at"])
        opened_on = (opened if opened.tzinfo else opened.replace(tzinfo=UTC)).astimezone(UK).date()
        if conference_on is not None and conference_on < opened_on:
            raise BadInput(f"the conference's date {conference_on:%d %B %Y} is before the case "
                           f"opened ({opened_on:%d %B %Y})", field="conference_on")  # fmt: skip
        if status not in NEXT[row["status"]]:
            raise Conflict(f"a {row['status'].lower()} transfer-in case cannot become "
                           f"{status.lower()}")  # fmt: skip
        values: dict[str, Any] = {"status": status, "updated_by": by, "updated_at": now}
        if conference_on is not None:
            values["conference_on"] = conference_on
        if outcome:
            values["outcome"] = outcome.strip()
        connection.execute(update(transfer_in_case).where(transfer_in_case.c.id == case_id)
                           .values(**values))  # fmt: skip
        held = conference_on if status == "CONFERENCE_HELD" else None
        append(connection, kind="TRANSFER_IN_UPDATED", actor=by, purpose="CHILD_MOVED_AREA",
               subject=row["person_id"], details={"case_id": case_id, "status": status,
               "previous": row["status"], "conference_on": held.isoformat() if held else None,
               "within_timescale": None if held is None else
               held <= date.fromisoformat(row["conference_due_on"])},
               recorded_at=now)  # fmt: skip
        return case(connection, case_id, now.date())


def check_overdue(engine: Engine, now: datetime) -> list[int]:
    """Alert the MASH once of each open case past its conference date; returns the cases."""
    today = now.astimezone(UK).date()
    alerted = []
    with engine.begin() as connection:
        rows = connection.execute(select(transfer_in_case).where(
            transfer_in_case.c.status.in_(("OPEN", "CONFERENCE_BOOKED")),
            transfer_in_case.c.conference_due_on < today,
            transfer_in_case.c.overdue_alerted_at.is_(None))).all()  # fmt: skip
        for row in rows:
            text = (f"The transfer-in conference for this child (from {row.partner}) was due by "
                    f"{row.conference_due_on:%d %B %Y} and has not been held.")  # fmt: skip
            _alert(connection, "TRANSFER_IN_OVERDUE", row.person_id,
                   f"transfer-in-overdue|{row.id}", text, now,
                   {"_transfer_case_id": int(row.id)})  # fmt: skip
            connection.execute(update(transfer_in_case).where(transfer_in_case.c.id == row.id)
                               .values(overdue_alerted_at=now))  # fmt: skip
            alerted.append(int(row.id))
    return alerted
