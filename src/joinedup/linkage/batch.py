"""Batch linking: score every blocked pair with Splink, cluster, keep person ids stable.

In: an Engine (the store), a backend (duckdb | spark), whether to retrain. Out: a
``LinkReport``; the store then holds ``linkage_record`` (record -> person), ``person`` and
``person_link`` rows, the run's ``linkage_change`` rows and the refreshed review queue.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from joinedup.linkage import households, review
from joinedup.linkage import model as linkage_model
from joinedup.linkage.clustering import Edge, cluster
from joinedup.linkage.comparisons import ADDRESS, COMPARISONS
from joinedup.linkage.continuity import Previous, held_together, identity_to_keep
from joinedup.linkage.frames import SplinkSession
from joinedup.linkage.persons import Change, assign_ids
from joinedup.linkage.records import read_records
from joinedup.linkage.scoring import Scorer, gammas_from_weights, level_weights
from joinedup.store.database import refresh_planner_statistics
from joinedup.store.linkage_tables import linkage_change, linkage_record, linkage_run
from joinedup.store.tables import person, person_link

Progress = Callable[[str, int, int], None]


@dataclass
class LinkReport:
    run_id: int
    backend: str
    model_id: int
    trained: bool
    records: int
    comparisons: int
    persons: int
    changes: dict[str, int]
    review: dict[str, int]
    refused_joins: int
    households: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def predict_edges(
    records: list[dict[str, Any]], model: linkage_model.TrainedModel, backend: str
) -> list[Edge]:
    """Every blocked pair at or above the review threshold, with its comparison levels."""
    settings = linkage_model.settings_for(model, backend)
    settings["retain_intermediate_calculation_columns"] = True
    scorer = Scorer(model.settings, model.term_frequencies)
    columns = ["unique_id_l", "unique_id_r", "match_weight"] + [f"mw_{c.name}" for c in COMPARISONS]
    with SplinkSession(records, settings, backend=backend) as session:
        frame = session.linker.inference.predict(
            threshold_match_weight=model.thresholds["review"], warning_mode="never"
        )
        rows = session.rows(frame, columns)
    return [
        Edge(
            int(r["unique_id_l"]),
            int(r["unique_id_r"]),
            float(r["match_weight"]),
            gammas_from_weights(scorer, {c.name: r[f"mw_{c.name}"] for c in COMPARISONS}),
        )
        for r in rows
    ]


def _uid_pairs(pairs: list[tuple[str, str]], uid_of: dict[str, int]) -> list[tuple[int, int]]:
    return [(uid_of[a], uid_of[b]) for a, b in pairs if a in uid_of and b in uid_of]


def previous_links(connection: Connection) -> dict[str, Previous]:
    """Each linked record's person and its fingerprint from when it joined them."""
    rows = connection.execute(
        select(linkage_record.c.record_key, linkage_record.c.person_id, linkage_record.c.identity)
    )
    return {key: Previous(person, identity) for key, person, identity in rows}


def start_run(connection: Connection, kind: str, backend: str, model_id: int) -> int:
    return connection.execute(
        insert(linkage_run)
        .values(
            kind=kind,
            backend=backend,
            model_id=model_id,
            started_at=datetime.now(UTC),
            records=0,
            comparisons=0,
            persons=0,
            summary={},
        )
        .returning(linkage_run.c.id)
    ).scalar_one()


def record_changes(connection: Connection, run_id: int, changes: list[Change]) -> None:
    if changes:
        now = datetime.now(UTC)
        connection.execute(
            insert(linkage_change),
            [
                {
                    "run_id": run_id,
                    "recorded_at": now,
                    "kind": c.kind,
                    "person_id": c.person_id,
                    "other_person_ids": c.other_person_ids,
                    "record_keys": c.record_keys,
                    "reason": c.reason or None,
                }
                for c in changes
            ],
        )


