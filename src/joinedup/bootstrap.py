"""The composition root: what happens when something happens, in one place.

    an agency's delivery is written (ingest.pipeline)
        └─ DeliveryIngested ─► in the same transaction: alerts.intake
               ├─ an alert_trigger per new event a rule watches, evaluated at once (or
               │  left PENDING until linking has run: services.ingest links after commit)
               ├─ a risk_rescore_request for the delivery's children
               └─ an exchange_due row, when exchange partners are configured
                                      │
    the alerts worker (alerts.worker), each cycle
        ├─ PENDING triggers ─► alerts raised, routed, governed (alerts.raising)
        ├─ re-score requests ─► risk re-scored (risk.scoring.rescore) ─► a child whose
        │                       score rose over the threshold ─► RISK_ESCALATION alerts
        ├─ ConcernRecorded from the outbox ─► relayed to the lead practitioners
        ├─ due messages ─► email, webhooks (alerts.delivery)
        └─ overdue alerts ─► escalated (alerts.escalation)

    a practitioner records a concern (services.casework_actions)
        └─ ConcernRecorded ─► the outbox (written with the concern) ─► the worker, above

Handlers that must commit with the change run in its transaction; what a worker handles
later goes through the outbox. An event no one handles is not written. ``wire`` installs
the flow; every entry point calls it (the command line, the web app, the tests); a replay
swaps in its own for the blocks it runs (``replay.history``: history without alerts, then
live in simulated time).
"""

from __future__ import annotations

from types import MappingProxyType

from joinedup.alerts.intake import on_delivery_ingested
from joinedup.domain.events import ConcernRecorded, DeliveryIngested
from joinedup.services import exchange_follow
from joinedup.store import unit_of_work
from joinedup.store.unit_of_work import EventFlow

FLOW = EventFlow(
    in_transaction=MappingProxyType(
        {DeliveryIngested: (on_delivery_ingested, exchange_follow.on_delivery_ingested)}
    ),
    outbox=frozenset({ConcernRecorded}),
)


def wire() -> EventFlow:
    """Install the platform's event flow for this process; returns it."""
    unit_of_work.use(FLOW)
    return FLOW
