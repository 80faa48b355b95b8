"""``joinedup alerts``: the worker, the list, the inbox, acknowledgement, the dashboard; and
``joinedup replay``: a partnership's history replayed as if it arrived live."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from joinedup.cli.common import (
    AS_OPTION,
    JSON_OPTION,
    console,
    out,
    print_json,
    progress_bar,
    run,
)
from joinedup.errors import JoinedUpError
from joinedup.replay import replay as replay_history
from joinedup.services import alert_operations, open_store
from joinedup.services import alerts as alert_services
from joinedup.services.stewardship import account_named


def _table(rows: list[dict[str, Any]]) -> None:
    table = Table("id", "rule", "status", "recipient", "child", "raised", "due")
    for a in rows:
        r = a["recipient"]
        table.add_row(
            str(a["id"]),
            a["rule"],
            a["status"],
            f"{r['name']} ({r['kind'].lower()}, {r['agency']})",
            a["child"],
            f"{a['raised_at']:%Y-%m-%d %H:%M}",
            f"{a['due_at']:%Y-%m-%d %H:%M}",
        )
    out.print(table)


class WorkerCycleFailed(JoinedUpError):
    """``--once``: the one cycle did not complete (the store away, a defect)."""


def _show_status(found: dict[str, Any]) -> None:
    health, last = found["health"], found["last_cycle"]
    verdict = "[green]healthy[/]" if health["healthy"] else "[red]unhealthy[/]"
    out.print(f"{verdict}" + "".join(f"; {p}" for p in health["problems"]))
    if last["at"]:
        out.print(
            f"last completed cycle {last['at']} ({last['age_seconds']:.0f} s ago), "
            f"{last['items']} item(s), worker {last['worker']}"
        )
    queue = found["queue"]
    messages = ", ".join(
        f"{channel} {m['pending']} pending ({m['due']} due), {m['dead']} dead"
        for channel, m in sorted(queue["messages"].items())
    )
    out.print(
        f"waiting: {queue['triggers']} trigger(s), {queue['concerns']} concern(s), "
        f"{queue['rescores']} re-score request(s), {queue['alerts_to_escalate']} alert(s) "
        f"to escalate ({queue['alerts_open']} open); messages: {messages or 'none'}"
    )
    letters = found["dead_letters"]
    out.print(
        f"dead letters: {letters['open']} open, {letters['exhausted']} out of attempts"
        + (f", oldest since {letters['oldest_first_failed_at']}" if letters["open"] else "")
    )
    if letters["open"]:
        table = Table("kind", "stage", "count", "out of attempts", "oldest")
        for g in letters["by_kind_and_stage"]:
            table.add_row(
                g["kind"], g["stage"], str(g["count"]), str(g["exhausted"]),
                g["oldest_first_failed_at"],
            )  # fmt: skip
        out.print(table)
        latest = Table("kind", "id", "stage", "error", "attempts", "next attempt")
        for d in letters["latest"]:
            latest.add_row(
                d["kind"], str(d["item_id"]), d["stage"], f"{d['error']}: {d['reason']}",
                str(d["attempts"]), d["next_attempt_at"] or "out of attempts",
            )  # fmt: skip
        out.print(latest)


def register(app: typer.Typer) -> None:
    alerts_app = typer.Typer(
        help="Alerts to the lead practitioner: run the worker that delivers and escalates "
        "them, list them, read an inbox, acknowledge one with the action taken, see the SLA "
        "dashboard and the rules.",
        no_args_is_help=True,
    )

    def worker(once: bool, poll: float, json_output: bool) -> None:
        def body() -> None:
            engine = open_store()

            def show(report: Any) -> None:
                if not json_output and (report.busy or report.cycles_failed):
                    console.print(
                        f"sent {report.sent}, failed {report.failed}, dead {report.dead}, "
                        f"escalated {report.escalated}, dead letters {report.dead_lettered} "
                        f"({report.exhausted} out of attempts), recovered {report.recovered}"
                    )
                    for error in report.errors:
                        console.print(f"  {error}", highlight=False, soft_wrap=True)

            total = alert_services.run_worker(engine, once=once, poll_seconds=poll, on_cycle=show)
            if json_output:
                print_json(total)
            else:
                console.print(f"worker stopped: {total}")
            if once and total["cycles_failed"]:
                raise WorkerCycleFailed(f"the cycle failed: {total['errors'][-1]}")

        run(body)

    ONCE = typer.Option(False, "--once", help="One cycle, then stop (for cron or tests).")
    POLL = typer.Option(0.5, "--poll", min=0.05, help="Seconds between polls when idle.")

    @alerts_app.command("worker")
    def worker_command(
        once: bool = ONCE, poll: float = POLL, json_output: bool = JSON_OPTION
    ) -> None:
        """Deliver alerts from the outbox (email, webhook) at least once, retry failures
        with backoff, evaluate triggers waiting for linking, and escalate unacknowledged
        alerts past their deadline. Runs until Ctrl-C / SIGTERM; several may run at once."""
        worker(once, poll, json_output)

    @alerts_app.command("run")
    def run_command(once: bool = ONCE, poll: float = POLL, json_output: bool = JSON_OPTION) -> None:
        """The same as `joinedup alerts worker`."""
        worker(once, poll, json_output)

    @alerts_app.command("status")
    def status_command(json_output: bool = JSON_OPTION) -> None:
        """The worker's health, its last completed cycle, what waits (triggers, concerns,
        re-scores, messages, alerts to escalate) and the items it failed on (dead letters,
        by kind and stage). Counts, ids and reasons: nothing about a child."""

        def body() -> None:
            found = alert_operations.worker_status(open_store())
            print_json(found) if json_output else _show_status(found)

        run(body)

    @alerts_app.command("retry")
    def retry_command(
        kind: str | None = typer.Option(
            None, "--kind", help="trigger, concern, rescore, message or alert (default: all)."
        ),
        item: int | None = typer.Option(None, "--item", min=1, help="One item's id (with --kind)."),
        as_user: str = AS_OPTION,
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Try the items the worker failed on again now, their attempts counted afresh
        (after fixing the cause; administrators; audited)."""

        def body() -> None:
            engine = open_store()
            found = alert_operations.retry_failed(
                engine, account_named(engine, as_user), kind=kind, item_id=item
            )
            if json_output:
                print_json(found)
            else:
                console.print(f"{found['count']} item(s) will be tried again in the next cycle")

        run(body)

    @alerts_app.command("list")
    def list_command(
        status: str | None = typer.Option(None, "--status", help="OPEN, ACKNOWLEDGED, ESCALATED."),
        rule: str | None = typer.Option(None, "--rule", help="Only this rule's alerts."),
        recipient: str | None = typer.Option(None, "--recipient", help="A recipient's key."),
        child: str | None = typer.Option(None, "--child", help="A child's person id."),
        limit: int = typer.Option(100, "--limit", min=1),
        as_user: str = AS_OPTION,
        json_output: bool = JSON_OPTION,
    ) -> None:
        """List alerts, newest first: rule, recipient, child and times (the MASH and
        administrators)."""

        def body() -> None:
            engine = open_store()
            rows = alert_services.list_alerts(
                engine,
                account_named(engine, as_user),
                status=status,
                rule=rule,
                recipient=recipient,
                child=child,
                limit=limit,
            )
            print_json(rows) if json_output else _table(rows)

        run(body)

    @alerts_app.command("inbox")
    def inbox_command(
        practitioner: str = typer.Argument(..., help="The practitioner's key (their email)."),
        all_alerts: bool = typer.Option(False, "--all", help="Include acknowledged ones."),
        as_user: str = AS_OPTION,
        json_output: bool = JSON_OPTION,
    ) -> None:
        """A practitioner's open alerts, the soonest due first (one's own; anyone's for the
        MASH and administrators)."""

        def body() -> None:
            engine = open_store()
            account = account_named(engine, as_user)
            rows = alert_services.inbox(engine, account, practitioner, include_done=all_alerts)
            print_json(rows) if json_output else _table(rows)

        run(body)

    @alerts_app.command("show")
    def show_command(
        alert_id: int = typer.Argument(...),
        as_user: str = AS_OPTION,
        json_output: bool = JSON_OPTION,
    ) -> None:
        """One alert as its recipient sees it, with its messages' delivery status."""

        def body() -> None:
            engine = open_store()
            found = alert_services.get_alert(engine, account_named(engine, as_user), alert_id)
            if json_output:
                print_json(found)
            else:
                from joinedup.alerts.channels import render_text

                out.print(render_text({**found, "child_person_id": found["child"]}))
                for m in found["messages"]:
                    out.print(f"{m['channel']} to {m['target']}: {m['status']}")

        run(body)

    @alerts_app.command("ack")
    def ack_command(
        alert_id: int = typer.Argument(...),
        action: str = typer.Option(..., "--action", help="The action taken."),
        as_user: str = AS_OPTION,
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Acknowledge an alert with the action taken (closes its escalation chain)."""

        def body() -> None:
            engine = open_store()
            account = account_named(engine, as_user)
            found = alert_services.acknowledge(engine, account, alert_id, action)
            if json_output:
                print_json(found)
            else:
                console.print(f"alert {alert_id} acknowledged by {found['acknowledged_by']}")

        run(body)

    @alerts_app.command("dashboard")
    def dashboard_command(as_user: str = AS_OPTION, json_output: bool = JSON_OPTION) -> None:
        """SLA figures per rule: raised, acknowledged in time, median time to acknowledge,
        escalated, open and overdue; messages by channel and status."""

        def body() -> None:
            engine = open_store()
            figures = alert_services.dashboard(engine, account_named(engine, as_user))
            if json_output:
                print_json(figures)
                return
            table = Table(
                "rule", "raised", "ack", "in time %", "median min", "escalated", "open", "overdue"
            )
            for rule_id, f in figures["rules"].items():
                table.add_row(
                    rule_id,
                    str(f["raised"]),
                    str(f["acknowledged"]),
                    str(f["sla_met_percent"]),
                    str(f["median_minutes_to_ack"]),
                    str(f["escalated"]),
                    str(f["open"]),
                    str(f["overdue"]),
                )
            out.print(table)
            out.print(f"messages: {figures['messages']}")

        run(body)

    @alerts_app.command("rules")
    def rules_command(json_output: bool = JSON_OPTION) -> None:
        """The alert rules: owner, purpose, lawful basis, triggers, recipient, deadline."""

        def body() -> None:
            found = alert_services.rules()
            if json_output:
                print_json(found)
                return
            for r in found:
                out.print(f"[bold]{r['id']}[/] v{r['version']}: {r['title']}")
                out.print(
                    f"  to {r['recipient_agency']} lead practitioner; {r['deadline']}; "
                    f"purpose {r['purpose']}; owner {r['owner']}"
                )

        run(body)

    app.add_typer(alerts_app, name="alerts")

    @app.command("replay")
    def replay_command(
        partnership: Path = typer.Argument(..., help="A partnership folder (feeds/README.md)."),
        start: str = typer.Option(
            ...,
            "--from",
            help="YYYY-MM-DD: history up to it is the "
            "initial state; later events arrive as if live.",
        ),
        speed: float = typer.Option(
            0.0, "--speed", min=0.0, help="Simulated days per real second (0: as fast as possible)."
        ),
        slice_days: int = typer.Option(
            1, "--slice-days", min=1, max=7, help="Days per delivery slice (1: day by day)."
        ),
        until: str | None = typer.Option(
            None, "--until", help="YYYY-MM-DD: stop before this day (default: the data's end)."
        ),
        work: Path | None = typer.Option(
            None,
            "--work",
            help="Where the day-by-day deliveries are written (default: a temporary folder).",
        ),
        rescore_days: int = typer.Option(
            0,
            "--rescore-days",
            min=0,
            help="Train the risk model on the history and re-score the children whose "
            "records changed every N simulated days, raising RISK_ESCALATION (0: no risk).",
        ),
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Replay a partnership: load its history up to --from without alerts, link it,
        then feed every later event day by day in time order, so alerts fire as they would
        have; reports alerts per rule, lead time before statutory outcomes, workload."""

        def body() -> None:
            with progress_bar(not json_output) as progress:
                result = replay_history(
                    open_store(),
                    partnership,
                    start,
                    speed=speed,
                    slice_days=slice_days,
                    until=until,
                    work=work,
                    progress=progress,
                    rescore_days=rescore_days,
                )
            print_json(result) if json_output else out.print(result)

        run(body)
