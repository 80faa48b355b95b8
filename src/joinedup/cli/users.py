"""``joinedup users``: accounts (add, list, disable, set a password)."""

from __future__ import annotations

import getpass
from typing import Any

import typer
from rich.table import Table

from joinedup import services
from joinedup.cli.common import JSON_OPTION, emit
from joinedup.errors import BadInput
from joinedup.services import accounts as account_service

app = typer.Typer(
    help="Accounts: add, list and disable users; set a password.", no_args_is_help=True
)


def new_password() -> str:
    """From JOINEDUP_NEW_PASSWORD, or asked for: never an argument, which would stay in the
    shell's history."""
    from joinedup.config import settings

    return settings().accounts.new_password or getpass.getpass("Password: ")


@app.command("add")
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
    password = None
    if not oidc_only:
        password = new_password()
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
    emit(added, json_output, lambda a: f"added {a['username']} ({a['role']}, {a['agency']})")


@app.command("list")
def list_command(json_output: bool = JSON_OPTION) -> None:
    """Every account, with its role, agency and state."""
    emit(account_service.list_users(services.open_store()), json_output, user_table)


def user_table(users: list[dict[str, Any]]) -> Table:
    table = Table("username", "name", "role", "agency", "team", "state", box=None)
    for u in users:
        state = "disabled" if u["disabled"] else ""
        table.add_row(
            u["username"], u["display_name"], u["role"], u["agency"], u["team"] or "", state
        )
    return table


@app.command("set-password")
def set_password_command(username: str, json_output: bool = JSON_OPTION) -> None:
    """Give a local account a new password, read from JOINEDUP_NEW_PASSWORD or asked
    for (the same rules as a new account's); its sessions end at once."""
    password = new_password()
    done = account_service.set_password(services.open_store(), username, password)
    emit(
        done,
        json_output,
        lambda d: f"new password set for {d['username']}; their sessions are ended",
    )


@app.command("disable")
def disable_command(username: str, json_output: bool = JSON_OPTION) -> None:
    """Disable an account and end its sessions at once."""
    done = account_service.disable_user(services.open_store(), username)
    emit(done, json_output, lambda d: f"disabled {d['username']}; their sessions are ended")
