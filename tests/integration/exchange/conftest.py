"""Two partnerships' stores (SQLite, in this process) built once per session; each test
works on private copies."""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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


def open_and_deposit(pair: Pair, now: datetime) -> tuple[str, Any]:
    """Otherbury opens a session with Exampleshire and deposits its children's encodings
    (in process, as ``exchange_client.run`` does over HTTP): the session and the deposit."""
    from joinedup.exchange import encoding
    from joinedup.services import exchange, exchange_sessions

    with pair.sides["exampleshire"].active():
        partner = exchange.configured().get("otherbury")
        opened = exchange_sessions.open_session(pair.a, partner, now)
    salt = base64.b64decode(opened["salt"])
    with pair.sides["otherbury"].active():
        ours = exchange.deposit_for(pair.b, "exampleshire", salt, now)
        key = encoding.session_secret(exchange.configured().get("exampleshire").secret, salt)
    document = json.loads(encoding.serialise(ours.encodings, secret=key))
    with pair.sides["exampleshire"].active():
        exchange_sessions.deposit(pair.a, partner, {"session": opened["session"],
                                                    "deposit": document}, now)  # fmt: skip
    return opened["session"], ours
