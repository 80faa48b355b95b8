"""A practitioner's day: what needs the signed-in person, on the home page and "My children".

``caseload``  the children the reader is involved with (an involvement of theirs in their own
              agency's records, active today: the relationship the gate itself finds), a page
              at a time. Each child listed is a governed read through the gate (decision and
              audit entry, as the triage list does): the name comes from an agency whose
              identity data the reader may see, and "new since you last looked" counts only
              the records the reader may see, since they last opened the child's single view
              (``store.last_looked``). A child the reader may not open is counted, not named.
``recently_opened``  the children the reader opened last, each read through the gate again
              (a break-glass grant that has ended ends the entry).
``day``       the home page's blocks, each only when the role (and the purpose declared) may
              use the page it summarises, each read through that page's own service (which
              checks the use and audits the read): open alerts, the caseload's first page,
              recently opened children, the MASH's triage list and open cases, the clerical
              review queue and data quality, break-glass reviews and privacy notices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Integer, and_, cast, func, or_, select

from joinedup.accounts.model import Account
from joinedup.governance import gate, gate_bulk, uses
from joinedup.governance.data_map import event_field, identity_field
from joinedup.governance.pdp import UK
from joinedup.governance.reader import Reader
from joinedup.store.last_looked import looked_at, recently_looked
from joinedup.store.linkage_tables import LINKED_PERSON_RECORD, linkage_record
from joinedup.store.risk_tables import risk_score
from joinedup.store.tables import delivery, event, involvement, person_record, source_record

PAGE_SIZE = 20
ON_HOME = 5


@dataclass(frozen=True, slots=True)
class CaseloadChild:
    person_id: str
    name: str | None
    date_of_birth: str | None
    lead: bool
    since: date | None
    last_looked: datetime | None
    new_since: int | None  # None: never opened (everything is new)


@dataclass(frozen=True, slots=True)
class Caseload:
    total: int
    page: int
    pages: int
    children: list[CaseloadChild]
    not_shown: int = 0  # involved, but the reader may not open them for this purpose


@dataclass(slots=True)
class Day:
    alerts: dict[str, Any] | None = None
    caseload: Caseload | None = None
    recent: list[CaseloadChild] = field(default_factory=list)
    triage: dict[str, Any] | None = None
    review: dict[str, Any] | None = None
    quality: dict[str, Any] | None = None
    privacy: dict[str, Any] | None = None


def _involved(connection: Connection, reader: Reader, today: date) -> list[Any]:
    """(person_id, lead, since) of each child the reader has an involvement with today,
    lead first, then the newest involvement first."""
    if not reader.practitioner_key:
        return []
    i, lr = involvement.c, linkage_record.c
    query = (
        select(
            lr.person_id,
            func.max(cast(i.is_lead, Integer)).label("lead"),
            func.min(i.start_date).label("since"),
        )
        .join(linkage_record, and_(lr.agency_id == i.agency_id, lr.source_id == i.person_source_id))
        .where(
            i.agency_id == reader.agency.value,
            i.practitioner_key == reader.practitioner_key,
            or_(i.start_date.is_(None), i.start_date <= today),
            or_(i.end_date.is_(None), i.end_date >= today),
        )
        .group_by(lr.person_id)
    )
    rows = connection.execute(query).all()
    return sorted(
        rows, key=lambda r: (-int(r.lead or 0), -(r.since or date.min).toordinal(), r.person_id)
    )


def _names(
    connection: Connection, opened: dict[str, gate.Opened], own: str
) -> dict[str, tuple[str, str | None]]:
    """Each child's name and date of birth, from an agency whose identity data the reader
    may see for that child: the reader's own agency's record first (the name they know the
    child by), else the first such agency's."""
    if not opened:
        return {}
    lr, pr = linkage_record.c, person_record.c
    rows = connection.execute(
        select(lr.person_id, pr.agency_id, pr.forenames, pr.surname, pr.date_of_birth)
        .join(person_record, LINKED_PERSON_RECORD)
        .where(lr.person_id.in_(list(opened)))
        .order_by(lr.person_id, pr.agency_id)
    ).all()
    out: dict[str, tuple[str, str | None]] = {}
    for row in sorted(rows, key=lambda r: (r.person_id, r.agency_id != own, r.agency_id)):
        name = identity_field(row.agency_id)
        if row.person_id in out or not name or not opened[row.person_id].allows(name):
            continue
        born = row.date_of_birth.isoformat() if row.date_of_birth else None
        out[row.person_id] = (" ".join(x for x in (row.forenames, row.surname) if x), born)
    return out


