"""An account as plain data, and the rules of signing in (session lifetime; the sign-in
throttle's rules are in ``throttle``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from joinedup.errors import JoinedUpError

# A session ends eight hours after sign-in (a working day), or after 30 idle minutes.
SESSION_LIFETIME = timedelta(hours=8)
SESSION_IDLE = timedelta(minutes=30)
# last_seen_at is written at most this often, so reads do not each cost a write.
TOUCH_EVERY = timedelta(seconds=60)


class NotSignedIn(JoinedUpError):
    """No valid session, or the username and password did not match."""

    http_status = 401
    exit_code = 9


class SignInThrottled(JoinedUpError):
    """Too many failed sign-ins from this place, or for this name from a place that has
    failed too: the attempt is refused, unchecked, until the delay has passed. The same for
    every name, whether or not an account has it."""

    http_status = 429
    exit_code = 9


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
