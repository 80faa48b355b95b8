"""Use cases of accounts: add, list and disable users; sign in and out; declare a purpose.

Each function is one unit of work. A failed sign-in is committed (its audit entry and the
failure count must survive the refusal) before the refusal is raised.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from joinedup.accounts import store
from joinedup.accounts.model import Account, Session
from joinedup.errors import JoinedUpError
from joinedup.governance.reader import Reader
from joinedup.governance.roles import Role
from joinedup.store.database import READ_ONLY


def add_user(
    engine: Engine,
    *,
    username: str,
    role: str,
    agency: str,
    display_name: str,
    password: str | None,
    team: str | None = None,
    practitioner_key: str | None = None,
    created_by: str = "cli",
) -> dict[str, Any]:
    with engine.begin() as connection:
        return store.create(
            connection,
            username=username,
            role=role,
            agency=agency,
            display_name=display_name,
            password=password,
            team=team,
            practitioner_key=practitioner_key,
            created_by=created_by,
        ).to_dict()


def list_users(engine: Engine, who: Any = None) -> list[dict[str, Any]]:
    """Every account (no password hashes), for an administrator (``who``) or the operator
    at the command line (``who`` None: the audit entry names the operating-system user)."""
    from joinedup.governance import uses
    from joinedup.governance.audit import append

    if who is not None:
        uses.USERS.check(who)
    with engine.begin() as connection:
        found = [a.to_dict() for a in store.list_all(connection)]
        append(
            connection,
            kind="USERS_LISTED",
            actor=who.username if who is not None else "command line",
            actor_role=str(who.role) if who is not None else None,
            details={"accounts": len(found)},
        )
    return found


def disable_user(engine: Engine, username: str, *, disabled_by: str = "cli") -> dict[str, Any]:
    with engine.begin() as connection:
        return store.disable(connection, username, disabled_by=disabled_by).to_dict()


def set_password(
    engine: Engine, username: str, password: str, *, set_by: str = "cli"
) -> dict[str, Any]:
    """A new password for a local account (its sessions end; audited)."""
    with engine.begin() as connection:
        return store.set_password(connection, username, password, set_by=set_by).to_dict()


def sign_in(
    engine: Engine, username: str, password: str, *, source: str | None = None
) -> tuple[str, Session]:
    """A new session for the right password; ``NotSignedIn`` or ``SignInThrottled``
    otherwise (the failure is counted, committed and audited first). ``source`` is the
    client's address, which the throttle counts failures by."""
    refusal: JoinedUpError | None = None
    with engine.begin() as connection:
        try:
            account = store.authenticate(connection, username, password, source=source)
        except JoinedUpError as error:
            refusal = error
        else:
            return store.open_session(connection, account)
    raise refusal


def sign_in_account(
    engine: Engine, account: Account, *, via: str, id_token: str | None = None
) -> tuple[str, Session]:
    """A new session for an account already authenticated elsewhere (OIDC); the provider's
    ``id_token`` is kept with it for the logout."""
    with engine.begin() as connection:
        return store.open_session(connection, account, via=via, id_token=id_token)


def refuse_sign_in(engine: Engine, username: str, role: str, *, reason: str, via: str) -> None:
    """Audit a sign-in the provider allowed and joinedup refused (no second factor)."""
    with engine.begin() as connection:
        store.record_refusal(connection, username, role, reason, via)


def session_for(engine: Engine, token: str) -> Session:
    """The live session for a cookie's token. Every request asks, so the lookup is a read
    (on SQLite it does not wait for the write lock); only a session due to be marked seen
    costs a write, about once a minute."""
    now = datetime.now(UTC)
    with engine.connect().execution_options(**READ_ONLY) as connection, connection.begin():
        session = store.session_for(connection, token, now, touch=False)
    if store.needs_touch(session, now):
        with engine.begin() as connection:
            store.touch_session(connection, session.id, now)
        session = replace(session, last_seen_at=now)
    return session


def sign_out(engine: Engine, session: Session) -> str | None:
    """End the session; returns the identity provider's ID token it held, if any."""
    with engine.begin() as connection:
        return store.revoke(connection, session)


def reader_for(session: Session, purpose: str | None = None) -> Reader:
    """The reader a session acts as, for ``purpose`` (default: the one declared for the
    session); ``Forbidden`` if the role may not declare it."""
    account = session.account
    chosen = purpose or session.purpose
    if not chosen:
        from joinedup.errors import Forbidden

        raise Forbidden("declare your purpose first")
    return Reader.build(
        user_id=account.username,
        role=account.role,
        agency=account.agency,
        purpose=chosen,
        team=account.team,
        practitioner_key=account.practitioner_key,
        display_name=account.display_name,
    )


def declare_purpose(engine: Engine, session: Session, purpose: str) -> Session:
    reader = reader_for(session, purpose)  # refuses a purpose the role may not declare
    with engine.begin() as connection:
        return store.declare_purpose(connection, session, reader.purpose.value)


def oidc_account(engine: Engine, profile: dict[str, Any], *, provider: str) -> Account:
    """The account for an OIDC identity: found by (issuer, subject), with the role and agency
    the claims name now, else created from the mapped claims (role, agency, team,
    practitioner key, name)."""
    with engine.begin() as connection:
        found = store.find_by_subject(connection, provider, profile["subject"])
        if found is not None:
            return store.follow_provider(connection, found, profile["role"], profile["agency"])
        return store.create(
            connection,
            username=profile["username"],
            role=profile["role"],
            agency=profile["agency"],
            display_name=profile["display_name"],
            password=None,
            team=profile.get("team"),
            practitioner_key=profile.get("practitioner_key"),
            provider=provider,
            subject=profile["subject"],
            created_by=provider,
        )


def has_role(session: Session, *roles: Role) -> bool:
    return session.account.role in {r.value for r in roles}
