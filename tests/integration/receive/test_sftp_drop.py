"""Deliveries by the SFTP drop (issue 23), through Debian's OpenSSH server on loopback: each
agency signs in with its own key into its own chroot, uploads a delivery folder with
OpenSSH's sftp client (manifest last), and reads its receipt back over SFTP. A delivery still
arriving is left alone; one never made whole is refused when the stale window passes; one
naming another agency is refused; an agency sees and writes nothing outside its own folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from joinedup.services import receiving_sftp
from joinedup.store import tables as t
from tests.support.deliveries import police_delivery
from tests.support.ssh_drop import Drop, ssh_drop


@pytest.fixture(scope="module")
def drop() -> Iterator[Drop]:
    with ssh_drop(["police", "health"]) as running:
        yield running


@pytest.fixture
def receiving(drop: Drop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Drop:
    for leftover in drop.root.glob("*/*/*"):  # each test starts with an empty drop
        shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
    monkeypatch.setenv("JOINEDUP_SFTP_DROP", str(drop.root))
    monkeypatch.setenv("JOINEDUP_RECEIVE_DIR", str(tmp_path / "received"))
    return drop


def _upload(drop: Drop, agency: str, folder: Path, name: str, *, manifest: bool = True) -> None:
    files = sorted(p.name for p in folder.iterdir() if p.name != "manifest.json")
    commands = [f"mkdir {name}", f"cd {name}"] + [f"put {folder / f} {f}" for f in files]
    if manifest:
        commands.append(f"put {folder / 'manifest.json'} manifest.json")  # last, by convention
    drop.sftp(agency, commands)


def _receipt(drop: Drop, agency: str, name: str, tmp_path: Path) -> dict:  # type: ignore[type-arg]
    target = tmp_path / f"{agency}-{name}.json"
    drop.sftp(agency, [f"get /receipts/{name}.json {target}"])
    return json.loads(target.read_text())


def _deliveries(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(t.delivery)).scalar_one())


def test_a_delivery_dropped_by_sftp_is_ingested_and_its_receipt_read_back(
    receiving: Drop, engine: Engine, tmp_path: Path
) -> None:
    _upload(receiving, "police", police_delivery(tmp_path / "p"), "d1")
    run = subprocess.run(
        [sys.executable, "-m", "joinedup.cli", "receive", "sftp", "--once", "--json"],
        env={**os.environ, "JOINEDUP_DATABASE_URL": engine.url.render_as_string(False)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    [outcome] = json.loads(run.stdout)["deliveries"]
    assert (outcome["agency"], outcome["delivery"], outcome["outcome"]) == ("police", "d1", "taken")
    assert _deliveries(engine) == 1
    receipt = _receipt(receiving, "police", "d1", tmp_path)
    assert receipt["status"] == "ingested" and receipt["rows"] == 9
    assert "Smith" not in json.dumps(receipt)
    # taken out of the agency's reach; nothing more to take
    assert "d1" not in receiving.sftp("police", ["ls"])
    assert receiving_sftp.receive_once(engine, receiving.root) == []


def test_an_agency_sees_and_writes_nothing_outside_its_own_folder(receiving: Drop) -> None:
    (receiving.root / "health" / "upload" / "secret").mkdir(exist_ok=True)
    seen = receiving.sftp("police", ["ls /", "ls /../health/upload"], check=False)
    assert "secret" not in seen and "health" not in seen.replace("/../health", "")
    refused = receiving.sftp("police", ["put /etc/hostname /receipts/forged.json"], check=False)
    assert "denied" in refused.lower()
    assert not (receiving.root / "police" / "receipts" / "forged.json").exists()


def test_a_delivery_still_arriving_waits_and_one_never_whole_is_refused(
    receiving: Drop, engine: Engine, tmp_path: Path
) -> None:
    folder = police_delivery(tmp_path / "p")
    (folder / "incidents.csv").unlink()  # the agency's upload broke off before this file
    _upload(receiving, "police", folder, "d2")
    assert receiving_sftp.receive_once(engine, receiving.root) == []  # still arriving
    later = time.time() + 2 * 3600
    [outcome] = receiving_sftp.receive_once(engine, receiving.root, now=later)
    assert outcome["outcome"] == "refused" and "incidents.csv" in outcome["receipt"]["reason"]
    assert (
        "incidents.csv has not arrived" in _receipt(receiving, "police", "d2", tmp_path)["reason"]
    )
    assert _deliveries(engine) == 0


def test_a_delivery_naming_another_agency_is_refused(
    receiving: Drop, engine: Engine, tmp_path: Path
) -> None:
    _upload(receiving, "health", police_delivery(tmp_path / "p"), "d3")  # police's, by health
    [outcome] = receiving_sftp.receive_once(engine, receiving.root)
    assert outcome["outcome"] == "refused"
    assert "names agency police" in outcome["receipt"]["reason"]
    assert str(receiving.root) not in outcome["receipt"]["reason"]
    assert _deliveries(engine) == 0
