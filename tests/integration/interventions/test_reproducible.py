"""The same partnership built twice gives the same store and the same estimate (issue 22).

Each build runs in its own process on its own store: ingest, link, import the interventions,
then evaluate. Person ids, once random, are derived from the records; the comparison
children's index dates, once drawn in id order, come from stable keys. A board reading two
builds of the same data reads the same finding."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from joinedup.synth import SynthOptions, generate_partnership

BUILD = """
import json, sys
from sqlalchemy import select
from joinedup.linkage.batch import link
from joinedup.services import deliveries_in, ingest
from joinedup.services import interventions as svc
from joinedup.store import make_engine, upgrade
from joinedup.store.linkage_tables import linkage_record

partnership, url, code = sys.argv[1:4]
engine = make_engine(url)
upgrade(engine)
for delivery in deliveries_in(partnership):
    ingest(engine, delivery, link=False)  # every agency in, then one batch (as the demo)
link(engine)
svc.import_interventions(engine, f"{partnership}/interventions")
with engine.connect() as connection:
    ids = sorted(map(tuple, connection.execute(
        select(linkage_record.c.record_key, linkage_record.c.person_id)).all()))
result = svc.evaluate(engine, code, bootstrap=30)
print(json.dumps({"ids": ids, "result": result}, sort_keys=True, default=str))
"""


@pytest.fixture(scope="module")
def partnership(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("repro") / "partnership"
    generate_partnership(out, children=1500, seed=31, options=SynthOptions(interventions=True))
    return out


def _build(partnership: Path, store: Path, code: str) -> dict:
    env = {**os.environ, "PYTHONHASHSEED": str(abs(hash(store)) % 1000)}  # processes differ
    done = subprocess.run(
        [sys.executable, "-c", BUILD, str(partnership), f"sqlite:///{store}", code],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_two_builds_of_one_partnership_give_the_same_ids_and_the_same_estimate(
    partnership: Path, tmp_path: Path
) -> None:
    code = "EARLY_HELP_FAMILY_SUPPORT"
    first = _build(partnership, tmp_path / "a.db", code)
    second = _build(partnership, tmp_path / "b.db", code)
    assert len(first["ids"]) > 1000
    assert first["ids"] == second["ids"]
    assert not first["result"]["too_thin"], first["result"].get("message")
    assert first["result"]["comparison_index_dates"] > 1
    main = first["result"]["outcomes"]["statutory"]
    assert main["relative_change"] is not None and main["relative_change_ci"][0] is not None

    def digest(result: dict) -> str:
        return hashlib.sha256(json.dumps(result, sort_keys=True).encode()).hexdigest()

    assert digest(first["result"]) == digest(second["result"])
