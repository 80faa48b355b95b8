"""``joinedup demo``: the main job in one command on the embedded default database, then the
partnership at work: the web app, the alerts worker and a local mail sink, until Ctrl-C.

What a new user sees is a one-line progress display and a summary in words (what was loaded,
the accounts and their password, where to go): no third-party training chatter
(``services.demo.quietly``), no Python reprs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from joinedup import services
from joinedup.cli.common import JSON_OPTION, console, emit, out
from joinedup.governance.wording import agency_title, role_title

app = typer.Typer()


@contextmanager
def progress_line(enabled: bool = True) -> Iterator[Callable[[str, int, int], None]]:
    """One line on stderr saying what is being done now, gone when it is all done."""
    if not enabled:
        yield lambda _stage, _done, _total: None
        return
    columns = (
        TextColumn("{task.description:<44}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("starting", total=1)

        def update(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage[:44], completed=done, total=max(total, done, 1))

        yield update


@app.command("demo")
def demo_command(
    children: int = typer.Option(5000, "--children", min=1, help="Children to generate."),
    seed: int = typer.Option(1, "--seed", help="Seed of the synthetic partnership."),
    partnership: Path = typer.Option(
        Path("partnership"),
        "--partnership",
        help="Where the synthetic deliveries are written (reused if already there).",
    ),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to serve on."),
    mail_port: int = typer.Option(
        0,
        "--mail-port",
        min=0,
        max=65535,
        help="Port of the local mail sink the alerts are emailed to (0: any free port).",
    ),
    serve: bool = typer.Option(
        True,
        "--serve/--no-serve",
        help="Serve the web app, with the alerts worker and the mail sink, once loaded "
        "(Ctrl-C stops all three).",
    ),
    json_output: bool = JSON_OPTION,
) -> None:
    """Generate a synthetic partnership (if not already there), load every agency's
    delivery into the store (JOINEDUP_DATABASE_URL, default ./joinedup.db), link people
    across agencies, load the example data sharing agreements and demo users (one per
    role), import the synthetic interventions, train and score the risk model and the
    exploitation early warning (so the triage lists have content), then serve the web app
    on http://127.0.0.1:PORT with the alerts worker and a local mail sink (the
    administrator reads what was emailed at /admin/mail), the accounts and their password
    printed."""
    from joinedup.services import demo
    from joinedup.synth import SynthOptions, generate_partnership

    with demo.quietly() as quieted, progress_line(enabled=not json_output) as update:
        if not partnership.exists() or not any(partnership.iterdir()):
            generate_partnership(
                partnership, children=children, seed=seed,
                options=SynthOptions(interventions=True, exploitation=True), progress=update,
            )  # fmt: skip
        engine = services.open_store()
        loaded = demo.load_demo(engine, partnership, progress=update)
    summary = {
        **loaded.summary,
        "url": f"http://127.0.0.1:{port}" if serve else None,
        "quieted": quieted.summary(),
    }
    if not serve:
        emit(summary, json_output, lambda s: show(s, partnership))
        return
    from joinedup.cli.serve import serve as serve_app

    with demo.running_partnership(engine, mail_port=mail_port) as running:
        summary["mail"] = running.mail_url
        emit(summary, json_output, lambda s: show(s, partnership))
        # uvicorn stops on Ctrl-C and passes it on: the worker and the sink stop next
        with suppress(KeyboardInterrupt):
            serve_app("127.0.0.1", port, engine)
    if not json_output:
        console.print("Stopped the web app, the alerts worker and the mail sink.")


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def show(summary: dict[str, Any], partnership: Path) -> None:
    """The summary for a person at a terminal, in words."""
    out.print(
        f"The demo partnership is loaded ({summary['seconds']} seconds), from the synthetic "
        f"deliveries in {partnership}/ into {summary['database']}.",
        highlight=False,
    )
    out.print("\nWhat each agency delivered:", highlight=False)
    for agency, figures in summary["deliveries"].items():
        status = "" if figures["status"] == "ingested" else f" ({figures['status']})"
        quarantined = figures["quarantined"]
        out.print(
            f"  {agency_title(agency):<34} {_count(figures['accepted'], 'record')} taken"
            + (f", {_count(quarantined, 'row')} quarantined" if quarantined else "")
            + status,
            highlight=False,
        )
    linkage = summary["linkage"]
    review = (linkage.get("review") or {}).get("opened", 0)
    out.print(
        f"\nLinked {_count(linkage['records'], 'record')} into "
        f"{_count(linkage['persons'], 'person', 'people')}"
        + (f"; {_count(review, 'uncertain pair')} left for clerical review" if review else "")
        + ".",
        highlight=False,
    )
    out.print(f"Data sharing agreements: {', '.join(summary['agreements'])}.", highlight=False)
    imported = summary.get("interventions")
    if imported:
        out.print(
            f"Interventions: {_count(imported.get('inserted', 0), 'record')} imported"
            + (f", {imported['updated']:,} updated" if imported.get("updated") else "")
            + (f", {imported['unchanged']:,} already there" if imported.get("unchanged") else "")
            + ".",
            highlight=False,
        )
    risk = summary.get("risk") or {}
    if risk.get("trained"):
        out.print(
            f"Risk model trained: {_count(risk['children_scored'], 'child', 'children')} "
            f"scored, {risk['flagged']:,} on the MASH's triage list.",
            highlight=False,
        )
        if risk.get("ranking"):
            out.print(risk["ranking"]["reason"], highlight=False)
        found = risk.get("exploitation") or {}
        if found.get("scored"):
            scored = _count(found["children_scored"], "child", "children")
            out.print(
                f"Exploitation early warning: {scored} aged 10-17 scored, "
                f"{found['flagged']:,} flagged (/triage-exploitation).",
                highlight=False,
            )
        elif found:
            out.print(f"The exploitation early warning was not trained: {found['reason']}.")
    elif risk:
        out.print(f"The risk model was not trained: {risk['reason']}.", highlight=False)
    if summary.get("quieted"):
        out.print(f"({summary['quieted']}.)", highlight=False)
    users = summary["users"]
    out.print(
        f"\nSign in as any of these accounts; each has the password "
        f"[bold]{users[0]['password']}[/]",
        highlight=False,
    )
    for user in users:
        role = role_title(user["role"]).split(" (")[0]
        out.print(
            f"  {user['username']:<18} {role:<36} {user['display_name']}",
            highlight=False,
            soft_wrap=True,
        )
    if summary.get("url"):
        url = summary["url"]
        out.print(
            f"\nThe alerts worker is running and emails go to the demo's own mail sink "
            f"({summary.get('mail')}); sign in as admin to read them at {url}/admin/mail.",
            highlight=False,
        )
        out.print(
            f"Open [bold]{url}[/] and sign in. Ctrl-C stops the web app, the alerts worker "
            "and the mail sink.",
            highlight=False,
        )
    else:
        out.print(
            "\nNext: `joinedup serve` serves the web app on this store; `joinedup quality "
            "--all`, `joinedup review list` and `joinedup audit verify` look after it.",
            highlight=False,
        )
