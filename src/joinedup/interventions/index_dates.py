"""Index dates for the comparison children, drawn from stable keys (pure numpy/pandas).

A child who had no intervention has no date to be compared at, so each gets one of the treated
children's start dates. The draw is a function of the seed, the child's person id and the
draw's number (a SHA-256 of the three), not of the order the children were read in: the same
store and seed give the same comparison group, whatever order ids sort in. Several draws per
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
