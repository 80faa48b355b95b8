"""Read person records from the store as linkage features (one dict per record).

In: a SQLAlchemy ``Connection``. Out: a list of feature dicts (``features.COLUMNS``) for
every ``person_record``, with SSD linked identifiers (NHS number, UPN), a pupil's former UPN
and preferred name, and each record's address history folded in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from joinedup.linkage.features import features
from joinedup.store.tables import address, person_identifier, person_record


def _identifiers(
    connection: Connection, where: Any = None
) -> dict[tuple[str, str], dict[str, list[str]]]:
    found: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    query = select(
        person_identifier.c.agency_id,
        person_identifier.c.person_source_id,
        person_identifier.c.identifier_type,
        person_identifier.c.value,
    )
    if where is not None:
        query = query.where(where)
    for agency, source_id, kind, value in connection.execute(query):
        found[(agency, source_id)][kind].append(value)
    return found


def _addresses(
    connection: Connection, where: Any = None
) -> dict[tuple[str, str], list[tuple[str | None, str | None]]]:
    found: dict[tuple[str, str], list[Any]] = defaultdict(list)
    query = select(
        address.c.agency_id,
        address.c.person_source_id,
        address.c.postcode,
        address.c.line,
        address.c.from_date,
    )
    if where is not None:
        query = query.where(where)
    for agency, source_id, postcode, line, from_date in connection.execute(query):
        found[(agency, source_id)].append((from_date, postcode, line))
    # Oldest first, so the newest address wins when a record has no current one.
    return {
        key: [(pc, line) for _, pc, line in sorted(rows, key=lambda r: (r[0] is None, r[0]))]
        for key, rows in found.items()
    }


def to_features(
    rows: Iterable[Any],
    identifiers: dict[tuple[str, str], dict[str, list[str]]],
    addresses: dict[tuple[str, str], list[tuple[str | None, str | None]]],
) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        key = (r.agency_id, r.source_id)
        ids = identifiers.get(key, {})
        attributes = r.attributes or {}
        former = attributes.get("former_upn")
        out.append(
            features(
                unique_id=int(r.id),
                agency=r.agency_id,
                source_table=r.source_table,
                source_id=r.source_id,
                forenames=r.forenames,
                surname=r.surname,
                date_of_birth=r.date_of_birth,
                sex=r.sex,
                nhs_number=r.nhs_number,
                upn=r.upn,
                postcode=r.postcode,
                address_line=r.address_line,
                other_names=r.other_names or (),
                extra_nhs=ids.get("NHS_NUMBER", ()),
                extra_upns=[*ids.get("UPN", ()), *([former] if former else [])],
                address_history=addresses.get(key, ()),
            )
        )
    return out


_COLUMNS = (
    person_record.c.id,
    person_record.c.agency_id,
    person_record.c.source_table,
    person_record.c.source_id,
    person_record.c.forenames,
    person_record.c.surname,
    person_record.c.date_of_birth,
    person_record.c.sex,
    person_record.c.nhs_number,
    person_record.c.upn,
    person_record.c.postcode,
    person_record.c.address_line,
    person_record.c.other_names,
    person_record.c.attributes,
)


def read_records(connection: Connection) -> list[dict[str, Any]]:
    """Every person record in the store, as linkage features, ordered by id."""
    rows = connection.execute(select(*_COLUMNS).order_by(person_record.c.id)).all()
    return to_features(rows, _identifiers(connection), _addresses(connection))


def read_records_where(connection: Connection, condition: Any) -> list[dict[str, Any]]:
    """The person records matching ``condition`` (a SQLAlchemy clause), as features."""
    rows = connection.execute(select(*_COLUMNS).where(condition)).all()
    if not rows:
        return []
    agencies = {r.agency_id for r in rows}
    source_ids = {r.source_id for r in rows}
    ids = _identifiers(
        connection,
        person_identifier.c.agency_id.in_(agencies)
        & person_identifier.c.person_source_id.in_(source_ids),
    )
    addresses = _addresses(
        connection, address.c.agency_id.in_(agencies) & address.c.person_source_id.in_(source_ids)
    )
    return to_features(rows, ids, addresses)
