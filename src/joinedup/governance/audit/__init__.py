"""The tamper-evident audit log: hash-linked entries with signed Merkle tree heads.

``append`` (log) writes an entry in the caller's transaction; ``checkpoint`` (heads) signs a
tree head; ``verify_log`` (verify) checks everything; ``proofs`` makes and checks inclusion
and consistency proofs; ``merkle`` is the RFC 6962 hashing they all share.
"""

from joinedup.governance.audit.heads import AuditLogBroken, TreeHead, checkpoint
from joinedup.governance.audit.log import AuditEntry, append, append_many, canonical_bytes
from joinedup.governance.audit.verify import VerifyResult, verify_log

__all__ = [
    "AuditEntry",
    "AuditLogBroken",
    "TreeHead",
    "VerifyResult",
    "append",
    "append_many",
    "canonical_bytes",
    "checkpoint",
    "verify_log",
]
