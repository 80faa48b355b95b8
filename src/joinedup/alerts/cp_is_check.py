"""CP-IS at the point of care: is the child with this NHS number on a child protection plan,
looked after, or (an unborn child) on a pre-birth plan recorded against the mother?

As the national Child Protection - Information Sharing service does it: the clinician in
unscheduled care enters an NHS number and sees the flags with the local authority's office
and out-of-hours numbers; a plan that ended within the configured number of days
(``JOINEDUP_CP_IS_ENDED_PLAN_DAYS``) is still shown, with its end date; and the local
authority is told that a flagged child was checked (rule ``CP_IS_CHECK``: the child's
allocated social worker, else the duty team). The check is audited by the caller
(``services.cp_is``), in the same transaction as the alert.

Store-aware reads on the caller's connection; the alert is raised through ``raising`` (the
same de-duplication and folding as every alert).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from joinedup.alerts import contacts, facts, raising, routing
from joinedup.alerts.evaluate import Finding
from joinedup.alerts.rules import RULES
from joinedup.alerts.school_calendar import UK
from joinedup.config import AlertSettings
from joinedup.store.linkage_tables import linkage_record
from joinedup.store.tables import event, person_record, source_record

PRE_BIRTH_TABLE = "pre_birth_plans"
KINDS = {"CP_PLAN": "CHILD_PROTECTION_PLAN", "LOOKED_AFTER": "LOOKED_AFTER"}
PRE_BIRTH = "PRE_BIRTH_PLAN"


@dataclass(frozen=True, slots=True)
class Flag:
    """One plan or episode the check shows."""

    kind: str  # CHILD_PROTECTION_PLAN | LOOKED_AFTER | PRE_BIRTH_PLAN
    started_on: date
    ended_on: date | None
    person_id: str | None  # the linked person it is about (the mother, for a pre-birth plan)
    records: tuple[facts.Record, ...]
    reference: str
    expected_delivery: date | None = None

    def to_dict(self, today: date) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "started_on": self.started_on.isoformat(),
            "ended_on": self.ended_on.isoformat() if self.ended_on else None,
            "current": self.ended_on is None or self.ended_on >= today,
            "expected_delivery_date": (
                self.expected_delivery.isoformat() if self.expected_delivery else None
            ),
        }


def _records_with(connection: Connection, nhs: str) -> list[facts.Record]:
    rows = connection.execute(
        select(
            person_record.c.agency_id, person_record.c.source_table, person_record.c.source_id
        ).where(person_record.c.nhs_number == nhs)
    )
    return [(a, t, s) for a, t, s in rows]


def _people(connection: Connection, records: list[facts.Record]) -> dict[str, list[facts.Record]]:
    """Linked person id -> all their records, for the records carrying the NHS number; a
    record not linked yet stands alone (under its own key)."""
    people: dict[str, list[facts.Record]] = {}
    for agency, table, source in records:
        person = connection.execute(
            select(linkage_record.c.person_id).where(
                linkage_record.c.record_key == f"{agency}|{table}|{source}"
            )
        ).scalar()
        if person is not None:
            people.setdefault(person, facts.records_of(connection, person))
        else:
            people.setdefault(f"{agency}|{table}|{source}", [(agency, table, source)])
    return people


def _episodes(
    connection: Connection,
    person: str | None,
    records: list[facts.Record],
    today: date,
    since: date,
) -> list[Flag]:
    ids = sorted({s for a, _, s in records if a == "social_care"})
    if not ids:
        return []
    rows = connection.execute(
        select(event.c.event_type, event.c.occurred_on, event.c.ended_on, event.c.source_id)
        .where(
            event.c.agency_id == "social_care",
            event.c.person_source_id.in_(ids),
            event.c.event_type.in_(tuple(KINDS)),
            event.c.occurred_on <= today,
            (event.c.ended_on.is_(None)) | (event.c.ended_on >= since),
        )
        .order_by(event.c.occurred_on)
    )
    return [
        Flag(KINDS[kind], start, end, person, tuple(records), source)
        for kind, start, end, source in rows
    ]


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _pre_birth(
    connection: Connection,
    nhs: str,
    people: dict[str, list[facts.Record]],
    today: date,
    since: date,
) -> list[Flag]:
    """Pre-birth plans on the mother's NHS number (few: read and filtered here)."""
    rows = connection.execute(
        select(source_record.c.source_id, source_record.c.payload).where(
            source_record.c.agency_id == "social_care",
            source_record.c.source_table == PRE_BIRTH_TABLE,
        )
    )
    mother = next((p for p in people if "|" not in p), None)
    found = []
    for plan_id, payload in rows:
        if str(payload.get("pbpl_mother_nhs_number") or "").replace(" ", "") != nhs:
            continue
        start, end = (
            _day(payload.get("pbpl_plan_start_date")),
            _day(payload.get("pbpl_plan_end_date")),
        )
        if start is None or start > today or (end is not None and end < since):
            continue
        records = tuple(people.get(mother, [])) if mother else ()
        expected = _day(payload.get("pbpl_expected_delivery_date"))
        found.append(Flag(PRE_BIRTH, start, end, mother, records, plan_id, expected))
    return found


def flags_for(connection: Connection, nhs: str, today: date, keep_days: int) -> list[Flag]:
    """Every plan or episode the check shows for this NHS number on ``today``: current
    ones, and those that ended within ``keep_days``."""
    since = today - timedelta(days=keep_days)
    people = _people(connection, _records_with(connection, nhs))
    flags = [
        flag
        for person, records in people.items()
        for flag in _episodes(connection, None if "|" in person else person, records, today, since)
    ]
    return flags + _pre_birth(connection, nhs, people, today, since)


def local_authority(connection: Connection, settings: AlertSettings) -> dict[str, Any]:
    """Children's social care's office line and out-of-hours line (from its feed)."""
    line = contacts.source_contact(connection, "social_care", settings)
    office = {k: line.get(k) for k in ("name", "phone", "email", "hours")}
    return {"office": office, "out_of_hours": line.get("out_of_hours")}


def tell_local_authority(
    connection: Connection,
    flags: list[Flag],
    checked_by: dict[str, Any],
    settings: AlertSettings,
    now: datetime,
) -> list[int]:
    """One CP_IS_CHECK alert per child (or mother) flagged: who checked, when, which flags.
    A further check while the alert is open folds into it (its count)."""
    rule = RULES["CP_IS_CHECK"]
    by_subject: dict[str, list[Flag]] = {}
    for flag in flags:
        subject = flag.person_id or f"{flag.kind.lower()}:{flag.reference}"
        by_subject.setdefault(subject, []).append(flag)
    raised = []
    local = now.astimezone(UK)
    for subject, found in by_subject.items():
        records = list(found[0].records)
        kinds = ", ".join(sorted({f.kind.replace("_", " ").lower() for f in found}))
        finding = Finding(
            rule,
            subject,
            records,
            f"cp-is|{checked_by['username']}|{now.isoformat()}",
            local.date(),
            now,
            details={},
            extra={"contact": checked_by},
            summary=(
                f"{checked_by['name']} ({checked_by['role']}, {checked_by['organisation']}) "
                f"checked CP-IS at {local:%H:%M on %d %B %Y} and was shown: {kinds}."
            ),
        )
        recipient = routing.route(connection, rule, records, local.date(), settings)
        alert_id, _ = raising.raise_alert(connection, finding, recipient, settings, now)
        if alert_id is not None:
            raised.append(alert_id)
    return raised
