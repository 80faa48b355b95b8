"""Opening the configured store: an empty database is migrated on first use (the embedded
default needs no setup); an existing one behind the code's schema must be upgraded
explicitly (``joinedup db upgrade``)."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from joinedup.config import settings
from joinedup.errors import JoinedUpError
from joinedup.store.database import make_engine
from joinedup.store.migrate import is_up_to_date, upgrade


class SchemaOutOfDate(JoinedUpError):
    http_status = 503
    exit_code = 7


def open_store(url: str | None = None, *, create: bool = True) -> Engine:
    """The configured store. An empty database is migrated on first use (the embedded
    default needs no setup); an existing one that is behind must be upgraded explicitly."""
    engine = make_engine(url or settings().database_url)
    if is_up_to_date(engine):
        return engine
    if create and not inspect(engine).get_table_names():
        upgrade(engine)
        return engine
    raise SchemaOutOfDate(
        "the database schema is older than this version of joinedup: run `joinedup db upgrade`"
    )
