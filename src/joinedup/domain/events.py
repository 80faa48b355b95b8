"""Domain events: facts that happened, in the past tense. What each one causes is declared in
one place, ``joinedup.bootstrap`` (the event flow): handlers that run in the transaction that
emitted it, or the outbox for a worker. Only the events something handles are emitted."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class DomainEvent:
    def to_dict(self) -> dict[str, Any]:
        return {"event": type(self).__name__, **asdict(self)}


@dataclass(frozen=True, slots=True)
class DeliveryIngested(DomainEvent):
    """An agency's delivery was written (its transaction not yet committed)."""

    delivery_id: int
    agency: str
    rows: int
    accepted: int
    quarantined: int


@dataclass(frozen=True, slots=True)
class ConcernRecorded(DomainEvent):
    """A practitioner recorded a concern or an engagement about a person; the alerts
    capability tells the person's lead practitioners."""

    concern_id: int
    person_id: str
    kind: str
    recorded_by: str
    agency: str
    recipients: tuple[str, ...]  # practitioner keys of the lead practitioners told
