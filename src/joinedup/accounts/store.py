"""Accounts and sessions in the store (SQLAlchemy Core on the caller's connection).

Every function runs inside the caller's transaction, and writes its audit entry there, so
the sign-in and its record commit or fail together.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from joinedup.accounts import throttle
from joinedup.accounts.model import (
    SESSION_IDLE,
    SESSION_LIFETIME,
    TOUCH_EVERY,
    Account,
    NotSignedIn,
    Session,
    SignInThrottled,
    aware,
)
from joinedup.accounts.passwords import check_new_password
from joinedup.accounts.secrets import (
    hash_password,
    needs_rehash,
    new_token,
    token_hash,
    verify_password,
)
from joinedup.domain.agencies import agency as agency_of
from joinedup.errors import BadInput, Conflict, Forbidden, NotFound
from joinedup.governance.audit import append
from joinedup.governance.roles import ROLE_RULES
from joinedup.governance.roles import role as role_of
from joinedup.store.account_tables import account as account_t
from joinedup.store.account_tables import account_session as session_t

WRONG_CREDENTIALS = "wrong username or password"


def _audit(
    connection: Connection, kind: str, actor: str, role: str | None, /, **details: Any
) -> None:
    append(connection, kind=kind, actor=actor, actor_role=role, details=details)


def check_new_account(username: str, role: str, agency: str) -> tuple[str, str, str]:
    """The cleaned username, role and agency; refuses a role the agency does not employ."""
    name = username.strip().lower()
    if not name or len(name) > 200 or any(c.isspace() for c in name):
        raise BadInput("a username is one word of at most 200 characters (an email will do)")
    the_role = role_of(role)
    the_agency = agency_of(agency).id
    if the_agency not in ROLE_RULES[the_role].agencies:
        raise BadInput(f"a {ROLE_RULES[the_role].title} does not work for {the_agency.value}")
    return name, the_role.value, the_agency.value


def create(
    connection: Connection,
    *,
    username: str,
    role: str,
    agency: str,
    display_name: str,
    password: str | None,
    team: str | None = None,
    practitioner_key: str | None = None,
    provider: str = "local",
    subject: str | None = None,
    created_by: str = "system",
    now: datetime | None = None,
) -> Account:
    name, the_role, the_agency = check_new_account(username, role, agency)
    if password is not None:
        check_new_password(password, name)
    if connection.execute(select(account_t.c.id).where(account_t.c.username == name)).first():
        raise Conflict(f"there is already an account {name!r}")
    now = now or datetime.now(UTC)
    key = connection.execute(
        insert(account_t).values(
            username=name,
            password_hash=hash_password(password) if password is not None else None,
            role=the_role,
            agency=the_agency,
            team=(team or "").strip() or None,
            practitioner_key=(practitioner_key or "").strip() or None,
            display_name=display_name.strip() or name,
            provider=provider,
            subject=subject,
            disabled=False,
            created_at=now,
            failed_logins=0,
        )
    ).inserted_primary_key
    assert key is not None
    _audit(
        connection,
        "ACCOUNT_CREATED",
        created_by,
        None,
        username=name,
        role=the_role,
        agency=the_agency,
        provider=provider,
    )
    return get(connection, name)


def get(connection: Connection, username: str) -> Account:
    row = connection.execute(
        select(account_t).where(account_t.c.username == username.strip().lower())
    ).first()
    if row is None:
        raise NotFound(f"no account {username!r}")
    return Account.from_row(row)


def find_by_subject(connection: Connection, provider: str, subject: str) -> Account | None:
    row = connection.execute(
        select(account_t).where(account_t.c.provider == provider, account_t.c.subject == subject)
    ).first()
    return None if row is None else Account.from_row(row)


def follow_provider(connection: Connection, found: Account, role: str, agency: str) -> Account:
    """An OIDC account with the role and agency its provider's claims name now (the provider
    is where people join, move and leave), the change audited; as it was when unchanged."""
    _name, the_role, the_agency = check_new_account(found.username, role, agency)
    if (the_role, the_agency) == (found.role, found.agency):
        return found
    connection.execute(
        update(account_t).where(account_t.c.id == found.id).values(role=the_role, agency=the_agency)
    )
    _audit(
        connection,
        "ACCOUNT_CHANGED",
        found.provider,
        None,
        username=found.username,
        role=the_role,
        agency=the_agency,
        was_role=found.role,
        was_agency=found.agency,
    )
    return replace(found, role=the_role, agency=the_agency)


def record_refusal(connection: Connection, username: str, role: str, reason: str, via: str) -> None:
    """A sign-in refused after the provider authenticated the person (audited)."""
    _audit(connection, "LOGIN_FAILED", username, role, reason=reason, via=via)


def list_all(connection: Connection) -> list[Account]:
    rows = connection.execute(select(account_t).order_by(account_t.c.username))
    return [Account.from_row(r) for r in rows]


def disable(connection: Connection, username: str, *, disabled_by: str) -> Account:
    """Disable an account and end every session it has."""
    found = get(connection, username)
    now = datetime.now(UTC)
    connection.execute(update(account_t).where(account_t.c.id == found.id).values(disabled=True))
    connection.execute(
        update(session_t)
        .where(session_t.c.account_id == found.id, session_t.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    _audit(connection, "ACCOUNT_DISABLED", disabled_by, None, username=found.username)
    return replace(found, disabled=True)


def set_password(connection: Connection, username: str, password: str, *, set_by: str) -> Account:
    """Give a local account a new password (the same rules as a new account's); every
    session it has ends and its failed sign-ins are forgotten."""
    found = get(connection, username)
    check_new_password(password, found.username)
    now = datetime.now(UTC)
    connection.execute(
        update(account_t)
        .where(account_t.c.id == found.id)
        .values(password_hash=hash_password(password))
    )
    connection.execute(
        update(session_t)
        .where(session_t.c.account_id == found.id, session_t.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    throttle.forget(connection, account=found.username)
    _audit(connection, "PASSWORD_SET", set_by, None, username=found.username)
    return found


def authenticate(
    connection: Connection,
    username: str,
    password: str,
    now: datetime | None = None,
    *,
    source: str | None = None,
) -> Account:
    """The account if the password matches and it is not disabled. Refused attempts answer
    alike whether or not the name is an account's: ``NotSignedIn`` for a wrong name or
    password (after the same argon2 work), ``SignInThrottled`` while the source, or the name
    for a source that has failed too, must wait (``throttle``). Every outcome is audited
    with the source; each failure is counted in the store."""
    now = now or datetime.now(UTC)
    name = username.strip().lower()[:200]
    place = throttle.source_key(source)
    wait = throttle.wait_needed(connection, name, place, now)
    if wait is not None:
        _, longer = throttle.record_failure(connection, throttle.SOURCE, place, now)
        seconds = max(1, int(max(wait, longer).total_seconds() + 0.999))
        raise SignInThrottled(
            f"too many failed sign-ins: wait {seconds} second{'s' if seconds != 1 else ''} "
            "and try again"
        )
    row = connection.execute(select(account_t).where(account_t.c.username == name)).first()
    # An unknown name costs the same argon2 work as a wrong password, and counts the same.
    if not verify_password(row.password_hash if row is not None else None, password):
        reason = "unknown username" if row is None else "wrong password"
        _record_failure(connection, name, row.role if row is not None else None, place, now)
        _audit(
            connection, "LOGIN_FAILED", name or "(blank)", row.role if row else None,
            reason=reason, source=place,
        )  # fmt: skip
        raise NotSignedIn(WRONG_CREDENTIALS)
    assert row is not None
    if row.disabled:
        _audit(connection, "LOGIN_FAILED", name, row.role, reason="account disabled", source=place)
        raise Forbidden("this account is disabled: ask an administrator")
    throttle.forget(connection, account=name, source=place)
    values: dict[str, Any] = {"last_login_at": now}
    if needs_rehash(row.password_hash):
        values["password_hash"] = hash_password(password)
    connection.execute(update(account_t).where(account_t.c.id == row.id).values(**values))
    return Account.from_row(row)


def _record_failure(
    connection: Connection, name: str, role: str | None, place: str, now: datetime
) -> None:
    """Count the failure against the name and the source; the first time either must wait,
    that is audited too."""
    for scope, key in ((throttle.ACCOUNT, name), (throttle.SOURCE, place)):
        failures, delay = throttle.record_failure(connection, scope, key, now)
        if failures == throttle.FREE_FAILURES:
            _audit(
                connection, "SIGN_IN_THROTTLED", name or "(blank)", role,
                scope=scope, key=key, failures=failures, delay_seconds=delay.total_seconds(),
            )  # fmt: skip


def open_session(
    connection: Connection,
    found: Account,
    *,
    via: str = "password",
    now: datetime | None = None,
    id_token: str | None = None,
) -> tuple[str, Session]:
    """A new session for a signed-in account: returns the cookie's token (shown once, never
    stored) and the session. ``id_token``: the identity provider's, kept for the logout."""
    now = now or datetime.now(UTC)
    token = new_token()
    csrf = secrets.token_urlsafe(32)
    key = connection.execute(
        insert(session_t).values(
            token_sha256=token_hash(token),
            account_id=found.id,
            csrf_token=csrf,
            purpose=None,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
            id_token=id_token,
        )
    ).inserted_primary_key
    assert key is not None
    _audit(connection, "LOGIN", found.username, found.role, agency=found.agency, via=via)
    return token, Session(int(key[0]), found, csrf, None, now + SESSION_LIFETIME, now)


