"""Replay protection for partner requests (issue 24): a signed request is good once.

A partner's signature (``exchange.signing``) binds the method, path, time of signing and
body, and is refused outside its five-minute window; within the window the same bytes
could be sent again by whoever captured them. So each request admitted leaves a nonce (a
digest of the partner and the signed message: the same message signed twice, or signed
once and replayed, is the same nonce), kept until its window has passed; a request whose
nonce is already held is refused (409) and audited (``EXCHANGE_REPLAY_REFUSED``). Nonces
past their window are purged as requests come in: a request signed that long ago is
refused by its time anyway.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Engine, delete, insert
from sqlalchemy.exc import IntegrityError

from joinedup.errors import Conflict
from joinedup.exchange import signing
from joinedup.exchange.terms import PURPOSE
from joinedup.governance.audit import append
from joinedup.store.exchange_tables import exchange_nonce


class Replayed(Conflict):
    """The same signed partner request, a second time."""


def nonce(partner: str, method: str, path: str, body: bytes, signed_at: str) -> str:
    message = signing.message(method, path, signed_at, body)
    return hashlib.sha256(partner.encode() + b"\n" + message).hexdigest()


def admit(
    engine: Engine, partner: str, method: str, path: str, body: bytes, signed_at: str,
    now: datetime,
) -> None:  # fmt: skip
    """Keep the request's nonce, or refuse it as a replay (``Replayed``, audited). Call it
    after the signature checked (``signing.check``: the time is well formed, in the window)."""
    digest = nonce(partner, method, path, body, signed_at)
    expires = datetime.fromisoformat(signed_at) + signing.WINDOW
    with engine.begin() as connection:
        connection.execute(delete(exchange_nonce).where(exchange_nonce.c.expires_at < now))
        try:
            with connection.begin_nested():
                connection.execute(insert(exchange_nonce).values(
                    partner=partner, digest=digest, expires_at=expires))  # fmt: skip
            return
        except IntegrityError:
            append(connection, kind="EXCHANGE_REPLAY_REFUSED", actor=f"partner:{partner}",
                   purpose=PURPOSE, details={"partner": partner, "method": method,
                   "path": path, "signed_at": signed_at, "nonce": digest[:16]},
                   recorded_at=now)  # fmt: skip
    raise Replayed(f"this signed request from {partner} was received before (a replay): "
                   "sign each request afresh")  # fmt: skip
