"""Deliveries pushed by an agency's own system over HTTPS (``POST /api/v1/deliveries``):
the agency's keys, its signed requests, the delivery arriving in pieces, the ingest when it is
whole, and the receipt that goes back.

In: an agency token (``receive.tokens``) on every request; the manifest, then each file's
chunks. Out: the delivery folder the ingest takes whole (``services.ingest``: manifest,
checksums, quarantine and all), and a receipt of counts and finding codes, never a value
(the sender knows its own rows; the receipt says what became of them).

Every step an agency takes is in the audit log: a delivery begun (``DELIVERY_STARTED``), taken
by the ingest (``SHARE`` with ``what: DELIVERY_RECEIVED``: a share received by the
partnership from the agency, as issue 23 asks), or refused (``DELIVERY_REFUSED`` with the
reason). A credential refused is logged too (``DELIVERY_CREDENTIAL_REFUSED``), without the
token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from joinedup.config import settings
from joinedup.domain.agencies import AgencyId
from joinedup.errors import BadInput, Conflict, DeliveryRejected, NotFound
from joinedup.governance.audit import append
from joinedup.ingest import IngestReport
from joinedup.ingest.manifest import read_manifest
from joinedup.receive import tokens
from joinedup.receive.staging import FileProgress, UploadArea
from joinedup.store.receiving_tables import agency_delivery_key, delivery_token_seen
from joinedup.store.unit_of_work import UnitOfWork

CHANNEL = "api"


@dataclass(frozen=True)
class DeliveryKey:
    key_id: str
    agency: str
    added_at: datetime
    added_by: str
    revoked_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "agency": self.agency,
            "added_at": self.added_at.isoformat(),
            "added_by": self.added_by,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def upload_area() -> UploadArea:
    return UploadArea(Path(settings().ingest.receive_dir))


# --- keys (the operator's side: `joinedup receive keys`) ---------------------------------


def add_key(engine: Engine, agency: str, pem: bytes, *, by: str) -> DeliveryKey:
    """Register an agency's public key for pushing deliveries."""
    try:
        agency_id = AgencyId(agency).value
    except ValueError:
        known = ", ".join(a.value for a in AgencyId)
        raise BadInput(f"{agency!r} is not an agency (one of: {known})") from None
    kid = tokens.key_id(pem)  # refuses anything but an Ed25519 public key
    now = datetime.now(UTC)
    with engine.begin() as connection:
        found = connection.execute(
            select(agency_delivery_key.c.agency_id).where(agency_delivery_key.c.key_id == kid)
        ).first()
        if found is not None:
            raise Conflict(f"key {kid} is already registered (for {found.agency_id})")
        connection.execute(
            insert(agency_delivery_key).values(
                key_id=kid,
                agency_id=agency_id,
                public_key_pem=pem.decode("ascii"),
                added_at=now,
                added_by=by,
            )
        )
        append(
            connection,
            kind="DELIVERY_KEY_ADDED",
            actor=by,
            details={"agency": agency_id, "key_id": kid},
            recorded_at=now,
        )
    return DeliveryKey(kid, agency_id, now, by, None)


def revoke_key(engine: Engine, key_id: str, *, by: str) -> DeliveryKey:
    now = datetime.now(UTC)
    with engine.begin() as connection:
        changed = connection.execute(
            update(agency_delivery_key)
            .where(
                agency_delivery_key.c.key_id == key_id, agency_delivery_key.c.revoked_at.is_(None)
            )
            .values(revoked_at=now)
        ).rowcount
        if not changed:
            raise NotFound(f"no key {key_id[:64]!r} is registered and in use")
        append(
            connection,
            kind="DELIVERY_KEY_REVOKED",
            actor=by,
            details={"key_id": key_id},
            recorded_at=now,
        )
    return next(k for k in keys(engine) if k.key_id == key_id)


def keys(engine: Engine) -> list[DeliveryKey]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(agency_delivery_key).order_by(
                agency_delivery_key.c.agency_id, agency_delivery_key.c.added_at
            )
        ).mappings()
        return [
            DeliveryKey(r["key_id"], r["agency_id"], r["added_at"], r["added_by"], r["revoked_at"])
            for r in rows
        ]


