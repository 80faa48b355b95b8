"""Index dates for the comparison children, drawn from stable keys (pure numpy/pandas).

A comparison child has no date to be compared at, so each gets one of the treated children's
start dates, and counts as a comparison there only if no intervention of theirs had started by
then (``not_yet_treated``: "not yet treated", not "never treated", issue 22). The draw is a
function of the seed, the child's person id and the draw's number (a SHA-256 of the three),
not of the order the children were read in: the same store and seed give the same comparison
group, whatever order ids sort in. Several draws per
child (``DRAWS``) are stacked for the point estimate (the variation of one draw averages out)
and the bootstrap takes one draw per replicate, so its interval carries that variation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
import pandas as pd

DRAWS = 5
_DOMAIN = "joinedup-comparison-index/v1"


def stable_uniform(keys: Iterable[str], seed: int, draw: int) -> np.ndarray:
    """A number in [0, 1) per key, fixed by the key, the seed and the draw."""
    out = []
    for key in keys:
        digest = hashlib.sha256(f"{_DOMAIN}|{seed}|{draw}|{key}".encode()).digest()
        out.append(int.from_bytes(digest[:8], "big") / 2**64)
    return np.asarray(out, dtype=float)


def comparison_units(
    pool: pd.DataFrame, treated_days: np.ndarray, *, seed: int, draws: int, limit: int
) -> pd.DataFrame:
    """``person_id, day, draw`` for the comparison children of ``pool`` (``person_id,
    dob_day``): each child at ``draws`` index dates drawn from ``treated_days``, aged 0-17
    on it; at most ``limit`` children (those whose stable number is smallest: a sample that
    does not depend on order either)."""
    days = np.sort(np.asarray(treated_days, dtype=np.int64))
    ids = pool["person_id"].astype(str).tolist()
    if len(pool) > limit:
        keep = np.argsort(stable_uniform(ids, seed, -1), kind="stable")[:limit]
        pool = pool.iloc[np.sort(keep)]
        ids = [ids[i] for i in np.sort(keep)]
    frames = []
    for draw in range(draws):
        pick = (stable_uniform(ids, seed, draw) * len(days)).astype(np.int64)
        units = pd.DataFrame(
            {"person_id": pool["person_id"].to_numpy(), "day": days[pick], "draw": draw}
        )
        age = (units["day"].to_numpy() - pool["dob_day"].to_numpy()) / 365.25
        frames.append(units[(age >= 0) & (age < 18)])
    return pd.concat(frames, ignore_index=True)


def cohort_units(
    interventions: pd.DataFrame,
    people: pd.DataFrame,
    code: str,
    *,
    window: tuple[int, int] | None,
    end_day: int,
    seed: int,
    draws: int,
    limit: int,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """``person_id, day, treated, draw`` (draw -1 for the treated): the children whose first
    intervention of ``code`` started in ``window`` (days) with 12 months of follow-up before
    ``end_day``, and the comparison children at ``draws`` index dates each. ``interventions``
    has ``type_code, person_id, day`` (person None: not linked); ``people`` ``person_id,
    dob_day``. Also the counts recorded, not linked and without complete follow-up."""
    mine = interventions[interventions["type_code"] == code]
    info = {"recorded": int(len(mine)), "not_linked": int(mine["person_id"].isna().sum())}
    mine = mine.dropna(subset=["person_id"]).sort_values("day").drop_duplicates("person_id")
    if window is not None:
        mine = mine[(mine["day"] >= window[0]) & (mine["day"] <= window[1])]
    complete = mine["day"] + 365 <= end_day
    info["follow_up_incomplete"] = int((~complete).sum())
    treated = mine[complete][["person_id", "day"]].assign(treated=1, draw=-1)
    if treated.empty:
        return treated, info
    compared = comparison_units(
        people, treated["day"].to_numpy(), seed=seed, draws=draws, limit=limit
    )
    compared = not_yet_treated(compared, interventions)
    units = pd.concat([treated, compared.assign(treated=0)], ignore_index=True)
    return units.sort_values(["treated", "person_id", "draw"], ascending=[False, True, True]), info


def not_yet_treated(units: pd.DataFrame, interventions: pd.DataFrame) -> pd.DataFrame:
    """The comparison ``units`` (``person_id, day``) whose child had no intervention of any
    type starting on or before the index date. Not "children never given one": whether a
    child is given one later depends on their need later, inside the 12 months the outcome
    is measured in, so that pool would be chosen on the outcome (issue 22)."""
    first = interventions.dropna(subset=["person_id"]).groupby("person_id")["day"].min()
    started = units["person_id"].map(first).to_numpy(dtype=float)
    return units[~(started <= units["day"].to_numpy())]
