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


def test_an_adults_earlier_record_counts_from_the_day_they_live_with_the_child(
    linked: Engine,
) -> None:
    """A parent's diagnosis recorded before the child was born (or a new partner's police
    record from before moving in) is in the child's history, dated the day they first lived
    together, never earlier: features at an earlier date cannot see it."""
    from datetime import date

    from joinedup.risk.dataset import _events, _households  # the readers under test
    from joinedup.risk.factors import evidence_of

    with linked.connect() as c:
        on = data_as_of(c)
        histories = load_histories(c, born_after=born_after(on))
        households = _households(c, None)
        adults = {
            pid for members in households.values() for pid, _, _ in members if pid not in histories
        }
        events = [(pid, ev) for pid, ev in _events(c, sorted(adults))]
    by_adult: dict[str, list] = {}
    for pid, ev in events:
        if evidence_of(ev, dob=None, adult=True):
            by_adult.setdefault(pid, []).append(ev)
    periods: dict[tuple[str, str], list] = {}
    for members in households.values():
        for kid, k_from, k_to in members:
            if kid not in histories:
                continue
            for adult, a_from, a_to in members:
                if adult in by_adult:
                    start = max((d for d in (k_from, a_from) if d), default=None)
                    end = min((d for d in (k_to, a_to) if d), default=None)
                    periods.setdefault((kid, adult), []).append((start, end))
    checked = 0
    for (kid, adult), spans in periods.items():
        for ev in by_adult[adult]:
            starts = [s for s, e in spans if e is None or ev.occurred_on < e]
            if not starts or any(s is None or s <= ev.occurred_on for s in starts):
                continue  # counted while living together, or after they parted: not this rule
            found = [e for e in histories[kid].evidence if e.event_id == ev.id]
            kinds = {e.factor for e in evidence_of(ev, dob=None, adult=True)}
            assert {e.factor for e in found} == kinds, (kid, adult, ev)
            assert len(found) == len(kinds)  # once per child, however many households
            assert all(e.known_on == min(starts) for e in found)
            checked += 1
    assert checked > 0  # the partnership has babies born to parents already known
    assert isinstance(on, date)
