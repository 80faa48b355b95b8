"""``joinedup access`` (test a decision, show the compiled policies) and ``joinedup
break-glass`` (emergency access and its review)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from joinedup import services
from joinedup.cli.common import AS_OPTION, JSON_OPTION, console, out, print_json, run
from joinedup.governance.access import AccessRequest, Decision
from joinedup.governance.emergency import DEFAULT_MINUTES
from joinedup.governance.recording import engine_for
from joinedup.services import oversight, stewardship
from joinedup.store import UnitOfWork


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


USER = typer.Option(..., "--user", help="The user asking.")
ROLE = typer.Option(..., "--role", help="Their role, e.g. MASH_PRACTITIONER, SCHOOL_DSL.")
AGENCY = typer.Option(..., "--agency", help="Their agency, e.g. police, education.")
PURPOSE = typer.Option(..., "--purpose", help="The declared purpose, e.g. MASH_TRIAGE.")
CHILD = typer.Option(..., "--child", help="The child's id.")
FIELDS = typer.Option(
    ..., "--fields", help="Comma-separated fields: health.encounters, police.*, *.identity ..."
)
TEAM = typer.Option(None, "--team", help="Their team.")


def register(app: typer.Typer) -> None:
    access_app = typer.Typer(
        help="Test access decisions against the agreements.", no_args_is_help=True
    )

    @access_app.command("decide")
    def decide_command(
        user: str = USER,
        role: str = ROLE,
        agency: str = AGENCY,
        purpose: str = PURPOSE,
        child: str = CHILD,
        fields: str = FIELDS,
        team: str = TEAM,
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
        agreements: list[Path] = typer.Option(
            None, "--agreements", help="Decide against these YAML files instead of the store."
        ),
        as_of: str = typer.Option(None, "--as-of", help="Decide as on this date (YYYY-MM-DD)."),
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Decide one request and say why, for each field. For operators and DPOs testing the
        policies: it reads no personal data and is not written to the audit log."""

        def body() -> None:
            from joinedup.governance.agreements import load_paths
            from joinedup.governance.pdp import PolicyDecisionPoint

            request = AccessRequest.build(
                user_id=user,
                role=role,
                agency=agency,
                purpose=purpose,
                child_id=child,
                fields=_split(fields),
                team=team,
                relationships=_split(relationships),
                emergency=emergency,
                sealed=_split(sealed),
            )
            if agreements:
                pdp = PolicyDecisionPoint(load_paths(agreements))
            else:
                with UnitOfWork(services.open_store()) as uow:
                    pdp = engine_for(uow.connection)
            day = date.fromisoformat(as_of) if as_of else None
            decision = pdp.decide(request, today=day)
            if json_output:
                print_json({"request": request.to_dict(), "decision": decision.to_dict()})
            else:
                show_decision(decision)

        run(body)

    @access_app.command("policies")
    def policies_command() -> None:
        """Print the Cedar policies compiled from the stored agreements and the role rules."""

        def body() -> None:
            with UnitOfWork(services.open_store()) as uow:
                pdp = engine_for(uow.connection)
            typer.echo(pdp.compiled.text, nl=False)

        run(body)

    app.add_typer(access_app, name="access")

    glass = typer.Typer(help="Emergency access (break glass) and its review.", no_args_is_help=True)

    @glass.command("open")
    def open_command(
        child: str = CHILD,
        as_user: str = AS_OPTION,
        purpose: str = typer.Option(
            ..., "--purpose", help="The safeguarding purpose, e.g. CHILD_PROTECTION_ENQUIRY."
        ),
        justification: str = typer.Option(
            ..., "--justification", help="Why this cannot wait, in your words."
        ),
        minutes: int = typer.Option(DEFAULT_MINUTES, "--minutes", help="How long (max 240)."),
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Break the glass: immediate, time-limited access for a safeguarding purpose without
        a known relationship, for your account (its role and agency) and the purpose you
        declare. Always granted once the checks pass; flagged, audited with your
        operating-system user, counted against your account's volume, and reviewed by a
        privacy officer."""

        def body() -> None:
            from joinedup.services import casework_actions

            engine = services.open_store()
            reader = stewardship.reader_named(engine, as_user, purpose)
            grant = casework_actions.break_glass(
                engine, reader, child, justification, minutes=minutes
            )
            if json_output:
                print_json({"grant": grant})
                return
            console.print(
                f"[bold red]EMERGENCY ACCESS[/] granted to {reader.user_id} until "
                f"{grant['expires_at']}; review task {grant['review_task_id']} opened for "
                "the privacy officer"
            )

        run(body)

    @glass.command("review")
    def review_command(
        task: int = typer.Argument(..., help="The review task id."),
        reviewer: str = typer.Option(
            ..., "--as", "--reviewer", metavar="USERNAME", help="Your account (a privacy officer)."
        ),
        outcome: str = typer.Option(
            ..., "--outcome", help="APPROPRIATE, INAPPROPRIATE or NEEDS_FOLLOW_UP."
        ),
        note: str = typer.Option("", "--note", help="Why (required unless APPROPRIATE)."),
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Record a privacy officer's review of a break-glass access."""

        def body() -> None:
            engine = services.open_store()
            who = stewardship.reader_named(engine, reviewer, "AUDIT")
            result = oversight.review_break_glass(engine, who, task, outcome, note)
            if json_output:
                print_json(result)
            else:
                out.print(f"review task {task}: {result['outcome']} (by {reviewer})")

        run(body)

    @glass.command("tasks")
    def tasks_command(
        all_tasks: bool = typer.Option(False, "--all", help="Reviewed ones too."),
        as_user: str = AS_OPTION,
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Break-glass review tasks (open ones unless --all)."""

        def body() -> None:
            engine = services.open_store()
            who = stewardship.reader_named(engine, as_user, "AUDIT")
            rows = oversight.break_glass_tasks(engine, who, None if all_tasks else "OPEN")
            if json_output:
                print_json({"tasks": rows})
                return
            table = Table(
                "task",
                "status",
                "user",
                "role",
                "purpose",
                "child",
                "granted",
                "justification",
                "outcome",
                box=None,
                pad_edge=False,
            )
            for r in rows:
                table.add_row(
                    str(r["task_id"]),
                    r["status"],
                    r["user_id"],
                    r["role"],
                    r["purpose"],
                    r["child_id"],
                    f"{r['granted_at']:%Y-%m-%d %H:%M}",
                    r["justification"],
                    r["outcome"] or "",
                )
            out.print(table if rows else "no break-glass reviews waiting")

        run(body)

    app.add_typer(glass, name="break-glass")


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
