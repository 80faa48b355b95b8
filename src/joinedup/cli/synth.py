"""``joinedup synth``: generate a synthetic partnership (never real data)."""

from __future__ import annotations

from pathlib import Path

import typer

from joinedup.cli.common import JSON_OPTION, emit, progress_bar

app = typer.Typer()


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
    error_model: str = typer.Option(
        "default",
        "--error-model",
        help="default, or extended: more of the recording errors that split people "
        "(diacritics, swapped and capitalised names, short/long forms, middle names, "
        "typos, missing or shifted dates of birth, moves), messier in adult services; "
        "the kinds applied to each record go to truth/record_errors.csv.",
    ),
    returns: bool = typer.Option(
        False,
        "--returns/--no-returns",
        help="Also write the returns councils and schools already make, from the same "
        "records: CIN census XML, SSDA903 and Annex A as three more social care deliveries, "
        "and each school's School Census (CBDS XML) as one education delivery per school.",
    ),
    exploitation: bool = typer.Option(
        False,
        "--exploitation/--no-exploitation",
        help="Also simulate exploitation: groups of adults who groom children, missing "
        "episodes, sightings at places and in vehicles (police locations, objects and "
        "incident_links), CSE/CCE incidents and NRM referrals (ssd_nrm_referrals); the "
        "answer key in truth/exploitation.csv.",
    ),
    moves_to: Path | None = typer.Option(
        None,
        "--moves-to",
        help="Also write a second partnership (Otherbury) to this folder, to which some of "
        "--out's families move (a shared truth: truth/moves.csv in both; person keys A... "
        "and B... unique across the two). For issue 24's discovery between partnerships.",
    ),
    move_rate: float = typer.Option(
        0.03,
        "--move-rate",
        min=0.0,
        max=0.2,
        help="With --moves-to: the share of households that move (times 1 + their latent "
        "severity 0-4, so families known to social care move more often).",
    ),
    json_output: bool = JSON_OPTION,
) -> None:
    """Generate a synthetic partnership: one delivery per agency in the feed formats,
    with manifests, plus truth/ (who each record really is, and what happened to them)
    for evaluating linkage, risk and alerts. Synthetic people only."""
    from joinedup.synth import SynthOptions, generate_partnership

    options = SynthOptions(
        recording_bias=recording_bias,
        interventions=interventions,
        error_model=error_model,
        returns=returns,
        exploitation=exploitation,
    )
    if moves_to is not None:
        from joinedup.synth.moves import generate_pair

        with progress_bar(enabled=not json_output) as update:
            pair = generate_pair(
                out_dir,
                moves_to,
                children=children,
                seed=seed,
                move_rate=move_rate,
                options=options,
                progress=update,
            )
        emit(
            pair,
            json_output,
            lambda p: (
                f"wrote two partnerships of {children:,} children each to {out_dir} and "
                f"{moves_to}; {p.moved_children:,} children moved "
                f"({p.on_plan_or_looked_after:,} people on a plan or looked after at the move)"
            ),
            data=lambda p: p.to_dict(),
        )
        return
    with progress_bar(enabled=not json_output) as update:
        summary = generate_partnership(
            out_dir, children=children, seed=seed, options=options, progress=update
        )
    emit(
        summary,
        json_output,
        lambda s: (
            f"wrote a partnership of {s.children:,} children ({s.people:,} people, "
            f"{s.households:,} households) to {s.out} in {s.seconds:.1f} s"
        ),
        data=lambda s: s.to_dict(),
    )
