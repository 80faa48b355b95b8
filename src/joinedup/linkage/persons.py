"""Stable person ids: map a new clustering onto the ids the last run gave (pure Python).

In: clusters as lists of record keys and the previous ``record_key -> person_id``. Out: one
person id per cluster and the changes (CREATED, MERGED, SPLIT, RETIRED). A cluster keeps the
id that most of its records already had (each old id goes to one cluster only, the one that
holds most of its records), so a re-run with the same data renumbers nobody, and every merge
or split is an explicit change that the run records.

A new person's id is derived from its records, not drawn at random: ``P-`` and 12 hex digits
of a name-based UUID (uuid5) of the smallest record key of its cluster, so the same data linked
twice (another store, another process) give the same ids, and so do the same intervention
estimates, which read children in id order. An id already used in the store (a retired person,
or an improbable clash of 48 bits) is never reused: the next derivation (``key#1``...) is taken.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass
class Change:
    kind: str  # CREATED | MERGED | SPLIT | RETIRED
    person_id: str
    other_person_ids: list[str] = field(default_factory=list)
    record_keys: list[str] = field(default_factory=list)
    reason: str = ""


_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://joinedup.invalid/person")


def new_person_id(record_keys: Iterable[str], unavailable: Container[str] = ()) -> str:
    """The id of a new person holding ``record_keys``: derived from the smallest key, the
    first derivation not in ``unavailable`` (ids the store has used)."""
    first = min(record_keys)
    for attempt in range(1_000_000):
        name = first if attempt == 0 else f"{first}#{attempt}"
        candidate = "P-" + uuid.uuid5(_NAMESPACE, name).hex[:12].upper()
        if candidate not in unavailable:
            return candidate
    raise RuntimeError("no free person id")  # pragma: no cover - a million clashes


def assign_ids(
    clusters: Sequence[Sequence[str]],
    previous: Mapping[str, str],
    new_id: Callable[[Sequence[str], Container[str]], str] = new_person_id,
    used: Iterable[str] = (),
) -> tuple[list[str], list[Change]]:
    """Person ids for ``clusters`` (same order) and the changes since ``previous``; ``used``
    names every id the store has held (none is given to a new person)."""
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
    unavailable = set(used) | set(previous.values()) | taken
    # New persons in the order of their smallest key: a clash resolves the same way each time.
    fresh = sorted((min(keys), index) for index, keys in enumerate(clusters) if ids[index] is None)
    for _, index in fresh:
        ids[index] = new_id(clusters[index], unavailable)
        unavailable.add(ids[index] or "")
        changes.append(Change("CREATED", ids[index] or "", record_keys=sorted(clusters[index])))
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
