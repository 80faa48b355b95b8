"""The store: SQLAlchemy tables, repositories, unit of work and Alembic migrations."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from joinedup.store import (
    account_tables,  # noqa: F401  (registers its tables)
    alert_tables,  # noqa: F401  (registers its tables)
    audit_tables,  # noqa: F401  (registers its tables)
    casework_tables,  # noqa: F401  (registers its tables)
    exchange_tables,  # noqa: F401  (registers its tables)
    governance_tables,  # noqa: F401  (registers its tables)
    intervention_tables,  # noqa: F401  (registers its tables)
    linkage_tables,  # noqa: F401  (registers its tables)
    pole_tables,  # noqa: F401  (registers its tables)
    receiving_tables,  # noqa: F401  (registers its tables)
    risk_tables,  # noqa: F401  (registers its tables)
)
from joinedup.store.database import is_sqlite, make_engine, normalise_database_url
from joinedup.store.unit_of_work import UnitOfWork

__all__ = [
    "UnitOfWork",
    "is_sqlite",
    "is_up_to_date",
    "make_engine",
    "normalise_database_url",
    "upgrade",
]

if TYPE_CHECKING:
    from joinedup.store.migrate import is_up_to_date, upgrade


def __getattr__(name: str) -> Any:
    # The migrations (Alembic) are imported when first asked for, not with the store: the
    # process that parses a large delivery needs the tables only, and starts sooner.
    if name in ("is_up_to_date", "upgrade"):
        return getattr(importlib.import_module("joinedup.store.migrate"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
