"""The child's voice (issue 21): what the child said about their wishes and feelings, as a
practitioner recorded it, shown first in the child's single view.

Recording is a governed action like recording a concern: the practitioner must have a
legitimate view of the child (a relationship, or a break-glass grant in force), and it is
written to the audit log (``CHILD_VOICE_RECORDED``: who, role, agency, purpose, the day the
child spoke and how long the record is, never the words), which the child's transparency
report reads. What the child said is the recording agency's record: a reader sees it where
the agreements share that agency's record of the child with them for their purpose (its
``<agency>.identity`` field is allowed), and always in their own agency.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select

from joinedup.errors import BadInput, Forbidden
from joinedup.governance import gate, uses
from joinedup.governance.audit import append
from joinedup.governance.pdp import UK
from joinedup.governance.reader import Reader
from joinedup.services.casework_contacts import agency_name
from joinedup.store import UnitOfWork
from joinedup.store.account_tables import account
from joinedup.store.casework_tables import child_voice

MIN_CHARS = 10
MAX_CHARS = 4_000
AUDIT_KIND = "CHILD_VOICE_RECORDED"


def _spoken_on(value: str | date | None, today: date) -> date:
    if value is None or (isinstance(value, str) and not value.strip()):
        return today
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise BadInput(
                f"the day the child said it must be a date like 2026-11-30, not {value!r}",
                field="spoken_on",
            ) from None
    if day > today:
        raise BadInput("the day the child said it cannot be in the future", field="spoken_on")
    return day


def record_voice(
    engine: Engine,
    reader: Reader,
    person_id: str,
    words: str,
    *,
    spoken_on: str | date | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record the child's wishes and feelings (``words``, said on ``spoken_on``, default
    today), audited. Raises ``BadInput`` (the words or the day), ``Forbidden`` (no
    legitimate view of the child), ``NotFound`` (no such person)."""
    now = now or datetime.now(UTC)
    body = words.strip()
    if not MIN_CHARS <= len(body) <= MAX_CHARS:
        raise BadInput(
            f"write what the child said in {MIN_CHARS} to {MAX_CHARS:,} characters",
            field="words",
        )
    day = _spoken_on(spoken_on, now.astimezone(UK).date())
    uses.RECORD_CHILD_VOICE.check(reader)
    with UnitOfWork(engine) as uow:
        connection = uow.connection
        opened = gate.open_person(connection, reader, person_id, (), now=now)
        if not opened.relationships and not opened.decision.emergency:
            raise Forbidden(
                "you have no legitimate relationship with this child for "
                f"{reader.purpose_title}: the child's voice is recorded by the practitioners "
                "who work with them"
            )
        entry = append(
            connection,
            kind=AUDIT_KIND,
            actor=reader.user_id,
            actor_role=reader.role.value,
            purpose=reader.purpose.value,
            subject=person_id,
            details={"agency": reader.agency.value, "spoken_on": day.isoformat(),
                     "chars": len(body)},
            recorded_at=now,
        )  # fmt: skip
        key = connection.execute(
            insert(child_voice).values(
                person_id=person_id,
                words=body,
                spoken_on=day,
                recorded_by=reader.user_id,
                role=reader.role.value,
                agency=reader.agency.value,
                purpose=reader.purpose.value,
                recorded_at=now,
                audit_seq=entry.seq,
            )
        ).inserted_primary_key
        assert key is not None
        uow.commit()
    return {
        "voice_id": int(key[0]),
        "person_id": person_id,
        "spoken_on": day.isoformat(),
        "recorded_at": now.isoformat(),
        "audit_seq": entry.seq,
    }


_v = child_voice.c
_VOICES = (
    select(_v.id, _v.words, _v.spoken_on, _v.agency, _v.role, _v.recorded_by, _v.recorded_at,
           account.c.display_name)
    .join(account, account.c.username == _v.recorded_by, isouter=True)
    .where(_v.person_id == bindparam("person_id"))
    .order_by(_v.spoken_on.desc(), _v.id.desc())
)  # fmt: skip


def voices(connection: Connection, opened: gate.Opened) -> list[dict[str, Any]]:
    """What the child said, newest first, as far as the reader may see it (the module
    docstring); nothing for a reader shown nothing."""
    if not opened.decision.allowed:
        return []
    rows = connection.execute(_VOICES, {"person_id": opened.subject.person_id}).all()
    out = []
    for row in rows:
        if not opened.allows(f"{row.agency}.identity"):
            continue
        at = row.recorded_at if row.recorded_at.tzinfo else row.recorded_at.replace(tzinfo=UTC)
        out.append(
            {
                "id": int(row.id),
                "words": row.words,
                "spoken_on": row.spoken_on.isoformat(),
                "recorded_at": at.isoformat(),
                "agency": row.agency,
                "agency_name": agency_name(row.agency),
                "recorded_by": row.display_name or row.recorded_by,
                "recorded_by_role": row.role,
            }
        )
    return out
