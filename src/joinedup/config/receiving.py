"""The MESH receiver's settings (``joinedup receive mesh``): the partnership's mailbox, its
credentials, and which sending mailbox is which agency."""

from __future__ import annotations

from typing import Any

from pydantic import field_validator

from joinedup.config.base import Group, variable


class MeshSettings(Group):
    url: str | None = variable(
        "JOINEDUP_MESH_URL",
        None,
        "the MESH API's address (NHS England's, or a `mesh-sandbox` for testing)",
        shown="unset: no MESH receiver",
    )
    mailbox: str | None = variable("JOINEDUP_MESH_MAILBOX", None, "the partnership's mailbox id")
    password: str | None = variable(
        "JOINEDUP_MESH_PASSWORD", None, "the mailbox's password", secret=True, verbatim=True
    )
    shared_key: str | None = variable(
        "JOINEDUP_MESH_SHARED_KEY", None, "the MESH environment's shared key", secret=True
    )
    client_cert: str | None = variable(
        "JOINEDUP_MESH_CLIENT_CERT", None, "the mailbox's TLS client certificate (PEM file)"
    )
    client_key: str | None = variable(
        "JOINEDUP_MESH_CLIENT_KEY", None, "the client certificate's private key (PEM file)"
    )
    ca_bundle: str | None = variable(
        "JOINEDUP_MESH_CA_BUNDLE",
        None,
        "the CA bundle the MESH server's certificate is checked against",
        shown="unset: mesh-client's own for NHS England's addresses",
    )
    senders: dict[str, str] = variable(
        "JOINEDUP_MESH_SENDERS",
        {},
        "which agency each sending mailbox is, e.g. `X26HC001=health,X26HC002=health`; a "
        "message from any other mailbox is refused",
        shown="none",
    )
    max_bytes: int = variable(
        "JOINEDUP_MESH_MAX_BYTES",
        2 * 1024**3,
        "the most a delivery may unpack to",
        shown="2 GiB",
        ge=1024,
    )

    @field_validator("senders", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        found = {}
        for pair in filter(None, (p.strip() for p in value.split(","))):
            mailbox, sep, agency = pair.partition("=")
            if not sep or not mailbox.strip() or not agency.strip():
                raise ValueError(f"must be MAILBOX=agency pairs, not {pair!r}")
            found[mailbox.strip().upper()] = agency.strip()
        return found