def link(
    engine: Engine,
    *,
    backend: str = "duckdb",
    retrain: bool = False,
    progress: Progress | None = None,
) -> LinkReport:
    """Re-link every record in the store (one transaction)."""
    step = progress or (lambda _s, _d, _t: None)
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = round(now - clock, 3)
        clock = now

    with engine.begin() as connection:
        records = read_records(connection)
        step("read records", 1, 5)
        lap("read")
        model = None if retrain else linkage_model.load_active(connection)
        if model is not None and not linkage_model.matches_code(model):
            model = None  # trained on other comparisons: retrain
        trained = model is None
        if model is None:
            model = linkage_model.train(records, backend=backend)
            linkage_model.save(connection, model)
        assert model.id is not None
        step("model", 2, 5)
        lap("train")
        run_id = start_run(connection, "BATCH", backend, model.id)
        edges = predict_edges(records, model, backend)
        step("scored pairs", 3, 5)
        lap("predict")
        by_uid = {r["unique_id"]: r for r in records}
        uid_of = {r["record_key"]: r["unique_id"] for r in records}
        must, cannot = review.decided_pairs(connection)
        cannot_pairs = _uid_pairs(cannot, uid_of)
        previous = previous_links(connection)
        # A record whose name was corrected stays with its person while its identifiers agree.
        held = held_together(
            by_uid, {uid_of[k]: p for k, p in previous.items() if k in uid_of}, cannot_pairs
        )
        result = cluster(
            by_uid,
            edges,
            link_weight=model.thresholds["link"],
            review_weight=model.thresholds["review"],
            weak_link_weight=model.thresholds.get("weak_link"),
            must_link=_uid_pairs(must, uid_of) + held,
            cannot_link=cannot_pairs,
            address_weights=level_weights(
                Scorer(model.settings, model.term_frequencies), ADDRESS.name
            ),
        )
        lap("cluster")
        clusters = [sorted(by_uid[u]["record_key"] for u in c) for c in result.clusters]
        used = connection.execute(select(person.c.id)).scalars().all()
        ids, changes = assign_ids(
            clusters, {k: p.person_id for k, p in previous.items()}, used=used
        )
        write_links(connection, run_id, records, clusters, ids, result.tie_weight, uid_of, previous)
        record_changes(connection, run_id, changes)
        step("persons", 4, 5)
        lap("write")
        scorer = Scorer(model.settings, model.term_frequencies)
        queue = review.refresh_queue(
            connection,
            [review_item(scorer, by_uid[e.left], by_uid[e.right]) for e in result.review],
            run_id,
        )
        step("review queue", 5, 5)
        lap("review")
        household_counts = households.build(connection, run_id)
        lap("households")
        counts = {
            k: sum(1 for c in changes if c.kind == k)
            for k in ("CREATED", "MERGED", "SPLIT", "RETIRED")
        }
        report = LinkReport(
            run_id,
            backend,
            model.id,
            trained,
            len(records),
            len(edges),
            len(clusters),
            counts,
            queue,
            result.refused,
            household_counts,
            seconds,
        )
        connection.execute(
            update(linkage_run)
            .where(linkage_run.c.id == run_id)
            .values(
                finished_at=datetime.now(UTC),
                records=len(records),
                comparisons=len(edges),
                persons=len(clusters),
                summary=report.to_dict(),
            )
        )
    # Every linked record is new to the planner: without fresh statistics it joins from the
    # wrong side (on SQLite, a search by NHS number scanned all linked records).
    refresh_planner_statistics(engine)
    return report


def review_item(scorer: Scorer, left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    score = scorer.score(left, right)
    return {
        "record_key_l": left["record_key"],
        "record_key_r": right["record_key"],
        "match_weight": round(score.match_weight, 3),
        "match_probability": round(score.match_probability, 6),
        "evidence": score.as_evidence(),
    }


def write_links(
    connection: Connection,
    run_id: int,
    records: list[dict[str, Any]],
    clusters: list[list[str]],
    ids: list[str],
    tie_weight: dict[int, float],
    uid_of: dict[str, int],
    previous: dict[str, Previous] | None = None,
) -> None:
    """Replace the record -> person mapping (and ``person_link``) with this run's; each
    record keeps the fingerprint from when it joined its person (``continuity``)."""
    previous = previous or {}
    known = set(connection.execute(select(person.c.id)).scalars())
    now = datetime.now(UTC)
    fresh = sorted(set(ids) - known)
    for start in range(0, len(fresh), 5000):
        connection.execute(
            insert(person), [{"id": p, "created_at": now} for p in fresh[start : start + 5000]]
        )
    record_of = {r["record_key"]: r for r in records}
    rows, links = [], []
    for pid, keys in zip(ids, clusters, strict=True):
        for key in keys:
            agency, table, source_id = key.split("|", 2)
            weight = tie_weight.get(uid_of[key])
            rows.append(
                {
                    "record_key": key,
                    "agency_id": agency,
                    "source_table": table,
                    "source_id": source_id,
                    "person_id": pid,
                    "match_weight": weight,
                    "run_id": run_id,
                    "identity": identity_to_keep(record_of[key], previous.get(key), pid),
                }
            )
            links.append(
                {
                    "person_record_id": record_of[key]["unique_id"],
                    "person_id": pid,
                    "match_probability": None if weight is None else int(1000 / (1 + 2**-weight)),
                }
            )
    connection.execute(delete(person_link))
    connection.execute(delete(linkage_record))
    for start in range(0, len(rows), 20000):
        connection.execute(insert(linkage_record), rows[start : start + 20000])
        connection.execute(insert(person_link), links[start : start + 20000])
