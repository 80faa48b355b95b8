"""Fairness audit of the triage threshold: calibration, error and selection rates by group,
with confidence intervals, and a test for policing recording bias, said in words.

Pure (no ORM). Groups: ethnicity (DfE major group), sex, disability (SEN provision or a
disability condition), deprivation decile (of the child's postcode). Wilson intervals for
rates; the recording-bias test compares how much police evidence children carry in the most
deprived deciles (1-2) against the other deciles, relative to every other agency's evidence
for the same children, with a seeded bootstrap interval: police recording more per unit of
harm there than elsewhere shows as a ratio above 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

ETHNIC_GROUPS = {"W": "White", "M": "Mixed", "A": "Asian", "B": "Black", "C": "Chinese"}
Z = 1.96


def wilson(hits: int, n: int) -> tuple[float, float]:
    if n == 0:
        return (0.0, 1.0)
    p = hits / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def ethnic_group(code: str | None) -> str:
    if not code:
        return "Unknown"
    return ETHNIC_GROUPS.get(code[0].upper(), "Other") if code[0].upper() != "O" else "Other"


def deprivation_band(decile: int | None) -> str:
    if decile is None:
        return "Unknown"
    return (
        "1-2 (most deprived)"
        if decile <= 2
        else f"{2 * ((decile - 1) // 2) + 1}-{2 * ((decile - 1) // 2) + 2}"
    )


def group_table(y: np.ndarray, p: np.ndarray, flagged: np.ndarray, groups: list[str]) -> list[dict]:
    out = []
    for g in sorted(set(groups)):
        idx = np.asarray([x == g for x in groups])
        n, yy, pp, ff = int(idx.sum()), y[idx], p[idx], flagged[idx]
        pos, neg = int(yy.sum()), int((1 - yy).sum())
        observed = pos / n if n else 0.0
        lo, hi = wilson(pos, n)
        predicted = float(pp.mean()) if n else 0.0
        sel = int(ff.sum())
        fp = int((ff & (yy == 0)).sum())
        fn = int((~ff & (yy == 1)).sum())
        out.append(
            {
                "group": g,
                "children": n,
                "outcomes": pos,
                "mean_predicted": round(predicted, 5),
                "observed_rate": round(observed, 5),
                "observed_ci": [round(lo, 5), round(hi, 5)],
                "calibrated_within_ci": lo <= predicted <= hi,
                "selection_rate": round(sel / n, 5) if n else None,
                "selection_ci": [round(v, 5) for v in wilson(sel, n)],
                "false_positive_rate": round(fp / neg, 5) if neg else None,
                "false_positive_ci": [round(v, 5) for v in wilson(fp, neg)] if neg else None,
                "false_negative_rate": round(fn / pos, 5) if pos else None,
                "false_negative_ci": [round(v, 5) for v in wilson(fn, pos)] if pos else None,
            }
        )
    return out


def recording_bias(
    police: np.ndarray,
    other: np.ndarray,
    deprived: np.ndarray,
    *,
    seed: int = 11,
    rounds: int = 400,
) -> dict:
    """Ratio of (police evidence / other agencies' evidence) in deciles 1-2 to the same in
    the other deciles, over children with any evidence; bootstrap 95% interval."""
    keep = (police + other) > 0
    police, other, deprived = police[keep], other[keep], deprived[keep]

    def ratio(ix: np.ndarray) -> float:
        d, r = deprived[ix], ~deprived[ix]
        num = police[ix][d].sum() / max(1e-9, other[ix][d].sum())
        den = police[ix][r].sum() / max(1e-9, other[ix][r].sum())
        return float(num / den) if den > 0 else float("nan")

    if deprived.sum() < 5 or (~deprived).sum() < 5:
        return {"ratio": None, "ci": None, "children": int(keep.sum()), "detected": False}
    rng = np.random.default_rng(seed)
    everyone = np.arange(len(police))
    point = ratio(everyone)
    boots = [ratio(rng.integers(0, len(police), len(police))) for _ in range(rounds)]
    lo, hi = (float(np.nanquantile(boots, q)) for q in (0.025, 0.975))
    return {
        "ratio": round(point, 3),
        "ci": [round(lo, 3), round(hi, 3)],
        "children": int(keep.sum()),
        "detected": lo > 1.0,
    }


def audit(
    y: np.ndarray,
    p: np.ndarray,
    flagged: np.ndarray,
    attributes: dict[str, list[str]],
    police: np.ndarray,
    other: np.ndarray,
    deprived: np.ndarray,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict:
    tables = {name: group_table(y, p, flagged, groups) for name, groups in attributes.items()}
    bias = recording_bias(police, other, deprived)
    return {"groups": tables, "recording_bias": bias, "findings": findings(tables, bias)}


def findings(tables: dict[str, list[dict]], bias: dict) -> list[str]:
    """The audit in words."""
    out = []
    for name, rows in tables.items():
        rows = [r for r in rows if r["group"] != "Unknown" and r["children"] >= 30]
        off = [r for r in rows if not r["calibrated_within_ci"]]
        if off:
            said = ", ".join(
                f"{r['group']} (predicted {r['mean_predicted']:.2%}, "
                f"observed {r['observed_rate']:.2%})"
                for r in off
            )
            out.append(f"{name}: the score is not calibrated within the 95% interval for {said}.")
        else:
            out.append(
                f"{name}: predicted and observed rates agree within the 95% interval "
                "for every group."
            )
        rates = [r["selection_rate"] for r in rows if r["selection_rate"] is not None]
        if len(rates) > 1 and min(rates) > 0:
            out.append(
                f"{name}: selection rates at the triage threshold range from {min(rates):.1%} "
                f"to {max(rates):.1%} (ratio {max(rates) / min(rates):.1f})."
            )
    if bias.get("ratio") is None:
        out.append("Recording bias: too few children in one of the deprivation bands to test.")
    elif bias["detected"]:
        out.append(
            f"Recording bias DETECTED: relative to every other agency, police record "
            f"{bias['ratio']:.2f} times as much about children in the most deprived deciles "
            f"(1-2) as elsewhere (95% interval {bias['ci'][0]:.2f}-{bias['ci'][1]:.2f}). Police-"
            f"sourced factors there reflect policing intensity as well as harm: read their "
            f"scores with care and consider retraining without police-only factors."
        )
    else:
        out.append(
            f"Recording bias not detected: police evidence relative to other agencies is "
            f"{bias['ratio']:.2f} times as high in deciles 1-2 as elsewhere (95% interval "
            f"{bias['ci'][0]:.2f}-{bias['ci'][1]:.2f}, which includes 1)."
        )
    return out


def band_findings(bands: dict[str, dict]) -> list[str]:
    """The calibration within deprivation bands in words: each band shifted, or why not."""
    shifted = [
        f"{band} ({entry['shift']:+.2f} log-odds: predicted {entry['mean_predicted']:.2%}, "
        f"observed {entry['observed_rate']:.2%} before)"
        for band, entry in bands.items()
        if entry.get("shift") is not None
    ]
    out = []
    if shifted:
        out.append(
            "deprivation: the score is recalibrated within each band of two deciles on the "
            "held-out year (the tables show it after, cross-fitted): " + "; ".join(shifted) + "."
        )
    for band, entry in bands.items():
        if entry.get("shift") is None:
            out.append(f"deprivation {band}: not recalibrated, {entry['reason']}.")
    return out
