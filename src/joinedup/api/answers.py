"""How a route declares its answer: ``**answers(Model)`` beside ``**governed(use)``.

The answer is the model's (the OpenAPI document describes it, FastAPI checks every answer
against it), with only the keys the service set: a field a reader may not see stays absent
rather than coming back as null (``services.answers``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import WithJsonSchema

# A time as the store returns it, written as ISO 8601 (pydantic's form, as before the answers
# were typed): with its offset from PostgreSQL ("Z" for UTC), without one from SQLite, which
# keeps no zone (its times are UTC). So not promised as RFC 3339 "date-time".
Timestamp = Annotated[
    datetime,
    WithJsonSchema(
        {
            "type": "string",
            "description": "ISO 8601 date and time, UTC (no offset from a SQLite store)",
        }
    ),
]


def answers(model: Any) -> dict[str, Any]:
    """The route's ``response_model`` and how it is written (absent keys stay absent)."""
    return {"response_model": model, "response_model_exclude_unset": True}
