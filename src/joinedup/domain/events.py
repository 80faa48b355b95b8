"""Domain events: facts that happened, in the past tense. Alerts and the audit log
subscribe to them; those that must not be lost go through the store's outbox table."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class DomainEvent:
    def to_dict(self) -> dict[str, Any]:
        return {"event": type(self).__name__, **asdict(self)}


@dataclass(frozen=True, slots=True)
class DeliveryIngested(DomainEvent):
    delivery_id: int
    agency: str
    rows: int
    accepted: int
    quarantined: int


@dataclass(frozen=True, slots=True)
class DeliveryRejected(DomainEvent):
    agency: str
    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class RecordIngested(DomainEvent):
    agency: str
    source_table: str
    source_id: str
    change: str  # "inserted" | "updated"


@dataclass(frozen=True, slots=True)
class RowQuarantined(DomainEvent):
    delivery_id: int
    file: str
    row_number: int
    reason_codes: tuple[str, ...]


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
