"""What the exchange reads of the store: our children's identifying fields (for encodings,
never sent as they are) and the summary sections of one child (for a matched partner, cut
to what the agreement lets pass)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from joinedup.alerts import facts
from joinedup.exchange.encoding import ChildEncoding, ChildIdentity, encode_children
from joinedup.exchange.terms import Terms
from joinedup.store.linkage_tables import LINKED_PERSON_RECORD, linkage_record
from joinedup.store.tables import event, person, person_record

PLAN_KINDS = {
    "cp_plans": ("CP_PLAN",),
    "looked_after": ("LOOKED_AFTER",),
    "cin_episodes": ("CIN_PLAN", "CIN_EPISODE"),
}
CONCERNS = ("CONTACT", "REFERRAL", "S47_ENQUIRY")
KIND_WORDS = {"cp_plans": "CHILD_PROTECTION_PLAN", "looked_after": "LOOKED_AFTER"}
_pr = person_record.c


def encoded_children(
    connection: Connection, secret: bytes, export_salt: bytes, today: date
) -> tuple[list[str], list[ChildEncoding]]:
    """Our children as keyed encodings for a partner (``encoding.encode_children``), with
    the person id of each: the identifying fields are read only to be encoded here, and
    never leave this function in the clear."""
    found = _children(connection, today)
    return [c.person_id for c in found], encode_children(found, secret, export_salt=export_salt)


def _children(connection: Connection, today: date) -> list[ChildIdentity]:
    """Every linked person under 18 on ``today``, the newest first (a child new to the area
    is matched first); each field as most of their records say it, social care's first."""
    born_after = date(today.year - 18, today.month, min(today.day, 28))
    rows = connection.execute(
        select(
            linkage_record.c.person_id, _pr.agency_id, _pr.forenames, _pr.surname,
            _pr.date_of_birth, _pr.sex, _pr.postcode, _pr.nhs_number, person.c.created_at,
        )
        .join(linkage_record, LINKED_PERSON_RECORD)
        .join(person, person.c.id == linkage_record.c.person_id)
        .order_by(person.c.created_at.desc(), linkage_record.c.person_id)
    )  # fmt: skip
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.person_id, []).append(row)
    out = []
    for person_id, records in grouped.items():
        births = Counter(r.date_of_birth for r in records if r.date_of_birth)
        born = births.most_common(1)[0][0] if births else None
        if born is None or born <= born_after or born > today:
            continue
        ranked = sorted(records, key=lambda r: r.agency_id != "social_care")
        name = next((r for r in ranked if r.surname), ranked[0])
        sexes = Counter(r.sex for r in records if r.sex in ("M", "F"))
        out.append(
            ChildIdentity(
                person_id=person_id,
                forenames=name.forenames or "",
                surname=name.surname or "",
                date_of_birth=born,
                sex=sexes.most_common(1)[0][0] if sexes else None,
                postcodes=tuple(sorted({r.postcode for r in records if r.postcode})),
                nhs_number=next((r.nhs_number for r in ranked if r.nhs_number), None),
            )
        )
    return out


def _social_care_ids(connection: Connection, person_id: str) -> list[str]:
    return [s for a, _, s in facts.records_of(connection, person_id) if a == "social_care"]


def _episodes(
    connection: Connection, ids: list[str], types: tuple[str, ...], today: date,
    since: date | None,
) -> list[dict[str, Any]]:  # fmt: skip
    if not ids:
        return []
    query = select(event.c.event_type, event.c.occurred_on, event.c.ended_on).where(
        event.c.agency_id == "social_care",
        event.c.person_source_id.in_(ids),
        event.c.event_type.in_(types),
        event.c.occurred_on <= today,
    )
    if since is not None:
        query = query.where(event.c.ended_on.is_(None) | (event.c.ended_on >= since))
    return [
        {
            "started_on": start.isoformat(),
            "ended_on": end.isoformat() if end else None,
            "current": end is None or end >= today,
        }
        for _, start, end in connection.execute(query.order_by(event.c.occurred_on))
    ]


def _concerns(
    connection: Connection, ids: list[str], today: date, since: date | None
) -> list[dict[str, Any]]:
    if not ids:
        return []
    query = select(event.c.event_type, event.c.occurred_on, event.c.detail).where(
        event.c.agency_id == "social_care",
        event.c.person_source_id.in_(ids),
        event.c.event_type.in_(CONCERNS),
        event.c.occurred_on <= today,
    )
    if since is not None:
        query = query.where(event.c.occurred_on >= since)
    return [
        {
            "on": on.isoformat(),
            "kind": kind,
            "source": (detail or {}).get("cont_contact_source_desc"),
        }
        for kind, on, detail in connection.execute(query.order_by(event.c.occurred_on.desc()))
    ]


def _leads(connection: Connection, person_id: str, today: date) -> list[dict[str, Any]]:
    records = facts.records_of(connection, person_id)
    return [
        {
            "name": lead.name,
            "team": lead.team,
            "email": lead.email,
            "phone": facts.practitioner_phone(connection, "social_care", lead.key),
            "agency": "social_care",
        }
        for lead in facts.lead_practitioners(connection, records, "social_care", today)
    ]


def sections(connection: Connection, person_id: str, terms: Terms, today: date) -> dict[str, Any]:
    """The child's summary sections the terms let pass (nothing else is read)."""
    ids = _social_care_ids(connection, person_id)
    since = terms.since(today)
    out: dict[str, Any] = {}
    for name in terms.sections:
        if name in PLAN_KINDS:
            out[name] = _episodes(connection, ids, PLAN_KINDS[name], today, since)
        elif name == "lead_practitioners":
            out[name] = _leads(connection, person_id, today)
        elif name == "recent_concerns":
            out[name] = _concerns(connection, ids, today, since)
    return out


def transfer_kinds(sections: dict[str, Any]) -> list[str]:
    """CHILD_PROTECTION_PLAN and/or LOOKED_AFTER, when a current one is in the summary."""
    return [
        KIND_WORDS[name]
        for name in ("cp_plans", "looked_after")
        if any(entry.get("current") for entry in sections.get(name) or [])
    ]
