"""An alert recipient for tests that raise alerts directly (not through routing)."""

from __future__ import annotations

from joinedup.alerts import routing
from joinedup.governance.purposes import Purpose, Relationship


def social_worker(
    key: str, purpose: Purpose = Purpose.LEAD_PRACTITIONER_CASEWORK
) -> routing.Recipient:
    """A lead social worker ``key`` (email ``key@example.org``), involved with the child."""
    return routing.Recipient(
        routing.LEAD,
        "social_care",
        key,
        key,
        f"{key}@example.org",
        None,
        "SOCIAL_WORKER",
        purpose,
        frozenset({Relationship.INVOLVED}),
    )
