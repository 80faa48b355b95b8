"""Stable person ids: map a new clustering onto the ids the last run gave (pure Python).

In: clusters as lists of record keys and the previous ``record_key -> person_id``. Out: one
person id per cluster and the changes (CREATED, MERGED, SPLIT, RETIRED). A cluster keeps the
id that most of its records already had (each old id goes to one cluster only, the one that
holds most of its records), so a re-run with the same data renumbers nobody, and every merge
or split is an explicit change that the run records.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass
class Change:
    kind: str  # CREATED | MERGED | SPLIT | RETIRED
    person_id: str
    other_person_ids: list[str] = field(default_factory=list)
    record_keys: list[str] = field(default_factory=list)
    reason: str = ""


def new_person_id() -> str:
    return "P-" + uuid.uuid4().hex[:12].upper()


def assign_ids(
    clusters: Sequence[Sequence[str]],
    previous: Mapping[str, str],
    new_id: Callable[[], str] = new_person_id,
) -> tuple[list[str], list[Change]]:
    """Person ids for ``clusters`` (same order) and the changes since ``previous``."""
    claims = []
    for index, keys in enumerate(clusters):
        for pid, count in Counter(previous[k] for k in keys if k in previous).items():
            claims.append((-count, pid, index))
    ids: list[str | None] = [None] * len(clusters)
    taken: set[str] = set()
    for _, pid, index in sorted(claims):
        if ids[index] is None and pid not in taken:
            ids[index] = pid
            taken.add(pid)
    changes: list[Change] = []
    for index, keys in enumerate(clusters):
        if ids[index] is None:
            ids[index] = new_id()
            changes.append(Change("CREATED", ids[index] or "", record_keys=sorted(keys)))
    final = [pid or "" for pid in ids]

    pieces: dict[str, set[str]] = defaultdict(set)
    for pid, keys in zip(final, clusters, strict=True):
        olds = {previous[k] for k in keys if k in previous}
        for old in olds:
            pieces[old].add(pid)
        moved = sorted(olds - {pid})
        if moved:
            changes.append(
                Change(
                    "MERGED",
                    pid,
                    moved,
                    sorted(k for k in keys if previous.get(k) in moved),
                    "records of these persons now link to this one",
                )
            )
    for old, now in sorted(pieces.items()):
        if len(now) > 1:
            changes.append(
                Change(
                    "SPLIT",
                    old,
                    sorted(now - {old}),
                    reason="this person's records now belong to several persons",
                )
            )
        if old not in taken:
            changes.append(
                Change(
                    "RETIRED",
                    old,
                    sorted(now),
                    reason="every record of this person moved to another",
                )
            )
    return final, changes
