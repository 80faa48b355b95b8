"""Channels: email through an SMTP relay (smtplib) and signed webhooks (httpx).

A message carries only the alert's governed content (already minimised for its recipient).
Each message has a stable key (``Message-ID`` for email, ``X-JoinedUp-Message`` for
webhooks), so a receiver recognises a re-delivery after a worker crash as the same message.

Webhook signature: ``X-JoinedUp-Signature: t=<unix seconds>,v1=<hex>`` where ``v1`` is
HMAC-SHA-256 with the shared secret over ``"<t>." + body`` (the body as sent, UTF-8). A
receiver recomputes it, compares in constant time and refuses a ``t`` more than five
minutes old (replay protection). ``verify_signature`` is that check.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import smtplib
import ssl
import time
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from joinedup.alerts import failures
from joinedup.config.base import LOOPBACK
from joinedup.governance.wording import code_words, uk_date, uk_datetime

TOLERANCE_SECONDS = 300


class DeliveryFailed(Exception):
    """The channel did not take the message; the worker retries with backoff."""


def render_text(alert: dict[str, Any]) -> str:
    content = alert["content"]
    lines = [alert["title"], "", str(content.get("what_happened", ""))]
    own = content.get("your_record") or {}
    if own.get("restricted"):
        lines.append(f"Child (your record): {own['restricted']}")
    elif own:
        lines.append(f"Child (your record): {own.get('name', '')} ({own.get('reference', '')})")
    lines.append(f"Child (joinedup person): {alert['child_person_id']}")
    for field, value in (content.get("details") or {}).items():
        lines.append(f"{code_words(field).capitalize()}: {_in_words(value)}")
    if content.get("withheld"):
        lines.append(
            "Withheld (ask the agency: see Who to call): " + "; ".join(content["withheld"])
        )
    lines += ["", *who_to_call(content.get("contact") or {})]
    lines += [
        f"Where to look: {content.get('where_to_look', '')}",
        f"Acknowledge by {uk_datetime(alert['due_at'])} with the action you took: "
        f"joinedup alerts ack "
        f"{alert['id']} --action '...'",
    ]
    return "\n".join(lines) + "\n"


def _in_words(value: Any) -> str:
    """A detail's value as a sentence's words: a mapping as "key: value" pairs, a list
    joined, a date as a UK date; never Python's or JSON's notation."""
    if isinstance(value, dict):
        return "; ".join(f"{code_words(k)}: {_in_words(v)}" for k, v in sorted(value.items()))
    if isinstance(value, list | tuple):
        return ", ".join(_in_words(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        return uk_datetime(value) if len(value) > 10 else uk_date(value)
    return "not recorded" if value is None else str(value)


def who_to_call(contact: dict[str, Any]) -> list[str]:
    """The "who to call and how" lines of an alert's text (``alerts.contacts``)."""
    about = ", ".join(str(contact[k]) for k in ("role", "team", "agency") if contact.get(k))
    lines = [f"Who to call: {contact.get('name') or 'the MASH'}" + (f" ({about})" if about else "")]
    if contact.get("phone"):
        hours = f" ({contact['hours']})" if contact.get("hours") else ""
        lines.append(f"  Phone: {contact['phone']}{hours}")
    if contact.get("email"):
        lines.append(f"  Secure email: {contact['email']}")
    night = contact.get("out_of_hours") or {}
    if night.get("phone"):
        hours = f", {night['hours']}" if night.get("hours") else ""
        lines.append(f"  Out of hours: {night.get('name', '')} {night['phone']}{hours}")
    return lines


_QUOTED_UTF8 = Charset("utf-8")
_QUOTED_UTF8.header_encoding = _QUOTED_UTF8.body_encoding = QP


