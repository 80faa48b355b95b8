"""``joinedup synth``: generate a synthetic partnership (never real data)."""

from __future__ import annotations

from pathlib import Path

import typer

from joinedup.cli.common import JSON_OPTION, out, print_json, progress_bar, run


def register(app: typer.Typer) -> None:
    @app.command("synth")
    def synth_command(
        out_dir: Path = typer.Option(..., "--out", help="Folder to write (absent or empty)."),
        children: int = typer.Option(5000, "--children", min=1, help="Children to generate."),
        seed: int = typer.Option(1, "--seed", help="Same seed, same bytes."),
        recording_bias: float = typer.Option(
            1.0,
            "--recording-bias",
            min=1.0,
            help="Police record this many times more incidents in the most deprived "
            "neighbourhoods for the same behaviour (1.0 = no bias; see docs/synthetic-data.md).",
        ),
        interventions: bool = typer.Option(
            False,
            "--interventions/--no-interventions",
            help="Also place interventions with known true effects, given first to the "
            "neediest (interventions/interventions.csv; the answer key in truth/).",
        ),
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Generate a synthetic partnership: one delivery per agency in the feed formats,
        with manifests, plus truth/ (who each record really is, and what happened to them)
        for evaluating linkage, risk and alerts. Synthetic people only."""

        def body() -> None:
            from joinedup.synth import SynthOptions, generate_partnership  # the synth extra

            options = SynthOptions(recording_bias=recording_bias, interventions=interventions)
            with progress_bar(enabled=not json_output) as update:
                summary = generate_partnership(
                    out_dir, children=children, seed=seed, options=options, progress=update
                )
            if json_output:
                print_json(summary.to_dict())
            else:
                out.print(
                    f"wrote a partnership of {summary.children:,} children "
                    f"({summary.people:,} people, {summary.households:,} households) to "
                    f"{summary.out} in {summary.seconds:.1f} s"
                )

        run(body)
