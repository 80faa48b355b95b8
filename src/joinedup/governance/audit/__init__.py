"""The tamper-evident audit log: hash-linked entries with signed Merkle tree heads."""

from joinedup.governance.audit.log import AuditEntry, append, canonical_bytes

__all__ = ["AuditEntry", "append", "canonical_bytes"]
