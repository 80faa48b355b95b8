"""``joinedup db``: the store's schema."""

from __future__ import annotations

import typer

from joinedup.cli.common import JSON_OPTION, emit
from joinedup.config import settings
from joinedup.store import make_engine, upgrade
from joinedup.store.migrate import current_revision, head_revision

app = typer.Typer(
    help="Create or upgrade the store's schema (Alembic migrations).", no_args_is_help=True
)


@app.command("upgrade")
def upgrade_command(json_output: bool = JSON_OPTION) -> None:
    """Bring the database (JOINEDUP_DATABASE_URL, default ./joinedup.db) to the newest
    schema. Safe to run again: an up-to-date database is left alone."""
    engine = make_engine(settings().database_url)
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    emit(
        {"from": before, "to": after, "url": _safe_url(engine.url)},
        json_output,
        lambda r: f"database at {r['url']}: schema {r['from'] or 'empty'} -> {r['to']}",
    )


@app.command("status")
def status_command(json_output: bool = JSON_OPTION) -> None:
    """Show the schema revision of the database and the newest one available."""
    engine = make_engine(settings().database_url)
    current, head = current_revision(engine), head_revision(engine)
    emit(
        {"current": current, "head": head, "up_to_date": current == head},
        json_output,
        lambda r: (
            f"schema {r['current'] or 'empty'} (newest {r['head']}): "
            + ("up to date" if r["up_to_date"] else "needs `joinedup db upgrade`")
        ),
    )


def _safe_url(url: object) -> str:
    render = getattr(url, "render_as_string", None)
    return render(hide_password=True) if render else str(url)
