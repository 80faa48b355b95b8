"""``joinedup db``: the store's schema."""

from __future__ import annotations

import typer

from joinedup.cli.common import JSON_OPTION, out, print_json, run
from joinedup.config import settings
from joinedup.store import make_engine, upgrade
from joinedup.store.migrate import current_revision, head_revision


def register(app: typer.Typer) -> None:
    db_app = typer.Typer(
        help="Create or upgrade the store's schema (Alembic migrations).", no_args_is_help=True
    )

    @db_app.command("upgrade")
    def upgrade_command(json_output: bool = JSON_OPTION) -> None:
        """Bring the database (JOINEDUP_DATABASE_URL, default ./joinedup.db) to the newest
        schema. Safe to run again: an up-to-date database is left alone."""

        def body() -> None:
            engine = make_engine(settings().database_url)
            before = current_revision(engine)
            upgrade(engine)
            after = current_revision(engine)
            if json_output:
                print_json({"from": before, "to": after, "url": _safe_url(engine.url)})
            else:
                out.print(
                    f"database at {_safe_url(engine.url)}: schema {before or 'empty'} -> {after}"
                )

        run(body)

    @db_app.command("status")
    def status_command(json_output: bool = JSON_OPTION) -> None:
        """Show the schema revision of the database and the newest one available."""

        def body() -> None:
            engine = make_engine(settings().database_url)
            current, head = current_revision(engine), head_revision(engine)
            if json_output:
                print_json({"current": current, "head": head, "up_to_date": current == head})
            else:
                state = "up to date" if current == head else "needs `joinedup db upgrade`"
                out.print(f"schema {current or 'empty'} (newest {head}): {state}")

        run(body)

    app.add_typer(db_app, name="db")


def _safe_url(url: object) -> str:
    render = getattr(url, "render_as_string", None)
    return render(hide_password=True) if render else str(url)
