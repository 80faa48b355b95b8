"""``joinedup access``: test a decision against the agreements, show the compiled policies."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from joinedup import services
from joinedup.cli.common import JSON_OPTION, emit, out, parse_date
from joinedup.services import agreements

if TYPE_CHECKING:
    from joinedup.governance.access import Decision

app = typer.Typer(help="Test access decisions against the agreements.", no_args_is_help=True)


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@app.command("decide")
def decide_command(
    user: str = typer.Option(..., "--user", help="The user asking."),
    role: str = typer.Option(..., "--role", help="Their role, e.g. MASH_PRACTITIONER, SCHOOL_DSL."),
    agency: str = typer.Option(..., "--agency", help="Their agency, e.g. police, education."),
    purpose: str = typer.Option(..., "--purpose", help="The declared purpose, e.g. MASH_TRIAGE."),
    child: str = typer.Option(..., "--child", help="The child's id."),
    fields: str = typer.Option(
        ..., "--fields", help="Comma-separated fields: health.encounters, police.*, *.identity ..."
    ),
    team: str = typer.Option(None, "--team", help="Their team."),
    relationships: str = typer.Option(
        None,
        "--relationships",
        help="Stated relationships: INVOLVED, MASH_TRIAGE, "
        "TEAM_CASELOAD, SUBJECT_ACCESS_REQUEST, ACCESS_REVIEW (comma-separated).",
    ),
    sealed: str = typer.Option(None, "--sealed", help="The record's seals, e.g. adoption."),
    emergency: bool = typer.Option(
        False,
        "--emergency",
        help="Decide as under a break-glass grant (what-if; no grant is made).",
    ),
    agreement_files: list[Path] = typer.Option(
        None, "--agreements", help="Decide against these YAML files instead of the store."
    ),
    as_of: str = typer.Option(None, "--as-of", help="Decide as on this date (YYYY-MM-DD)."),
    json_output: bool = JSON_OPTION,
) -> None:
    """Decide one request and say why, for each field. For operators and DPOs testing the
    policies: it reads no personal data and is not written to the audit log."""
    on = parse_date(as_of, "--as-of")
    request, decision = agreements.decide(
        {
            "user_id": user,
            "role": role,
            "agency": agency,
            "purpose": purpose,
            "child_id": child,
            "fields": _split(fields),
            "team": team,
            "relationships": _split(relationships),
            "emergency": emergency,
            "sealed": _split(sealed),
        },
        store=services.open_store,
        agreement_files=agreement_files,
        on=on,
    )
    emit(
        decision,
        json_output,
        show_decision,
        data=lambda d: {"request": request.to_dict(), "decision": d.to_dict()},
    )


@app.command("policies")
def policies_command() -> None:
    """Print the Cedar policies compiled from the stored agreements and the role rules."""
    typer.echo(agreements.compiled_policies(services.open_store()), nl=False)


def show_decision(decision: Decision) -> None:
    verdict = "[green]ALLOWED[/]" if decision.allowed else "[red]DENIED[/]"
    out.print(
        f"{verdict}: {len(decision.allowed_fields)} field(s) allowed, "
        f"{len(decision.denied_fields)} denied (policies {decision.policy_version})"
    )
    for reason in decision.reasons:
        if ": " in reason and reason.split(": ", 1)[0] in {o.field for o in decision.outcomes}:
            continue
        out.print(f"  {reason}")
    table = Table("field", "decision", "why", box=None, pad_edge=False)
    for o in decision.outcomes:
        table.add_row(o.field, "allow" if o.allowed else "deny", "; ".join(o.reasons))
    out.print(table)
