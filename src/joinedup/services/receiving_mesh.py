"""``joinedup receive mesh``: the partnership's MESH mailbox polled, each delivery message
taken into the ingest, its receipt sent back to the sender, then acknowledged.

In: the messages waiting in the mailbox (``receive.mesh.Mailbox``). Out: one outcome per
message (taken, refused or failed), each delivery ingested once (the ingest knows every
manifest it has taken, so a message seen again after a crash before its acknowledgement is
"unchanged"), a receipt (counts and codes, or the reason it was refused) in the sender's
mailbox, and the audit entries of ``services.receiving``.

A message from a mailbox not named in ``JOINEDUP_MESH_SENDERS`` is refused (and
acknowledged, with a receipt saying why: left unacknowledged it would be fetched for ever).
A failure that is not the delivery's fault (the store down) leaves the message
unacknowledged, to be taken on the next poll.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from joinedup.config import settings
from joinedup.errors import BadInput, DeliveryRejected
from joinedup.receive.mesh import DELIVERY_WORKFLOW, RECEIPT_WORKFLOW, Mailbox, unpack
from joinedup.services import delivery_schedule, receiving

CHANNEL = "mesh"


def open_mailbox() -> Mailbox:
    """The partnership's mailbox from the settings; one line naming what is missing."""
    mesh = settings().mesh
    needed = {
        "JOINEDUP_MESH_URL": mesh.url,
        "JOINEDUP_MESH_MAILBOX": mesh.mailbox,
        "JOINEDUP_MESH_PASSWORD": mesh.password,
        "JOINEDUP_MESH_SHARED_KEY": mesh.shared_key,
    }
    missing = [name for name, value in needed.items() if not value]
    if missing:
        raise BadInput(f"the MESH receiver needs {', '.join(missing)}")
    cert = (mesh.client_cert, mesh.client_key) if mesh.client_cert and mesh.client_key else None
    return Mailbox.connect(
        str(mesh.url),
        str(mesh.mailbox),
        str(mesh.password),
        str(mesh.shared_key),
        cert=cert,
        verify=mesh.ca_bundle,
    )


def receive_once(engine: Engine, mailbox: Mailbox) -> list[dict[str, Any]]:
    """Take every delivery message waiting; one outcome each."""
    return [_take_message(engine, mailbox, message_id) for message_id in mailbox.waiting()]


def _take_message(engine: Engine, mailbox: Mailbox, message_id: str) -> dict[str, Any]:
    mesh = settings().mesh
    message = mailbox.fetch(message_id)
    sender = message.sender.upper()
    agency = mesh.senders.get(sender)
    name = f"mesh-{message_id}"[:60]
    outcome: dict[str, Any] = {"message_id": message_id, "sender": sender, "agency": agency}
    try:
        if agency is None:
            raise DeliveryRejected(f"mailbox {sender[:20]} is not a sender this partnership knows")
        if message.workflow_id not in (None, "", DELIVERY_WORKFLOW):
            raise DeliveryRejected(
                f"workflow {str(message.workflow_id)[:40]} is not {DELIVERY_WORKFLOW}"
            )
        folder = Path(settings().ingest.receive_dir) / agency / name
        unpack(message.content, folder, max_bytes=mesh.max_bytes)
        answer = receiving.take(engine, agency, folder, channel=CHANNEL, name=name)
        outcome |= {"outcome": "taken", "receipt": answer}
    except DeliveryRejected as rejected:
        reason = receiving.without_server_paths(str(rejected))
        if agency is None or "zip" in reason:
            # refused before receiving.take saw it (which audits its own refusals)
            receiving.refused(engine, agency or f"mailbox:{sender}", name, reason, CHANNEL)
        outcome |= {"outcome": "refused", "receipt": {"status": "refused", "reason": reason}}
    mailbox.send(
        message.sender,
        json.dumps(outcome["receipt"], sort_keys=True).encode(),
        workflow_id=RECEIPT_WORKFLOW,
        subject=f"joinedup receipt for {message_id}"[:100],
    )
    mailbox.acknowledge(message_id)
    return outcome


def run(
    engine: Engine,
    *,
    once: bool,
    interval: float,
    report: Callable[[dict[str, Any]], None],
) -> int:
    """Poll until stopped (or once); the number of messages taken or refused."""
    handled = 0
    while True:
        mailbox = open_mailbox()
        try:
            for outcome in receive_once(engine, mailbox):
                report(outcome)
                handled += 1
        finally:
            mailbox.close()
        for late in delivery_schedule.warn_late(engine):
            report({"outcome": "late", **late})
        if once:
            return handled
        time.sleep(interval)
