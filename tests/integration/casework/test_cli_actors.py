"""The command line acts for a real account, as the web app does for the signed-in one.

Every command that acts for a person (``--as USERNAME``) resolves an active account and its
role: a typed name that is no account is refused with a one-line error and nothing is done.
The audit entry names the account, and beside it the operating-system user who typed the
command. Before issue 16, ``break-glass open --user ghost`` granted emergency access to an
account that does not exist and ``interventions estimate --user nobody-at-all`` ran.
"""

from __future__ import annotations

import getpass
import json

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from joinedup.accounts.store import get
from joinedup.cli import app
from joinedup.errors import NotFound
from joinedup.services.accounts import add_user
from joinedup.store.audit_tables import audit_entry
from joinedup.store.governance_tables import emergency_access
from tests.support.casework import child_known_to_social_care

WHY = "Child found alone at 2am, mother admitted to hospital, need to know who else is known"


def _account(engine: Engine, username: str, role: str, agency: str) -> None:
    with engine.connect() as connection:
        try:
            get(connection, username)
            return
        except NotFound:
            pass
    add_user(engine, username=username, role=role, agency=agency, display_name=username,
             password=None)  # fmt: skip


@pytest.fixture
def cli(store: Engine, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", store.url.render_as_string(hide_password=False))
    _account(store, "mash-cli", "MASH_PRACTITIONER", "police")
    _account(store, "po-cli", "PRIVACY_OFFICER", "social_care")
    _account(store, "analyst-cli", "PARTNERSHIP_ANALYST", "social_care")
    return CliRunner()


def _grants(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(emergency_access)).scalar())


@pytest.mark.parametrize(
    "command",
    [
        ["break-glass", "open", "--as", "ghost", "--purpose", "MASH_TRIAGE", "--justification",
         WHY, "--child", "{person}"],
        ["interventions", "estimate", "--as", "nobody-at-all", "--purpose",
         "LEAD_PRACTITIONER_CASEWORK", "{person}", "EARLY_HELP_FAMILY_SUPPORT"],
        ["risk", "explain", "--as", "nobody-at-all", "--purpose", "MASH_TRIAGE", "{person}"],
    ],
    ids=["break-glass open", "interventions estimate", "risk explain"],
)  # fmt: skip
def test_a_typed_name_that_is_no_account_is_refused(
    store: Engine, cli: CliRunner, command: list[str]
) -> None:
    person, _source = child_known_to_social_care(store, skip=5)
    before = _grants(store)
    answer = cli.invoke(app, [person if part == "{person}" else part for part in command])
    assert answer.exit_code == NotFound.exit_code, answer.output
    assert "no active account" in answer.output or "no account" in answer.output
    assert "Traceback" not in answer.output
    assert _grants(store) == before, "nothing is granted to a name that is no account"


def test_break_glass_on_the_command_line_acts_for_the_account_and_records_the_login(
    store: Engine, cli: CliRunner
) -> None:
    person, _source = child_known_to_social_care(store, skip=6)
    opened = cli.invoke(
        app,
        ["break-glass", "open", "--as", "mash-cli", "--purpose", "MASH_TRIAGE", "--child",
         person, "--justification", WHY, "--json"],
    )  # fmt: skip
    assert opened.exit_code == 0, opened.output
    grant = json.loads(opened.stdout)["grant"]
    assert grant["person_id"] == person and grant["purpose"] == "MASH_TRIAGE"
    with store.connect() as connection:
        entry = connection.execute(
            select(audit_entry.c.actor, audit_entry.c.actor_role, audit_entry.c.details)
            .where(audit_entry.c.kind == "BREAK_GLASS", audit_entry.c.subject == person)
            .order_by(audit_entry.c.seq.desc())
        ).first()
    assert entry is not None
    # The account's own role and agency, not what was typed; and who typed it.
    assert entry.actor == "mash-cli" and entry.actor_role == "MASH_PRACTITIONER"
    assert entry.details["agency"] == "police"
    assert entry.details["operator"] == {"channel": "cli", "os_user": getpass.getuser()}
    tasks = json.loads(cli.invoke(app, ["break-glass", "tasks", "--as", "po-cli", "--json"]).stdout)
    task = next(t for t in tasks["tasks"] if t["child_id"] == person)
    reviewed = cli.invoke(
        app,
        ["break-glass", "review", str(task["task_id"]), "--as", "po-cli", "--outcome",
         "APPROPRIATE"],
    )  # fmt: skip
    assert reviewed.exit_code == 0 and "APPROPRIATE" in reviewed.output


def test_an_account_whose_role_may_not_break_the_glass_is_refused(
    store: Engine, cli: CliRunner
) -> None:
    person, _source = child_known_to_social_care(store, skip=7)
    refused = cli.invoke(
        app,
        ["break-glass", "open", "--as", "analyst-cli", "--purpose", "STATUTORY_RETURN",
         "--child", person, "--justification", WHY],
    )  # fmt: skip
    assert refused.exit_code == 5, refused.output
    assert "Traceback" not in refused.output
