"""Use cases: each one function, each one unit of work. The CLI, API and web call these.

Reads of personal data will go through the governance policy decision point (a later
capability); until then the services here only load data and report counts.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, inspect

from joinedup.config import settings
from joinedup.errors import BadInput, JoinedUpError
from joinedup.ingest import IngestReport, ingest_delivery
from joinedup.ingest.manifest import MANIFEST
from joinedup.store import is_up_to_date, make_engine, upgrade


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


def deliveries_in(path: Path) -> list[Path]:
    """One delivery folder, or every agency delivery in a partnership folder (sorted)."""
    path = Path(path)
    if (path / MANIFEST).exists() or (path / MANIFEST).is_symlink():
        return [path]
    if not path.is_dir():
        raise BadInput(f"{path} is not a folder")
    found = sorted(p for p in path.iterdir()
                   if p.is_dir() and not p.is_symlink() and (p / MANIFEST).is_file())
    if not found:
        raise BadInput(f"{path} holds no manifest.json and no delivery folders with one")
    return found


def ingest(engine: Engine, path: Path,
           progress: Callable[[str, int, int], None] | None = None) -> IngestReport:
    """Ingest one agency delivery (all or nothing)."""
    return ingest_delivery(engine, path, progress=progress)