def _email(sender: str, alert: dict[str, Any], to: str, key: str) -> Message:
    """The email of an alert. Built as a plain ``email.message.Message`` (the compat32
    policy): ``EmailMessage``'s header registry parsed and folded every header again and
    cost more CPU than sending (5-7 ms an email, the worker's largest share)."""
    text = render_text(alert)
    subject = f"[joinedup alert {alert['id']}] {alert['title']}"
    charset: Any = "us-ascii" if text.isascii() else _QUOTED_UTF8  # a Charset: quoted-printable
    message = MIMEText(text, "plain", charset)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject if subject.isascii() else Header(subject, "utf-8").encode()
    message["Message-ID"] = f"<{key.replace('@', '.').replace(' ', '')}@joinedup>"
    message["X-JoinedUp-Alert"] = str(alert["id"])
    return message


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS context of every SMTP connection, made once: loading the system's CA
    certificates took 0.2 s per connection, which is per batch of alerts."""
    return ssl.create_default_context()


class Mailer:
    """One SMTP connection for a batch of messages (``with Mailer(url) as m: m.send(...)``).
    ``smtps://`` uses TLS; ``smtp://...?starttls=1`` upgrades; plain ``smtp://`` is refused
    unless the relay is on loopback. A failed send closes the connection; the next send
    opens a new one, so one refused message does not fail the rest of the batch. A relay
    that cannot be reached fails the rest of the batch at once (each message would wait
    out the connection timeout again)."""

    def __init__(self, smtp_url: str) -> None:
        self.url = urlsplit(smtp_url)
        self.host = self.url.hostname or "localhost"
        query = parse_qs(self.url.query)
        self.starttls = query.get("starttls", ["0"])[0] in ("1", "true", "yes")
        if self.url.scheme == "smtp" and not self.starttls and self.host not in LOOPBACK:
            raise DeliveryFailed(
                f"refusing to send alerts unencrypted to {self.host}: use smtps:// or ?starttls=1"
            )
        self.client: smtplib.SMTP | None = None
        self.unreachable: str | None = None  # why connecting failed, for the rest of the batch

    def _connect(self) -> smtplib.SMTP:
        if self.url.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.url.port or 465, timeout=10, context=tls_context()
            )
        else:
            client = smtplib.SMTP(self.host, self.url.port or 25, timeout=10)
        if self.starttls:
            client.starttls(context=tls_context())
        if self.url.username:
            client.login(unquote(self.url.username), unquote(self.url.password or ""))
        return client

    def send(self, sender: str, alert: dict[str, Any], to: str, key: str) -> None:
        with failures.at(failures.RENDERING):
            message = _email(sender, alert, to, key)
        self.send_message(message)

    def send_message(self, message: Message) -> None:
        if self.unreachable is not None:
            raise DeliveryFailed(self.unreachable)
        if self.client is None:
            try:
                self.client = self._connect()
            except (OSError, smtplib.SMTPException) as error:
                self.unreachable = f"SMTP: cannot reach the relay: {error}"
                raise DeliveryFailed(self.unreachable) from None
        try:
            self.client.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise DeliveryFailed(f"SMTP: {error}") from None

    def close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def send_email(smtp_url: str, sender: str, alert: dict[str, Any], to: str, key: str) -> None:
    """Hand one alert to the relay on a connection of its own."""
    with Mailer(smtp_url) as mailer:
        mailer.send(sender, alert, to, key)


def send_text(smtp_url: str, sender: str, to: str, subject: str, text: str, key: str) -> None:
    """A plain email that is not an alert (the operator's notice of failing items)."""
    charset: Any = "us-ascii" if text.isascii() else _QUOTED_UTF8  # a Charset: quoted-printable
    message = MIMEText(text, "plain", charset)
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = f"<{key}@joinedup>"
    with Mailer(smtp_url) as mailer:
        mailer.send_message(message)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(secret: str, header: str, body: bytes, now: float | None = None) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def webhook_body(alert: dict[str, Any]) -> bytes:
    content = {k: v for k, v in alert["content"].items() if not k.startswith("_")}
    payload = {
        "alert_id": alert["id"],
        "rule": alert["rule_id"],
        "title": alert["title"],
        "child_person_id": alert["child_person_id"],
        "recipient": {
            "kind": alert["recipient_kind"],
            "agency": alert["recipient_agency"],
            "key": alert["recipient_key"],
        },
        "raised_at": alert["raised_at"],
        "due_at": alert["due_at"],
        "content": content,
        # the same "who to call and how" lines as the email, for a receiver that shows text
        "who_to_call": "\n".join(who_to_call(content.get("contact") or {})),
    }
    return json.dumps(payload, sort_keys=True, default=str).encode()


def send_webhook(
    url: str,
    secret: str | None,
    alert: dict[str, Any],
    key: str,
    client: httpx.Client | None = None,
) -> None:
    with failures.at(failures.RENDERING):
        body = webhook_body(alert)
    post_signed(url, secret, body, key, client)


def post_signed(
    url: str, secret: str | None, body: bytes, key: str, client: httpx.Client | None = None
) -> None:
    """POST ``body`` signed with the shared secret (``X-JoinedUp-Signature``)."""
    if not secret:
        raise DeliveryFailed("no webhook secret configured (JOINEDUP_ALERT_WEBHOOK_SECRET)")
    headers = {
        "Content-Type": "application/json",
        "X-JoinedUp-Message": key,
        "X-JoinedUp-Signature": signature(secret, int(time.time()), body),
    }
    try:
        post = client.post if client is not None else httpx.post
        response = post(url, content=body, headers=headers, timeout=10)
    except httpx.HTTPError as error:
        raise DeliveryFailed(f"webhook: {error}") from None
    if response.status_code >= 300:
        raise DeliveryFailed(f"webhook: HTTP {response.status_code}")
