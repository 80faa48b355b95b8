"""Incremental linking: put one newly ingested record into a person at once (no re-run).

In: a Connection and a ``person_record`` id (or its source key). Out: the person id it was
linked to (new or existing) and why. Candidates come from the store through the blocking
keys (NHS number, UPN, DOB, name, postcode); each is scored in Python with the saved model,
and the same constrained clustering as batch linking decides (twins, identifiers, reviewers'
decisions, name + DOB alone). Uncertain pairs join the review queue. A record that bridges
two or more existing persons merges them into one (``merges``): every record of each person it
reaches takes part in the clustering, so a bridge the constraints refuse (different NHS
numbers, twins, a reviewer's decision) stays two persons and the refused pair is queued.

A re-delivered record (its key linked before) is scored with every record of its previous
person too. It keeps that person when its name was corrected while its strong identifiers
still agree (``continuity``), and when it was the person's only record (as the batch run's
stable ids would). A record that moves to another person leaves a ``MOVED`` change, and a
``RETIRED`` one when its old person has no record left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select

from joinedup.errors import NotFound
from joinedup.linkage import model as linkage_model
from joinedup.linkage import review
from joinedup.linkage.batch import record_changes, review_item, start_run
from joinedup.linkage.clustering import Edge, cluster, twin_like
from joinedup.linkage.comparisons import blocked_together
from joinedup.linkage.continuity import Previous, held_together, identity_to_keep
from joinedup.linkage.merges import choose_survivor, merge_persons
from joinedup.linkage.persons import Change, new_person_id
from joinedup.linkage.records import read_records_where
from joinedup.linkage.scoring import Scorer
from joinedup.store.linkage_tables import linkage_record
from joinedup.store.tables import person, person_link, person_record


@dataclass
class IncrementalResult:
    record_key: str
    person_id: str
    created: bool
    match_weight: float | None
    candidates: int
    queued_for_review: int
    evidence: list[dict[str, Any]] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)  # persons merged into this one (a bridge)


def _scorer(model: linkage_model.TrainedModel) -> Scorer:
    if model.scorer is None:
        model.scorer = Scorer(model.settings, model.term_frequencies)
    scorer: Scorer = model.scorer
    return scorer


def _candidates(connection: Connection, new: Any) -> list[dict[str, Any]]:
    pr = person_record.c
    conditions = []
    if new.nhs_number:
        conditions.append(pr.nhs_number == new.nhs_number)
    if new.upn:
        conditions.append(pr.upn == new.upn)
    if new.date_of_birth:
        conditions.append(pr.date_of_birth == new.date_of_birth)
        born = new.date_of_birth
        if born.day <= 12 and born.day != born.month:  # day and month swapped (blocked too)
            conditions.append(pr.date_of_birth == born.replace(month=born.day, day=born.month))
    if new.surname and new.forenames:
        # Both use the (surname, forenames) index; the second finds swapped names.
        conditions.append((pr.surname == new.surname) & (pr.forenames == new.forenames))
        conditions.append((pr.surname == new.forenames) & (pr.forenames == new.surname))
    if new.postcode:
        conditions.append(pr.postcode == new.postcode)
    if not conditions:
        return []
    return read_records_where(connection, or_(*conditions) & (pr.id != new.id))


def _previous(connection: Connection, record_key: str) -> Previous | None:
    row = connection.execute(
        select(linkage_record.c.person_id, linkage_record.c.identity).where(
            linkage_record.c.record_key == record_key
        )
    ).first()
    return None if row is None else Previous(row.person_id, row.identity)


def _records_of(connection: Connection, person_id: str, but: str) -> list[dict[str, Any]]:
    """The other records of a person, as features."""
    lr, pr = linkage_record.c, person_record.c
    keys = connection.execute(
        select(lr.agency_id, lr.source_table, lr.source_id).where(
            lr.person_id == person_id, lr.record_key != but
        )
    ).all()
    if not keys:
        return []
    return read_records_where(
        connection,
        or_(
            *(and_(pr.agency_id == a, pr.source_table == t, pr.source_id == s) for a, t, s in keys)
        ),
    )


def link_record(
    connection: Connection,
    person_record_id: int,
    *,
    model: linkage_model.TrainedModel | None = None,
) -> IncrementalResult:
    """Link one person record now (inside the caller's transaction)."""
    row = connection.execute(
        select(person_record).where(person_record.c.id == person_record_id)
    ).first()
    if row is None:
        raise NotFound(f"no person record {person_record_id}")
    model = model or linkage_model.load_active(connection)
    if model is None:
        raise NotFound("no trained linkage model yet: run `joinedup link` first")
    scorer = _scorer(model)
    new = read_records_where(connection, person_record.c.id == person_record_id)[0]
    candidates = [c for c in _candidates(connection, row) if blocked_together(new, c)]
    before = _previous(connection, new["record_key"])
    # A re-delivered record meets all of its old person, not only the records blocking finds.
    kin = _records_of(connection, before.person_id, new["record_key"]) if before else []
    seen = {c["unique_id"] for c in candidates}
    candidates += [c for c in kin if c["unique_id"] not in seen]
    keys = [c["record_key"] for c in candidates]
    person_of = (
        dict(
            connection.execute(
                select(linkage_record.c.record_key, linkage_record.c.person_id).where(
                    linkage_record.c.record_key.in_(keys)
                )
            ).all()
        )
        if keys
        else {}
    )
    # Scored as the batch run would: only the pairs its blocking rules bring together.
    scores = {
        c["unique_id"]: scorer.score(new, c)
        for c in candidates
        if c["unique_id"] in seen or blocked_together(new, c)
    }
    edges = [
        Edge(new["unique_id"], uid, s.match_weight, {lv.comparison: lv.gamma for lv in s.levels})
        for uid, s in scores.items()
    ]
    records = {new["unique_id"]: new, **{c["unique_id"]: c for c in candidates}}
    best_of: dict[str, float] = {}
    for c in candidates:
        if c["record_key"] in person_of and c["unique_id"] in scores:
            pid, w = person_of[c["record_key"]], scores[c["unique_id"]].match_weight
            best_of[pid] = max(best_of.get(pid, w), w)
    linkable = min(model.thresholds["link"], model.thresholds.get("weak_link") or 1e9)
    reach = sorted(p for p, w in best_of.items() if w >= linkable)
    if len(reach) >= 2:
        # A possible bridge: every record of each person takes part, so the constraints
        # (identifiers, twins, decisions) see the whole of both before they are merged.
        for pid, extra in _members(connection, reach, set(records)):
            records[extra["unique_id"]] = extra
            person_of[extra["record_key"]] = pid
    # Each existing person stays whole.
    groups: dict[str, list[int]] = {}
    for uid, r in records.items():
        if r["record_key"] in person_of and uid != new["unique_id"]:
            groups.setdefault(person_of[r["record_key"]], []).append(uid)
    must = [(m[0], x) for m in groups.values() for x in m[1:]]
    must_keys, cannot_keys = review.decided_pairs(connection)
    uid_of = {r["record_key"]: uid for uid, r in records.items()}
    cannot = [(uid_of[a], uid_of[b]) for a, b in cannot_keys if a in uid_of and b in uid_of]
    must += [(uid_of[a], uid_of[b]) for a, b in must_keys if a in uid_of and b in uid_of]
    held = []
    if before is not None:
        previous = {c["unique_id"]: Previous(before.person_id, None) for c in kin}
        held = held_together(records, previous | {new["unique_id"]: before}, cannot)
    must += held
    result = cluster(
        records,
        edges,
        link_weight=model.thresholds["link"],
        review_weight=model.thresholds["review"],
        weak_link_weight=model.thresholds.get("weak_link"),
        must_link=must,
        cannot_link=cannot,
    )
    home = next(c for c in result.clusters if new["unique_id"] in c)
    linked = {
        person_of[records[u]["record_key"]] for u in home if records[u]["record_key"] in person_of
    }
    best = None
    if held and before is not None:
        best = before.person_id  # corrected, not someone else: it stays where it was
    elif linked:
        best = choose_survivor(sorted(linked), _sizes(groups), best_of)
    run_id = start_run(connection, "INCREMENTAL", "python", model.id or 0)
    merged: list[str] = []
    if best is not None and best in linked and len(linked) >= 2:
        merged = sorted(linked - {best})
        merge_persons(
            connection,
            run_id=run_id,
            survivor=best,
            merged=merged,
            bridge_record_key=new["record_key"],
            weights={p: best_of[p] for p in [best, *merged] if p in best_of},
        )
        for pid in merged:
            groups.setdefault(best, []).extend(groups.pop(pid, []))
    if best is None and before is not None and not kin:
        best = before.person_id  # its person's only record: the id stays, as in a batch run
    created = best is None
    person_id = best or new_person_id([new["record_key"]], _UsedIds(connection))
    if created:
        connection.execute(insert(person).values(id=person_id, created_at=datetime.now(UTC)))
        record_changes(
            connection, run_id, [Change("CREATED", person_id, record_keys=[new["record_key"]])]
        )
    weight = max(
        (scores[u].match_weight for u in groups.get(person_id, []) if u in scores), default=None
    )
    agency, table, source_id = new["record_key"].split("|", 2)
    connection.execute(
        linkage_record.delete().where(linkage_record.c.record_key == new["record_key"])
    )
    connection.execute(
        insert(linkage_record).values(
            record_key=new["record_key"],
            agency_id=agency,
            source_table=table,
            source_id=source_id,
            person_id=person_id,
            match_weight=weight,
            run_id=run_id,
            identity=identity_to_keep(new, before, person_id),
        )
    )
    if before is not None and before.person_id not in (person_id, *merged):
        _moved(connection, run_id, new["record_key"], before.person_id, person_id)
    connection.execute(
        person_link.delete().where(person_link.c.person_record_id == person_record_id)
    )
    connection.execute(
        insert(person_link).values(
            person_record_id=person_record_id,
            person_id=person_id,
            match_probability=None if weight is None else int(1000 / (1 + 2**-weight)),
        )
    )
    pairs = {(e.left, e.right) for e in result.review}
    pairs |= _refused_bridges(new["unique_id"], reach, linked, groups, scores, records, cannot)
    queued = [review_item(scorer, records[a], records[b]) for a, b in sorted(pairs)]
    if queued:
        _queue(connection, queued, run_id)
    best_uid = max(
        (u for u in groups.get(person_id, []) if u in scores),
        key=lambda u: scores[u].match_weight,
        default=None,
    )
    return IncrementalResult(
        new["record_key"],
        person_id,
        created,
        weight,
        len(candidates),
        len(queued),
        scores[best_uid].as_evidence() if best_uid is not None else [],
        merged,
    )


class _UsedIds:
    """Whether the store has held a person id (asked of the ``person`` table one at a time)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def __contains__(self, person_id: object) -> bool:
        found = select(person.c.id).where(person.c.id == str(person_id))
        return self.connection.execute(found).first() is not None


def _sizes(groups: dict[str, list[int]]) -> dict[str, int]:
    return {pid: len(members) for pid, members in groups.items()}


def _members(
    connection: Connection, persons: list[str], known: set[int]
) -> list[tuple[str, dict[str, Any]]]:
    """Every linked record of ``persons`` not in ``known``, with its person."""
    person_of = dict(
        connection.execute(
            select(person_link.c.person_record_id, person_link.c.person_id).where(
                person_link.c.person_id.in_(persons)
            )
        ).all()
    )
    wanted = [uid for uid in person_of if uid not in known]
    if not wanted:
        return []
    rows = read_records_where(connection, person_record.c.id.in_(wanted))
    return [(person_of[r["unique_id"]], r) for r in rows]


def _refused_bridges(
    uid: int,
    reach: list[str],
    linked: set[str],
    groups: dict[str, list[int]],
    scores: dict[int, Any],
    records: dict[int, Any],
    cannot: list[tuple[int, int]],
) -> set[tuple[int, int]]:
    """A person the new record matched above the link threshold but that a constraint kept
    apart from it: its best-matching record and the new one, for a reviewer."""
    decided = {(min(a, b), max(a, b)) for a, b in cannot}
    pairs = set()
    for pid in reach:
        if pid in linked:
            continue
        scored = [u for u in groups.get(pid, []) if u in scores]
        if not scored:
            continue
        best = max(scored, key=lambda u: scores[u].match_weight)
        if (min(uid, best), max(uid, best)) in decided or twin_like(records[uid], records[best]):
            continue
        pairs.add((uid, best))
    return pairs


def _moved(connection: Connection, run_id: int, key: str, old: str, new: str) -> None:
    """Record that a re-delivered record left its person (and, if it was the last, that the
    person is retired): a reader holding the old id can find where the record went."""
    changes = [Change("MOVED", new, [old], [key], "a re-delivered record now links here")]
    left = connection.scalar(
        select(func.count()).select_from(linkage_record).where(linkage_record.c.person_id == old)
    )
    if not left:
        changes.append(Change("RETIRED", old, [new], [key], "its only record moved"))
    record_changes(connection, run_id, changes)


def _queue(connection: Connection, items: list[dict[str, Any]], run_id: int) -> None:
    from joinedup.store.linkage_tables import linkage_review

    lefts = {review.ordered(i["record_key_l"], i["record_key_r"])[0] for i in items}
    existing = {
        (r.record_key_l, r.record_key_r)
        for r in connection.execute(
            select(linkage_review.c.record_key_l, linkage_review.c.record_key_r).where(
                linkage_review.c.record_key_l.in_(lefts)
            )
        )
    }
    now = datetime.now(UTC)
    for item in items:
        left, right = review.ordered(item["record_key_l"], item["record_key_r"])
        if (left, right) not in existing:
            connection.execute(
                insert(linkage_review).values(
                    **{**item, "record_key_l": left, "record_key_r": right},
                    status="OPEN",
                    created_at=now,
                    run_id=run_id,
                )
            )
