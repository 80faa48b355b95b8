"""The demo's mail sink: a local SMTP server (aiosmtpd, on loopback) that takes every email
the alerts worker sends and keeps it in the store, so the administrator running the demo
reads what was sent on a page (``/admin/mail``) instead of every inbox staying empty.

In: emails over SMTP (the worker's ``JOINEDUP_SMTP_URL`` points here in the demo). Out: one
``mail_sink_message`` row each (to, subject, when, body as sent) and ``sent_mail`` for the
page. An alert's email holds only what its recipient may see (minimised when it was raised);
reading them back is still the administrator's alone (``uses.MAIL_SINK``) and audited
(``MAIL_SINK_READ``).

Nothing but the demo starts a sink; aiosmtpd (the ``synth`` extra, which the demo needs
anyway) is imported only when one starts.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Engine, func, insert, select

from joinedup.governance import uses
from joinedup.governance.audit import append
from joinedup.store.alert_tables import mail_sink_message

SHOWN = 100  # the newest emails the page lists


def _body(message: EmailMessage) -> str:
    """The text of an email as its recipient reads it (quoted-printable decoded)."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    return str(part.get_content())


def keep(engine: Engine, content: bytes, mail_from: str, rcpt_tos: list[str]) -> int:
    """Store one received email; its id."""
    parsed = message_from_bytes(content, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    with engine.begin() as connection:
        key = connection.execute(
            insert(mail_sink_message).values(
                received_at=datetime.now(UTC),
                mail_from=mail_from[:320],
                mail_to=", ".join(rcpt_tos),
                subject=str(parsed.get("Subject", ""))[:400],
                message_id=str(parsed.get("Message-ID", ""))[:400] or None,
                body=_body(parsed),
            )
        ).inserted_primary_key
    assert key is not None
    return int(key[0])


class _Handler:
    """aiosmtpd's handler: each message's DATA is kept in the store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        keep(self.engine, envelope.content, envelope.mail_from or "", list(envelope.rcpt_tos))
        return "250 OK: kept in the demo's mail sink"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class MailSink:
    """``with MailSink(engine) as sink:`` an SMTP server on ``sink.url`` (loopback) until the
    block ends; ``port`` 0 takes a free one."""

    def __init__(self, engine: Engine, port: int = 0, host: str = "127.0.0.1") -> None:
        self.engine, self.host = engine, host
        self.port = port or free_port(host)
        self.controller: Any = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> MailSink:
        from aiosmtpd.controller import Controller

        self.controller = Controller(_Handler(self.engine), hostname=self.host, port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        controller, self.controller = self.controller, None
        if controller is not None:
            controller.stop()

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def sent_mail(engine: Engine, who: Any, limit: int = SHOWN) -> dict[str, Any]:
    """The newest emails the sink received, newest first, for the administrator (checked
    against ``uses.MAIL_SINK``; the reading is audited with how many were shown)."""
    uses.MAIL_SINK.check(who)
    with engine.begin() as connection:
        total = connection.execute(select(func.count()).select_from(mail_sink_message)).scalar()
        rows = connection.execute(
            select(mail_sink_message)
            .order_by(mail_sink_message.c.received_at.desc(), mail_sink_message.c.id.desc())
            .limit(limit)
        ).mappings()
        emails = [dict(row) for row in rows]
        append(
            connection,
            kind="MAIL_SINK_READ",
            actor=who.username,
            actor_role=str(who.role),
            details={"emails_shown": len(emails), "emails_kept": int(total or 0)},
        )
    return {"total": int(total or 0), "emails": emails}
