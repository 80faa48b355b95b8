"""The family in the child's single view: what each parent, carer and adult of the household
is known for, as far as the agreements allow for the declared purpose (issue 21).

The reader's footing with an adult runs through the child: the relationships the gate found
between the reader and the child (an involvement, the team's caseload, the MASH's list) are
the relationships the adult's record is asked with, for the same purpose. Each adult is a
decision of its own through the same PDP, audited as the child's own records are: the audit
entry's subject is the adult's record, its purpose the reader's, and ``family_of`` names the
child. Only the family items (``FAMILY_ITEMS``) are asked for, never the adult's whole record.

A withheld item is not in the answer at all: no title, no count, no date, no "something
exists". An adult with nothing shown has no records section (the member is still listed, as
far as the family list shows them). A break-glass grant is for the child, not their family:
it opens no adult's record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, tuple_

from joinedup.governance import gate
from joinedup.governance.access import Decision
from joinedup.governance.catalogue import CATALOGUE
from joinedup.governance.data_map import event_field
from joinedup.governance.recording import decide_and_record_many
from joinedup.governance.subjects import subjects
from joinedup.services.casework_contacts import agency_name
from joinedup.services.casework_words import event_label
from joinedup.store.linkage_tables import linkage_record
from joinedup.store.tables import event

# The items of an adult the family section asks for, in the order it shows them, with the
# words it shows them under (the toxic trio, MAPPA and offending).
FAMILY_ITEMS: dict[str, str] = {
    "police.domestic_abuse": "Domestic abuse incidents",
    "substance_misuse.treatment": "Drug and alcohol treatment",
    "health.substance_misuse": "Alcohol and drug use known to health",
    "adult_mental_health.contacts": "Mental health crisis contacts, referrals and discharges",
    "adult_mental_health.detentions": "Detentions under the Mental Health Act",
    "health.mental_health": "Mental health known to health",
    "probation.mappa": "MAPPA level",
    "probation.orders": "Offending: orders, licences and recalls",
    "police.incidents": "Offending and other police incidents",
}
ADULT_ROLES = frozenset({"PARENT_OR_CARER", "OTHER_ADULT"})

_LINKED = select(linkage_record.c.agency_id, linkage_record.c.source_id).where(
    linkage_record.c.person_id == bindparam("person_id")
)
_EVENTS = (
    select(event)
    .where(tuple_(event.c.agency_id, event.c.person_source_id).in_(_LINKED))
    .order_by(event.c.occurred_on, event.c.id)
)


def sections(events: Iterable[Mapping[str, Any]], decision: Decision) -> list[dict[str, Any]]:
    """The adult's family items the decision allows, each with its entries (newest first).
    ``events`` are stored events as mappings (agency_id, source_table, event_type, codes,
    detail, occurred_on, ended_on); an event no allowed family item covers is dropped, and
    an item the decision does not allow leaves no trace."""
    allowed = [f for f in FAMILY_ITEMS if f in decision.allowed_fields]
    if not allowed:
        return []
    entries: dict[str, list[dict[str, Any]]] = {f: [] for f in allowed}
    for row in events:
        name = event_field(row["agency_id"], row["source_table"], row["event_type"], row["codes"])
        if name not in entries:
            continue
        detail = dict(row.get("detail") or {})
        codes = list(row.get("codes") or [])
        entries[name].append(
            {
                "on": row["occurred_on"].isoformat(),
                "ended_on": row["ended_on"].isoformat() if row.get("ended_on") else None,
                "label": event_label(row["agency_id"], row["event_type"], codes, detail),
            }
        )
    return [
        {
            "field": f,
            "title": FAMILY_ITEMS[f],
            "agency": CATALOGUE[f].agency.value,
            "agency_name": agency_name(CATALOGUE[f].agency.value),
            "entries": list(reversed(entries[f])),
        }
        for f in allowed
    ]


def with_records(
    connection: Connection,
    opened: gate.Opened,
    members: list[dict[str, Any]],
    now: datetime,
) -> list[dict[str, Any]]:
    """The family list with each adult's records section (``records``), each adult decided
    and audited on its own (see the module docstring)."""
    if not opened.decision.allowed or not opened.relationships:
        return [{**m, "records": []} for m in members]
    reader = opened.reader
    if reader.emergency:
        reader = replace(reader, emergency=False)
    # Every adult decided and audited in one batch, in the family list's order: the same
    # decisions and entries as ``decide_and_record`` one at a time.
    asked = [m["person_id"] for m in members if m["role"] in ADULT_ROLES]
    adults = subjects(connection, asked)
    requests = [
        gate.request_for(reader, adults[a], FAMILY_ITEMS, opened.relationships) for a in asked
    ]
    decided = iter(
        decide_and_record_many(connection, requests, now=now, family_of=opened.subject.person_id)
    )
    out = []
    for member in members:
        if member["role"] not in ADULT_ROLES:
            out.append({**member, "records": []})
            continue
        adult = adults[member["person_id"]]
        decision = next(decided)
        rows: list[Mapping[str, Any]] = []
        if decision.allowed and adult.records:
            found = connection.execute(_EVENTS, {"person_id": adult.person_id}).all()
            rows = [dict(r._mapping) for r in found]
        out.append({**member, "records": sections(rows, decision)})
    return out
