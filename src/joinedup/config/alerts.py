"""Where alerts go and how the alerts worker paces itself ([docs/alerts.md](docs/alerts.md))."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import field_validator

from joinedup.config.base import Group, pairs, variable


class AlertSettings(Group):
    smtp_url: str | None = variable(
        "JOINEDUP_SMTP_URL",
        help="the relay alerts are emailed through: `smtps://host:465`, or "
        "`smtp://host:587?starttls=1` (plain `smtp://` only on loopback), user:password in "
        "the URL if the relay needs them",
        shown="unset: no email",
        secret=True,  # it may carry the relay's password
    )
    sender: str = variable("JOINEDUP_ALERT_FROM", "alerts@joinedup.example", "the alerts' sender")
    webhook_url: str | None = variable(
        "JOINEDUP_ALERT_WEBHOOK_URL",
        help="a webhook alerts are posted to, signed (for example the local authority's case "
        "management system)",
        shown="none",
    )
    webhook_secret: str | None = variable(
        "JOINEDUP_ALERT_WEBHOOK_SECRET",
        help="the shared secret of the webhooks' signature (HMAC-SHA-256)",
        shown="none",
        secret=True,
    )
    mash_email: str = variable(
        "JOINEDUP_ALERT_MASH_EMAIL",
        "mash@joinedup.example",
        "the MASH's address: an alert's last fallback when a child has no lead practitioner",
    )
    duty_teams: dict[str, str] = variable(
        "JOINEDUP_ALERT_DUTY_TEAMS",
        {},
        "`agency=email,...`: each agency's duty team, the fallback before the MASH (an agency "
        "named here replaces its synthetic address)",
        shown="synthetic addresses for social care, health and police",
    )
    lease_seconds: float = variable(
        "JOINEDUP_ALERT_LEASE_SECONDS",
        60.0,
        "how long a worker holds the batch it claimed before another may send it",
        shown="`60`",
        gt=0,
    )
    operator_email: str | None = variable(
        "JOINEDUP_ALERT_OPERATOR_EMAIL",
        help="who is told (through the SMTP relay) when alert work fails",
        shown="none: logged",
    )
    operator_webhook_url: str | None = variable(
        "JOINEDUP_ALERT_OPERATOR_WEBHOOK_URL",
        help="a webhook told the same, signed with the alerts' webhook secret",
        shown="none",
    )
    operator_every_seconds: float = variable(
        "JOINEDUP_ALERT_OPERATOR_EVERY_SECONDS",
        300.0,
        "at most one notice to the operator in this many seconds, across all workers",
        shown="`300`",
        ge=0,
    )
    health_max_cycle_seconds: float = variable(
        "JOINEDUP_ALERT_HEALTH_MAX_CYCLE_SECONDS",
        300.0,
        "the alerts health check fails when no worker completed a cycle in this many seconds",
        shown="`300`",
        ge=0,
    )
    health_max_dead_letter_seconds: float = variable(
        "JOINEDUP_ALERT_HEALTH_MAX_DEAD_LETTER_SECONDS",
        3600.0,
        "it also fails when an open dead letter first failed longer ago than this many seconds",
        shown="`3600`",
        ge=0,
    )
    encompass_health_email: str | None = variable(
        "JOINEDUP_ENCOMPASS_HEALTH_EMAIL",
        help="children's health (school nursing and health visiting): where the partnership's "
        "Operation Encompass protocol also notifies them, their team's secure address",
        shown="unset: schools only",
    )
    encompass_telephone: bool = variable(
        "JOINEDUP_ENCOMPASS_TELEPHONE",
        False,
        "`1`: Operation Encompass also gives the police a task to telephone the school's key "
        "adult before the start of the school day, where the protocol asks for a call",
        shown="`0`",
    )
    cp_is_ended_plan_days: int = variable(
        "JOINEDUP_CP_IS_ENDED_PLAN_DAYS",
        90,
        "the CP-IS point-of-care check still shows a plan or care episode this many days "
        "after it ended (with its end date), as the partnership's agreement sets",
        shown="`90`",
        ge=0,
        le=3650,
    )

    @field_validator("duty_teams", mode="before")
    @classmethod
    def _teams(cls, value: Any) -> Any:
        return pairs(value, "agency=email")

    @field_validator("smtp_url")
    @classmethod
    def _relay(cls, url: str | None) -> str | None:
        if url is not None and urlsplit(url).scheme not in ("smtp", "smtps"):
            raise ValueError("must be an smtps:// or smtp:// URL")  # (it may hold a password)
        return url

    @field_validator("webhook_url", "operator_webhook_url")
    @classmethod
    def _web(cls, url: str | None) -> str | None:
        if url is not None and urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"must be an https:// (or, on loopback, http://) URL, not {url!r}")
        return url
