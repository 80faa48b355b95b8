"""The practitioners each agency delivers (key workers, social workers, school DSLs, police
officers): kept per agency by their key, their contact details updated as later deliveries
say, and found as a child's lead practitioner on a day. Like every repository, it takes an
open ``Connection`` and never commits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from joinedup.domain.model import Practitioner
from joinedup.store import tables as t

_CONTACT_DETAILS = ("email", "team", "role", "phone", "hours")
_COMPARED = ("name", "email", "team", "role", "phone", "kind", "hours")


def practitioner_of(row: Any) -> Practitioner:
    """A stored practitioner row as the domain's ``Practitioner``."""
    return Practitioner(
        row.agency_id,
        row.practitioner_key,
        row.name,
        row.email,
        row.team,
        row.role,
        row.phone,
        row.kind,
        row.hours,
    )


class PractitionerRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def upsert_many(self, practitioners: Iterable[tuple[Practitioner, int | None]]) -> None:
        """Insert new practitioners and refresh changed ones (by agency + key). A row that
        names a practitioner without a contact detail keeps the one another row gave (a FHIR
        Patient names its GP practice; the practice's Organization gives its phone)."""
        wanted = {(p.agency, p.practitioner_key): (p, sid) for p, sid in practitioners}
        if not wanted:
            return
        existing: dict[tuple[str, str], Any] = {}
        for agency_id in {a for a, _ in wanted}:
            rows = self.connection.execute(
                select(t.practitioner).where(t.practitioner.c.agency_id == agency_id)
            )
            existing.update({(r.agency_id, r.practitioner_key): r for r in rows})
        new_rows, changed = [], []
        for key, (p, sid) in wanted.items():
            old = existing.get(key)
            values = {
                "agency_id": p.agency,
                "practitioner_key": p.practitioner_key,
                "name": p.name,
                "email": p.email,
                "team": p.team,
                "role": p.role,
                "phone": p.phone,
                "kind": p.kind,
                "hours": p.hours,
                "source_record_id": sid,
            }
            if old is None:
                new_rows.append(values)
                continue
            for kept in _CONTACT_DETAILS:
                if values[kept] is None:
                    values[kept] = getattr(old, kept)
            if any(values[c] != getattr(old, c) for c in _COMPARED):
                changed.append(values)
        if new_rows:
            self.connection.execute(insert(t.practitioner), new_rows)
        for values in changed:
            self.connection.execute(
                update(t.practitioner)
                .where(
                    and_(
                        t.practitioner.c.agency_id == values["agency_id"],
                        t.practitioner.c.practitioner_key == values["practitioner_key"],
                    )
                )
                .values(**values)
            )

    def get(self, agency_id: str, practitioner_key: str) -> Practitioner | None:
        row = self.connection.execute(
            select(t.practitioner).where(
                t.practitioner.c.agency_id == agency_id,
                t.practitioner.c.practitioner_key == practitioner_key,
            )
        ).first()
        if row is None:
            return None
        return practitioner_of(row)

    def lead_for(self, agency_id: str, person_source_id: str, on: date) -> Practitioner | None:
        """The agency's lead practitioner for a person on a day (latest-started active lead)."""
        query = (
            select(t.practitioner)
            .join(
                t.involvement,
                and_(
                    t.involvement.c.agency_id == t.practitioner.c.agency_id,
                    t.involvement.c.practitioner_key == t.practitioner.c.practitioner_key,
                ),
            )
            .where(
                t.involvement.c.agency_id == agency_id,
                t.involvement.c.person_source_id == person_source_id,
                t.involvement.c.is_lead.is_(True),
                (t.involvement.c.start_date.is_(None)) | (t.involvement.c.start_date <= on),
                (t.involvement.c.end_date.is_(None)) | (t.involvement.c.end_date >= on),
            )
            .order_by(t.involvement.c.start_date.desc())
            .limit(1)
        )
        row = self.connection.execute(query).first()
        if row is None:
            return None
        return practitioner_of(row)
