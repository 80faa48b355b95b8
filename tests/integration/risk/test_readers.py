"""The risk readers give the same profiles, teams and histories on SQLite and PostgreSQL: they
take DATE and JSON columns as the driver returns them (text on SQLite, parsed on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select

from joinedup.risk.dataset import load_histories
from joinedup.risk.features import ChildHistory
from joinedup.risk.people import load_profiles, load_teams
from joinedup.risk.scoring import born_after, data_as_of
from joinedup.store.tables import metadata
from joinedup.synth import generate_partnership
from tests.support.stores import linked_sqlite_store, private_copy


@pytest.fixture(scope="module")
def linked_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("readers") / "partnership"
    generate_partnership(out, children=250, seed=5)
    path = tmp_path_factory.mktemp("readers-db") / "linked.db"
    linked_sqlite_store(out, path, link_each=False).dispose()
    return path


@pytest.fixture
def linked(linked_db: Path, tmp_path: Path) -> Iterator[Engine]:
    with private_copy(linked_db, tmp_path) as engine:
        yield engine


def _copy(source: Engine, target: Engine) -> None:
    with source.connect() as src, target.begin() as dst:
        for table in metadata.sorted_tables:
            if dst.execute(select(func.count()).select_from(table)).scalar():
                continue  # seeded by the migrations (agencies, roles)
            rows = [dict(r) for r in src.execute(select(table)).mappings()]
            if rows:
                dst.execute(insert(table), rows)


def _same_order(history: ChildHistory) -> ChildHistory:
    """Social care episodes in id order (the rules read them as a set)."""
    history.social_care.sort(key=lambda ev: ev.id)
    return history


def _read(engine: Engine) -> tuple:
    with engine.connect() as c:
        on = data_as_of(c)
        profiles = {k: v.to_dict() for k, v in load_profiles(c).items()}
        teams = load_teams(c)
        read = load_histories(c, born_after=born_after(on))
        everyone = {pid: _same_order(h) for pid, h in read.items()}
        alone = {
            pid: _same_order(load_histories(c, born_after=born_after(on), person_ids=[pid])[pid])
            for pid in sorted(everyone)[::15]
        }
    return profiles, teams, everyone, alone


def test_readers_agree_on_each_database(linked: Engine, engine: Engine) -> None:
    _copy(linked, engine)  # a fresh store of each kind holding the same rows
    profiles, teams, everyone, alone = _read(linked)
    other = _read(engine)
    assert other[0] == profiles and other[1] == teams
    assert teams and any(p["school_urn"] for p in profiles.values())
    for pid, history in everyone.items():
        theirs = other[2][pid]
        assert theirs.dob == history.dob and theirs.outcomes == history.outcomes
        assert theirs.social_care == history.social_care
        assert theirs.evidence == history.evidence
    assert other[2].keys() == everyone.keys()
    assert any(h.evidence for h in everyone.values())
    for pid, history in alone.items():
        assert history == everyone[pid] == other[3][pid]
