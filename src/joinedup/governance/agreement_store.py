"""Agreements in the store: every version kept, the newest current, each load audited.

In: validated ``Agreement``s and a ``Connection`` the caller owns (its transaction commits
the load and its audit entry together). Out: what each load did, and the current agreements.
A version, once loaded, is immutable: loading the same id and version with different content
is refused (give the change a new version), and an older version never replaces a newer one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from joinedup.errors import Conflict, NotFound
from joinedup.governance.agreements import Agreement, parse
from joinedup.governance.audit import append
from joinedup.store.governance_tables import agreement_version as av


@dataclass(frozen=True, slots=True)
class LoadOutcome:
    agreement: str  # "EXM-MASH-001 v3"
    status: str  # loaded | unchanged
    superseded: int | None = None  # the version it replaced

    def to_dict(self) -> dict[str, Any]:
        return {"agreement": self.agreement, "status": self.status, "superseded": self.superseded}


def content_hash(agreement: Agreement) -> str:
    document = json.dumps(agreement.to_document(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(document.encode()).hexdigest()


def save(
    connection: Connection,
    agreement: Agreement,
    *,
    source: str,
    loaded_by: str,
    now: datetime | None = None,
) -> LoadOutcome:
    """Store one agreement version (idempotent for identical content) and audit it."""
    now = now or datetime.now(UTC)
    sha = content_hash(agreement)
    same = connection.execute(
        select(av.c.content_sha256).where(
            av.c.agreement_id == agreement.id, av.c.version == agreement.version
        )
    ).first()
    if same is not None:
        if same.content_sha256 == sha:
            return LoadOutcome(agreement.key, "unchanged")
        raise Conflict(
            f"{source}: {agreement.key} is already loaded with different content: give the "
            "changed agreement a new version (versions are never edited in place)"
        )
    current = connection.execute(
        select(av.c.id, av.c.version).where(
            av.c.agreement_id == agreement.id, av.c.superseded_at.is_(None)
        )
    ).first()
    if current is not None and current.version > agreement.version:
        raise Conflict(
            f"{source}: {agreement.key} is older than the loaded version {current.version}"
        )
    connection.info.pop(_FINGERPRINT, None)  # the current set changes in this transaction
    if current is not None:
        connection.execute(update(av).where(av.c.id == current.id).values(superseded_at=now))
    connection.execute(
        insert(av).values(
            agreement_id=agreement.id,
            version=agreement.version,
            status=agreement.status.value,
            title=agreement.title,
            effective_from=agreement.effective_from,
            expires_on=agreement.expires_on,
            review_by=agreement.review_by,
            document=agreement.to_document(),
            content_sha256=sha,
            source_name=source[:400],
            loaded_at=now,
            loaded_by=loaded_by,
        )
    )
    superseded = None if current is None else int(current.version)
    append(
        connection,
        kind="AGREEMENT_LOADED",
        actor=loaded_by,
        details={
            "agreement": agreement.id,
            "version": agreement.version,
            "status": agreement.status.value,
            "sha256": sha,
            "source": source,
            "superseded_version": superseded,
        },
        recorded_at=now,
    )
    return LoadOutcome(agreement.key, "loaded", superseded)


def current_agreements(connection: Connection) -> list[Agreement]:
    """The current version of every agreement (whatever its status), by id."""
    rows = connection.execute(
        select(av.c.document, av.c.agreement_id)
        .where(av.c.superseded_at.is_(None))
        .order_by(av.c.agreement_id)
    ).all()
    return [parse(row.document, f"store:{row.agreement_id}") for row in rows]


_CURRENT_VERSIONS = (
    select(av.c.agreement_id, av.c.version, av.c.content_sha256)
    .where(av.c.superseded_at.is_(None))
    .order_by(av.c.agreement_id)
)
# connection.info key: (the transaction, its fingerprint). Every governed decision asks for
# the fingerprint; within one transaction it changes only if that transaction loads an
# agreement (``save`` forgets it), so a delivery raising a hundred alerts reads it once.
_FINGERPRINT = "joinedup.agreements_fingerprint"


def fingerprint(connection: Connection) -> tuple[tuple[str, int, str], ...]:
    """What identifies the current set of agreements (cheap: no documents are read)."""
    transaction = connection.get_transaction()
    cached = connection.info.get(_FINGERPRINT)
    if transaction is not None and cached is not None and cached[0] is transaction:
        return cached[1]
    rows = connection.execute(_CURRENT_VERSIONS).all()
    found = tuple((r.agreement_id, int(r.version), r.content_sha256) for r in rows)
    if transaction is not None:
        connection.info[_FINGERPRINT] = (transaction, found)
    return found


def get(connection: Connection, agreement_id: str, version: int | None = None) -> Agreement:
    """One agreement: the given version, or the current one; ``NotFound`` names it."""
    query = select(av.c.document).where(av.c.agreement_id == agreement_id)
    query = (
        query.where(av.c.version == version)
        if version is not None
        else query.where(av.c.superseded_at.is_(None))
    )
    row = connection.execute(query).first()
    if row is None:
        which = f"{agreement_id} v{version}" if version is not None else agreement_id
        raise NotFound(f"no agreement {which} in the store (see `joinedup agreements list`)")
    return parse(row.document, f"store:{agreement_id}")


def history(connection: Connection, agreement_id: str | None = None) -> list[dict[str, Any]]:
    """Every stored version (newest first per agreement) with when and by whom it was
    loaded and superseded."""
    query = select(
        av.c.agreement_id,
        av.c.version,
        av.c.status,
        av.c.title,
        av.c.effective_from,
        av.c.expires_on,
        av.c.review_by,
        av.c.loaded_at,
        av.c.loaded_by,
        av.c.superseded_at,
        av.c.source_name,
    ).order_by(av.c.agreement_id, av.c.version.desc())
    if agreement_id is not None:
        query = query.where(av.c.agreement_id == agreement_id)
    return [dict(row._mapping) for row in connection.execute(query)]


def parse_reference(reference: str) -> tuple[str, int | None]:
    """``EXM-MASH-001`` or ``EXM-MASH-001@2`` -> (id, version or None)."""
    agreement_id, _, version = reference.partition("@")
    if version and not version.isdigit():
        from joinedup.errors import BadInput

        raise BadInput(f"bad agreement reference {reference!r}: use ID or ID@VERSION")
    return agreement_id.strip(), int(version) if version else None