def session_for(
    connection: Connection, token: str, now: datetime | None = None, *, touch: bool = True
) -> Session:
    """The live session a cookie's token names, or ``NotSignedIn``. With ``touch``, a
    session not seen for ``TOUCH_EVERY`` is marked seen now (the idle clock restarts);
    without, the caller does that (``needs_touch``, ``touch_session``) in a write of its own,
    so the lookup itself can run without the write lock."""
    now = now or datetime.now(UTC)
    row = connection.execute(
        select(
            session_t.c.id.label("session_id"),
            session_t.c.csrf_token,
            session_t.c.purpose,
            session_t.c.expires_at,
            session_t.c.last_seen_at,
            session_t.c.revoked_at,
            account_t,
        )
        .join(account_t, account_t.c.id == session_t.c.account_id)
        .where(session_t.c.token_sha256 == token_hash(token))
    ).first()
    if row is None or row.revoked_at is not None or row.disabled:
        raise NotSignedIn("you are not signed in")
    expires, seen = aware(row.expires_at), aware(row.last_seen_at)
    assert expires is not None and seen is not None
    if now >= expires or now - seen > SESSION_IDLE:
        raise NotSignedIn("your session has ended: sign in again")
    if touch and now - seen > TOUCH_EVERY:
        touch_session(connection, int(row.session_id), now)
        seen = now
    return Session(
        int(row.session_id), Account.from_row(row), row.csrf_token, row.purpose, expires, seen
    )


