"""Diagnosis of issue 22's bias: which comparison children give the generator's truth?

Generates one partnership with interventions (``--null``: every true effect set to 0, so any
estimate away from 0 is bias), ingests, links and imports it into a SQLite store (kept in
``--workdir`` and reused), and for every type estimates the primary outcome's relative change
(the doubly robust estimate of ``interventions.robust``) with three comparison pools at the
same index dates: children *never* given an intervention (before issue 22's fix), children
*not yet* given one at their index date (the fix, ``index_dates.not_yet_treated``) and *all*
children (valid only where no intervention has an effect). Beside them, from the answer key:
the treated children's risk without the intervention as it actually was (their outcome, or
for a child the intervention worked for, whether an outcome was prevented) and the sample
truth it gives. Prints JSON.

    python bench/bench_intervention_pool.py --seed 3000 --children 20000 --null
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import joinedup.synth.interventions as synth_interventions
from joinedup.interventions import cohort, covariates, index_dates, robust
from joinedup.linkage.batch import link
from joinedup.services import deliveries_in, ingest
from joinedup.services import interventions as svc
from joinedup.store import make_engine, upgrade
from joinedup.synth import SynthOptions, generate_partnership

POOLS = ("never", "not_yet", "all")


def build(folder: Path, seed: int, children: int, null: bool) -> None:
    """The partnership and its store, unless already built."""
    if (folder / "store.db").exists():
        return
    if null:
        synth_interventions.TYPES = tuple(
            dataclasses.replace(t, true_effect=0.0) for t in synth_interventions.TYPES
        )
    out = folder / "partnership"
    generate_partnership(
        out, children=children, seed=seed, options=SynthOptions(interventions=True)
    )
    engine = make_engine(f"sqlite:///{folder / 'store.db'}")
    upgrade(engine)
    for delivery in deliveries_in(out):
        ingest(engine, delivery)
    link(engine)
    svc.import_interventions(engine, out / "interventions")
    engine.dispose()


def diagnose(folder: Path, seed: int) -> dict[str, Any]:
    """Per type: the estimate with each pool, and the treated children's actual risks."""
    engine = make_engine(f"sqlite:///{folder / 'store.db'}")
    with engine.connect() as c:
        persons = cohort.person_map(c)
        people = cohort.people(c)
        events = cohort.events(c, persons)
        ivs = cohort.interventions(c, persons).dropna(subset=["person_id"])
        end_day = cohort.to_day(cohort.data_end(c))
    key = pd.read_csv(folder / "partnership" / "truth" / "interventions.csv")
    ivs = ivs.merge(key, left_on="external_id", right_on="intervention_id", how="left")
    first = ivs.groupby("person_id")["day"].min()
    out: dict[str, Any] = {}
    for code in sorted(ivs["type_code"].unique()):
        mine = ivs[(ivs["type_code"] == code) & (ivs["day"] + covariates.YEAR <= end_day)]
        mine = mine.sort_values("day").drop_duplicates("person_id")
        treated = mine[["person_id", "day"]].assign(treated=1, draw=-1)
        all_units = index_dates.comparison_units(
            people, treated["day"].to_numpy(), seed=seed, draws=index_dates.DRAWS, limit=20_000
        )
        started = all_units["person_id"].map(first).to_numpy(dtype=float)
        pools = {
            "never": all_units[np.isnan(started)],
            "not_yet": index_dates.not_yet_treated(all_units, ivs),
            "all": all_units,
        }
        row: dict[str, Any] = {"treated": len(treated)}
        for name in POOLS:
            units = pd.concat([treated, pools[name].assign(treated=0)], ignore_index=True)
            units["unit"] = np.arange(len(units))
            frame = covariates.build(units[["unit", "person_id", "day"]], people, events)
            frame = frame.merge(units[["unit", "treated", "draw"]], on="unit")
            frame = frame[(frame["age"] >= 0) & (frame["age"] < 18)]
            x = frame[covariates.COVARIATES].to_numpy(dtype=float)
            t = frame["treated"].to_numpy(dtype=int)
            weights = robust.calibrated_weights(x, t, robust.propensity(x, t, seed)).weights
            dr = robust.aipw_att_over_draws(
                x,
                frame["statutory"].to_numpy(dtype=float),
                t,
                weights,
                frame["draw"].to_numpy(dtype=int),
                seed,
            )
            row[name] = {
                "relative_change": round(dr.relative_change, 4),
                "risk_without": round(dr.risk_without, 4),
                "risk_with": round(dr.risk_with, 4),
            }
        mine_rows = frame[frame["treated"] == 1][["person_id", "statutory"]].merge(
            mine[["person_id", "worked", "events_prevented"]], on="person_id"
        )
        y1 = mine_rows["statutory"].to_numpy(dtype=float)
        prevented = (mine_rows["worked"] == 1) & (mine_rows["events_prevented"] > 0)
        y0 = np.maximum(y1, prevented.to_numpy(dtype=float))
        row["treated_risk_without_actual"] = round(float(y0.mean()), 4)
        row["sample_truth"] = round(float(y1.mean() / y0.mean() - 1.0), 4)
        row["true_effect"] = float(mine["true_effect"].iloc[0])
        out[code] = row
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=3000)
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("--null", action="store_true", help="every true effect set to 0")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/ivpool"))
    args = parser.parse_args()
    folder = args.workdir / f"{'null' if args.null else 'seed'}-{args.seed}-{args.children}"
    build(folder, args.seed, args.children, args.null)
    result = {"seed": args.seed, "children": args.children, "null": args.null}
    print(json.dumps(result | {"types": diagnose(folder, 0)}))


if __name__ == "__main__":
    main()