# --- the agency's requests --------------------------------------------------------------


def authenticate(engine: Engine, authorization: str | None) -> tokens.AgencyToken:
    """The agency a request comes from, from its ``Authorization: Bearer`` token; refused
    (401) when missing, not signed by a registered key, expired, or used before."""
    scheme, _, token = (authorization or "").partition(" ")
    try:
        if scheme.lower() != "bearer" or not token.strip():
            raise tokens.CredentialRefused(
                "an agency's request needs Authorization: Bearer <token signed with its key>"
            )
        with engine.connect() as connection:

            def key_for(agency: str, kid: str) -> bytes | None:
                pem = connection.execute(
                    select(agency_delivery_key.c.public_key_pem).where(
                        agency_delivery_key.c.key_id == kid,
                        agency_delivery_key.c.agency_id == agency,
                        agency_delivery_key.c.revoked_at.is_(None),
                    )
                ).scalar()
                return pem.encode("ascii") if pem else None

            checked = tokens.verify(token.strip(), key_for)
        _spend(engine, checked)
    except tokens.CredentialRefused as refused:
        with engine.begin() as connection:
            append(
                connection,
                kind="DELIVERY_CREDENTIAL_REFUSED",
                actor="agency:unknown",
                details={"reason": str(refused)},
            )
        raise
    return checked


def _spend(engine: Engine, token: tokens.AgencyToken) -> None:
    """Record the token as used; refuse it if it was used before."""
    now = datetime.now(UTC)
    try:
        with engine.begin() as connection:
            connection.execute(
                delete(delivery_token_seen).where(delivery_token_seen.c.expires_at < now)
            )
            connection.execute(
                insert(delivery_token_seen).values(
                    token_id=token.token_id,
                    agency_id=token.agency,
                    expires_at=datetime.fromtimestamp(token.expires_at + tokens.CLOCK_SKEW, UTC),
                )
            )
    except IntegrityError:
        raise tokens.CredentialRefused(
            "this token was used before: mint a new one for each request"
        ) from None


def _actor(agency: str) -> str:
    return f"agency:{agency}"


def begin(engine: Engine, agency: str, manifest_bytes: bytes) -> dict[str, Any]:
    """The manifest first: the delivery's name and what has arrived of it (nothing, or what
    an earlier attempt sent), or its receipt if it was ingested already."""
    area = upload_area()
    try:
        name, manifest = area.begin(agency, manifest_bytes)
    except DeliveryRejected as rejected:
        reason = _without_paths(str(rejected), area)
        _refused(engine, agency, None, reason)
        raise DeliveryRejected(reason) from None
    done = _ingested(engine, agency, manifest.sha256)
    if done is not None:
        return done | {"delivery": name}
    with engine.begin() as connection:
        append(
            connection,
            kind="DELIVERY_STARTED",
            actor=_actor(agency),
            details={
                "delivery": name,
                "channel": CHANNEL,
                "format": manifest.feed_format.value,
                "files": len(manifest.files),
                "rows": sum(f.rows for f in manifest.files),
            },
        )
    return status(engine, agency, name)


def status(engine: Engine, agency: str, name: str) -> dict[str, Any]:
    area = upload_area()
    try:
        manifest = area.manifest(agency, name)
    except LookupError:
        raise NotFound(f"no delivery {name[:40]} from {agency} is arriving") from None
    done = _ingested(engine, agency, manifest.sha256)
    if done is not None:
        return done | {"delivery": name}
    return {
        "delivery": name,
        "status": "receiving",
        "max_chunk_bytes": settings().web.max_body_bytes,
        "files": [_progress(p) for p in area.progress(agency, name)],
    }


def _progress(p: FileProgress) -> dict[str, Any]:
    return {"path": p.path, "received": p.received, "complete": p.complete}


def receive_chunk(
    engine: Engine, agency: str, name: str, path: str, offset: int, total: int, data: bytes
) -> dict[str, Any]:
    area = upload_area()
    try:
        manifest = area.manifest(agency, name)
    except LookupError:
        raise NotFound(f"no delivery {name[:40]} from {agency} is arriving") from None
    if _ingested(engine, agency, manifest.sha256) is not None:
        raise Conflict(f"delivery {name} is already ingested")
    try:
        return _progress(area.append(agency, name, path, offset, total, data))
    except DeliveryRejected as rejected:  # a whole file whose bytes do not match
        _refused(engine, agency, name, str(rejected))
        raise