def needs_touch(session: Session, now: datetime | None = None) -> bool:
    return (now or datetime.now(UTC)) - session.last_seen_at > TOUCH_EVERY


def touch_session(connection: Connection, session_id: int, now: datetime) -> None:
    """Mark the session seen at ``now`` (never back in time: a slower request that read it
    earlier does not undo a later one)."""
    connection.execute(
        update(session_t)
        .where(session_t.c.id == session_id, session_t.c.last_seen_at < now)
        .values(last_seen_at=now)
    )


def revoke(connection: Connection, session: Session, now: datetime | None = None) -> str | None:
    """End the session (audited); returns the identity provider's ID token it held (None
    for a password sign-in), which is forgotten here."""
    now = now or datetime.now(UTC)
    id_token = connection.execute(
        select(session_t.c.id_token).where(session_t.c.id == session.id)
    ).scalar_one_or_none()
    connection.execute(
        update(session_t)
        .where(session_t.c.id == session.id, session_t.c.revoked_at.is_(None))
        .values(revoked_at=now, id_token=None)
    )
    _audit(connection, "LOGOUT", session.account.username, session.account.role)
    return None if id_token is None else str(id_token)


def declare_purpose(connection: Connection, session: Session, purpose: str) -> Session:
    """Record the purpose the reader declared for this session (checked against their
    role by the caller), audited."""
    connection.execute(
        update(session_t).where(session_t.c.id == session.id).values(purpose=purpose)
    )
    append(
        connection,
        kind="PURPOSE_DECLARED",
        actor=session.account.username,
        actor_role=session.account.role,
        purpose=purpose,
        details={"agency": session.account.agency},
    )
    return replace(session, purpose=purpose)