def _new_since(
    connection: Connection, opened: dict[str, gate.Opened], looked: dict[str, datetime]
) -> dict[str, int]:
    """For each child the reader has opened before: how many of the records they may see
    arrived in a delivery since (or happened on a later day than) their last look."""
    if not looked:
        return {}
    e, lr = event.c, linkage_record.c
    rows = connection.execute(
        select(
            lr.person_id, e.agency_id, e.source_table, e.event_type, e.codes, e.occurred_on,
            delivery.c.received_at,
        )
        .join(linkage_record, and_(lr.agency_id == e.agency_id, lr.source_id == e.person_source_id))
        .join(source_record, source_record.c.id == e.source_record_id)
        .join(delivery, delivery.c.id == source_record.c.last_changed_delivery_id)
        .where(lr.person_id.in_(sorted(looked)))
    ).all()  # fmt: skip
    counts = dict.fromkeys(looked, 0)
    for row in rows:
        since = _aware(looked[row.person_id])
        field_name = event_field(row.agency_id, row.source_table, row.event_type, row.codes or [])
        if field_name is None or not opened[row.person_id].allows(field_name):
            continue
        arrived = _aware(row.received_at) if row.received_at else None
        if (arrived and arrived > since) or row.occurred_on > since.astimezone(UK).date():
            counts[row.person_id] += 1
    return counts


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _read(
    connection: Connection, reader: Reader, rows: list[Any], now: datetime
) -> tuple[list[CaseloadChild], int]:
    """The children of ``rows`` as far as the reader may see them (each a governed read),
    and how many the reader may not open."""
    opened = gate_bulk.open_people(
        connection, reader, [r.person_id for r in rows], gate.ALL_FIELDS, now=now
    )
    shown = {p: o for p, o in opened.items() if o.decision.allowed}
    names = _names(connection, shown, reader.agency.value)
    looked = looked_at(connection, reader.user_id, shown)
    new = _new_since(connection, shown, looked)
    children = [
        CaseloadChild(
            person_id=r.person_id,
            name=names.get(r.person_id, (None, None))[0],
            date_of_birth=names.get(r.person_id, (None, None))[1],
            lead=bool(r.lead),
            since=r.since,
            last_looked=looked.get(r.person_id),
            new_since=new.get(r.person_id),
        )
        for r in rows
        if r.person_id in shown
    ]
    return children, len(opened) - len(shown)


