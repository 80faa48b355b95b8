"""The alerts worker's health, for load balancers and monitoring: 200 when some worker
completed a cycle recently and no dead letter has been failing for too long, 503 otherwise,
with the figures either way.

Open, without signing in: probes hold no session, and the answer is counts and times only
(no item ids, no reasons, nothing about a child or a practitioner). The details are behind
``joinedup alerts status`` on the server.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from joinedup.http.auth import engine_of
from joinedup.services import alert_operations

router = APIRouter(tags=["health"])


class AlertsQueue(BaseModel):
    triggers: int = Field(description="triggers waiting (for linking, or after a failure)")
    concerns: int = Field(description="concerns not relayed yet")
    rescores: int = Field(description="re-score requests open")
    messages_due: int
    messages_dead: int
    alerts_to_escalate: int


class AlertsHealth(BaseModel):
    healthy: bool
    problems: list[str]
    at: str
    last_cycle_at: str | None
    last_cycle_age_seconds: float | None
    last_cycle_items: int | None
    dead_letters: int = Field(description="items failing, waiting for another attempt or for you")
    dead_letters_exhausted: int
    dead_letters_over_threshold: int
    oldest_dead_letter_age_seconds: float | None
    thresholds: dict[str, float]
    queue: AlertsQueue


@router.get(
    "/health/alerts",
    response_model=AlertsHealth,
    responses={503: {"model": AlertsHealth, "description": "Alerts are not flowing."}},
    openapi_extra={"x-roles": [], "x-purposes": [], "x-public": True},
)
def alerts_health(request: Request, response: Response) -> AlertsHealth:
    """Whether the alerts worker is working: its last completed cycle and its dead letters."""
    healthy, figures = alert_operations.worker_health(engine_of(request))
    response.status_code = 200 if healthy else 503
    return AlertsHealth(**figures)
