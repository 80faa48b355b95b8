"""Schema migrations (Alembic), run from the installed package: ``joinedup db upgrade``.

The history is one line from ``0049_base`` (docs/architecture.md, Migrations). Stores made by
the per-capability branches it replaced are recognised: at those branches' newest revisions
they are stamped with the base (same schema); part way along, they are told to rebuild.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from joinedup.errors import JoinedUpError
from joinedup.store.database import READ_ONLY

MIGRATIONS = Path(__file__).parent / "migrations"
BASE = "0049_base"
# The heads of the branches 0001..0041 that BASE replaced: a store at all of them has
# exactly BASE's schema (compared table by table on SQLite and PostgreSQL when it was made).
LEGACY_HEADS = frozenset(
    {
        "0004_audit",
        "0009_interventions",
        "0022_risk_rescore",
        "0023_ingest_payload_once",
        "0024_alert_dead_letter",
        "0030_casework_controls",
        "0031_privacy_notice",
        "0040_linkage_identity",
        "0041_sign_in_throttle",
    }
)
LEGACY_REVISIONS = LEGACY_HEADS | {
    "0001",
    "0002_audit",
    "0003_governance",
    "0005_linkage",
    "0006_accounts",
    "0007_risk",
    "0008_alerts",
    "0020_casework",
    "0021_linkage_source",
}


class OldHistory(JoinedUpError):
    """The store was made part way along the migration branches that 0049_base replaced."""

    http_status = 503
    exit_code = 7


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (default: the newest schema), in one transaction."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        _adopt_old_history(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _adopt_old_history(connection: Connection) -> None:
    """Stamp a store at the old branches' heads with BASE (inside the upgrade's transaction,
    so a failed upgrade leaves the old stamp); refuse one part way along them."""
    applied = set(MigrationContext.configure(connection).get_current_heads())
    if applied == LEGACY_HEADS:
        connection.execute(text("DELETE FROM alembic_version"))
        connection.execute(
            text("INSERT INTO alembic_version (version_num) VALUES (:r)"), {"r": BASE}
        )
    elif applied & LEGACY_REVISIONS:
        raise OldHistory(
            f"this store was made by the migration branches {BASE} replaced and is part way "
            f"along them ({', '.join(sorted(applied))}): move it aside and rebuild it "
            "(`joinedup demo`, or `joinedup db upgrade` on an empty database, then ingest)"
        )


def current_revision(engine: Engine) -> str | None:
    """The applied revision (comma-separated revisions for a store made by the old branches;
    a read: on SQLite it takes no write lock)."""
    with engine.connect().execution_options(**READ_ONLY) as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    return ",".join(sorted(heads)) or None


def head_revision(engine: Engine) -> str | None:
    """The newest revision this version of joinedup ships (one: the history is a line)."""
    heads = ScriptDirectory.from_config(alembic_config(engine)).get_heads()
    return ",".join(sorted(heads)) or None


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision(engine)