def caseload(
    engine: Engine,
    reader: Reader,
    *,
    page: int = 1,
    per_page: int = PAGE_SIZE,
    now: datetime | None = None,
) -> Caseload:
    """One page of the reader's children (see the module)."""
    uses.CASELOAD.check(reader)
    reader.check_purpose()
    now = now or datetime.now(UTC)
    with engine.begin() as connection:
        rows = _involved(connection, reader, now.astimezone(UK).date())
        pages = max(1, -(-len(rows) // per_page))
        page = min(max(1, page), pages)
        chosen = rows[(page - 1) * per_page : page * per_page]
        children, not_shown = _read(connection, reader, chosen, now)
    return Caseload(len(rows), page, pages, children, not_shown)


def recently_opened(
    engine: Engine,
    reader: Reader,
    *,
    limit: int = ON_HOME,
    leave_out: frozenset[str] = frozenset(),
    now: datetime | None = None,
) -> list[CaseloadChild]:
    """The children the reader opened last, newest first, as far as they may see them now
    (``leave_out``: children already shown, not read twice)."""
    uses.SINGLE_VIEW.check(reader)
    reader.check_purpose()
    now = now or datetime.now(UTC)
    with engine.begin() as connection:
        ids = [
            p
            for p in recently_looked(connection, reader.user_id, limit + len(leave_out))
            if p not in leave_out
        ][:limit]
        today = now.astimezone(UK).date()
        mine = {r.person_id: r for r in _involved(connection, reader, today)}
        rows = [mine.get(p) or _Unrelated(p) for p in ids]
        children, _hidden = _read(connection, reader, rows, now)
    return children


@dataclass(frozen=True, slots=True)
class _Unrelated:
    """A child opened without an involvement of the reader's (a MASH case, break glass)."""

    person_id: str
    lead: int = 0
    since: date | None = None


def day(engine: Engine, account: Account, reader: Reader | None) -> Day:
    """The home page's blocks for the signed-in account (see the module)."""
    from joinedup.services import alerts, oversight

    found = Day()
    purpose = reader.purpose if reader else None
    if uses.ALERT_INBOX.allows(account.role):
        inbox = alerts.my_inbox(engine, account)
        open_ones = [a for a in inbox if a.get("status") == "OPEN"]
        dated = [a for a in open_ones if a.get("raised_at")]
        newest = max(dated, key=lambda a: a["raised_at"], default=None)
        found.alerts = {"open": len(open_ones), "newest": newest}
    if reader is not None and uses.CASELOAD.allows(account.role, purpose):
        found.caseload = caseload(engine, reader, per_page=ON_HOME)
        shown = frozenset(c.person_id for c in found.caseload.children)
        found.recent = recently_opened(engine, reader, leave_out=shown)
    if reader is not None and uses.TRIAGE_LIST.allows(account.role, purpose):
        found.triage = _mash(engine, reader)
    if uses.LINK_REVIEW.allows(account.role):
        found.review = {"open": len(oversight.review_queue(engine, account, limit=500))}
    if uses.DATA_QUALITY.allows(account.role):
        found.quality = _quality_headline(engine, account)
    if reader is not None and uses.BREAK_GLASS_REVIEW.allows(account.role, purpose):
        found.privacy = {
            "break_glass": len(oversight.break_glass_tasks(engine, reader)),
            "notices": len(oversight.privacy_notices(engine, reader))
            if uses.PRIVACY_NOTICES.allows(account.role, purpose)
            else None,
        }
    return found


def _mash(engine: Engine, reader: Reader) -> dict[str, Any]:
    """Today's triage (the top of the list, how many are flagged) and the open MASH cases,
    soonest due first, each through its own service."""
    from joinedup.governance import triage_cases
    from joinedup.services import triage

    listed = triage.triage_list(engine, reader, limit=ON_HOME)
    with engine.begin() as connection:
        cases = triage_cases.cases(connection, reader)
        # How many are flagged is a count over the whole score: said only when the reader
        # sees every part of it (otherwise the list itself says what is withheld).
        flagged = (
            connection.execute(
                select(func.count())
                .select_from(risk_score)
                .where(risk_score.c.current.is_(True), risk_score.c.flagged.is_(True))
            ).scalar_one()
            if listed.score_basis == "all"
            else None
        )
    return {"list": listed, "flagged": flagged, "cases": cases[:ON_HOME], "open_cases": len(cases)}


def _quality_headline(engine: Engine, account: Account) -> dict[str, Any]:
    """The quarantined rows waiting for a corrected delivery, and the agency holding most:
    counted from the quarantine alone (the full report, ``/quality``, reads every agency's
    deliveries and took 200 ms); the role checked and the read audited as the report is."""
    from joinedup.governance.audit import append
    from joinedup.governance.wording import agency_title
    from joinedup.store.tables import quarantined_row

    uses.DATA_QUALITY.check(account)
    q = quarantined_row.c
    with engine.begin() as connection:
        rows = connection.execute(
            select(q.agency_id, func.count().label("rows"))
            .where(q.status == "open")
            .group_by(q.agency_id)
            .order_by(func.count().desc(), q.agency_id)
        ).all()
        append(
            connection,
            kind="QUALITY_REPORT_READ",
            actor=account.username,
            actor_role=str(account.role),
            details={"agency": "all", "headline": True},
        )
    worst = rows[0] if rows else None
    return {
        "open_quarantined": sum(int(r.rows) for r in rows),
        "worst_agency": agency_title(worst.agency_id) if worst else None,
        "worst_rows": int(worst.rows) if worst else 0,
    }
