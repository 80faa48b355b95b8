"""A re-delivered record keeps its person (issue 17, finding 8).

An agency re-delivers a row it corrected: a forename, a surname, a date of birth, an
address, or nothing at all. The row is the same record of the same child (its key in the
agency's system did not change), so when its strong identifiers still agree, the child keeps
their person id, and the practitioners involved with them keep their relationship, through
incremental linking on ingest and through the next batch run alike. Runs on SQLite and
PostgreSQL (the PostgreSQL store reuses the model the SQLite fixture trained).
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from joinedup.governance import gate
from joinedup.governance.recording import relationships_from_store
from joinedup.linkage import model as linkage_model
from joinedup.linkage.batch import link
from joinedup.services import deliveries_in, ingest
from joinedup.store import make_engine
from joinedup.store.linkage_tables import linkage_change, linkage_record, linkage_run
from joinedup.store.tables import involvement, person_identifier, person_record
from tests.conftest import BACKENDS
from tests.support.databases import MigratedStores
from tests.support.deliveries import AGENCY_PERSONS, csv_text, make_delivery
from tests.support.stores import private_copy

# Not a nickname, a typo or a sound-alike of any name the synthetic partnership uses: to the
# linkage's twin rule, a wholly different child's name.
CORRECTED_FORENAME = "Xanthe"


@dataclass(frozen=True)
class Child:
    source_id: str
    person_id: str
    practitioner_key: str
    involved_on: date
    # another agency holds a different (mistyped) NHS number for the same child
    disputed_nhs: bool


@dataclass
class Store:
    engine: Engine
    partnership: Path
    folder: Path
    deliveries: Iterator[int]
    children: list[Child] = field(default_factory=list)  # as first linked: one per test

    def plain_child(self, index: int) -> Child:
        """The ``index``-th child whose records agree on their NHS number."""
        return [c for c in self.children if not c.disputed_nhs][index]

    def redeliver(
        self, agency: str, files: dict[str, str], *, incremental: bool = True
    ) -> dict[str, Any] | None:
        """Deliver ``files`` as a later extract of ``agency``; returns the ingest's linking
        (None without incremental linking)."""
        number = next(self.deliveries)
        folder = make_delivery(
            self.folder / f"{agency}-{number}",
            agency,
            files,
            extracted_at=f"2026-12-{number:02d}T06:00:00Z",
        )
        report = ingest(self.engine, folder, link=incremental)
        assert report.status == "ingested", report
        return report.linking


@pytest.fixture(scope="module", params=BACKENDS)
def store(
    request: pytest.FixtureRequest,
    partnership: Path,
    linked_db: Path,
    tmp_path_factory: pytest.TempPathFactory,
    migrated_stores: MigratedStores,
) -> Iterator[Store]:
    """The partnership ingested and batch-linked, once per backend for this module (each
    test corrects a different child)."""
    folder = tmp_path_factory.mktemp("redelivery")
    if request.param == "sqlite":
        with private_copy(linked_db, folder) as engine:
            yield Store(engine, partnership, folder, itertools.count(1), children_of(engine))
        return
    url = migrated_stores.postgresql()
    engine = make_engine(url)
    try:
        for delivery in deliveries_in(partnership):
            ingest(engine, delivery, link=False)
        with private_copy(linked_db, folder) as sqlite, sqlite.connect() as c:
            model = linkage_model.load_active(c)
        assert model is not None
        with engine.begin() as c:
            linkage_model.save(c, model)
        link(engine)
        yield Store(engine, partnership, folder, itertools.count(1), children_of(engine))
    finally:
        engine.dispose()
        migrated_stores.release(url)


def person_of(engine: Engine, record_key: str) -> str:
    with engine.connect() as c:
        found = c.execute(
            select(linkage_record.c.person_id).where(linkage_record.c.record_key == record_key)
        ).scalar_one()
    return str(found)


def records_of(engine: Engine, person_id: str) -> set[str]:
    with engine.connect() as c:
        return set(
            c.execute(
                select(linkage_record.c.record_key).where(linkage_record.c.person_id == person_id)
            ).scalars()
        )


def all_links(engine: Engine) -> dict[str, str]:
    with engine.connect() as c:
        return dict(
            c.execute(select(linkage_record.c.record_key, linkage_record.c.person_id)).all()
        )


def rows_of(partnership: Path, agency: str, file: str) -> tuple[list[str], list[dict[str, str]]]:
    with (partnership / agency / file).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def one_row_file(header: list[str], row: dict[str, str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, lineterminator="\n")
    writer.writeheader()
    writer.writerow(row)
    return buffer.getvalue()


def children_of(engine: Engine) -> list[Child]:
    """Children of social care with an NHS number and a social worker involved, whose
    person also holds a record with neither NHS number nor UPN under the same surname and
    date of birth (the records a wholly different forename would look like a twin to)."""
    pr = person_record.c
    with engine.connect() as c:
        nhs = dict(
            c.execute(
                select(person_identifier.c.person_source_id, person_identifier.c.value).where(
                    person_identifier.c.agency_id == "social_care",
                    person_identifier.c.identifier_type == "NHS_NUMBER",
                )
            ).all()
        )
        involved = {
            r.person_source_id: (r.practitioner_key, r.start_date)
            for r in c.execute(
                select(
                    involvement.c.person_source_id,
                    involvement.c.practitioner_key,
                    func.max(involvement.c.start_date).label("start_date"),
                )
                .where(involvement.c.agency_id == "social_care")
                .group_by(involvement.c.person_source_id, involvement.c.practitioner_key)
            )
        }
        linked = {
            r.record_key: r.person_id
            for r in c.execute(select(linkage_record.c.record_key, linkage_record.c.person_id))
        }
        people = c.execute(
            select(
                pr.agency_id, pr.source_table, pr.source_id, pr.surname, pr.date_of_birth,
                pr.nhs_number, pr.upn,
            )
        ).all()  # fmt: skip
    unidentified: dict[str, set[tuple[Any, Any]]] = {}
    numbers: dict[str, set[str]] = {}
    for r in people:
        key = f"{r.agency_id}|{r.source_table}|{r.source_id}"
        if key in linked and not r.nhs_number and not r.upn and r.agency_id != "social_care":
            unidentified.setdefault(linked[key], set()).add((r.surname, r.date_of_birth))
        if key in linked and r.nhs_number:
            numbers.setdefault(linked[key], set()).add(r.nhs_number)
    found = []
    for r in people:
        key = f"social_care|ssd_person|{r.source_id}"
        if r.agency_id != "social_care" or r.source_id not in nhs or r.source_id not in involved:
            continue
        if (r.surname, r.date_of_birth) in unidentified.get(linked.get(key, ""), set()):
            practitioner, start = involved[r.source_id]
            disputed = bool(numbers.get(linked[key], set()) - {nhs[r.source_id]})
            found.append(Child(r.source_id, linked[key], practitioner, start, disputed))
    return sorted(found, key=lambda child: child.source_id)


def corrected_ssd_person(store: Store, child: Child, **changes: str) -> dict[str, str]:
    header, rows = rows_of(store.partnership, "social_care", "ssd_person.csv")
    row = next(r for r in rows if r["pers_person_id"] == child.source_id)
    return {"ssd_person.csv": one_row_file(header, {**row, **changes})}


def involved(engine: Engine, person_id: str, child: Child) -> bool:
    """Whether the child's social worker has a legitimate relationship with ``person_id``
    (what the gate looks up before a practitioner reads the child's record)."""
    with engine.connect() as c:
        subject = gate.subject(c, person_id)
        found = relationships_from_store(
            c,
            agency="social_care",
            practitioner_key=child.practitioner_key,
            child_records=subject.agency_records,
            on=child.involved_on,
        )
    return bool(found)


def test_a_corrected_forename_keeps_the_child_and_their_social_worker(store: Store) -> None:
    child = store.plain_child(0)
    key = f"social_care|ssd_person|{child.source_id}"
    assert involved(store.engine, child.person_id, child)

    linking = store.redeliver(
        "social_care", corrected_ssd_person(store, child, pers_forename=CORRECTED_FORENAME)
    )

    assert linking is not None and linking["new_persons"] == 0, linking
    assert person_of(store.engine, key) == child.person_id
    assert involved(store.engine, child.person_id, child)
    link(store.engine)  # the next batch run agrees
    assert person_of(store.engine, key) == child.person_id
    assert involved(store.engine, child.person_id, child)


def test_the_batch_run_keeps_a_child_whose_forename_was_corrected(store: Store) -> None:
    """Without incremental linking (a large delivery is left to the next batch run)."""
    child = store.plain_child(1)
    key = f"social_care|ssd_person|{child.source_id}"
    store.redeliver(
        "social_care",
        corrected_ssd_person(store, child, pers_forename=CORRECTED_FORENAME),
        incremental=False,
    )
    report = link(store.engine)
    assert person_of(store.engine, key) == child.person_id
    assert involved(store.engine, child.person_id, child)
    assert report.changes["SPLIT"] == 0


def test_a_corrected_surname_keeps_the_child(store: Store) -> None:
    child = store.plain_child(2)
    key = f"social_care|ssd_person|{child.source_id}"
    store.redeliver("social_care", corrected_ssd_person(store, child, pers_surname="Quenby"))
    assert person_of(store.engine, key) == child.person_id
    link(store.engine)
    assert person_of(store.engine, key) == child.person_id


def test_a_corrected_date_of_birth_with_the_nhs_number_unchanged_keeps_the_child(
    store: Store,
) -> None:
    """The child chosen is one another agency holds a mistyped NHS number for: their
    records stayed together on full name, date of birth and address, and the corrected date
    of birth no longer agrees with that record."""
    child = next(c for c in store.children if c.disputed_nhs)
    key = f"social_care|ssd_person|{child.source_id}"
    _, rows = rows_of(store.partnership, "social_care", "ssd_person.csv")
    born = date.fromisoformat(
        next(r for r in rows if r["pers_person_id"] == child.source_id)["pers_dob"]
    )
    corrected = born.replace(day=1 if born.day != 1 else 2).isoformat()
    store.redeliver("social_care", corrected_ssd_person(store, child, pers_dob=corrected))
    assert person_of(store.engine, key) == child.person_id
    link(store.engine)
    assert person_of(store.engine, key) == child.person_id


def test_a_changed_address_keeps_the_person(store: Store) -> None:
    header, rows = rows_of(store.partnership, "housing", "persons.csv")
    row = next(r for r in rows if r["nhs_number"] and r["postcode"])
    key = f"housing|persons|{row['person_id']}"
    before = person_of(store.engine, key)
    moved = {**row, "address_line": "1 New Road", "postcode": "LS6 2AB"}
    store.redeliver(
        "housing",
        {
            "persons.csv": csv_text(header, [moved]),
            "events.csv": csv_text(["event_id", "person_id", "occurred_at", "type", "detail"], []),
        },
    )
    # The generator writes the optional contact columns after the required ones.
    assert header[: len(AGENCY_PERSONS)] == AGENCY_PERSONS
    assert person_of(store.engine, key) == before
    link(store.engine)
    assert person_of(store.engine, key) == before


def test_a_record_redelivered_unchanged_keeps_everyone(store: Store) -> None:
    child = store.plain_child(3)
    before = all_links(store.engine)
    linking = store.redeliver("social_care", corrected_ssd_person(store, child))
    assert linking is not None and linking["records"] == 0  # nothing changed: nothing to link
    assert all_links(store.engine) == before


def test_a_person_of_one_record_keeps_its_id_when_the_record_is_corrected(store: Store) -> None:
    """With nobody else's record to agree with, the record's own previous link is the
    evidence: incremental linking keeps the id, as the batch run's stable ids do."""
    header, rows = rows_of(store.partnership, "social_care", "ssd_person.csv")
    links = all_links(store.engine)
    sizes: dict[str, int] = {}
    for person in links.values():
        sizes[person] = sizes.get(person, 0) + 1
    row = next(
        r
        for r in sorted(rows, key=lambda r: r["pers_person_id"], reverse=True)
        if sizes[links[f"social_care|ssd_person|{r['pers_person_id']}"]] == 1
    )
    key = f"social_care|ssd_person|{row['pers_person_id']}"
    before = links[key]
    store.redeliver(
        "social_care",
        {"ssd_person.csv": one_row_file(header, {**row, "pers_forename": CORRECTED_FORENAME})},
    )
    assert person_of(store.engine, key) == before
    assert records_of(store.engine, before) == {key}
    with store.engine.connect() as c:
        created = c.execute(
            select(linkage_change.c.record_keys)
            .join(linkage_run, linkage_run.c.id == linkage_change.c.run_id)
            .where(linkage_change.c.kind == "CREATED", linkage_run.c.kind == "INCREMENTAL")
        ).scalars()
        assert not [keys for keys in created if key in keys]
