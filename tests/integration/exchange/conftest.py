"""Two partnerships' stores (SQLite, in this process) built once per session; each test
works on private copies."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from joinedup.store import make_engine
from tests.support import partnerships
from tests.support.partnerships import Side

MOVED_POSTCODE = "WM1 4QT"


@dataclass
class Pair:
    a: Engine  # Exampleshire: the area the children left
    b: Engine  # Otherbury: the area they moved to
    sides: dict[str, Side]
    movers: dict[str, str]  # Exampleshire person id -> Otherbury person id
    on_plan: list[str]  # Exampleshire person ids of movers on a plan or looked after
    folder: Path


@pytest.fixture(scope="session")
def built_pair(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("exchange-pair")
    a = partnerships.build_store(folder, f"sqlite:///{folder / 'exampleshire.db'}", seed=6)
    b = partnerships.build_store(
        folder, f"sqlite:///{folder / 'otherbury.db'}", seed=7, own_nhs_numbers=False
    )
    today = datetime.now(UTC).date()
    planned = partnerships.on_plan(a, today)[:2]
    assert planned, "the generated partnership has no child on a plan"
    others = [p for p in partnerships.children_ids(a, today) if p not in planned][:3]
    movers = partnerships.move(a, b, planned + others, MOVED_POSTCODE)
    (folder / "movers.txt").write_text(
        "\n".join(f"{k} {v} {int(k in planned)}" for k, v in movers.items())
    )
    a.dispose()
    b.dispose()
    return folder


@pytest.fixture
def pair(built_pair: Path, tmp_path: Path) -> Iterator[Pair]:
    for name in ("exampleshire.db", "otherbury.db"):
        shutil.copy(built_pair / name, tmp_path / name)
    urls = {n: f"sqlite:///{tmp_path / f'{n}.db'}" for n in partnerships.NAMES}
    sides = partnerships.sides(tmp_path, urls, {n: f"http://127.0.0.1:9/{n}" for n in urls})
    rows = [line.split() for line in (built_pair / "movers.txt").read_text().splitlines()]
    a, b = make_engine(urls["exampleshire"]), make_engine(urls["otherbury"])
    try:
        yield Pair(a, b, sides, {r[0]: r[1] for r in rows}, [r[0] for r in rows if r[2] == "1"],
                   tmp_path)  # fmt: skip
    finally:
        a.dispose()
        b.dispose()
