"""Bridge merges: a new record that matches two existing persons joins them (issue 20).

Until now an incrementally linked record that matched records of two persons linked to the
stronger one, and the two stayed apart until the next batch run: a parent known to the police
under one id and to health under another kept their history off the child's view for a night
or a week. ``incremental.link_record`` now clusters the new record with every record of each
person it reaches (so the constraints see them all: different NHS numbers or UPNs, twins, a
reviewer's "not the same person"), and when the new record's cluster holds records of several
persons they are merged here, in the same transaction:

* the merged persons' records move to the survivor (``linkage_record`` and ``person_link``);
* one ``linkage_merge`` row per person merged away: the survivor, the bridging record, the
  bridging record's match weight with each person, when, the run, and the records it had;
* a ``MERGED`` change for the survivor and a ``RETIRED`` one for each merged-away id;
* an audit entry (``LINK_MERGE``);
* open review items on a pair now within the one person go ``STALE``, as a batch run would;
* every person-keyed row (alerts, cases, concerns, risk, grants, households, family ties)
  moves to the survivor (``store.merged_persons.repoint``), and the old id resolves to the
  survivor wherever a person id is looked up (``current_person_id``).

The survivor is the person with most records (then the strongest match, then the id), so a
large, long-known person keeps its id. A bridge that a constraint refuses is not merged: the
pair (new record, the refused person's best-matching record) goes to clerical review.

Reversal: a reviewer who decides "not the same person" on the bridging pair (or on any pair
across the merged persons) makes that a cannot-link constraint; the next batch run splits the
person again and records the ``SPLIT`` (there is no immediate split yet).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from joinedup.governance.audit import append
from joinedup.linkage.batch import record_changes
from joinedup.linkage.persons import Change
from joinedup.store.linkage_tables import linkage_merge, linkage_record, linkage_review
from joinedup.store.merged_persons import repoint
from joinedup.store.tables import person_link

ACTOR = "joinedup-linkage"


def choose_survivor(
    persons: Sequence[str], sizes: Mapping[str, int], weights: Mapping[str, float]
) -> str:
    """The person that keeps its id: most records, then strongest match, then smallest id."""
    return min(persons, key=lambda p: (-sizes.get(p, 0), -weights.get(p, -1e9), p))


def merge_persons(
    connection: Connection,
    *,
    run_id: int,
    survivor: str,
    merged: Sequence[str],
    bridge_record_key: str,
    weights: Mapping[str, float],
) -> dict[str, Any]:
    """Merge ``merged`` into ``survivor`` (see the module docstring); returns what was done."""
    lr = linkage_record.c
    now = datetime.now(UTC)
    keys_of: dict[str, list[str]] = {p: [] for p in merged}
    for key, pid in connection.execute(
        select(lr.record_key, lr.person_id).where(lr.person_id.in_(list(merged)))
    ):
        keys_of[pid].append(key)
    connection.execute(
        update(linkage_record).where(lr.person_id.in_(list(merged))).values(person_id=survivor)
    )
    connection.execute(
        update(person_link)
        .where(person_link.c.person_id.in_(list(merged)))
        .values(person_id=survivor)
    )
    rounded = {p: round(float(w), 3) for p, w in weights.items()}
    connection.execute(
        insert(linkage_merge),
        [
            {
                "merged_person_id": pid,
                "into_person_id": survivor,
                "bridge_record_key": bridge_record_key,
                "match_weights": rounded,
                "record_keys": sorted(keys_of[pid]),
                "merged_at": now,
                "run_id": run_id,
            }
            for pid in merged
        ],
    )
    moved = sorted(k for keys in keys_of.values() for k in keys)
    reason = f"a new record ({bridge_record_key}) matched records of each"
    changes = [Change("MERGED", survivor, sorted(merged), moved, reason)]
    changes += [
        Change("RETIRED", pid, [survivor], sorted(keys_of[pid]), "merged by a bridging record")
        for pid in sorted(merged)
    ]
    record_changes(connection, run_id, changes)
    repointed = repoint(connection, merged, survivor)
    settled = _settle_reviews(connection, survivor)
    details = {
        "survivor": survivor,
        "merged": sorted(merged),
        "bridge_record_key": bridge_record_key,
        "match_weights": rounded,
        "records_moved": len(moved),
        "rows_repointed": repointed,
        "reviews_settled": settled,
        "run_id": run_id,
    }
    append(
        connection,
        kind="LINK_MERGE",
        actor=ACTOR,
        details=details,
        purpose="RECORD_LINKAGE",
        subject=survivor,
    )
    return details


def _settle_reviews(connection: Connection, survivor: str) -> int:
    """Open review items whose two records are now both the survivor's: no longer a question."""
    keys = select(linkage_record.c.record_key).where(linkage_record.c.person_id == survivor)
    result = connection.execute(
        update(linkage_review)
        .where(
            linkage_review.c.status == "OPEN",
            linkage_review.c.record_key_l.in_(keys),
            linkage_review.c.record_key_r.in_(keys),
        )
        .values(status="STALE")
    )
    return int(result.rowcount or 0)
