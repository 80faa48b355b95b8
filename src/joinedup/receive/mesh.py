"""Deliveries by MESH, NHS England's Message Exchange for Social Care and Health: how health
organisations already send files to each other (CP-IS itself travels over it).

An agency sends its delivery folder as one MESH message to the partnership's mailbox: a zip
of ``manifest.json`` and the files it lists, with the workflow id ``SAFEGUARDING_DELIVERY``.
``joinedup receive mesh`` polls the mailbox with NHS England's maintained ``mesh-client``
library (its authentication, chunking and retries), unpacks each message into a delivery
folder for the ingest, sends the receipt back to the sender's mailbox (workflow
``SAFEGUARDING_RECEIPT``), and only then acknowledges the message: a receiver killed at any point
before the acknowledgement finds the message again on its next poll, and the ingest, which
knows every manifest it has taken, takes it once.

The zip is opened as hostile input: only plain file names (no folders, no ``..``, no links),
at most ``MAX_MEMBERS`` of them, and no more bytes written than ``max_bytes`` whatever the
zip's headers claim.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from joinedup.errors import DeliveryRejected

DELIVERY_WORKFLOW = "SAFEGUARDING_DELIVERY"
RECEIPT_WORKFLOW = "SAFEGUARDING_RECEIPT"
MAX_MEMBERS = 200


@dataclass(frozen=True)
class MeshMessage:
    message_id: str
    sender: str  # the sending mailbox
    workflow_id: str | None
    content: bytes


def pack(folder: Path) -> bytes:
    """A delivery folder as the zip an agency sends (manifest.json and the files it lists)."""
    manifest = json.loads((folder / "manifest.json").read_bytes())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(folder / "manifest.json", "manifest.json")
        for entry in manifest.get("files", []):
            archive.write(folder / entry["path"], entry["path"])
    return buffer.getvalue()


def unpack(content: bytes, folder: Path, *, max_bytes: int) -> None:
    """A received zip into ``folder`` (made empty first); refused whole, with the member at
    fault named, when it is not a flat zip of plain files within the limits."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise DeliveryRejected("the MESH message is not a zip of a delivery folder") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise DeliveryRejected(f"the zip holds {len(members)} files; at most {MAX_MEMBERS}")
        names = [_plain_name(m) for m in members]
        if len(set(names)) != len(names):
            raise DeliveryRejected("the zip holds the same file name twice")
        if "manifest.json" not in names:
            raise DeliveryRejected("the zip holds no manifest.json")
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        written = 0
        for member, name in zip(members, names, strict=True):
            with archive.open(member) as source, (folder / name).open("wb") as target:
                for block in iter(lambda s=source: s.read(1 << 20), b""):  # type: ignore[misc]
                    written += len(block)
                    if written > max_bytes:
                        shutil.rmtree(folder, ignore_errors=True)
                        raise DeliveryRejected(
                            f"the zip unpacks to more than {max_bytes:,} bytes (at {name})"
                        )
                    target.write(block)


def _plain_name(member: zipfile.ZipInfo) -> str:
    name = member.filename
    pure = PurePosixPath(name)
    is_link = (member.external_attr >> 16) & 0o170000 == 0o120000
    if (
        member.is_dir()
        or is_link
        or len(pure.parts) != 1
        or name in ("", ".", "..")
        or "\\" in name
        or not name.isprintable()
    ):
        raise DeliveryRejected(
            f"zip member {name[:80]!r} is not a plain file name (no folders, links or paths)"
        )
    return name


class Mailbox:
    """The partnership's MESH mailbox, through ``mesh_client.MeshClient``."""

    def __init__(self, client: Any) -> None:
        self.client = client

    @classmethod
    def connect(
        cls,
        url: str,
        mailbox: str,
        password: str,
        shared_key: str,
        *,
        cert: tuple[str, str] | None = None,
        verify: str | bool | None = None,
    ) -> Mailbox:
        from mesh_client import MeshClient  # the MESH extra; imported when a mailbox opens

        client = MeshClient(
            url, mailbox, password, shared_key=shared_key.encode(), cert=cert, verify=verify
        )
        client.handshake()
        return cls(client)

    def waiting(self) -> list[str]:
        return [str(m) for m in self.client.list_messages()]

    def fetch(self, message_id: str) -> MeshMessage:
        message = self.client.retrieve_message(message_id)
        try:
            content = message.read()
        finally:
            message.close()
        return MeshMessage(
            message_id,
            str(getattr(message, "sender", "") or ""),
            getattr(message, "workflow_id", None),
            content,
        )

    def acknowledge(self, message_id: str) -> None:
        self.client.acknowledge_message(message_id)

    def send(self, recipient: str, content: bytes, *, workflow_id: str, subject: str) -> str:
        return str(
            self.client.send_message(recipient, content, workflow_id=workflow_id, subject=subject)
        )

    def close(self) -> None:
        self.client.close()

    def __iter__(self) -> Iterator[str]:
        return iter(self.waiting())
