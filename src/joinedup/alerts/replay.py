"""``joinedup replay``: not built yet (see docs/alerts.md, "Not done yet").

The plan: split each delivery of the partnership by each row's date (incidents'
``occurred_at``, encounters' ``period.start``, SSD episodes' start dates, events'
``occurred_at``); ingest everything up to ``--from`` with ``intake.paused()`` and link it;
then write one delivery per agency per day (that day's rows plus the person rows they
reference) and ingest them in time order, with the worker delivering to a local SMTP sink.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from joinedup.errors import JoinedUpError


class NotBuiltYet(JoinedUpError):
    http_status = 501
    exit_code = 8


def replay(
    engine: Engine, partnership: Path, start: date, **_: Any
) -> dict[str, Any]:  # pragma: no cover - placeholder
    raise NotBuiltYet("joinedup replay is not built yet (issue 8): see docs/alerts.md")
