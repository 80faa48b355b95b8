"""Where linkage misses: adults and children scored apart, missed pairs by agency pair and
by the error kinds the synthetic generator applied (issue 20).

In: predicted clusters ``{record_key: person_id}``, truth ``{record_key: person_key}``, the
role of each real person (``truth/people.csv``: CHILD or an adult role) and, when the
partnership was generated with the extended error model, the error kinds of each record
(``truth/record_errors.csv``). Out: plain dicts for ``evaluate-linkage`` (text and --json).

For a group of real people (children, or adults): pairwise precision counts the predicted
pairs with at least one record of the group; person precision is the share of predicted
persons holding a record of the group that hold one real person only; person recall the share
of the group's people in one predicted person; exactly resolved, in one predicted person that
holds nobody else. A missed pair is two records of one real person in different persons.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from joinedup.linkage.features import record_key

ROLE_GROUPS = ("children", "adults")


def _truth_file(folder: Path, name: str) -> Path:
    folder = Path(folder)
    return folder / name if (folder / "records.csv").exists() else folder / "truth" / name


def read_roles(folder: Path) -> dict[str, str]:
    """``person_key -> children|adults`` from ``truth/people.csv``; empty when absent."""
    path = _truth_file(folder, "people.csv")
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            row["person_key"]: "children" if row["role"] == "CHILD" else "adults"
            for row in csv.DictReader(handle)
        }


def read_error_kinds(folder: Path) -> dict[str, tuple[str, ...]] | None:
    """``record_key -> error kinds`` from ``truth/record_errors.csv``; None when the
    partnership was not generated with the extended error model."""
    path = _truth_file(folder, "record_errors.csv")
    if not path.exists():
        return None
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            record_key(row["agency"], row["source_table"], row["source_id"]): tuple(
                row["error_kinds"].split(";")
            )
            for row in csv.DictReader(handle)
        }


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _ratio(a: int, b: int) -> float:
    return round(a / b, 5) if b else 1.0


def by_role(
    predicted: Mapping[str, str], truth: Mapping[str, str], roles: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """Pairwise and person metrics for children and for adults, each on their own."""
    keys = [k for k in predicted if k in truth]
    by_pred: dict[str, list[str]] = defaultdict(list)
    by_true: dict[str, list[str]] = defaultdict(list)
    for k in keys:
        by_pred[predicted[k]].append(k)
        by_true[truth[k]].append(k)
    out: dict[str, dict[str, Any]] = {}
    for group in ROLE_GROUPS:
        mine = {tk for tk in by_true if roles.get(tk, "adults") == group}
        cells: Counter[tuple[str, str]] = Counter(
            (predicted[k], truth[k]) for k in keys if truth[k] in mine
        )
        tp = sum(_pairs(n) for n in cells.values())
        actual = sum(_pairs(len(by_true[tk])) for tk in mine)
        predicted_pairs = touching = pure = 0
        for members in by_pred.values():
            inside = sum(1 for k in members if truth[k] in mine)
            if not inside:
                continue
            touching += 1
            pure += len({truth[k] for k in members}) == 1
            predicted_pairs += _pairs(inside) + inside * (len(members) - inside)
        whole = exact = 0
        for tk in mine:
            pieces = {predicted[k] for k in by_true[tk]}
            if len(pieces) == 1:
                whole += 1
                exact += len(by_pred[next(iter(pieces))]) == len(by_true[tk])
        precision, recall = _ratio(tp, predicted_pairs), _ratio(tp, actual)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[group] = {
            "people": len(mine),
            "records": sum(len(by_true[tk]) for tk in mine),
            "pairwise": {
                "precision": precision,
                "recall": recall,
                "f1": round(f1, 5),
                "true_positives": tp,
                "predicted": predicted_pairs,
                "actual": actual,
            },
            "person": {
                "precision": _ratio(pure, touching),
                "recall": _ratio(whole, len(mine)),
                "exactly_resolved": _ratio(exact, len(mine)),
                "split_persons": len(mine) - whole,
                "false_merges": touching - pure,
            },
        }
    return out


def missed_pairs(
    predicted: Mapping[str, str],
    truth: Mapping[str, str],
    roles: Mapping[str, str],
    kinds: Mapping[str, tuple[str, ...]] | None,
) -> dict[str, Any]:
    """The pairs of one real person's records left in different persons, by agency pair
    (with the adults' and children's share) and, when known, by error kind (a pair counts
    under every kind either record carries, or under "none")."""
    by_true: dict[str, list[str]] = defaultdict(list)
    for k in predicted:
        if k in truth:
            by_true[truth[k]].append(k)
    agency_true: Counter[str] = Counter()
    agency_missed: dict[str, Counter[str]] = defaultdict(Counter)
    kind_true: Counter[str] = Counter()
    kind_missed: Counter[str] = Counter()
    for tk, members in by_true.items():
        group = roles.get(tk, "adults")
        members = sorted(members)
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                agencies = "/".join(sorted((a.split("|", 1)[0], b.split("|", 1)[0])))
                missed = predicted[a] != predicted[b]
                agency_true[agencies] += 1
                if missed:
                    agency_missed[agencies][group] += 1
                if kinds is None:
                    continue
                applied = set(kinds.get(a, ())) | set(kinds.get(b, ())) or {"none"}
                for kind in applied:
                    kind_true[kind] += 1
                    kind_missed[kind] += missed
    rows: list[dict[str, Any]] = [
        {
            "agencies": name,
            "missed": sum(agency_missed[name].values()),
            "missed_adults": agency_missed[name]["adults"],
            "missed_children": agency_missed[name]["children"],
            "true_pairs": agency_true[name],
            "share_missed": _ratio(sum(agency_missed[name].values()), agency_true[name]),
        }
        for name in agency_true
    ]
    rows.sort(key=lambda r: (-r["missed"], r["agencies"]))
    report: dict[str, Any] = {
        "total": sum(r["missed"] for r in rows),
        "adults": sum(r["missed_adults"] for r in rows),
        "children": sum(r["missed_children"] for r in rows),
        "by_agency_pair": [r for r in rows if r["missed"]],
        "by_error_kind": None,
    }
    if kinds is not None:
        report["by_error_kind"] = sorted(
            (
                {
                    "kind": kind,
                    "missed": kind_missed[kind],
                    "true_pairs": kind_true[kind],
                    "share_missed": _ratio(kind_missed[kind], kind_true[kind]),
                }
                for kind in kind_true
            ),
            key=lambda r: (-r["missed"], r["kind"]),
        )
    return report
