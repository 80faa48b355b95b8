"""What one cycle of the alerts worker did (and, added up, what a run did)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

ERRORS_KEPT = 20


@dataclass
class CycleReport:
    sent: int = 0  # messages sent
    failed: int = 0  # messages that failed and wait for another attempt
    dead: int = 0  # messages that used up their attempts
    escalated: int = 0
    triggers_resolved: int = 0
    concerns_relayed: int = 0  # alerts raised from concerns
    children_rescored: int = 0
    rescores_done: int = 0  # re-score requests closed
    dead_lettered: int = 0  # items of any kind that failed in this cycle
    exhausted: int = 0  # ...of which used up their attempts
    recovered: int = 0  # items that succeeded after failing before
    exchanges_run: int = 0  # exchanges with partner partnerships after deliveries
    exchanges_deferred: int = 0  # ...that failed (a partner away) and wait to try again
    cycles_failed: int = 0  # cycles an exception escaped (the store away, a defect)
    errors: list[str] = field(default_factory=list)  # no personal data (failures.describe)

    @property
    def handled(self) -> int:
        """Items the cycle finished with, either way (the heartbeat's "items handled")."""
        return (
            self.sent
            + self.escalated
            + self.triggers_resolved
            + self.concerns_relayed
            + self.rescores_done
            + self.dead_lettered
            + self.exchanges_run
            + self.exchanges_deferred
        )

    @property
    def busy(self) -> bool:
        return bool(self.handled or self.failed or self.dead)

    def add(self, other: CycleReport) -> None:
        for f in fields(self):
            if f.name != "errors":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        self.errors = (self.errors + other.errors)[-ERRORS_KEPT:]

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        found["handled"] = self.handled
        return found
