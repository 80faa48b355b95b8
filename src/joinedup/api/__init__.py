"""The JSON API, versioned under ``/api/v1``: one router module per area, aggregated here.
Every route declares its roles and purposes (``joinedup.http.auth.governed``)."""

from __future__ import annotations

from fastapi import APIRouter

from joinedup.api import (
    agreements,
    deliveries,
    health,
    mash,
    network,
    oversight,
    people,
    quality,
    review,
    session,
    users,
)
from joinedup.api import alerts as alerts_api
from joinedup.api import chronology as chronology_api
from joinedup.api import cp_is as cp_is_api
from joinedup.api import exchange as exchange_api
from joinedup.api import interventions as interventions_api
from joinedup.api import risk as risk_api
from joinedup.http.errors import problem_responses

AREAS = [session, people, review, quality, agreements, oversight, users, alerts_api]
AREAS += [risk_api, interventions_api, health, chronology_api, deliveries, cp_is_api, mash]
AREAS += [network, exchange_api]

# 413: a body over the limit; 422: a request that is not valid (each field and its problem).
PROBLEMS = problem_responses(400, 401, 403, 404, 409, 413, 422)
router = APIRouter(prefix="/api/v1", responses=PROBLEMS)
for area in AREAS:
    router.include_router(area.router)

# What ``joinedup receive api`` serves on its own port: agencies' systems push deliveries and
# reach nothing else (no page, no session, no person's record), so an operator can open this
# port to the agencies' networks and keep the practitioners' service inside.
receiver_router = APIRouter(prefix="/api/v1", responses=PROBLEMS)
receiver_router.include_router(deliveries.router)
