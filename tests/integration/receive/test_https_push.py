"""Deliveries pushed over HTTPS by an agency's system (issue 23): a real server (uvicorn on
loopback), the real client (``receive.client.Sender``, what ``joinedup deliver`` runs), a
real store on each backend.

The delivery is ingested once, whatever happens on the way: the same delivery sent again is
the same delivery; a chunk sent twice is not written twice; a file whose bytes do not match
its manifest is discarded; and only a request signed by a key registered for the agency
(once: a token replayed is refused) gets in.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from joinedup.errors import DeliveryRejected
from joinedup.receive import tokens
from joinedup.receive.client import Sender
from joinedup.services import receiving
from joinedup.store import tables as t
from joinedup.store.audit_tables import audit_entry
from tests.support.deliveries import police_delivery
from tests.support.webapp import served


@pytest.fixture
def pushed(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A served store with a police key registered; (url, private key, engine, folder)."""
    monkeypatch.setenv("JOINEDUP_RECEIVE_DIR", str(tmp_path / "received"))
    private, public = tokens.new_key_pair()
    receiving.add_key(engine, "police", public, by="operator")
    folder = police_delivery(tmp_path / "police")
    with served(engine, []) as app:
        yield app.url, private, engine, folder


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _bearer(private: bytes, agency: str = "police") -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.mint(agency, private)}"}


def test_a_delivery_pushed_in_chunks_is_ingested_once_with_a_receipt(pushed: Any) -> None:
    url, private, engine, folder = pushed
    receipt = Sender(url, private, agency="police", chunk=1024).send(folder)
    assert receipt["status"] == "ingested"
    assert receipt["rows"] == 9 and receipt["accepted"] + receipt["quarantined"] == 9
    # counts and codes only: nothing delivered comes back
    text = json.dumps(receipt)
    for value in ("Jane", "Smith", "High Street", "LS6 2AB", "Argument"):
        assert value not in text
    assert _count(engine, t.delivery) == 1
    records = _count(engine, t.source_record)

    again = Sender(url, private, agency="police").send(folder)
    assert again["status"] == "ingested" and again["delivery_id"] == receipt["delivery_id"]
    assert _count(engine, t.delivery) == 1 and _count(engine, t.source_record) == records

    with engine.connect() as connection:
        shares = connection.execute(
            select(audit_entry.c.details).where(audit_entry.c.kind == "SHARE")
        ).scalars()
        received = [d for d in shares if d.get("what") == "DELIVERY_RECEIVED"]
    assert len(received) == 1 and received[0]["from_agency"] == "police"


def test_a_chunk_at_the_wrong_offset_is_refused_with_where_to_resume(pushed: Any) -> None:
    url, private, engine, folder = pushed
    manifest = (folder / "manifest.json").read_bytes()
    begun = httpx.post(f"{url}/api/v1/deliveries", content=manifest, headers=_bearer(private))
    assert begun.status_code == 201, begun.text
    name = begun.json()["delivery"]
    data = (folder / "persons.csv").read_bytes()
    part = f"{url}/api/v1/deliveries/{name}/files/persons.csv"
    first = httpx.put(
        part,
        content=data[:100],
        headers={**_bearer(private), "Content-Range": f"bytes 0-99/{len(data)}"},
    )
    assert first.json() == {"path": "persons.csv", "received": 100, "complete": False}
    # the same chunk again (its answer lost): refused, and told to go on from 100
    repeat = httpx.put(
        part,
        content=data[:100],
        headers={**_bearer(private), "Content-Range": f"bytes 0-99/{len(data)}"},
    )
    assert repeat.status_code == 409 and repeat.json()["received"] == 100
    # completing before every file is there is refused, naming what is missing
    early = httpx.post(f"{url}/api/v1/deliveries/{name}/complete", headers=_bearer(private))
    assert early.status_code == 409 and "persons.csv" in early.json()["detail"]
    assert _count(engine, t.delivery) == 0
    # the client resumes from the service's count and finishes
    receipt = Sender(url, private, agency="police").send(folder)
    assert receipt["status"] == "ingested" and receipt["rows"] == 9


