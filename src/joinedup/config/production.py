"""What ``JOINEDUP_ENV=production`` refuses: defaults, and values, that are right on a
developer's machine (the demo, the tests) and wrong where children's data is served.

- ``JOINEDUP_SECRET_KEY`` unset (a random key per start: each server process, and each
  restart, signs the OIDC state cookie with its own key, so a sign-in through the identity
  provider that comes back to another process fails) or shorter than 32 characters;
- ``JOINEDUP_COOKIE_SECURE=0`` (session cookies would travel over plain http);
- ``JOINEDUP_PSEUDONYM_KEY`` unset or shorter than 32 characters (derived from the audit
  signing key, the pseudonyms would change when that key is rotated, and one stolen key
  would give both);
- ``JOINEDUP_SMTP_URL`` plain ``smtp://`` without STARTTLS to a relay off this machine, and
  a webhook (``JOINEDUP_ALERT_WEBHOOK_URL``, ``JOINEDUP_ALERT_OPERATOR_WEBHOOK_URL``) over
  plain ``http://`` off this machine: alerts name children.

The web app (``create_app``), ``joinedup serve`` and the alerts worker call ``refuse`` as
they start; the error names every problem at once, in one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from joinedup.config.base import LOOPBACK, ConfigError

if TYPE_CHECKING:
    from joinedup.config import Settings

MIN_KEY_LENGTH = 32


def _off_this_machine(url: str) -> str | None:
    """The host of ``url`` when it is not loopback (None when it is)."""
    host = urlsplit(url).hostname or "localhost"
    return None if host in LOOPBACK else host


def _key_problem(name: str, value: str | None, unset: str) -> str | None:
    if not value:
        return f"{name} is unset ({unset})"
    if len(value) < MIN_KEY_LENGTH:
        return f"{name} is shorter than {MIN_KEY_LENGTH} characters"
    return None


def problems(settings: Settings) -> list[str]:
    """Every setting ``production`` refuses, as a phrase naming its variable."""
    found = [
        _key_problem(
            "JOINEDUP_SECRET_KEY",
            settings.web.secret_key,
            "each process would sign sign-in state with a random key of its own",
        ),
        None if settings.web.cookie_secure else "JOINEDUP_COOKIE_SECURE=0 (cookies over http)",
        _key_problem(
            "JOINEDUP_PSEUDONYM_KEY",
            settings.retention.pseudonym_key,
            "derived from the audit signing key, pseudonyms would change when it is rotated",
        ),
    ]
    smtp = settings.alerts.smtp_url
    if smtp and urlsplit(smtp).scheme == "smtp":
        starttls = parse_qs(urlsplit(smtp).query).get("starttls", ["0"])[0]
        host = _off_this_machine(smtp)
        if starttls not in ("1", "true", "yes") and host:
            found.append(f"JOINEDUP_SMTP_URL sends alerts unencrypted to {host}")
    for name, url in (
        ("JOINEDUP_ALERT_WEBHOOK_URL", settings.alerts.webhook_url),
        ("JOINEDUP_ALERT_OPERATOR_WEBHOOK_URL", settings.alerts.operator_webhook_url),
    ):
        host = _off_this_machine(url) if url and urlsplit(url).scheme == "http" else None
        if host:
            found.append(f"{name} posts unencrypted (http://) to {host}")
    return [problem for problem in found if problem]


def refuse(settings: Settings) -> None:
    """``ConfigError`` listing every problem when ``JOINEDUP_ENV=production``."""
    if settings.environment != "production":
        return
    found = problems(settings)
    if found:
        raise ConfigError(
            "JOINEDUP_ENV=production refuses to start: " + "; ".join(found) + " (see the "
            "README's Configuration)"
        )
