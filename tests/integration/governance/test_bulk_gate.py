"""The bulk gate (issue 22) answers exactly as the per-person gate does.

Over a generated partnership (synthetic, ingested and linked) with a random world on top of
it (MASH triage cases open, closed and lapsed; risk and exploitation scores flagged before
and after a case closed; sealed records; break-glass grants in force, expired and for another
purpose; open and closed access reviews; people merged away), several readers (the MASH, the
police in and out of the MASH, a social worker with involvements and in an emergency, the
privacy officer, and a reader under no agreement at all) open every person both ways. The
decisions, the relationships found, the readers (emergency or not) and the audit entries
(down to their hashes) must be identical.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, func, insert, select, update

from joinedup.errors import NotFound
from joinedup.governance import gate
from joinedup.governance.gate_bulk import open_people
from joinedup.governance.purposes import Relationship
from joinedup.governance.reader import Reader
from joinedup.governance.recording import decide_and_record, decide_and_record_many
from joinedup.governance.subjects import subjects
from joinedup.linkage.batch import link
from joinedup.services import EXAMPLE_AGREEMENTS, deliveries_in, ingest, load_agreements
from joinedup.services.family_view import FAMILY_ITEMS
from joinedup.services.network import CHILD_FIELDS
from joinedup.store import make_engine, upgrade
from joinedup.store.audit_tables import audit_entry
from joinedup.store.casework_tables import triage_case
from joinedup.store.governance_tables import access_review_task, agreement_version
from joinedup.store.governance_tables import emergency_access as grant_t
from joinedup.store.linkage_tables import linkage_merge, linkage_record, linkage_run
from joinedup.store.risk_tables import exploitation_score, risk_model, risk_score
from joinedup.store.tables import event, involvement, person, person_record, practitioner
from joinedup.synth import generate_partnership
from tests.conftest import (
    POSTGRES_URL,
    create_postgres_schema,
    drop_postgres_schema,
    postgres_schema_url,
)

CHILDREN = 120


@pytest.fixture(scope="module")
def partnership(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bulk-gate") / "partnership"
    generate_partnership(out, children=CHILDREN, seed=22)
    return out


@pytest.fixture(
    scope="module",
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(not POSTGRES_URL, reason="JOINEDUP_TEST_DATABASE_URL unset"),
            ],
        ),
    ],
)
def world(
    request: pytest.FixtureRequest, partnership: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, datetime]]:
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('bulk-gate-db') / 'store.db'}"
    else:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        create_postgres_schema(schema)
        url = postgres_schema_url(schema)
    engine = make_engine(url)
    try:
        upgrade(engine)
        for delivery in deliveries_in(partnership):
            ingest(engine, delivery, link=False)
        link(engine)
        load_agreements(engine, [EXAMPLE_AGREEMENTS], loaded_by="tests")
        with engine.begin() as connection:
            now = _random_world(connection, random.Random(22))
        yield engine, now
    finally:
        engine.dispose()
        if schema:
            drop_postgres_schema(schema)


def _random_world(connection: Connection, rng: random.Random) -> datetime:
    """Triage cases, scores, seals, grants, reviews and merges, at random; returns ``now``."""
    latest = connection.execute(
        select(func.max(event.c.occurred_on)).where(
            event.c.agency_id == "social_care", event.c.event_type.in_(("CONTACT", "REFERRAL"))
        )
    ).scalar_one()
    now = datetime.combine(latest + timedelta(days=5), time(10), tzinfo=UTC)
    people = sorted(connection.execute(select(person.c.id)).scalars())
    model = connection.execute(
        insert(risk_model)
        .values(version="t", created_at=now, trained_through=date(2026, 1, 1), seed=1,
                threshold=0.5, training={}, artefact=b"", artefact_sha256="0" * 64)
        .returning(risk_model.c.id)
    ).scalar_one()  # fmt: skip
    for person_id in people:
        if rng.random() < 0.35:
            opened = now - timedelta(days=rng.randint(0, 45), hours=rng.randint(0, 23))
            closed = opened + timedelta(days=rng.randint(0, 3)) if rng.random() < 0.5 else None
            connection.execute(
                insert(triage_case).values(
                    person_id=person_id, opened_by="t", agency="social_care", reason="test",
                    opened_at=opened, due_at=opened + timedelta(days=1), prompted_by="CONTACT",
                    closed_at=closed if closed and closed < now else None,
                )
            )  # fmt: skip
            if closed and closed < now - timedelta(hours=1) and rng.random() < 0.5:
                # two current flagged scores, one from before the case closed and one after:
                # the later one puts the child back on the list, whichever is read first
                for at in (closed - timedelta(days=1), closed + timedelta(hours=1)):
                    connection.execute(
                        insert(risk_score).values(
                            person_id=person_id, model_id=model, as_of=now.date(), scored_at=at,
                            current=True, probability_6m=0.5, probability_12m=0.6, flagged=True,
                        )
                    )  # fmt: skip
        if rng.random() < 0.2:
            connection.execute(
                insert(risk_score).values(
                    person_id=person_id, model_id=model, as_of=now.date(),
                    scored_at=now - timedelta(days=rng.randint(0, 60)), current=rng.random() < 0.8,
                    probability_6m=0.5, probability_12m=0.6, flagged=rng.random() < 0.7,
                )
            )  # fmt: skip
        if rng.random() < 0.2:
            connection.execute(
                insert(exploitation_score).values(
                    person_id=person_id, as_of=now.date(),
                    scored_at=now - timedelta(days=rng.randint(0, 60)), current=True,
                    probability_12m=0.3, flagged=rng.random() < 0.7, threshold=0.2,
                )
            )  # fmt: skip
    records = connection.execute(select(person_record.c.id)).scalars().all()
    for record_id in rng.sample(list(records), k=len(records) // 25):
        connection.execute(
            update(person_record)
            .where(person_record.c.id == record_id)
            .values(attributes={"sealed": rng.choice(["adoption", "witness_protection", "x"])})
        )
    for user, role, agency, purpose in READERS_WITH_GRANTS:
        for person_id in rng.sample(people, k=len(people) // 8):
            granted = now - timedelta(minutes=rng.randint(1, 200))
            grant = connection.execute(
                insert(grant_t)
                .values(user_id=user, role=role, agency=agency, team=None,
                        purpose=rng.choice([purpose, purpose, "EARLY_HELP"]), child_id=person_id,
                        fields=[], justification="test", granted_at=granted,
                        expires_at=granted + timedelta(minutes=60))
                .returning(grant_t.c.id)
            ).scalar_one()  # fmt: skip
            connection.execute(
                insert(access_review_task).values(
                    emergency_access_id=grant, created_at=granted, assigned_role="PRIVACY_OFFICER",
                    status=rng.choice(["OPEN", "CLOSED"]),
                )
            )  # fmt: skip
    run = connection.execute(select(func.max(linkage_run.c.id))).scalar_one()
    for number, into in enumerate(rng.sample(people, k=5)):
        connection.execute(
            insert(linkage_merge).values(
                merged_person_id=f"P-MERGED-{number}", into_person_id=into,
                bridge_record_key="x", match_weights={}, merged_at=now, run_id=run,
            )
        )  # fmt: skip
    return now


READERS_WITH_GRANTS = [
    ("sw-1", "SOCIAL_WORKER", "social_care", "CHILD_PROTECTION_ENQUIRY"),
    ("mash-1", "MASH_PRACTITIONER", "social_care", "MASH_TRIAGE"),
]


def _social_worker(connection: Connection) -> tuple[str, str | None]:
    """A social care practitioner with active involvements, and their team."""
    key = connection.execute(
        select(involvement.c.practitioner_key)
        .where(involvement.c.agency_id == "social_care", involvement.c.end_date.is_(None))
        .order_by(involvement.c.practitioner_key)
        .limit(1)
    ).scalar_one()
    team = connection.execute(
        select(practitioner.c.team).where(
            practitioner.c.agency_id == "social_care", practitioner.c.practitioner_key == key
        )
    ).scalar()
    return key, team


def _readers(connection: Connection) -> dict[str, Reader]:
    key, team = _social_worker(connection)
    return {
        "mash": Reader.build(user_id="mash-1", role="MASH_PRACTITIONER", agency="social_care",
                             purpose="MASH_TRIAGE"),
        "police in the MASH": Reader.build(user_id="police-1",
                                           role="POLICE_SAFEGUARDING_OFFICER", agency="police",
                                           purpose="MASH_TRIAGE", practitioner_key="p@x"),
        "police s47": Reader.build(user_id="police-1", role="POLICE_SAFEGUARDING_OFFICER",
                                   agency="police", purpose="CHILD_PROTECTION_ENQUIRY"),
        "social worker": Reader.build(user_id="sw-1", role="SOCIAL_WORKER", agency="social_care",
                                      purpose="LEAD_PRACTITIONER_CASEWORK", team=team,
                                      practitioner_key=key),
        "social worker in an emergency": Reader.build(
            user_id="sw-1", role="SOCIAL_WORKER", agency="social_care",
            purpose="CHILD_PROTECTION_ENQUIRY", practitioner_key=key, emergency=True),
        "privacy officer": Reader.build(user_id="po-1", role="PRIVACY_OFFICER",
                                        agency="social_care", purpose="AUDIT"),
    }  # fmt: skip


def _ids(connection: Connection) -> list[str]:
    people = sorted(connection.execute(select(person.c.id)).scalars())
    return people + [f"P-MERGED-{n}" for n in range(5)]


def _both_ways(
    engine: Engine,
    reader: Reader,
    ids: list[str],
    fields: frozenset[str],
    now: datetime,
    *,
    no_agreements: bool = False,
) -> tuple[Any, Any]:
    """(per-person, bulk): each the Opened per id and the audit entries written; each in a
    transaction rolled back, so both start from the same store."""
    answers = []
    for bulk in (False, True):
        with engine.connect() as connection, connection.begin() as transaction:
            if no_agreements:
                connection.execute(update(agreement_version).values(superseded_at=now))
            tail = connection.execute(select(func.max(audit_entry.c.seq))).scalar() or 0
            if bulk:
                opened = open_people(connection, reader, ids, fields, now=now)
            else:
                opened = {p: gate.open_person(connection, reader, p, fields, now=now) for p in ids}
            written = connection.execute(
                select(audit_entry.c.seq, audit_entry.c.subject, audit_entry.c.details,
                       audit_entry.c.entry_hash)
                .where(audit_entry.c.seq > tail).order_by(audit_entry.c.seq)
            ).all()  # fmt: skip
            transaction.rollback()
        answers.append((opened, [tuple(r) for r in written]))
    return answers[0], answers[1]


READER_NAMES = [
    "mash",
    "police in the MASH",
    "police s47",
    "social worker",
    "social worker in an emergency",
    "privacy officer",
]


@pytest.mark.parametrize("name", READER_NAMES)
@pytest.mark.parametrize("fields", ["all", "network"])
def test_the_bulk_gate_decides_and_audits_as_the_per_person_gate(
    world: tuple[Engine, datetime], name: str, fields: str
) -> None:
    engine, now = world
    with engine.connect() as connection:
        reader = _readers(connection)[name]
        ids = _ids(connection)
    asked = gate.ALL_FIELDS if fields == "all" else CHILD_FIELDS
    (one, one_audit), (bulk, bulk_audit) = _both_ways(engine, reader, ids, asked, now)

    assert list(bulk) == list(one) == ids
    for person_id in ids:
        assert bulk[person_id] == one[person_id], person_id
    assert bulk_audit == one_audit
    assert len(bulk_audit) == len(ids)
    # the world exercises what it should: some allowed, some not (the officer outside the
    # MASH with no involvement of their own has no relationship with any child)
    allowed = sum(1 for o in bulk.values() if o.decision.allowed)
    if name == "police s47":
        assert allowed == 0
    else:
        assert 0 < allowed < len(ids), name


def test_the_world_holds_every_kind_of_case(world: tuple[Engine, datetime]) -> None:
    """The equivalence above is over relationships of every kind, emergencies and seals."""
    engine, now = world
    with engine.connect() as connection:
        readers = _readers(connection)
        ids = _ids(connection)
    seen: dict[str, int] = {}
    for reader in readers.values():
        (_one, _), (bulk, _) = _both_ways(engine, reader, ids, gate.ALL_FIELDS, now)
        for opened in bulk.values():
            for rel in opened.relationships:
                seen[rel.value] = seen.get(rel.value, 0) + 1
            seen["emergency"] = seen.get("emergency", 0) + opened.decision.emergency
            seen["sealed"] = seen.get("sealed", 0) + bool(opened.subject.sealed)
            seen["merged"] = seen.get("merged", 0) + (opened.subject.person_id not in ids)
    for kind in ("INVOLVED", "TEAM_CASELOAD", "MASH_TRIAGE", "ACCESS_REVIEW", "emergency",
                 "sealed"):  # fmt: skip
        assert seen.get(kind, 0) > 0, (kind, seen)


def test_a_reader_under_no_agreement_is_refused_the_same_way(
    world: tuple[Engine, datetime],
) -> None:
    engine, now = world
    with engine.connect() as connection:
        reader = _readers(connection)["police in the MASH"]
        ids = _ids(connection)
    (one, one_audit), (bulk, bulk_audit) = _both_ways(
        engine, reader, ids, CHILD_FIELDS, now, no_agreements=True
    )
    assert bulk == one and bulk_audit == one_audit
    shared = {f for f in CHILD_FIELDS if not f.startswith("police.")}
    assert not any(o.decision.allowed_fields & shared for o in bulk.values())


def test_an_unknown_person_is_not_found_and_nothing_is_recorded(
    world: tuple[Engine, datetime],
) -> None:
    engine, now = world
    with engine.connect() as connection:
        reader = _readers(connection)["mash"]
        before = connection.execute(select(func.count()).select_from(audit_entry)).scalar()
        ids = _ids(connection)[:3]
    with pytest.raises(NotFound, match="P-NOBODY"), engine.begin() as connection:
        open_people(connection, reader, [*ids, "P-NOBODY"], now=now)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(audit_entry)).scalar() == before


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_subset_in_any_order_gets_the_same_answer(
    world: tuple[Engine, datetime], data: st.DataObject
) -> None:
    engine, now = world
    with engine.connect() as connection:
        readers = _readers(connection)
        every = _ids(connection)
    reader = readers[data.draw(st.sampled_from(READER_NAMES))]
    ids = data.draw(st.lists(st.sampled_from(every), max_size=25, unique=True))
    (one, one_audit), (bulk, bulk_audit) = _both_ways(engine, reader, ids, gate.ALL_FIELDS, now)
    assert bulk == one and bulk_audit == one_audit


def test_records_of_a_merged_person_answer_for_the_survivor(
    world: tuple[Engine, datetime],
) -> None:
    engine, now = world
    with engine.connect() as connection:
        reader = _readers(connection)["mash"]
        into = connection.execute(
            select(linkage_merge.c.into_person_id).where(
                linkage_merge.c.merged_person_id == "P-MERGED-0"
            )
        ).scalar_one()
        assert connection.execute(
            select(func.count()).where(linkage_record.c.person_id == into)
        ).scalar()
    with engine.connect() as connection, connection.begin() as transaction:
        opened = open_people(connection, reader, ["P-MERGED-0"], now=now)
        transaction.rollback()
    assert opened["P-MERGED-0"].subject.person_id == into


def test_a_familys_adults_decided_together_audit_as_one_at_a_time(
    world: tuple[Engine, datetime],
) -> None:
    """The family section's batch (``decide_and_record_many`` with ``family_of``) writes the
    entries ``decide_and_record`` writes for each adult in turn."""
    engine, now = world
    with engine.connect() as connection:
        reader = _readers(connection)["social worker"]
        ids = _ids(connection)[:12]
    child, adults = ids[0], [*ids[1:], ids[1]]  # an adult listed twice is asked twice
    rels = frozenset({Relationship.INVOLVED})
    written = []
    for together in (False, True):
        with engine.connect() as connection, connection.begin() as transaction:
            tail = connection.execute(select(func.max(audit_entry.c.seq))).scalar() or 0
            found = subjects(connection, adults)
            requests = [gate.request_for(reader, found[a], FAMILY_ITEMS, rels) for a in adults]
            if together:
                decide_and_record_many(connection, requests, now=now, family_of=child)
            else:
                for request in requests:
                    decide_and_record(connection, request, now=now, family_of=child)
            written.append(
                connection.execute(
                    select(audit_entry.c.details, audit_entry.c.entry_hash)
                    .where(audit_entry.c.seq > tail)
                    .order_by(audit_entry.c.seq)
                ).all()
            )
            transaction.rollback()
    assert [tuple(r) for r in written[1]] == [tuple(r) for r in written[0]]
    assert len(written[1]) == len(adults)
    assert all(r.details["family_of"] == child for r in written[1])
