"""Settings from environment variables, with safe defaults.

``JOINEDUP_DATABASE_URL``  SQLAlchemy URL of the store; unset means a SQLite file
                           ``joinedup.db`` in the current directory (the embedded default).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SQLITE_FILE = "joinedup.db"


@dataclass(frozen=True)
class Settings:
    database_url: str

    @classmethod
    def from_environment(cls) -> Settings:
        url = os.environ.get("JOINEDUP_DATABASE_URL", "").strip()
        if not url:
            url = f"sqlite:///{Path.cwd() / DEFAULT_SQLITE_FILE}"
        return cls(database_url=url)


def settings() -> Settings:
    return Settings.from_environment()


def _count(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return max(int(value), 1) if value else default
    except ValueError:
        return default


@dataclass(frozen=True)
class VolumeLimits:
    """How much one account may do before the privacy officer is told, and before it is
    refused (docs/governance.md, "Search" and "Break glass"): searches per hour
    (``JOINEDUP_SEARCH_NOTICE_PER_HOUR``, ``JOINEDUP_SEARCH_LIMIT_PER_HOUR``) and
    break-glass grants per 24 hours (``JOINEDUP_BREAK_GLASS_NOTICE_PER_DAY``,
    ``JOINEDUP_BREAK_GLASS_LIMIT_PER_DAY``)."""

    search_notice_per_hour: int
    search_limit_per_hour: int
    break_glass_notice_per_day: int
    break_glass_limit_per_day: int

    @classmethod
    def from_environment(cls) -> VolumeLimits:
        return cls(
            search_notice_per_hour=_count("JOINEDUP_SEARCH_NOTICE_PER_HOUR", 60),
            search_limit_per_hour=_count("JOINEDUP_SEARCH_LIMIT_PER_HOUR", 150),
            break_glass_notice_per_day=_count("JOINEDUP_BREAK_GLASS_NOTICE_PER_DAY", 3),
            break_glass_limit_per_day=_count("JOINEDUP_BREAK_GLASS_LIMIT_PER_DAY", 8),
        )


def volume_limits() -> VolumeLimits:
    return VolumeLimits.from_environment()


@dataclass(frozen=True)
class AlertSettings:
    """Where alerts go. ``JOINEDUP_SMTP_URL``: the secure relay (``smtps://host:465``, or
    ``smtp://host:587?starttls=1``; plain ``smtp://`` only on loopback), with user:password in
    the URL if the relay needs them; unset: no email. ``JOINEDUP_ALERT_FROM``: the sender.
    ``JOINEDUP_ALERT_WEBHOOK_URL`` and ``JOINEDUP_ALERT_WEBHOOK_SECRET``: one signed webhook
    (for example the local authority's case management system); unset: no webhook.
    ``JOINEDUP_ALERT_MASH_EMAIL`` and ``JOINEDUP_ALERT_DUTY_TEAMS`` (``agency=email,...``): the
    fallbacks when a child has no lead practitioner."""

    smtp_url: str | None
    sender: str
    webhook_url: str | None
    webhook_secret: str | None
    mash_email: str
    duty_teams: dict[str, str]

    @classmethod
    def from_environment(cls) -> AlertSettings:
        env = os.environ
        duty = {
            agency.strip(): email.strip()
            for agency, _, email in (
                item.partition("=")
                for item in env.get("JOINEDUP_ALERT_DUTY_TEAMS", "").split(",")
                if "=" in item
            )
        }
        return cls(
            smtp_url=env.get("JOINEDUP_SMTP_URL", "").strip() or None,
            sender=env.get("JOINEDUP_ALERT_FROM", "").strip() or "alerts@joinedup.example",
            webhook_url=env.get("JOINEDUP_ALERT_WEBHOOK_URL", "").strip() or None,
            webhook_secret=env.get("JOINEDUP_ALERT_WEBHOOK_SECRET", "").strip() or None,
            mash_email=env.get("JOINEDUP_ALERT_MASH_EMAIL", "").strip() or "mash@joinedup.example",
            duty_teams=duty,
        )


def alert_settings() -> AlertSettings:
    return AlertSettings.from_environment()
