"""What a retention run does to the store: delete expired rows (and everything that depends
on them, found from the database's own foreign keys so other capabilities' tables are
covered), or pseudonymise them, and record each action in the audit log.

Pseudonymising a person's record keeps the row (so counts, timelines and statistics still
add up) but removes what identifies them: names, date of birth, NHS number, UPN, address
line, other names and attributes are cleared, the postcode is cut to its district, the
agency's identifier is replaced by a keyed pseudonym (HMAC-SHA-256) everywhere the agency's
rows refer to it, the linked identifiers are deleted and the delivered payload (every
version) is replaced by a marker.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, column, delete, func, inspect, select, table, update

from joinedup.config import settings
from joinedup.governance.audit import append
from joinedup.store import tables as t

PSEUDONYM_PREFIX = "pseud-"
_CHUNK = 500
_PERSON_LINKED = (t.event, t.address, t.involvement, t.family_membership, t.person_identifier)


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def _dependents(connection: Connection) -> dict[str, list[tuple[str, str]]]:
    """table -> [(dependent table, its column)] for single-column foreign keys to ``id``."""
    inspector = inspect(connection)
    found: dict[str, list[tuple[str, str]]] = {}
    for name in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(name):
            if fk["referred_columns"] == ["id"] and len(fk["constrained_columns"]) == 1:
                found.setdefault(fk["referred_table"], []).append(
                    (name, fk["constrained_columns"][0])
                )
    return found


def _walk(
    connection: Connection,
    name: str,
    key: str,
    ids: list[int],
    dependents: dict[str, list[tuple[str, str]]],
    counts: Counter[str],
    remove: bool,
    depth: int = 0,
) -> None:
    """Delete (or just count) the rows of ``name`` whose ``key`` is in ``ids``, their
    dependents first so no foreign key is left dangling."""
    if depth > 8 or not ids:
        return
    rows = table(name, column("id"), column(key))
    children = dependents.get(name, [])
    if children:
        own = [
            int(i)
            for i in connection.execute(select(rows.c.id).where(rows.c[key].in_(ids))).scalars()
        ]
        for child, child_key in children:
            _walk(connection, child, child_key, own, dependents, counts, remove, depth + 1)
    if remove:
        counts[name] += connection.execute(delete(rows).where(rows.c[key].in_(ids))).rowcount
    else:
        counts[name] += int(
            connection.scalar(select(func.count()).select_from(rows).where(rows.c[key].in_(ids)))
            or 0
        )


def delete_source_records(connection: Connection, ids: Sequence[int]) -> dict[str, int]:
    """Delete these source records and every row depending on them; rows per table."""
    dependents, counts = _dependents(connection), Counter[str]()
    for chunk in _chunks(ids):
        _walk(connection, "source_record", "id", chunk, dependents, counts, remove=True)
    return dict(counts)


def count_affected(connection: Connection, ids: Sequence[int], action: str) -> dict[str, int]:
    """What acting on these source records would touch, changing nothing (dry run)."""
    counts = Counter[str]()
    if action == "delete":
        dependents = _dependents(connection)
        for chunk in _chunks(ids):
            _walk(connection, "source_record", "id", chunk, dependents, counts, remove=False)
        return dict(counts)
    for chunk in _chunks(ids):
        counts["source_record"] += len(chunk)
        counts["person_record"] += int(
            connection.scalar(
                select(func.count())
                .select_from(t.person_record)
                .where(t.person_record.c.source_record_id.in_(chunk))
            )
            or 0
        )
    return dict(counts)


def expired_quarantine(
    connection: Connection, agency: str, source_table: str, cutoff: date, *, delete: bool
) -> int:
    """Quarantined rows (refused rows, kept whole) of this table delivered before
    ``cutoff``: counted, and deleted unless this is a dry run."""
    q = t.quarantined_row
    old = select(t.delivery.c.id).where(
        t.delivery.c.received_at < datetime.combine(cutoff, time(), UTC)
    )
    where = (q.c.agency_id == agency, q.c.source_table == source_table, q.c.delivery_id.in_(old))
    if not delete:
        return int(connection.scalar(select(func.count()).select_from(q).where(*where)) or 0)
    return int(connection.execute(q.delete().where(*where)).rowcount)


def pseudonym_key(connection: Connection) -> bytes:
    """The HMAC key for pseudonyms: ``JOINEDUP_PSEUDONYM_KEY`` or, on a developer's machine,
    derived from the audit signing key (one secret to guard; ``JOINEDUP_ENV=production``
    wants a key of its own, which a rotation of the signing key does not change)."""
    configured = settings().retention.pseudonym_key
    if configured:
        return configured.encode()
    from cryptography.hazmat.primitives import serialization

    from joinedup.governance.audit.heads import load_signer

    seed = load_signer(connection.engine.url).private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return hmac.new(seed, b"joinedup-pseudonym/v1", hashlib.sha256).digest()


def pseudonym(key: bytes, agency: str, source_table: str, source_id: str) -> str:
    """A stable keyed pseudonym for one agency record: the same input gives the same output,
    but without the key it cannot be reversed or recomputed from a guess."""
    message = "\x1f".join((agency, source_table, source_id)).encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return PSEUDONYM_PREFIX + base64.b32encode(digest).decode()[:32].lower()


def postcode_district(postcode: str | None) -> str | None:
    """The outward code ("LS6 2AB" -> "LS6"): coarse enough for area counts."""
    if not postcode:
        return None
    compact = postcode.replace(" ", "").upper()
    return compact[:-3] or None if len(compact) > 3 else None


def pseudonymise_source_records(
    connection: Connection, ids: Sequence[int], as_of: date, key: bytes | None = None
) -> dict[str, int]:
    """Pseudonymise these source records and the person rows derived from them."""
    key = key or pseudonym_key(connection)
    marker = {"pseudonymised_on": as_of.isoformat()}
    marker_sha = hashlib.sha256(json.dumps(marker, sort_keys=True).encode()).hexdigest()
    counts = Counter[str]()
    sr, pr = t.source_record, t.person_record
    for chunk in _chunks(ids):
        records = connection.execute(
            select(sr.c.id, sr.c.agency_id, sr.c.source_table, sr.c.source_id).where(
                sr.c.id.in_(chunk)
            )
        ).all()
        for record in records:
            alias = pseudonym(key, record.agency_id, record.source_table, record.source_id)
            connection.execute(
                update(sr)
                .where(sr.c.id == record.id)
                .values(payload=marker, content_sha256=marker_sha, source_id=alias)
            )
            counts["source_record"] += 1
            counts["source_record_version"] += connection.execute(
                update(t.source_record_version)
                .where(t.source_record_version.c.source_record_id == record.id)
                .values(payload=marker, content_sha256=marker_sha)
            ).rowcount
            person = connection.execute(
                select(pr.c.id, pr.c.source_id, pr.c.postcode).where(
                    pr.c.source_record_id == record.id
                )
            ).first()
            if person is not None:
                counts.update(_pseudonymise_person(connection, record.agency_id, person, alias))
        # Free text and identifiers carried by the records themselves, whatever they are.
        counts["event"] += connection.execute(
            update(t.event).where(t.event.c.source_record_id.in_(chunk)).values(detail={})
        ).rowcount
        counts["person_identifier"] += connection.execute(
            delete(t.person_identifier).where(t.person_identifier.c.source_record_id.in_(chunk))
        ).rowcount
        counts["address"] += connection.execute(
            update(t.address).where(t.address.c.source_record_id.in_(chunk)).values(line=None)
        ).rowcount
    return {name: n for name, n in counts.items() if n}


def _pseudonymise_person(
    connection: Connection, agency: str, person: Any, alias: str
) -> Counter[str]:
    counts = Counter[str]()
    pr = t.person_record
    connection.execute(
        update(pr)
        .where(pr.c.id == person.id)
        .values(
            forenames=None,
            surname=None,
            date_of_birth=None,
            nhs_number=None,
            upn=None,
            address_line=None,
            postcode=postcode_district(person.postcode),
            other_names=[],
            attributes={},
            source_id=alias,
        )
    )
    counts["person_record"] += 1
    # The agency's other rows about this person follow them to the pseudonym, so their
    # events still count towards the same (now unnamed) person.
    for linked in _PERSON_LINKED:
        counts[linked.name] += connection.execute(
            update(linked)
            .where(linked.c.agency_id == agency, linked.c.person_source_id == person.source_id)
            .values(person_source_id=alias)
        ).rowcount
    counts["person_identifier"] += connection.execute(
        delete(t.person_identifier).where(
            t.person_identifier.c.agency_id == agency,
            t.person_identifier.c.person_source_id == alias,
        )
    ).rowcount
    for row in connection.execute(
        select(t.address.c.id, t.address.c.postcode).where(
            t.address.c.agency_id == agency, t.address.c.person_source_id == alias
        )
    ).all():
        connection.execute(
            update(t.address)
            .where(t.address.c.id == row.id)
            .values(line=None, postcode=postcode_district(row.postcode))
        )
    return counts


def record(connection: Connection, actor: str, outcome: Any, as_of: date) -> int:
    """One audit entry for what a run did to one agency's table; returns its seq."""
    entry = append(
        connection,
        kind="RETENTION",
        actor=actor,
        purpose="RETENTION",
        details=outcome.to_dict() | {"as_of": as_of.isoformat()},
    )
    return entry.seq


def record_run(connection: Connection, actor: str, report: Any) -> int:
    """The audit entry that closes a run: what applied and the totals."""
    details = {
        "as_of": report.as_of.isoformat(),
        "rules_source": report.rules_source,
        "tables_acted_on": len(report.outcomes),
        "source_records": sum(o.source_records for o in report.outcomes),
        "quarantined_rows": sum(o.quarantined_rows for o in report.outcomes),
        "table_entries": [o.audit_seq for o in report.outcomes],
        "ungoverned": report.ungoverned,
    }
    return append(
        connection, kind="RETENTION_RUN", actor=actor, purpose="RETENTION", details=details
    ).seq
