"""Migration 0074 refolds the stored surnames with the transliterating fold (issue 20).

A store migrated before it held ``person_record.surname_folded`` as the old hand-written
table folded it: a Cyrillic surname stayed Cyrillic, so a search typed in Latin letters
missed it. After the upgrade every stored folding is the one ingest would write now.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select, update

from joinedup.domain.names import folded_or_none
from joinedup.services import ingest
from joinedup.store import make_engine, upgrade
from joinedup.store.tables import person_record
from tests.support.deliveries import agency_events_delivery

# (surname as recorded, as the pre-0074 fold stored it, as it folds now)
SURNAMES = [
    ("Иванова", "иванова", "ivanova"),
    ("Əliyev", "əliyev", "eliyev"),
    ("Öztürk", "ozturk", "ozturk"),
]


def _folded(engine: Engine) -> dict[str, str | None]:
    with engine.connect() as connection:
        rows = connection.execute(select(person_record.c.surname, person_record.c.surname_folded))
        return {surname: folded for surname, folded in rows}


def test_the_upgrade_refolds_surnames_the_old_folding_left_untransliterated(
    database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0075_exploit_scores")
    persons = [
        [f"H{i}", "Maria", surname, "1990-03-04", "F", "1 High Street", "WF1 1AA", "", "", ""]
        for i, (surname, _, _) in enumerate(SURNAMES)
    ]
    ingest(engine, agency_events_delivery(tmp_path / "housing", persons=persons, events=[]))
    with engine.begin() as connection:
        for surname, old, _ in SURNAMES:
            connection.execute(
                update(person_record)
                .where(person_record.c.surname == surname)
                .values(surname_folded=old)
            )
    assert _folded(engine)["Иванова"] == "иванова"

    upgrade(engine)

    assert _folded(engine) == {surname: new for surname, _, new in SURNAMES}
    assert all(folded_or_none(s) == f for s, f in _folded(engine).items())
    engine.dispose()
