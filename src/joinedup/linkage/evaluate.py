"""Linkage accuracy against a synthetic partnership's ``truth/records.csv`` (pure, no store).

In: predicted clusters as ``{record_key: person_id}`` and truth as ``{record_key: person_key}``
(``agency|source_table|source_id`` keys, see ``features.record_key``). Out: pairwise and
person-level precision, recall and F1, per agency pair, the worst false merges and missed
links. Person level: a predicted person is correct when all its records belong to one real
person (precision: share of predicted persons that are not false merges); a real person is
found when all their records are in one predicted person (recall: share not split).
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from joinedup.errors import BadInput
from joinedup.linkage.features import record_key


def read_truth(folder: Path) -> dict[str, str]:
    """``record_key -> person_key`` from ``truth/records.csv`` (or the folder holding it)."""
    folder = Path(folder)
    path = (
        folder / "records.csv"
        if (folder / "records.csv").exists()
        else folder / "truth" / "records.csv"
    )
    if not path.exists():
        raise BadInput(f"{folder} holds no records.csv (the truth/ folder of a partnership)")
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            record_key(row["agency"], row["source_table"], row["source_id"]): row["person_key"]
            for row in csv.DictReader(handle)
        }


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _prf(tp: int, predicted: int, actual: int) -> dict[str, float]:
    precision = tp / predicted if predicted else 1.0
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 5),
        "recall": round(recall, 5),
        "f1": round(f1, 5),
        "true_positives": tp,
        "predicted": predicted,
        "actual": actual,
    }


def _agency(key: str) -> str:
    return key.split("|", 1)[0]


def evaluate(
    predicted: Mapping[str, str], truth: Mapping[str, str], *, worst: int = 10
) -> dict[str, Any]:
    """Metrics over the records present in both ``predicted`` and ``truth``."""
    keys = [k for k in predicted if k in truth]
    by_pred: dict[str, list[str]] = defaultdict(list)
    by_true: dict[str, list[str]] = defaultdict(list)
    for k in keys:
        by_pred[predicted[k]].append(k)
        by_true[truth[k]].append(k)
    cell = Counter((predicted[k], truth[k]) for k in keys)
    tp = sum(_pairs(n) for n in cell.values())
    pred_pairs = sum(_pairs(len(v)) for v in by_pred.values())
    true_pairs = sum(_pairs(len(v)) for v in by_true.values())

    agencies: dict[str, Counter[str]] = {"tp": Counter(), "pred": Counter(), "true": Counter()}
    for group, kind in ((by_pred, "pred"), (by_true, "true")):
        for members in group.values():
            _count_agency_pairs(members, agencies[kind], None)
    for members in by_pred.values():
        _count_agency_pairs(members, agencies["tp"], truth)
    per_pair = {
        name: _prf(agencies["tp"][name], agencies["pred"][name], agencies["true"][name])
        for name in sorted(set(agencies["pred"]) | set(agencies["true"]))
    }

    pure = sum(1 for m in by_pred.values() if len({truth[k] for k in m}) == 1)
    whole = sum(1 for m in by_true.values() if len({predicted[k] for k in m}) == 1)
    person = {
        "precision": round(pure / len(by_pred), 5) if by_pred else 1.0,
        "recall": round(whole / len(by_true), 5) if by_true else 1.0,
        "predicted_persons": len(by_pred),
        "true_persons": len(by_true),
        "false_merges": len(by_pred) - pure,
        "split_persons": len(by_true) - whole,
    }
    p, r = person["precision"], person["recall"]
    person["f1"] = round(2 * p * r / (p + r), 5) if p + r else 0.0
    false_merges: list[dict[str, Any]] = [
        {
            "person_id": pid,
            "real_people": len({truth[k] for k in m}),
            "records": sorted(f"{k} -> {truth[k]}" for k in m),
        }
        for pid, m in by_pred.items()
        if len({truth[k] for k in m}) > 1
    ]
    false_merges = sorted(false_merges, key=lambda x: (-x["real_people"], x["person_id"]))[:worst]
    missed: list[dict[str, Any]] = [
        {
            "person_key": tk,
            "pieces": len({predicted[k] for k in m}),
            "records": sorted(f"{k} -> {predicted[k]}" for k in m),
        }
        for tk, m in by_true.items()
        if len({predicted[k] for k in m}) > 1
    ]
    missed = sorted(missed, key=lambda x: (-x["pieces"], x["person_key"]))[:worst]
    return {
        "records": len(keys),
        "pairwise": _prf(tp, pred_pairs, true_pairs),
        "person": person,
        "agency_pairs": per_pair,
        "worst_false_merges": false_merges,
        "worst_missed_links": missed,
    }


def _count_agency_pairs(
    members: list[str], counter: Counter[str], truth: Mapping[str, str] | None
) -> None:
    for i, a in enumerate(members):
        for b in members[i + 1 :]:
            if truth is not None and truth[a] != truth[b]:
                continue
            counter["/".join(sorted((_agency(a), _agency(b))))] += 1


def baseline_clusters(records: list[dict[str, Any]], columns: tuple[str, ...]) -> dict[str, str]:
    """Exact-match linkage on ``columns`` (records missing one stand alone)."""
    out = {}
    for r in records:
        values = [r[c] for c in columns]
        out[r["record_key"]] = (
            "|".join(values) if all(v is not None for v in values) else "solo:" + r["record_key"]
        )
    return out


BASELINES = {"nhs_number": ("nhs_number",), "name_and_dob": ("full_name", "dob")}
