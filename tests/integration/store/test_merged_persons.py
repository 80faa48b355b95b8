"""After a bridge merge: the merged-away id resolves to the survivor, and the rows that held it
move without breaking a uniqueness rule (issue 20). Both backends."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, insert, select

from joinedup.store.casework_tables import last_looked
from joinedup.store.linkage_tables import (
    linkage_family_tie,
    linkage_merge,
    linkage_model,
    linkage_run,
)
from joinedup.store.merged_persons import current_person_id, repoint
from joinedup.store.tables import household, household_member, person

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _run(connection: Connection) -> int:
    model = connection.execute(
        insert(linkage_model)
        .values(created_at=NOW, fingerprint="f" * 64, records=0, backend="python",
                splink_version="-", settings={}, thresholds={}, term_frequencies={},
                active=False)
        .returning(linkage_model.c.id)
    ).scalar_one()  # fmt: skip
    return int(
        connection.execute(
            insert(linkage_run)
            .values(kind="INCREMENTAL", backend="python", model_id=model, started_at=NOW,
                    records=0, comparisons=0, persons=0, summary={})
            .returning(linkage_run.c.id)
        ).scalar_one()
    )  # fmt: skip


def _merge(connection: Connection, run: int, merged: str, into: str, undone: bool = False) -> None:
    connection.execute(
        insert(linkage_merge).values(
            merged_person_id=merged, into_person_id=into, bridge_record_key="a|t|1",
            match_weights={}, record_keys=[], merged_at=NOW, run_id=run,
            undone_at=NOW if undone else None,
        )
    )  # fmt: skip


def test_a_merged_id_resolves_through_a_chain_of_merges(engine: Engine) -> None:
    with engine.begin() as c:
        run = _run(c)
        _merge(c, run, "P-A", "P-B")
        _merge(c, run, "P-B", "P-C")
        _merge(c, run, "P-X", "P-Y", undone=True)
        _merge(c, run, "P-L1", "P-L2")
        _merge(c, run, "P-L2", "P-L1")  # a loop never hangs
    with engine.connect() as c:
        assert current_person_id(c, "P-A") == "P-C"
        assert current_person_id(c, "P-B") == "P-C"
        assert current_person_id(c, "P-C") == "P-C"
        assert current_person_id(c, "P-X") == "P-X"  # a merge undone by a split: no more
        assert current_person_id(c, "P-L1") in {"P-L1", "P-L2"}


def test_rows_move_to_the_survivor_without_duplicates(engine: Engine) -> None:
    with engine.begin() as c:
        c.execute(insert(person), [{"id": p, "created_at": NOW} for p in ("P-S", "P-M", "P-K")])
        c.execute(insert(household), [{"id": "H1"}, {"id": "H2"}])
        c.execute(
            insert(household_member),
            [
                {"household_id": "H1", "person_id": "P-S"},
                {"household_id": "H1", "person_id": "P-M"},  # both at H1: one stays
                {"household_id": "H2", "person_id": "P-M"},
            ],
        )
        c.execute(
            insert(last_looked),
            [
                {"reader": "r1", "person_id": "P-S", "looked_at": NOW},
                {"reader": "r1", "person_id": "P-M", "looked_at": NOW},
                {"reader": "r2", "person_id": "P-M", "looked_at": NOW},
            ],
        )
        c.execute(
            insert(linkage_family_tie),
            [
                {"person_id": "P-S", "related_person_id": "P-M", "source": "SSD_FAMILY"},
                {"person_id": "P-M", "related_person_id": "P-K", "source": "SSD_FAMILY"},
                {"person_id": "P-S", "related_person_id": "P-K", "source": "SSD_FAMILY"},
                {"person_id": "P-K", "related_person_id": "P-M", "source": "POLICE_INCIDENT"},
            ],
        )
        moved = repoint(c, ["P-M"], "P-S")
    assert moved["last_looked.person_id"] == 1
    with engine.connect() as c:
        homes = set(
            c.execute(select(household_member.c.household_id, household_member.c.person_id))
        )
        looked = set(c.execute(select(last_looked.c.reader, last_looked.c.person_id)))
        ties = set(
            c.execute(
                select(
                    linkage_family_tie.c.person_id,
                    linkage_family_tie.c.related_person_id,
                    linkage_family_tie.c.source,
                )
            )
        )
    assert homes == {("H1", "P-S"), ("H2", "P-S")}
    assert looked == {("r1", "P-S"), ("r2", "P-S")}
    # The tie between the two halves is gone; the others now name the survivor, once each.
    assert ties == {("P-S", "P-K", "SSD_FAMILY"), ("P-K", "P-S", "POLICE_INCIDENT")}
