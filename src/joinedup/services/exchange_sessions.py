"""Exchange sessions, on the holding side (issue 24): why the partner deposits first.

A partner's request for a child's summary must prove it holds the child. Proving it with
an encoding of the child does not work when the proof is compared with the encoding the
holder exported: the partner holds the export, so echoing it back would prove every child
exported. Nor would keeping the order alone: encodings are deterministic under the shared
secret, so an echo of an earlier export would still match. So (the simplest sound order):

1. The partner opens a session (``open_session``); we keep a fresh random salt with it,
   and both sides encode this session's filters and blocking keys with a key derived from
   the secret and that salt (``encoding.session_secret``): encodings from any other
   session match nothing.
2. The partner deposits its own encodings of the children it holds (``deposit``, in
   batches), before it has seen anything of ours in this session; we keep them (encodings
   only). Only then do we release our export for the session (``exchange.export_encodings``),
   and our own matching pairs it with the deposit (``matching.discover``, the partner's
   threshold and the NHS veto), and after the export the session takes no more deposits.
3. We answer a summary request only for a ref of the session's export that our matching
   paired with the deposit (``exchange.answer_requests``): the partner could not have
   copied this session's export into its deposit, having deposited first.

What remains (docs/exchange.md, threat model): a partner holding the secret can deposit
encodings of invented identities, a dictionary. ``max_deposit`` (partners file) bounds how
many per session: a deposit past it is refused and audited for the DPO; every deposit's
size is audited.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from joinedup.errors import BadInput, Conflict, NotFound
from joinedup.exchange import encoding, partners
from joinedup.exchange.terms import PURPOSE
from joinedup.governance.audit import append
from joinedup.store.exchange_tables import exchange_deposit, exchange_export_ref, exchange_session

SALT_BYTES = 32
DEPOSIT_BATCH = 1_000  # encodings per deposit request: about 0.5 MB, under the body limit


class DepositTooLarge(BadInput):
    """A partner deposited more encodings in one session than its ``max_deposit``."""

    http_status = 413


def audit(connection: Connection, kind: str, partner: str, now: datetime,
          **details: Any) -> None:  # fmt: skip
    append(connection, kind=kind, actor=f"partner:{partner}", purpose=PURPOSE, subject=None,
           details={"partner": partner, **details}, recorded_at=now)  # fmt: skip


def refused(engine: Engine, kind: str, partner: str, now: datetime, **details: Any) -> None:
    """Audit a refusal in its own transaction (the refusal itself rolls back the request's)."""
    with engine.begin() as connection:
        audit(connection, kind, partner, now, **details)


def open_session(engine: Engine, partner: partners.Partner, now: datetime) -> dict[str, str]:
    """A new session with ``partner``: its id and salt (base64). The partner's previous
    session ends: its deposit and our export's refs in it are dropped (they answer nothing)."""
    session_id, salt = secrets.token_hex(16), secrets.token_bytes(SALT_BYTES)
    with engine.begin() as connection:
        earlier = select(exchange_session.c.id).where(exchange_session.c.partner == partner.name)
        connection.execute(delete(exchange_deposit).where(
            exchange_deposit.c.session_id.in_(earlier)))  # fmt: skip
        connection.execute(delete(exchange_export_ref).where(
            exchange_export_ref.c.partner == partner.name))  # fmt: skip
        connection.execute(delete(exchange_session).where(
            exchange_session.c.partner == partner.name))  # fmt: skip
        connection.execute(insert(exchange_session).values(
            id=session_id, partner=partner.name, salt=salt, opened_at=now))  # fmt: skip
        audit(connection, "EXCHANGE_SESSION_OPENED", partner.name, now, session=session_id)
    return {"session": session_id, "salt": base64.b64encode(salt).decode()}


def current(connection: Connection, partner: str, session_id: Any, where: str) -> Any:
    """The partner's live session ``session_id``; ``NotFound`` naming ``where`` otherwise."""
    row = None
    if isinstance(session_id, str):
        row = connection.execute(select(exchange_session).where(
            exchange_session.c.id == session_id, exchange_session.c.partner == partner,
        )).first()  # fmt: skip
    if row is None:
        raise NotFound(f"{where}: not your current exchange session with us (open one first)")
    return row


def session_key(partner: partners.Partner, row: Any) -> bytes:
    return encoding.session_secret(partner.secret, bytes(row.salt))


def deposit(engine: Engine, partner: partners.Partner, body: Any, now: datetime) -> dict[str, Any]:
    """Keep a batch of the partner's encodings in its session (before our export only);
    refused, and audited, past the partner's ``max_deposit``."""
    if not isinstance(body, dict) or not isinstance(body.get("deposit"), dict):
        raise BadInput("expected {session, deposit}: the deposit is an encodings document")
    with engine.begin() as connection:
        row = current(connection, partner.name, body.get("session"), "session")
        if row.exported_at is not None:
            raise Conflict("session: our encodings were released; deposit in a new session")
        blob = json.dumps(body["deposit"]).encode()
        found = encoding.deserialise(blob, secret=session_key(partner, row))
        total = (row.deposited or 0) + len(found)
        too_many = total > partner.max_deposit
    if too_many:
        refused(engine, "EXCHANGE_DEPOSIT_REFUSED", partner.name, now, session=row.id,
                children=total, max_deposit=partner.max_deposit)  # fmt: skip
        raise DepositTooLarge(f"deposit: {total:,} encodings in this session, more than the "
                              f"{partner.max_deposit:,} agreed for {partner.name}")  # fmt: skip
    with engine.begin() as connection:
        known = set(connection.execute(select(exchange_deposit.c.ref).where(
            exchange_deposit.c.session_id == row.id)).scalars())  # fmt: skip
        rows = [{"session_id": row.id, "ref": e.ref, "clk": e.clk, "blocks": list(e.blocks)}
                for e in found if e.ref not in known]  # fmt: skip
        if len({r["ref"] for r in rows}) != len(rows):
            raise BadInput("deposit: the same ref twice")
        if rows:
            connection.execute(insert(exchange_deposit), rows)
        kept = connection.execute(select(func.count()).select_from(exchange_deposit).where(
            exchange_deposit.c.session_id == row.id)).scalar_one()  # fmt: skip
        connection.execute(update(exchange_session).where(exchange_session.c.id == row.id)
                           .values(deposited=kept, deposited_at=now))  # fmt: skip
        audit(connection, "EXCHANGE_DEPOSITED", partner.name, now, session=row.id,
              children=len(rows), total=kept)  # fmt: skip
    return {"session": row.id, "deposited": kept}


def deposited(connection: Connection, session_id: str) -> list[encoding.ChildEncoding]:
    """The session's deposit, in the order of its refs (as the partner matches with it, so
    that both sides' one-to-one assignment breaks ties alike)."""
    rows = connection.execute(select(exchange_deposit).where(
        exchange_deposit.c.session_id == session_id,
    ).order_by(exchange_deposit.c.ref)).all()  # fmt: skip
    return [encoding.ChildEncoding(r.ref, bytes(r.clk), tuple(r.blocks)) for r in rows]
