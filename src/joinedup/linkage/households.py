"""Households and families of linked people.

A household is an address (house + postcode) and the people any agency recorded there, over
the dates the records give (SSD address history has from/to dates; a current address runs to
now). Family ties add what addresses miss: SSD ``ssd_family`` groups and police incidents
that involved several people. A child's family on a date = the adults (parents and carers:
at least 15 years older; other adults otherwise) and children of the households they lived
in then, plus the people tied to them by family records.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from joinedup.linkage.features import clean_postcode, house_of
from joinedup.store.linkage_tables import (
    LINKED_PERSON_RECORD,
    linkage_family_tie,
    linkage_household,
    linkage_household_member,
    linkage_record,
)
from joinedup.store.tables import address, event, family_membership, person_record

PARENT_GAP_YEARS = 15


def _person_by_source(connection: Connection) -> dict[tuple[str, str], str]:
    return {
        (a, s): p
        for a, s, p in connection.execute(
            select(
                linkage_record.c.agency_id, linkage_record.c.source_id, linkage_record.c.person_id
            )
        )
    }


def build(connection: Connection, run_id: int) -> dict[str, int]:
    """Rebuild households and family ties from the current links."""
    person_of = _person_by_source(connection)
    spans: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    postcode_of: dict[str, str] = {}

    def add(
        agency: str,
        source_id: str,
        line: str | None,
        postcode: str | None,
        start: date | None,
        end: date | None,
    ) -> None:
        pid = person_of.get((agency, source_id))
        pc, house = clean_postcode(postcode), house_of(line)
        if pid and pc and house:
            key = f"{house} {pc}"
            postcode_of[key] = pc
            spans[key][pid].append((start, end, agency))

    pr = person_record.c
    for r in connection.execute(select(pr.agency_id, pr.source_id, pr.address_line, pr.postcode)):
        add(r.agency_id, r.source_id, r.address_line, r.postcode, None, None)
    a = address.c
    for row in connection.execute(
        select(a.agency_id, a.person_source_id, a.line, a.postcode, a.from_date, a.to_date)
    ):
        add(row.agency_id, row.person_source_id, row.line, row.postcode, row.from_date, row.to_date)

    connection.execute(delete(linkage_household_member))
    connection.execute(delete(linkage_household))
    households, members = [], []
    for key, people in spans.items():
        if len(people) < 2:
            continue
        hid = "H-" + hashlib.sha256(key.encode()).hexdigest()[:12].upper()
        starts = [s for rows in people.values() for s, _, _ in rows if s]
        households.append(
            {
                "id": hid,
                "address_key": key,
                "postcode": postcode_of[key],
                "from_date": min(starts) if starts else None,
                "to_date": None,
                "run_id": run_id,
            }
        )
        for pid, rows in people.items():
            dated = [s for s, _, _ in rows if s]
            open_ended = any(e is None for _, e, _ in rows)
            members.append(
                {
                    "household_id": hid,
                    "person_id": pid,
                    "from_date": min(dated) if dated else None,
                    "to_date": None if open_ended else max(e for _, e, _ in rows),
                    "evidence": sorted({agency for _, _, agency in rows}),
                }
            )
    for start in range(0, len(households), 10000):
        connection.execute(insert(linkage_household), households[start : start + 10000])
    for start in range(0, len(members), 10000):
        connection.execute(insert(linkage_household_member), members[start : start + 10000])
    ties = _family_ties(connection, person_of)
    return {"households": len(households), "members": len(members), "family_ties": ties}


def _family_ties(connection: Connection, person_of: dict[tuple[str, str], str]) -> int:
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    fm = family_membership.c
    for r in connection.execute(select(fm.agency_id, fm.family_source_id, fm.person_source_id)):
        if pid := person_of.get((r.agency_id, r.person_source_id)):
            groups[("SSD_FAMILY", f"{r.agency_id}:{r.family_source_id}")].add(pid)
    e = event.c
    for r in connection.execute(
        select(e.agency_id, e.person_source_id, e.detail).where(e.agency_id == "police")
    ):
        incident = (r.detail or {}).get("incident_id")
        if incident and (pid := person_of.get((r.agency_id, r.person_source_id))):
            groups[("POLICE_INCIDENT", str(incident))].add(pid)
    ties: dict[tuple[str, str, str], str] = {}
    for (source, evidence), pids in groups.items():
        for p in pids:
            for q in pids:
                if p != q:
                    ties.setdefault((p, q, source), evidence)
    connection.execute(delete(linkage_family_tie))
    rows = [
        {"person_id": p, "related_person_id": q, "source": s, "evidence": ev}
        for (p, q, s), ev in ties.items()
    ]
    for start in range(0, len(rows), 10000):
        connection.execute(insert(linkage_family_tie), rows[start : start + 10000])
    return len(rows)


def _born(connection: Connection, pids: set[str]) -> dict[str, date | None]:
    lr, pr = linkage_record.c, person_record.c
    rows = connection.execute(
        select(lr.person_id, pr.date_of_birth)
        .join(person_record, LINKED_PERSON_RECORD)
        .where(lr.person_id.in_(pids))
    ).all()
    births: dict[str, list[date]] = defaultdict(list)
    for pid, dob in rows:
        if dob:
            births[pid].append(dob)
    # The most often recorded DOB stands for the person.
    return {p: max(set(d), key=d.count) if (d := births.get(p)) else None for p in pids}


def family(connection: Connection, person_id: str, on: date | None = None) -> dict[str, Any]:
    """The person's households (on ``on`` if given) and family, each member with a role."""
    m = linkage_household_member.c
    mine = connection.execute(
        select(m.household_id, m.from_date, m.to_date).where(m.person_id == person_id)
    ).all()
    current = [
        h.household_id
        for h in mine
        if on is None
        or ((h.from_date is None or h.from_date <= on) and (h.to_date is None or h.to_date >= on))
    ]
    housemates = connection.execute(
        select(m.household_id, m.person_id, m.from_date, m.to_date).where(
            m.household_id.in_(current), m.person_id != person_id
        )
    ).all()
    present = {
        r.person_id
        for r in housemates
        if on is None
        or ((r.from_date is None or r.from_date <= on) and (r.to_date is None or r.to_date >= on))
    }
    t = linkage_family_tie.c
    tied = connection.execute(
        select(t.related_person_id, t.source).where(t.person_id == person_id)
    ).all()
    sources: dict[str, set[str]] = defaultdict(set)
    for pid in present:
        sources[pid].add("SAME_ADDRESS")
    for pid, source in tied:
        sources[pid].add(source)
    born = _born(connection, set(sources) | {person_id})
    reference = on or date.today()
    own = born.get(person_id)
    people = []
    for pid in sorted(sources):
        dob = born.get(pid)
        adult = dob is not None and (reference - dob).days >= 18 * 365.25
        if dob and own and (own - dob).days >= PARENT_GAP_YEARS * 365.25:
            role = "PARENT_OR_CARER"
        elif adult:
            role = "OTHER_ADULT"
        else:
            role = (
                "SIBLING_OR_CHILD" if dob and own and abs((own - dob).days) < 25 * 365 else "CHILD"
            )
        people.append(
            {"person_id": pid, "role": role, "date_of_birth": dob, "evidence": sorted(sources[pid])}
        )
    return {"person_id": person_id, "on": on, "households": current, "family": people}
