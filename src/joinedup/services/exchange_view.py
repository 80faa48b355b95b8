"""The receiving MASH's view of the exchange (issue 24): the transfer-in cases, the children
other partnerships said they know, and one child's exchanged summary with their own record
of the child beside it (so the MASH can check the match before acting). Every read audited.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, select

from joinedup.governance import gate, uses
from joinedup.governance.audit import append
from joinedup.governance.reader import Reader
from joinedup.services import exchange, exchange_transfer
from joinedup.store.exchange_tables import exchange_summary, transfer_in_case
from joinedup.store.tables import person_record


def _audit(connection: Any, reader: Reader, kind: str, subject: str | None, now: datetime,
           **details: Any) -> None:  # fmt: skip
    append(connection, kind=kind, actor=reader.user_id, actor_role=reader.role.value,
           purpose=reader.purpose.value, subject=subject, details=details,
           recorded_at=now)  # fmt: skip


def moved_in(engine: Engine, reader: Reader, *, now: datetime | None = None) -> dict[str, Any]:
    """Open transfer-in cases (the soonest due first) and the summaries received lately."""
    uses.EXCHANGE_CASES.check(reader)
    now = now or datetime.now(UTC)
    cases = exchange_transfer.cases(engine, now)
    with engine.begin() as connection:
        rows = connection.execute(
            select(exchange_summary.c.id, exchange_summary.c.partner,
                   exchange_summary.c.person_id, exchange_summary.c.received_at)
            .order_by(exchange_summary.c.received_at.desc(), exchange_summary.c.id.desc())
            .limit(100)
        ).all()  # fmt: skip
        _audit(
            connection,
            reader,
            "EXCHANGE_LIST_READ",
            None,
            now,
            cases=[c["case_id"] for c in cases],
            summaries=[int(r.id) for r in rows],
        )
    return {
        "cases": cases,
        "summaries": [
            {
                "summary_id": int(r.id),
                "partner": r.partner,
                "person_id": r.person_id,
                "received_at": r.received_at.isoformat(),
            }  # fmt: skip
            for r in rows
        ],
    }


def _our_record(connection: Any, reader: Reader, person_id: str, now: datetime) -> dict[str, Any]:
    """The partnership's record of the child that the reader may see, to check the match
    by: through the gate (each agency's ``identity``, decided and audited), or the reader's
    own agency's record unless sealed (what the MASH's alerts show it: ``facts.own_record``).
    Another agency's record without a relationship with the child is withheld."""
    found = gate.subject(connection, person_id)
    agencies = sorted({r.agency for r in found.records})
    opened = gate.open_person(
        connection, reader, person_id, [f"{a}.identity" for a in agencies], now=now
    )
    own = reader.agency.value

    def shown(agency: str) -> bool:
        return opened.allows(f"{agency}.identity") or (agency == own and not found.sealed)

    for record in sorted(found.records, key=lambda r: r.agency != own):
        if not shown(record.agency):
            continue
        row = connection.execute(select(
            person_record.c.forenames, person_record.c.surname, person_record.c.date_of_birth,
            person_record.c.postcode).where(person_record.c.id == record.person_record_id)
        ).first()  # fmt: skip
        if row is not None:
            return {
                "name": " ".join(p for p in (row.forenames, row.surname) if p),
                "date_of_birth": row.date_of_birth.isoformat() if row.date_of_birth else None,
                "postcode": row.postcode, "agency": record.agency, "withheld": False,
            }  # fmt: skip
    return {"name": None, "date_of_birth": None, "postcode": None, "agency": None,
            "withheld": bool(found.records)}  # fmt: skip


def summary_page(engine: Engine, reader: Reader, summary_id: int,
                 *, now: datetime | None = None) -> dict[str, Any]:  # fmt: skip
    uses.EXCHANGE_CASES.check(reader)
    now = now or datetime.now(UTC)
    with engine.begin() as connection:
        found = exchange.summary_of(connection, summary_id)
        case_id = connection.execute(select(transfer_in_case.c.id).where(
            transfer_in_case.c.summary_id == summary_id)).scalar()  # fmt: skip
        found["transfer_case"] = (
            None if case_id is None else exchange_transfer.case(connection, case_id, now.date())
        )
        found["our_record"] = _our_record(connection, reader, found["person_id"], now)
        _audit(connection, reader, "EXCHANGE_SUMMARY_READ", found["person_id"], now,
               summary_id=summary_id, partner=found["partner"])  # fmt: skip
    return found


def transfer_case(engine: Engine, reader: Reader, case_id: int,
                  *, now: datetime | None = None) -> dict[str, Any]:  # fmt: skip
    uses.EXCHANGE_CASES.check(reader)
    now = now or datetime.now(UTC)
    with engine.connect() as connection:
        found = exchange_transfer.case(connection, case_id, now.date())
    return summary_page(engine, reader, found["summary_id"], now=now)


def move_case(engine: Engine, reader: Reader, case_id: int, status: str,
              conference_on: date | None, outcome: str | None,
              *, now: datetime | None = None) -> dict[str, Any]:  # fmt: skip
    uses.EXCHANGE_CASES.check(reader)
    return exchange_transfer.move(engine, case_id, status, reader.user_id, now or datetime.now(UTC),
                                  conference_on=conference_on, outcome=outcome)  # fmt: skip
