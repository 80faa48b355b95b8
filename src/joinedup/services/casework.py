"""The single view of a child (or any person) and their family across agencies.

One function, ``single_view``: one unit of work that asks the gate (decision + audit) and
then reads only what the decision allows. A denied field is absent; the view says which
agencies hold something the reader may not see ("something exists: ask the agency"),
never what. The words for events live in ``casework_words``; the answer's model
(``SingleView``, which the page and the API both show) in ``casework_view``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, select, tuple_

from joinedup.domain.agencies import AgencyId
from joinedup.governance import gate, triage_cases, uses, why
from joinedup.governance.data_map import attribute_fields, event_field, identity_field
from joinedup.governance.minimisation import sealed_kinds
from joinedup.governance.pdp import UK
from joinedup.governance.purposes import PURPOSES
from joinedup.governance.reader import Reader
from joinedup.governance.roles import ROLE_RULES
from joinedup.services.casework_contacts import _contact_lines, _practitioners, agency_name
from joinedup.services.casework_view import SingleView
from joinedup.services.casework_words import event_label, status_of
from joinedup.services.child_voice import voices
from joinedup.services.family_view import with_records
from joinedup.store.account_tables import account
from joinedup.store.casework_tables import concern
from joinedup.store.governance_tables import agreement_version
from joinedup.store.last_looked import mark_looked
from joinedup.store.linkage_tables import linkage_record
from joinedup.store.merged_persons import current_person_id
from joinedup.store.tables import event, person_record

RECENT_POLICE_DAYS = 90


def _identities(connection: Any, opened: gate.Opened) -> list[dict[str, Any]]:
    ids = [r.person_record_id for r in opened.subject.records]
    rows = connection.execute(select(person_record).where(person_record.c.id.in_(ids))).all()
    by_id = {r.id: r for r in rows}
    out = []
    for linked in opened.subject.records:
        row = by_id.get(linked.person_record_id)
        name = identity_field(linked.agency)
        if row is None or name is None or not opened.allows(name):
            continue
        item: dict[str, Any] = {
            "agency": linked.agency,
            "agency_name": agency_name(linked.agency),
            "record": f"{linked.source_table}/{linked.source_id}",
            "forenames": row.forenames,
            "surname": row.surname,
            "other_names": list(row.other_names or []),
            "date_of_birth": row.date_of_birth.isoformat() if row.date_of_birth else None,
            "sex": row.sex,
            "postcode": row.postcode,
            "address": row.address_line,
            "nhs_number": row.nhs_number,
            "upn": row.upn,
            "match_probability": linked.match_probability,
        }
        attributes = dict(row.attributes or {})
        if row.ethnicity:
            attributes["ethnicity"] = row.ethnicity
        for key, field_name in attribute_fields(linked.agency).items():
            if key in attributes and opened.allows(field_name):
                item[key] = attributes[key]
        out.append(item)
    return out


# The person's records in every agency: the statements below are built once, with the
# person as a bound parameter, so a request neither rebuilds nor recompiles them (building
# SQLAlchemy expressions per request was a third of a single view's CPU time).
_LINKED_RECORDS = select(linkage_record.c.agency_id, linkage_record.c.source_id).where(
    linkage_record.c.person_id == bindparam("person_id")
)
_EVENTS = (
    select(event)
    .where(tuple_(event.c.agency_id, event.c.person_source_id).in_(_LINKED_RECORDS))
    .order_by(event.c.occurred_on, event.c.id)
)


def _events(connection: Any, opened: gate.Opened) -> list[dict[str, Any]]:
    if not opened.subject.records:
        return []
    rows = connection.execute(_EVENTS, {"person_id": opened.subject.person_id}).all()
    allowed = opened.decision.allowed_fields
    out = []
    for row in rows:
        field_name = event_field(row.agency_id, row.source_table, row.event_type, row.codes)
        if field_name is None or field_name not in allowed:
            continue
        detail = dict(row.detail or {})
        item = {
            "id": int(row.id),
            "agency": row.agency_id,
            "agency_name": agency_name(row.agency_id),
            "field": field_name,
            "type": row.event_type,
            "on": row.occurred_on.isoformat(),
            "ended_on": row.ended_on.isoformat() if row.ended_on else None,
            "label": event_label(row.agency_id, row.event_type, list(row.codes or []), detail),
            "role": None,
            "summary": None,
        }
        if row.agency_id == "police":
            if row.role and "police.incident_roles" in allowed:
                item["role"] = row.role
            if detail.get("summary") and "police.incident_summaries" in allowed:
                item["summary"] = detail["summary"]
        out.append(item)
    return out


_c = concern.c
_RECORDED = (
    select(
        _c.id,
        _c.kind,
        _c.text,
        _c.agency,
        _c.role,
        _c.recorded_by,
        _c.recorded_at,
        _c.routed_to,
        account.c.display_name,
    )  # fmt: skip
    .join(account, account.c.username == _c.recorded_by, isouter=True)
    .where(_c.person_id == bindparam("person_id"))
    .order_by(_c.recorded_at, _c.id)
)


def _recorded(connection: Any, opened: gate.Opened) -> list[dict[str, Any]]:
    """The concerns and engagements practitioners recorded in joinedup about the person, as
    far as the reader may see them: what a practitioner records is their agency's, shared by
    recording it with the lead practitioners it was sent to. So a reader shown the person
    sees those their own agency recorded and those sent to them; nothing when shown nothing.
    """
    reader = opened.reader
    if not opened.decision.allowed:
        return []
    rows = connection.execute(_RECORDED, {"person_id": opened.subject.person_id}).all()
    out = []
    for row in rows:
        told = {(r.get("agency"), r.get("practitioner_key")) for r in row.routed_to or []}
        own = row.agency == reader.agency.value
        sent = reader.practitioner_key and (reader.agency.value, reader.practitioner_key) in told
        if not own and not sent:
            continue
        at = row.recorded_at if row.recorded_at.tzinfo else row.recorded_at.replace(tzinfo=UTC)
        out.append(
            {
                "id": int(row.id),
                "kind": row.kind,
                "on": at.astimezone(UK).date().isoformat(),
                "recorded_at": at.isoformat(),
                "text": row.text,
                "agency": row.agency,
                "agency_name": agency_name(row.agency),
                "recorded_by": row.display_name or row.recorded_by,
                "recorded_by_role": row.role,
            }
        )
    return out


# The field a family tie's evidence is read from: a tie shown only when the reader may see
# it (a tie found in a police incident says the child was in that incident).
_TIE_FIELDS = {
    "SSD_FAMILY": ("social_care.family",),
    "POLICE_INCIDENT": ("police.incident_roles",),
}


def _family(connection: Any, opened: gate.Opened, today: date) -> list[dict[str, Any]]:
    """Household and family members. A member is listed only from a record of theirs in an
    agency whose identity data the decision lets the reader see for this child, and only by
    evidence the reader may see (a shared address; the family's social care record; a police
    incident): their name, date of birth and id come from that record, nothing from anyone
    else's. Each member's own record opens only through their own decision."""
    from joinedup.linkage.households import family
    from joinedup.store.linkage_tables import LINKED_PERSON_RECORD

    identity_agencies = {
        a.value for a in AgencyId if (f := identity_field(a.value)) and opened.allows(f)
    }
    if not identity_agencies:
        return []
    found = family(connection, opened.subject.person_id, today)
    members = []
    for member in found["family"]:
        evidence = [
            e for e in member["evidence"] if all(opened.allows(f) for f in _TIE_FIELDS.get(e, ()))
        ]
        if evidence:
            members.append({**member, "evidence": evidence})
    if not members:
        return []
    lr, pr = linkage_record.c, person_record.c
    rows = connection.execute(
        select(
            lr.person_id, pr.agency_id, pr.forenames, pr.surname, pr.date_of_birth, pr.attributes
        )
        .join(person_record, LINKED_PERSON_RECORD)
        .where(lr.person_id.in_([m["person_id"] for m in members]))
        .order_by(lr.person_id, pr.agency_id)
    ).all()
    # A seal on any record of a member seals them (as the gate's subject has it): their record
    # opens only through their own decision, so they are not named here.
    sealed = {row.person_id for row in rows if sealed_kinds(row.attributes or {})}
    visible: dict[str, Any] = {}
    for row in rows:
        if row.person_id in sealed:
            continue
        if row.agency_id in identity_agencies and row.person_id not in visible:
            visible[row.person_id] = row
    own = _own_birth(connection, opened)
    out = []
    for m in members:
        row = visible.get(m["person_id"])
        if row is None:  # sealed, or known only to agencies the reader may not see
            continue
        dob = row.date_of_birth
        out.append(
            {
                "person_id": m["person_id"],
                "name": " ".join(x for x in (row.forenames, row.surname) if x) or None,
                "date_of_birth": dob.isoformat() if dob else None,
                "role": _role(dob, own, today),
                "evidence": m["evidence"],
            }
        )
    return out


def _own_birth(connection: Any, opened: gate.Opened) -> date | None:
    ids = [
        r.person_record_id
        for r in opened.subject.records
        if (f := identity_field(r.agency)) and opened.allows(f)
    ]
    if not ids:
        return None
    births = connection.execute(
        select(person_record.c.date_of_birth).where(person_record.c.id.in_(ids))
    ).scalars()
    found = [b for b in births if b]
    return max(set(found), key=found.count) if found else None


def _role(dob: date | None, own: date | None, today: date) -> str:
    """The member's role from the dates of birth the reader may see (as the linkage names
    them: a parent or carer is ``PARENT_GAP_YEARS`` or more older than the child)."""
    from joinedup.linkage.households import PARENT_GAP_YEARS

    if dob and own and (own - dob).days >= PARENT_GAP_YEARS * 365.25:
        return "PARENT_OR_CARER"
    if dob is not None and (today - dob).days >= 18 * 365.25:
        return "OTHER_ADULT"
    if dob and own and abs((own - dob).days) < 25 * 365:
        return "SIBLING_OR_CHILD"
    return "CHILD"


def _why(connection: Any, opened: gate.Opened) -> list[str]:
    """ "Why you see what you see" in sentences (``governance.why``), with the titles of the
    agreements the decision relied on."""
    used = {
        key
        for o in opened.decision.outcomes
        for key in (why.agreement_of(p) for p in o.policy_ids)
        if key
    }
    titles = {}
    if used:
        av = agreement_version.c
        titles = dict(
            connection.execute(
                select(av.agreement_id, av.title).where(
                    av.agreement_id.in_(sorted(used)), av.superseded_at.is_(None)
                )
            ).all()
        )
    return why.in_sentences(
        opened.reader,
        opened.decision,
        {r.agency for r in opened.subject.records},
        {r.value for r in opened.relationships},
        titles,
    )


def _withheld(opened: gate.Opened, with_lines: set[str]) -> list[dict[str, str]]:
    """The agencies holding something the reader may not see: named, not described. A
    reader shown nothing at all is not told which agencies know the person either (that
    alone would say, e.g., that the person is known to mental health services)."""
    if not opened.decision.allowed:
        return []
    denied = opened.decision.denied_fields
    agencies = sorted(
        {
            r.agency
            for r in opened.subject.records
            if any(f.startswith(f"{r.agency}.") for f in denied)
        }
    )
    return [
        {
            "agency": a,
            "agency_name": agency_name(a),
            "note": "holds information you may not see for this purpose: ask the agency"
            + (" (its duty line is under Who to call)" if a in with_lines else ""),
        }
        for a in agencies
    ]


def _agencies_linked(opened: gate.Opened) -> int:
    """How many agencies know the person: for a reader shown something, the agencies whose
    records are shown or named as withheld; for a reader shown nothing, none (the number
    alone would say how widely the person is known)."""
    if not opened.decision.allowed:
        return 0
    return len({r.agency for r in opened.subject.records})


def _options(opened: gate.Opened) -> dict[str, bool]:
    reader = opened.reader
    safeguarding = PURPOSES[reader.purpose].safeguarding
    practitioner_role = ROLE_RULES[reader.role].practitioner
    return {
        "can_break_glass": safeguarding and practitioner_role and not opened.decision.emergency,
        # A case answers a contact or referral, which is what puts the child on the MASH's
        # list: the MASH opens one for a child it may see, once.
        "can_open_triage": uses.TRIAGE_CASE.allows(reader.role, reader.purpose)
        and any(r.value == "MASH_TRIAGE" for r in opened.relationships)
        and opened.extra.get("triage_case") is None,
        "can_record_concern": practitioner_role and opened.decision.allowed,
        "can_record_voice": uses.RECORD_CHILD_VOICE.allows(reader.role, reader.purpose)
        and (bool(opened.relationships) or opened.decision.emergency),
    }


def single_view(
    engine: Engine, reader: Reader, person_id: str, *, now: datetime | None = None
) -> SingleView:
    """The person across agencies, as far as ``reader`` may see for their declared purpose."""
    uses.SINGLE_VIEW.check(reader)
    now = now or datetime.now(UTC)
    today = now.astimezone(UK).date()
    with engine.begin() as connection:
        person_id = current_person_id(connection, person_id)  # merged away: the survivor
        opened = gate.open_person(connection, reader, person_id, now=now)
        if opened.decision.allowed:  # "new since you last looked" counts from here
            mark_looked(connection, reader.user_id, person_id, now)
        case = None
        if uses.TRIAGE_CASE.allows(reader.role, reader.purpose):
            found = triage_cases.open_case(connection, person_id, now)
            case = None if found is None else triage_cases.case_summary(found, now)
            opened.extra["triage_case"] = case
        identities = _identities(connection, opened)
        events = _events(connection, opened)
        recorded = _recorded(connection, opened)
        voice = voices(connection, opened)
        practitioners = _practitioners(connection, opened, today)
        lines = _contact_lines(connection, opened)
        members = with_records(connection, opened, _family(connection, opened, today), now)
        in_words = _why(connection, opened)
    decision = opened.decision
    police_since = today - timedelta(days=RECENT_POLICE_DAYS)
    view = {
        "person_id": person_id,
        "as_of": today.isoformat(),
        "purpose": reader.purpose.value,
        "purpose_title": reader.purpose_title,
        "access": {
            "allowed": decision.allowed,
            "emergency": decision.emergency,
            "relationships": sorted(r.value for r in opened.relationships),
            "reasons": list(decision.reasons),
            "in_words": in_words,
            "agreements": list(decision.agreement_ids),
            "fields_shown": sorted(decision.allowed_fields),
        },
        "agencies_linked": _agencies_linked(opened),
        "identities": identities,
        "statuses": status_of(events, today, police_since),
        "lead_practitioners": practitioners,
        "contact_lines": lines,
        "family": members,
        "timeline": events,
        "recorded": recorded,
        "voice": voice,
        "withheld": _withheld(opened, {line["agency"] for line in lines}),
        "triage_case": case,
        "options": _options(opened),
    }
    return SingleView.model_validate(view)
