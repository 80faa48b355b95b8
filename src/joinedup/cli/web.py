"""``joinedup serve`` (the web app and API on uvicorn) and ``joinedup users`` (accounts)."""

from __future__ import annotations

import getpass
import sys

import typer
from rich.table import Table

from joinedup import services
from joinedup.cli.common import JSON_OPTION, console, out, print_json, run
from joinedup.config import refuse_unsafe_defaults, settings
from joinedup.errors import BadInput
from joinedup.services import accounts as account_service


def serve(host: str, port: int, engine: object | None = None, workers: int = 1) -> None:
    """Run the app until interrupted (Ctrl-C); with ``workers`` > 1, that many server
    processes share the port, each opening the configured store."""
    import uvicorn

    from joinedup.web.app import create_app

    if workers > 1:
        sys.stdout.flush()
        uvicorn.run(
            "joinedup.web.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            proxy_headers=False,
        )
        return
    app = create_app(engine if engine is not None else services.open_store())  # type: ignore[arg-type]
    sys.stdout.flush()  # what was printed (the URL, the credentials) shows before serving
    # proxy_headers off: nothing in front of it is trusted to say who the client is.
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_command(
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
        port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
        workers: int = typer.Option(
            1,
            "--workers",
            min=1,
            help="Server processes (one per core on PostgreSQL; SQLite serialises writes).",
        ),
    ) -> None:
        """Serve the web app and the JSON API (OpenAPI at /openapi.json) on the store
        (JOINEDUP_DATABASE_URL, default ./joinedup.db). Each process handles
        JOINEDUP_WEB_CONCURRENCY requests at once (default 2); the rest queue."""

        def body() -> None:
            # JOINEDUP_ENV=production: here, in one line, not a traceback from each worker
            refuse_unsafe_defaults()
            console.print(f"joinedup on http://{host}:{port} (Ctrl-C stops it)")
            serve(host, port, workers=workers)

        run(body)

    users_app = typer.Typer(
        help="Accounts: add, list and disable users; set a password.", no_args_is_help=True
    )

    @users_app.command("add")
    def add_command(
        username: str = typer.Argument(..., help="Their sign-in name (an email will do)."),
        role: str = typer.Option(..., "--role", help="MASH_PRACTITIONER, SOCIAL_WORKER, ..."),
        agency: str = typer.Option(..., "--agency", help="police, health, social_care, ..."),
        name: str = typer.Option("", "--name", help="Display name."),
        team: str | None = typer.Option(None, "--team"),
        practitioner_key: str | None = typer.Option(
            None, "--practitioner-key", help="Their key in their agency's feed (its email)."
        ),
        oidc_only: bool = typer.Option(
            False, "--oidc-only", help="No password: they sign in through the provider."
        ),
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Add an account. The password is read from JOINEDUP_NEW_PASSWORD or asked for
        (never an argument, which would stay in the shell's history)."""

        def body() -> None:
            password = None
            if not oidc_only:
                password = settings().accounts.new_password or getpass.getpass("Password: ")
                if not password:
                    raise BadInput("a password is needed (or --oidc-only)")
            added = account_service.add_user(
                services.open_store(),
                username=username,
                role=role,
                agency=agency,
                display_name=name,
                password=password,
                team=team,
                practitioner_key=practitioner_key,
            )
            if json_output:
                print_json(added)
            else:
                out.print(f"added {added['username']} ({added['role']}, {added['agency']})")

        run(body)

    @users_app.command("list")
    def list_command(json_output: bool = JSON_OPTION) -> None:
        """Every account, with its role, agency and state."""

        def body() -> None:
            users = account_service.list_users(services.open_store())
            if json_output:
                print_json(users)
                return
            table = Table("username", "name", "role", "agency", "team", "state", box=None)
            for u in users:
                state = "disabled" if u["disabled"] else ""
                table.add_row(
                    u["username"], u["display_name"], u["role"], u["agency"], u["team"] or "",
                    state,
                )  # fmt: skip
            out.print(table)

        run(body)

    @users_app.command("set-password")
    def set_password_command(username: str, json_output: bool = JSON_OPTION) -> None:
        """Give a local account a new password, read from JOINEDUP_NEW_PASSWORD or asked
        for (the same rules as a new account's); its sessions end at once."""

        def body() -> None:
            password = settings().accounts.new_password or getpass.getpass("Password: ")
            done = account_service.set_password(services.open_store(), username, password)
            if json_output:
                print_json(done)
            else:
                out.print(f"new password set for {done['username']}; their sessions are ended")

        run(body)

    @users_app.command("disable")
    def disable_command(username: str, json_output: bool = JSON_OPTION) -> None:
        """Disable an account and end its sessions at once."""

        def body() -> None:
            done = account_service.disable_user(services.open_store(), username)
            if json_output:
                print_json(done)
            else:
                out.print(f"disabled {done['username']}; their sessions are ended")

        run(body)

    app.add_typer(users_app, name="users")
