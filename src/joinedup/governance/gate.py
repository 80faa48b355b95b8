"""The gate: the one path from a reader to a person's data.

Every governed service reads a person through here. ``open_person`` resolves the person's
linked records, finds the reader's legitimate relationships with them in the store (an
involvement, their team's caseload, the MASH's triage list, an access review), decides the
requested fields with the policy decision point, and records the decision in the audit log,
all in the caller's transaction. The service then shows only ``decision.allowed_fields``
(minimisation) and says which categories were withheld.

Store-aware (takes a Connection, like ``recording``); the decision itself stays in ``pdp``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from joinedup.governance.access import AccessRequest, Decision
from joinedup.governance.catalogue import CATALOGUE
from joinedup.governance.emergency import break_glass
from joinedup.governance.grants import EmergencyGrant, active_grants
from joinedup.governance.pdp import UK
from joinedup.governance.purposes import Purpose, Relationship
from joinedup.governance.reader import Reader
from joinedup.governance.recording import decide_and_record, relationships_from_store
from joinedup.governance.roles import MASH_ROLES, Role

# The subjects' names are re-exported: callers name them as ``gate.*`` since before the split.
from joinedup.governance.subjects import LinkedRecord, Subject, subject  # noqa: F401
from joinedup.governance.triage_cases import last_closed, open_case, recent_prompt
from joinedup.store.governance_tables import access_review_task, emergency_access
from joinedup.store.risk_tables import exploitation_score, risk_score

ALL_FIELDS = frozenset(CATALOGUE)


@dataclass(frozen=True, slots=True)
class Opened:
    """What the gate let through: the subject, the decision and the relationships found."""

    subject: Subject
    decision: Decision
    relationships: frozenset[Relationship]
    reader: Reader
    extra: dict[str, Any] = field(default_factory=dict)

    def allows(self, name: str) -> bool:
        return name in self.decision.allowed_fields


def on_mash_list(connection: Connection, subject: Subject, now: datetime) -> bool:
    """The child is on the MASH's triage list: an open triage case; a contact or referral to
    children's social care in the last ``MASH_CONTACT_DAYS`` days; or a current risk score (or
    exploitation early warning score) at or above its threshold. A triage case closed since
    the contact, referral or score ends what they opened (the MASH decided): access then ends
    with the case."""
    if open_case(connection, subject.person_id, now) is not None:
        return True
    closed = last_closed(connection, subject.person_id)
    prompt = recent_prompt(connection, subject, now)
    if prompt is not None and (closed is None or closed.date() < prompt[1]):
        return True
    for scores in (risk_score, exploitation_score):  # the list and its exploitation view
        flagged = connection.execute(
            select(scores.c.scored_at)
            .where(
                scores.c.person_id == subject.person_id,
                scores.c.current.is_(True),
                scores.c.flagged.is_(True),
            )
            .order_by(scores.c.scored_at.desc())  # the latest: any after the closing counts
            .limit(1)
        ).first()
        if flagged is not None and (closed is None or closed < _aware(flagged.scored_at)):
            return True
    return False


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def under_access_review(connection: Connection, person_id: str) -> bool:
    """An open review task (a break-glass review) about the person's record."""
    row = connection.execute(
        select(access_review_task.c.id)
        .join(emergency_access, emergency_access.c.id == access_review_task.c.emergency_access_id)
        .where(emergency_access.c.child_id == person_id, access_review_task.c.status == "OPEN")
        .limit(1)
    ).first()
    return row is not None


def _in_the_mash(reader: Reader) -> bool:
    """Whether the reader sits in the MASH now: a MASH practitioner always; the police
    safeguarding officer (the police's seat there) only while declaring MASH triage, so an
    officer with no part in a child's triage reads nothing of the MASH's list under another
    purpose (a section 47 enquiry needs their own involvement)."""
    if reader.role is Role.MASH_PRACTITIONER:
        return True
    return reader.role in MASH_ROLES and reader.purpose is Purpose.MASH_TRIAGE


def relationships(
    connection: Connection, reader: Reader, subject: Subject, now: datetime
) -> frozenset[Relationship]:
    """The reader's legitimate relationships with the subject, as the store shows them."""
    found: set[Relationship] = set()
    if reader.practitioner_key:
        found |= relationships_from_store(
            connection,
            agency=reader.agency.value,
            practitioner_key=reader.practitioner_key,
            child_records=[(a, s) for a, s in subject.agency_records if a == reader.agency.value],
            on=now.astimezone(UK).date(),
        )
    if _in_the_mash(reader) and on_mash_list(connection, subject, now):
        found.add(Relationship.MASH_TRIAGE)
    if reader.role is Role.PRIVACY_OFFICER and under_access_review(connection, subject.person_id):
        found.add(Relationship.ACCESS_REVIEW)
    return frozenset(found)


def request_for(
    reader: Reader,
    subject: Subject,
    fields: Iterable[str],
    rels: frozenset[Relationship],
) -> AccessRequest:
    return AccessRequest.build(
        user_id=reader.user_id,
        role=reader.role.value,
        agency=reader.agency.value,
        purpose=reader.purpose.value,
        child_id=subject.person_id,
        fields=fields,
        team=reader.team,
        relationships=[r.value for r in rels],
        emergency=reader.emergency,
        sealed=sorted(subject.sealed),
    )


def open_person(
    connection: Connection,
    reader: Reader,
    person_id: str,
    fields: Iterable[str] = ALL_FIELDS,
    *,
    now: datetime | None = None,
) -> Opened:
    """Decide (and audit) the reader's access to ``fields`` of the person."""
    now = now or datetime.now(UTC)
    reader.check_purpose()
    found = subject(connection, person_id)
    rels = relationships(connection, reader, found, now)
    if not reader.emergency and active_grants(connection, reader.user_id, person_id, now):
        # A break-glass grant in force for this reader and child is used without asking
        # again; decide_and_record still checks that it covers this purpose and role.
        reader = reader.in_emergency()
    decision = decide_and_record(connection, request_for(reader, found, fields, rels), now=now)
    return Opened(found, decision, rels, reader)


def break_the_glass(
    connection: Connection,
    reader: Reader,
    person_id: str,
    justification: str,
    *,
    minutes: int = 60,
    now: datetime | None = None,
) -> EmergencyGrant:
    """Emergency access to the person for the reader's (safeguarding) purpose: always granted
    once the checks pass, time-limited, flagged, and queued for the privacy officer."""
    now = now or datetime.now(UTC)
    reader.check_purpose()
    found = subject(connection, person_id)
    rels = relationships(connection, reader, found, now)
    request = request_for(reader, found, ALL_FIELDS, rels)
    grant, _decision = break_glass(connection, request, justification, minutes=minutes, now=now)
    return grant
