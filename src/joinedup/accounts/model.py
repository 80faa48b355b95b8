"""An account as plain data, and the rules of signing in (lockout, session lifetime)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from joinedup.errors import Forbidden, JoinedUpError

# Five wrong passwords within fifteen minutes lock the account for fifteen minutes.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
# A session ends eight hours after sign-in (a working day), or after 30 idle minutes.
SESSION_LIFETIME = timedelta(hours=8)
SESSION_IDLE = timedelta(minutes=30)
# last_seen_at is written at most this often, so reads do not each cost a write.
TOUCH_EVERY = timedelta(seconds=60)


class NotSignedIn(JoinedUpError):
    """No valid session, or the username and password did not match."""

    http_status = 401
    exit_code = 9


class AccountLocked(Forbidden):
    """Too many failed sign-ins: the account is refused until the lockout ends."""


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything is stored in UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    username: str
    role: str
    agency: str
    display_name: str
    team: str | None = None
    practitioner_key: str | None = None
    provider: str = "local"
    disabled: bool = False
    locked_until: datetime | None = None
    last_login_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Any) -> Account:
        return cls(
            id=int(row.id),
            username=row.username,
            role=row.role,
            agency=row.agency,
            display_name=row.display_name,
            team=row.team,
            practitioner_key=row.practitioner_key,
            provider=row.provider,
            disabled=bool(row.disabled),
            locked_until=aware(row.locked_until),
            last_login_at=aware(row.last_login_at),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role,
            "agency": self.agency,
            "team": self.team,
            "practitioner_key": self.practitioner_key,
            "provider": self.provider,
            "disabled": self.disabled,
            "locked_until": self.locked_until.isoformat() if self.locked_until else None,
            "last_login_at": self.last_login_at.isoformat() if self.last_login_at else None,
        }


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in session: who, their CSRF token, and the purpose declared (if any)."""

    id: int
    account: Account
    csrf_token: str
    purpose: str | None
    expires_at: datetime
    last_seen_at: datetime
