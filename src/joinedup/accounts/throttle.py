"""Sign-in throttling: growing delays after repeated failures, per account name and per
source, kept in the store so every server process sees the same counts.

The policy (NCSC password guidance: throttle rather than lock, allow for mistakes; OWASP
authentication cheat sheet: a lockout anyone can trigger is a denial of service, and the
answer must not tell which accounts exist):

* Failures are counted per **source** (the client's address; an IPv6 address by its /64,
  which one machine commonly holds whole) and per **account name** as typed, whether or not
  an account has it, so the counts, the delays and the answers are the same for a name that
  exists and one that does not.
* Each key has ``FREE_FAILURES`` failures free; after that, every further attempt must wait
  a delay that doubles with each failure (1 s, 2 s, 4 s, ... at most ``MAX_DELAY``). An
  attempt during the delay is refused without checking the password, and counts against
  its source.
* A **source's** delay applies to every attempt from it. An **account name's** delay applies
  only to attempts from sources that have failed recently: the practitioner at a machine that
  has not failed still signs in with the right password while their account is being guessed
  at from elsewhere. (So each new address gets one guess before the account's delay applies
  to it too; the deny-list of common passwords is what makes those guesses futile.)
* A success forgets the source's and the name's failures; failures are forgotten anyway after
  ``QUIET`` without another.

Nothing is locked: the worst an attacker can do to a practitioner is make a machine that has
itself failed wait at most ``MAX_DELAY`` between attempts.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from joinedup.accounts.model import aware
from joinedup.store.account_tables import sign_in_throttle as throttle_t

ACCOUNT, SOURCE = "account", "source"
FREE_FAILURES = 5
MAX_DELAY = timedelta(minutes=15)
QUIET = timedelta(hours=1)
UNKNOWN_SOURCE = "unknown"


def source_key(address: str | None) -> str:
    """The key a client address is counted under: an IPv4 address itself, an IPv6 address by
    its /64 network (one machine or home usually holds all of it)."""
    if not address:
        return UNKNOWN_SOURCE
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:200]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def delay_after(failures: int) -> timedelta:
    """How long the next attempt waits after ``failures`` failures in a row."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(failures - FREE_FAILURES, 20)), MAX_DELAY)


@dataclass(frozen=True, slots=True)
class Count:
    failures: int
    blocked_until: datetime | None


def _count(connection: Connection, scope: str, key: str, now: datetime) -> Count:
    row = connection.execute(
        select(throttle_t.c.failures, throttle_t.c.last_failure_at, throttle_t.c.blocked_until)
        .where(throttle_t.c.scope == scope, throttle_t.c.key == key)
        .with_for_update()
    ).first()
    last = aware(row.last_failure_at) if row is not None else None
    if row is None or last is None or now - last > QUIET:
        return Count(0, None)
    return Count(int(row.failures), aware(row.blocked_until))


def wait_needed(
    connection: Connection, account: str, source: str, now: datetime
) -> timedelta | None:
    """How long this attempt must still wait (None: it may be checked now)."""
    from_source = _count(connection, SOURCE, source, now)
    waits = [from_source.blocked_until]
    if from_source.failures:  # a source that has failed meets the name's delay too
        waits.append(_count(connection, ACCOUNT, account, now).blocked_until)
    until = max((w for w in waits if w is not None and w > now), default=None)
    return None if until is None else until - now


def _insert(connection: Connection) -> Any:
    return postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert


def record_failure(
    connection: Connection, scope: str, key: str, now: datetime
) -> tuple[int, timedelta]:
    """Count a failure against one key; returns its failures in a row and the delay the next
    attempt must wait."""
    connection.execute(
        _insert(connection)(throttle_t)
        .values(scope=scope, key=key, failures=0)
        .on_conflict_do_nothing()
    )
    failures = _count(connection, scope, key, now).failures + 1
    delay = delay_after(failures)
    connection.execute(
        update(throttle_t)
        .where(throttle_t.c.scope == scope, throttle_t.c.key == key)
        .values(
            failures=failures,
            last_failure_at=now,
            blocked_until=now + delay if delay else None,
        )
    )
    # Keys nobody has failed on for a quiet hour are forgotten (names tried at random pile up).
    connection.execute(delete(throttle_t).where(throttle_t.c.last_failure_at < now - QUIET))
    return failures, delay


def forget(connection: Connection, *, account: str, source: str | None = None) -> None:
    """A success (or a new password): the name's failures, and the source's, no longer
    count."""
    keys = [(ACCOUNT, account)] + ([(SOURCE, source)] if source is not None else [])
    for scope, key in keys:
        connection.execute(
            delete(throttle_t).where(throttle_t.c.scope == scope, throttle_t.c.key == key)
        )
