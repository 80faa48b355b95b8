"""Deliveries by MESH (issue 23), against NHS England's own MESH sandbox on loopback, with
MESH's full authentication: a health delivery sent to the partnership's mailbox is received,
ingested once, answered with a receipt in the sender's mailbox, and acknowledged; a message
from an unknown mailbox, or a zip that tries to leave its folder, is refused with a receipt
saying why; a receiver that fails before acknowledging takes the message again next time and
the ingest takes the delivery once.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mesh_client import MeshClient
from sqlalchemy import Engine, func, select

from joinedup.receive.mesh import DELIVERY_WORKFLOW, RECEIPT_WORKFLOW, Mailbox, pack
from joinedup.services import receiving_mesh
from joinedup.store import tables as t
from joinedup.store.audit_tables import audit_entry
from tests.support.deliveries import fhir_delivery
from tests.support.mesh_sandbox import (
    HEALTH,
    PARTNERSHIP,
    PASSWORD,
    SHARED_KEY,
    STRANGER,
    mesh_sandbox,
)

AMY = {
    "resourceType": "Patient",
    "id": "P1",
    "birthDate": "2015-01-01",
    "gender": "female",
    "name": [{"family": "Lee", "given": ["Amy"]}],
}


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with mesh_sandbox(tmp_path / "mesh") as url:
        settings = {
            "JOINEDUP_MESH_URL": url,
            "JOINEDUP_MESH_MAILBOX": PARTNERSHIP,
            "JOINEDUP_MESH_PASSWORD": PASSWORD,
            "JOINEDUP_MESH_SHARED_KEY": SHARED_KEY,
            "JOINEDUP_MESH_SENDERS": f"{HEALTH}=health",
            "JOINEDUP_RECEIVE_DIR": str(tmp_path / "received"),
        }
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        yield url


def _client(url: str, mailbox: str) -> MeshClient:
    client = MeshClient(url, mailbox, PASSWORD, shared_key=SHARED_KEY.encode())
    client.handshake()
    return client


def _send(url: str, sender: str, content: bytes) -> str:
    with _client(url, sender) as client:
        return str(
            client.send_message(PARTNERSHIP, content, workflow_id=DELIVERY_WORKFLOW, subject="d")
        )


def _receipts(url: str, mailbox: str) -> list[dict[str, Any]]:
    with _client(url, mailbox) as client:
        found = []
        for message_id in client.list_messages():
            message = client.retrieve_message(message_id)
            assert message.workflow_id == RECEIPT_WORKFLOW
            found.append(json.loads(message.read()))
            message.close()
        return found


def _deliveries(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(t.delivery)).scalar_one())


def test_a_health_delivery_by_mesh_is_ingested_answered_and_acknowledged(
    sandbox: str, engine: Engine, tmp_path: Path
) -> None:
    folder = fhir_delivery(tmp_path / "health", {"Patient": [AMY]})
    _send(sandbox, HEALTH, pack(folder))
    _send(sandbox, STRANGER, pack(folder))
    escaping = io.BytesIO()
    with zipfile.ZipFile(escaping, "w") as archive:
        archive.writestr("manifest.json", (folder / "manifest.json").read_bytes())
        archive.writestr("../Patient.ndjson", b"{}")
    _send(sandbox, HEALTH, escaping.getvalue())

    url = engine.url.render_as_string(hide_password=False)
    run = subprocess.run(
        [sys.executable, "-m", "joinedup.cli", "receive", "mesh", "--once", "--json"],
        env={**os.environ, "JOINEDUP_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    outcomes = {(o["sender"], o["outcome"]): o for o in json.loads(run.stdout)["messages"]}
    assert set(outcomes) == {(HEALTH, "taken"), (STRANGER, "refused"), (HEALTH, "refused")}
    assert _deliveries(engine) == 1

    health = _receipts(sandbox, HEALTH)
    taken = next(r for r in health if r["status"] == "ingested")
    assert (taken["rows"], taken["accepted"], taken["agency"]) == (1, 1, "health")
    assert "Lee" not in json.dumps(health)  # counts and codes, never a value
    refusal = next(r for r in health if r["status"] == "refused")
    assert "../Patient.ndjson" in refusal["reason"]
    assert "not a sender" in _receipts(sandbox, STRANGER)[0]["reason"]
    with _client(sandbox, PARTNERSHIP) as partnership:
        assert partnership.list_messages() == []  # every message acknowledged
    with engine.connect() as connection:
        kinds = connection.execute(
            select(audit_entry.c.kind, audit_entry.c.details).where(
                audit_entry.c.kind.in_(["SHARE", "DELIVERY_REFUSED"])
            )
        ).all()
    assert sorted(k for k, _ in kinds) == ["DELIVERY_REFUSED", "DELIVERY_REFUSED", "SHARE"]
    assert all(d["channel"] == "mesh" for _, d in kinds)


class _AcknowledgementLost(Mailbox):
    """The real mailbox, but the receiver dies before its acknowledgement reaches MESH."""

    def acknowledge(self, message_id: str) -> None:
        raise ConnectionError("the receiver stopped here")


def test_a_message_not_acknowledged_is_taken_again_and_ingested_once(
    sandbox: str, engine: Engine, tmp_path: Path
) -> None:
    _send(sandbox, HEALTH, pack(fhir_delivery(tmp_path / "health", {"Patient": [AMY]})))
    first = receiving_mesh.open_mailbox()
    with pytest.raises(ConnectionError):
        receiving_mesh.receive_once(engine, _AcknowledgementLost(first.client))
    first.close()
    assert _deliveries(engine) == 1
    again = receiving_mesh.open_mailbox()
    outcomes = receiving_mesh.receive_once(engine, again)
    again.close()
    assert [o["receipt"]["status"] for o in outcomes] == ["unchanged"]
    assert _deliveries(engine) == 1
    with _client(sandbox, PARTNERSHIP) as partnership:
        assert partnership.list_messages() == []
