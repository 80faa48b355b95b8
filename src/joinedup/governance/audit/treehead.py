"""A signed tree head as data: ``(tree_size, root_hash, signed_at)``, the key that signed it and
the signature, and the exact bytes a signature covers. What ``heads`` stores, ``keys``
checks and ``witness`` remembers; imports none of them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from joinedup.errors import JoinedUpError
from joinedup.governance.audit.chain import as_utc

HEAD_DOMAIN = b"joinedup-audit-tree-head/v1\n"  # so a head signature means nothing else


class AuditLogBroken(JoinedUpError):
    """The log fails its own checks: ``checkpoint`` refuses to sign it, proofs refuse to be
    made from it, ``joinedup audit verify`` exits with this code."""

    exit_code = 8


@dataclass(frozen=True, slots=True)
class TreeHead:
    tree_size: int
    root_hash: str  # hex
    signed_at: datetime
    key_id: str
    signature: str  # base64

    def message(self) -> bytes:
        return head_message(self.tree_size, self.root_hash, self.signed_at)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: what a proof recipient needs to check the signature."""
        return asdict(self) | {"signed_at": as_utc(self.signed_at).isoformat()}


def head_message(tree_size: int, root_hash: str, signed_at: datetime) -> bytes:
    """The exact bytes signed for a head (UTC timestamp, so both databases agree)."""
    return HEAD_DOMAIN + f"{tree_size}\n{root_hash}\n{as_utc(signed_at).isoformat()}\n".encode()