def complete(engine: Engine, agency: str, name: str) -> dict[str, Any]:
    """Every file whole: the ingest takes the delivery; the receipt."""
    area = upload_area()
    try:
        manifest = area.manifest(agency, name)
    except LookupError:
        raise NotFound(f"no delivery {name[:40]} from {agency} is arriving") from None
    done = _ingested(engine, agency, manifest.sha256)
    if done is not None:
        return done | {"delivery": name}
    missing = area.missing(agency, name)
    if missing:
        raise Conflict(f"not every file has arrived yet: {', '.join(missing[:10])}")
    return take(engine, agency, manifest.folder, channel=CHANNEL, name=name, area=area)


def take(
    engine: Engine,
    agency: str,
    folder: Path,
    *,
    channel: str,
    name: str,
    area: UploadArea | None = None,
) -> dict[str, Any]:
    """A whole delivery folder that arrived by ``channel``, into the ingest (all or nothing);
    audited as a share received; the receipt."""
    from joinedup import services

    try:
        named = read_manifest(folder).agency.value
        if named != agency:  # never taken in another agency's name, whatever the channel
            raise DeliveryRejected(
                f"manifest.json names agency {named}, but the delivery came from {agency}"
            )
        report = services.ingest(engine, folder)
    except DeliveryRejected as rejected:
        reason = _without_paths(str(rejected), area or upload_area(), folder)
        _refused(engine, agency, name, reason, channel=channel)
        raise DeliveryRejected(reason) from None
    with engine.begin() as connection:
        append(
            connection,
            kind="SHARE",
            actor=_actor(agency),
            details={
                "what": "DELIVERY_RECEIVED",
                "channel": channel,
                "delivery": name,
                "delivery_id": report.delivery_id,
                "status": report.status,
                "from_agency": agency,
                "to_agency": "partnership",
                "format": report.feed_format,
                "rows": report.total("rows"),
                "accepted": report.total("accepted"),
                "quarantined": report.total("quarantined"),
            },
        )
    return receipt(report) | {"delivery": name}


def receipt(report: IngestReport) -> dict[str, Any]:
    """What goes back to the agency: counts and finding codes per file, never a value."""
    whole = report.to_dict()
    whole.pop("folder", None)
    whole.pop("linking", None)  # how people were linked is the partnership's business
    return whole | {"status": report.status}


def _ingested(engine: Engine, agency: str, manifest_sha256: str) -> dict[str, Any] | None:
    with UnitOfWork(engine) as uow:
        found = uow.deliveries.find_by_manifest(agency, manifest_sha256)
        if found is None:
            return None
        files = uow.deliveries.files(int(found["id"]))
    keys_ = ("rows", "accepted", "warnings", "quarantined")
    return {
        "status": "ingested",
        "agency": agency,
        "format": found["feed_format"],
        "delivery_id": int(found["id"]),
        **{k: int(found[k]) for k in keys_},
        "files": {f["path"]: {"path": f["path"], **{k: int(f[k]) for k in keys_}} for f in files},
    }


def _refused(
    engine: Engine, agency: str, name: str | None, reason: str, *, channel: str = CHANNEL
) -> None:
    with engine.begin() as connection:
        append(
            connection,
            kind="DELIVERY_REFUSED",
            actor=_actor(agency),
            details={"delivery": name, "channel": channel, "reason": reason[:400]},
        )


def _without_paths(reason: str, area: UploadArea, folder: Path | None = None) -> str:
    """A refusal as the agency reads it: without the server's folders."""
    for place in (folder, area.root):
        if place is not None:
            for shown in {str(place.resolve()), str(place)}:
                reason = reason.replace(shown + "/", "").replace(shown, "the delivery")
    return reason


def refused(engine: Engine, agency: str, name: str | None, reason: str, channel: str) -> None:
    """A delivery refused by a receiver before the ingest saw it, in the audit log."""
    _refused(engine, agency, name, reason, channel=channel)


def without_server_paths(reason: str) -> str:
    return _without_paths(reason, upload_area())
