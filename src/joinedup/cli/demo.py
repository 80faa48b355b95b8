"""``joinedup demo``: the main job in one command on the embedded default database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from joinedup import services
from joinedup.cli.common import JSON_OPTION, emit, out, progress_bar

app = typer.Typer()


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
    serve: bool = typer.Option(
        True, "--serve/--no-serve", help="Serve the web app once loaded (Ctrl-C stops it)."
    ),
    json_output: bool = JSON_OPTION,
) -> None:
    """Generate a synthetic partnership (if not already there), load every agency's
    delivery into the store (JOINEDUP_DATABASE_URL, default ./joinedup.db), link people
    across agencies, load the example data sharing agreements and demo users (one per
    role), import the synthetic interventions, train and score the risk model (so the
    triage list has content), then serve the web app on http://127.0.0.1:PORT with the
    credentials printed."""
    from joinedup.services import demo
    from joinedup.synth import SynthOptions, generate_partnership

    with progress_bar(enabled=not json_output) as update:
        if not partnership.exists() or not any(partnership.iterdir()):
            generate_partnership(
                partnership, children=children, seed=seed,
                options=SynthOptions(interventions=True), progress=update,
            )  # fmt: skip
        engine = services.open_store()
        loaded = demo.load_demo(engine, partnership, progress=update)
    summary = {**loaded.summary, "url": f"http://127.0.0.1:{port}" if serve else None}
    emit(summary, json_output, lambda s: show(s, loaded.reports, partnership))
    if serve:
        from joinedup.cli.serve import serve as serve_app

        serve_app("127.0.0.1", port, engine)


def show(summary: dict[str, Any], reports: list[Any], partnership: Path) -> None:
    """The summary for a person at a terminal."""
    for r in reports:
        out.print(
            f"{r.agency:<20} {r.total('rows'):>10,} rows  "
            f"{r.total('accepted'):>10,} accepted  "
            f"{r.total('quarantined'):>7,} quarantined  ({r.status})"
        )
    linkage = summary["linkage"]
    out.print(
        f"linked {linkage['records']:,} records into {linkage['persons']:,} people; "
        f"loaded agreements {', '.join(summary['agreements'])}"
    )
    if summary.get("interventions"):
        out.print(f"imported interventions: {summary['interventions']}")
    risk = summary.get("risk") or {}
    if risk.get("trained"):
        out.print(
            f"risk model trained; {risk['children_scored']:,} children scored, "
            f"{risk['flagged']:,} on the triage list ({risk['seconds']} s)"
        )
    elif risk:
        out.print(f"risk model not trained: {risk['reason']}")
    out.print(
        f"loaded {partnership} into {summary['database']} in "
        f"{summary['seconds']} s. Next: `joinedup quality --all`, "
        "`joinedup review list`, `joinedup evaluate-linkage --truth "
        f"{partnership}/truth`, `joinedup audit verify`."
    )
    users = summary["users"]
    out.print(f"\nDemo users (password for each: [bold]{users[0]['password']}[/]):")
    for user in users:
        out.print(
            f"  {user['username']:<18} {user['role']:<28} {user['display_name']}",
            highlight=False,
        )
    if summary["url"]:
        out.print(f"\nOpen [bold]{summary['url']}[/] and sign in (Ctrl-C stops it).")
