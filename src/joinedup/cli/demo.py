"""``joinedup demo``: the main job in one command on the embedded default database."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from joinedup import services
from joinedup.cli.common import JSON_OPTION, out, print_json, progress_bar, run
from joinedup.config import settings


def register(app: typer.Typer) -> None:
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
        from joinedup.accounts import demo_users

        def body() -> None:
            started = time.perf_counter()
            with progress_bar(enabled=not json_output) as update:
                if not partnership.exists() or not any(partnership.iterdir()):
                    from joinedup.synth import SynthOptions, generate_partnership  # synth extra

                    generate_partnership(
                        partnership,
                        children=children,
                        seed=seed,
                        options=SynthOptions(interventions=True),
                        progress=update,
                    )
                engine = services.open_store()
                # People are linked in one batch once every agency is in: faster than one at
                # a time, and every agency's records are there to link against.
                reports = [
                    services.ingest(engine, folder, progress=update, link=False)
                    for folder in services.deliveries_in(partnership)
                ]
                linkage = services.link_people(engine, progress=update)
                agreements = services.load_agreements(
                    engine, sorted(services.EXAMPLE_AGREEMENTS.glob("*.yaml")), loaded_by="demo"
                )
                users = demo_users.create(engine)
                interventions = _interventions(engine, partnership)
                risk = _risk(engine, update)
            url = f"http://127.0.0.1:{port}"
            summary = {
                "partnership": str(partnership),
                "database": settings().database_url,
                "seconds": round(time.perf_counter() - started, 1),
                "deliveries": {
                    r.agency: {
                        "rows": r.total("rows"),
                        "accepted": r.total("accepted"),
                        "quarantined": r.total("quarantined"),
                        "status": r.status,
                    }
                    for r in reports
                },
                "linkage": {
                    "records": linkage["records"],
                    "persons": linkage["persons"],
                    "review": linkage["review"],
                    "households": linkage["households"],
                },
                "agreements": [a["agreement"] for a in agreements],
                "interventions": interventions,
                "risk": risk,
                "users": users,
                "url": url if serve else None,
            }
            if json_output:
                print_json(summary)
            else:
                show(summary, reports, linkage, partnership)
            if serve:
                from joinedup.cli.web import serve as serve_app

                serve_app("127.0.0.1", port, engine)

        run(body)


def _interventions(engine: Any, partnership: Path) -> dict[str, int] | None:
    """The partnership's intervention records, when it has them (synth --interventions)."""
    from joinedup.services import interventions

    folder = partnership / "interventions"
    if not (folder / "interventions.csv").is_file():
        return None
    return interventions.import_interventions(engine, folder, recorded_by="demo")


def _risk(engine: Any, update: Any) -> dict[str, Any]:
    """Train the risk model on the linked history and score every child (the triage list);
    a partnership with too little history is reported, not fatal."""
    from joinedup.errors import BadInput
    from joinedup.services import risk

    started = time.perf_counter()
    try:
        # Snapshots every 6 months, not 2: the demo must be up in minutes; `joinedup risk
        # train` uses every 2 months.
        model = risk.train_risk_model(engine, progress=update, step_months=6)
    except BadInput as problem:
        return {"trained": False, "reason": str(problem)}
    scored = risk.score_children(engine, progress=update)
    return {
        "trained": True,
        "model_id": model["model_id"],
        "children_scored": scored["children_scored"],
        "flagged": scored["flagged"],
        "seconds": round(time.perf_counter() - started, 1),
    }


def show(
    summary: dict[str, Any], reports: list[Any], linkage: dict[str, Any], partnership: Path
) -> None:
    """The summary for a person at a terminal."""
    for r in reports:
        out.print(
            f"{r.agency:<20} {r.total('rows'):>10,} rows  "
            f"{r.total('accepted'):>10,} accepted  "
            f"{r.total('quarantined'):>7,} quarantined  ({r.status})"
        )
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
        f"loaded {partnership} into {settings().database_url} in "
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