def test_a_file_whose_bytes_do_not_match_the_manifest_is_discarded(pushed: Any) -> None:
    url, private, engine, folder = pushed
    manifest = (folder / "manifest.json").read_bytes()
    name = httpx.post(
        f"{url}/api/v1/deliveries", content=manifest, headers=_bearer(private)
    ).json()["delivery"]
    size = (folder / "persons.csv").stat().st_size
    wrong = httpx.put(
        f"{url}/api/v1/deliveries/{name}/files/persons.csv",
        content=b"x" * size,
        headers=_bearer(private),
    )
    assert wrong.status_code == 400 and "SHA-256" in wrong.json()["detail"]
    status = httpx.get(f"{url}/api/v1/deliveries/{name}", headers=_bearer(private)).json()
    persons = next(f for f in status["files"] if f["path"] == "persons.csv")
    assert persons == {"path": "persons.csv", "received": 0, "complete": False}
    assert Sender(url, private, agency="police").send(folder)["status"] == "ingested"


def test_a_malformed_manifest_is_refused_in_one_line_without_server_paths(
    pushed: Any, tmp_path: Path
) -> None:
    url, private, _engine, _folder = pushed
    bad = json.dumps({"agency": "police", "format": "pole-csv/1", "files": []}).encode()
    answer = httpx.post(f"{url}/api/v1/deliveries", content=bad, headers=_bearer(private))
    assert answer.status_code == 400
    detail = answer.json()["detail"]
    assert "extracted_at" in detail and str(tmp_path) not in detail and "\n" not in detail
    assert not any((tmp_path / "received" / "police").glob("*/manifest.json"))


CREDENTIALS = ["none", "garbage", "unregistered", "expired", "other_agency", "replayed", "revoked"]


def test_only_a_fresh_token_signed_by_the_agencys_registered_key_gets_in(pushed: Any) -> None:
    url, private, engine, folder = pushed
    manifest = (folder / "manifest.json").read_bytes()
    stranger, _ = tokens.new_key_pair()
    replayed = _bearer(private)
    assert httpx.post(f"{url}/api/v1/deliveries", content=manifest, headers=replayed).is_success
    refused = {}
    for credential in CREDENTIALS:  # revoked last: it revokes the key
        headers: dict[str, str] = {
            "none": {},
            "garbage": {"Authorization": "Bearer not.a.token"},
            "unregistered": _bearer(stranger),
            "expired": {"Authorization": f"Bearer {tokens.mint('police', private, now=1e6)}"},
            # police's key, but the token claims to be health's
            "other_agency": _bearer(private, agency="health"),
            "replayed": replayed,
            "revoked": _bearer(private),
        }[credential]
        if credential == "revoked":
            for key in receiving.keys(engine):
                receiving.revoke_key(engine, key.key_id, by="operator")
        answer = httpx.post(f"{url}/api/v1/deliveries", content=manifest, headers=headers)
        refused[credential] = answer.status_code
        assert "not.a.token" not in answer.text
    assert refused == dict.fromkeys(CREDENTIALS, 401)
    assert _count(engine, t.delivery) == 0
    with engine.connect() as connection:
        logged = connection.execute(
            select(func.count())
            .select_from(audit_entry)
            .where(audit_entry.c.kind == "DELIVERY_CREDENTIAL_REFUSED")
        ).scalar_one()
    assert logged == len(CREDENTIALS)


def test_an_agency_cannot_deliver_in_another_agencys_name(
    pushed: Any, engine: Engine, tmp_path: Path
) -> None:
    url, _private, _engine, folder = pushed
    health_private, health_public = tokens.new_key_pair()
    receiving.add_key(engine, "health", health_public, by="operator")
    # health's registered key, signing a police manifest
    with pytest.raises(DeliveryRejected, match="credential is health's"):
        Sender(url, health_private, agency="health").send(folder)
    assert _count(engine, t.delivery) == 0


def test_a_signed_in_person_is_not_an_agency(pushed: Any) -> None:
    """A user's session (cookie) does not open the agencies' routes."""
    url, _private, _engine, folder = pushed
    answer = httpx.post(
        f"{url}/api/v1/deliveries",
        content=(folder / "manifest.json").read_bytes(),
        cookies={"joinedup_session": "anything"},
    )
    assert answer.status_code == 401
