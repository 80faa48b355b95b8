"""``joinedup exchange``: the exchange between partnerships (issue 24). ``run`` does the whole
receiving side with a partner over HTTP (a session, our deposit, the partner's encodings,
the summaries: no longer with files carried by hand, since the deposit must reach the
holder before its encodings leave, in one session); ``transfer-in`` lists and moves
transfer-in cases and ``check-overdue`` alerts the MASH of a conference not held in time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import typer

from joinedup import services
from joinedup.cli.common import JSON_OPTION, emit, parse_date, progress_bar
from joinedup.errors import BadInput

app = typer.Typer(help="Exchange with partner partnerships: discover, summaries, transfer-in.",
                  no_args_is_help=True)  # fmt: skip
PARTNER = typer.Option(..., "--partner", help="The partner partnership (from the partners file).")


@app.command("run")
def run_command(partner: str = PARTNER, json_output: bool = JSON_OPTION) -> None:
    """Open a session with the partner, deposit our children's encodings, then match its
    encodings, receive the matched children's signed summaries, tell the MASH and open
    transfer-in cases."""
    from joinedup.services import exchange_client

    with progress_bar(enabled=not json_output) as update:
        result = exchange_client.run(
            services.open_store(), partner, progress=lambda d, t: update("summaries", d, t)
        )
    emit(
        result,
        json_output,
        lambda r: (
            f"{r['matched']} of our {r['ours']} children matched {partner}'s {r['theirs']}; "
            f"{r['new']} new summaries, {len(r['transfer_in_cases'])} transfer-in case(s) opened"
        ),
    )


@app.command("status")
def status_command(json_output: bool = JSON_OPTION) -> None:
    """Whether the exchange with each partner has followed the latest delivery, and any
    failed attempts (a partner away: tried again with backoff by `joinedup alerts worker`)."""
    from joinedup.services import exchange_follow

    found = exchange_follow.status(services.open_store())
    emit({"partners": found}, json_output, lambda r: "\n".join(
        f"{p['partner']}: {'up to date' if p['up_to_date'] else 'due'}"
        + (f", {p['attempts']} failed attempt(s), next at {p['next_attempt_at']}: "
           f"{p['last_error']}" if p["attempts"] else "")
        for p in r["partners"]) or "no partner exchanged with yet")  # fmt: skip


def _show_cases(cases: list[dict[str, Any]]) -> str:
    if not cases:
        return "no transfer-in cases"
    return "\n".join(
        f"{c['case_id']:>5} {c['status']:<18} due {c['conference_due_on']}"
        f"{' OVERDUE' if c['overdue'] else ''}  {c['kind_words']} in {c['partner']} "
        f"(person {c['person_id']})"
        for c in cases
    )


@app.command("transfer-in")
def transfer_in_command(
    case_id: int | None = typer.Argument(None, help="A case to move on (else: list them)."),
    status: str | None = typer.Option(None, "--status",
                                      help="CONFERENCE_BOOKED, CONFERENCE_HELD or CLOSED."),
    conference_on: str | None = typer.Option(None, "--conference-on", help="YYYY-MM-DD."),
    outcome: str | None = typer.Option(None, "--outcome", help="Why the case closes."),
    by: str = typer.Option("operator", "--by", help="Who records the change."),
    include_closed: bool = typer.Option(False, "--all", help="Closed cases too."),
    json_output: bool = JSON_OPTION,
) -> None:  # fmt: skip
    """List transfer-in cases (the soonest due first), or move one on."""
    from joinedup.services import exchange_transfer

    engine, now = services.open_store(), datetime.now(UTC)
    if case_id is None:
        cases = exchange_transfer.cases(engine, now, include_closed=include_closed)
        emit({"cases": cases}, json_output, lambda r: _show_cases(r["cases"]))
        return
    if status is None:
        raise BadInput("give --status to move the case on")
    moved = exchange_transfer.move(engine, case_id, status, by, now,
                                   conference_on=parse_date(conference_on, "--conference-on"),
                                   outcome=outcome)  # fmt: skip
    emit(moved, json_output, lambda r: _show_cases([r]))


@app.command("check-overdue")
def check_overdue_command(json_output: bool = JSON_OPTION) -> None:
    """Alert the MASH of transfer-in conferences past their 15 working days (once each)."""
    from joinedup.services import exchange_transfer

    alerted = exchange_transfer.check_overdue(services.open_store(), datetime.now(UTC))
    emit({"alerted": alerted}, json_output,
         lambda r: f"{len(r['alerted'])} overdue transfer-in case(s) alerted")  # fmt: skip
