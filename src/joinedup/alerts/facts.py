"""What the rules and routing need to know from the store, about one person on one day.

Store-aware (takes the caller's ``Connection``, so reads see the ingest transaction's own
rows); no decisions here. People are linked persons (``linkage_record.person_id``);
their records are ``(agency, source_table, source_id)``.

Speed: an ingest evaluates every watched event of a delivery in its own transaction, so
these reads run thousands of times a minute. The statements are built once, at import,
with bound parameters (building a SQLAlchemy expression and its cache key per call cost
more than running it), and ``remembering()`` keeps each answer for the rest of one
delivery's evaluation (a child in three incidents of a delivery is looked up once): the
facts cannot change inside it, the evaluation only adds alerts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Connection, and_, bindparam, or_, select

from joinedup.alerts.school_calendar import SchoolCalendar
from joinedup.alerts.school_calendar import load as load_calendar
from joinedup.governance.minimisation import RESTRICTED, sealed_kinds
from joinedup.governance.roles import SealedKind
from joinedup.store.linkage_tables import (
    LINKED_PERSON_RECORD,
    linkage_household_member,
    linkage_record,
)
from joinedup.store.tables import event, involvement, person_record, practitioner

Record = tuple[str, str, str]
T = TypeVar("T")
_MEMO: ContextVar[dict[tuple[Any, ...], Any] | None] = ContextVar("alert_facts", default=None)


@contextmanager
def remembering() -> Iterator[None]:
    """Within this block (one delivery's evaluation, one worker pass) each fact is read
    from the store once; outside it every call reads afresh."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def remember(key: tuple[Any, ...], value: Any) -> None:
    """Store an answer read in bulk (``facts_bulk``) under the key its reader uses."""
    memo = _MEMO.get()
    if memo is not None:
        memo[key] = value


def _remembered(key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    memo = _MEMO.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


@dataclass(frozen=True, slots=True)
class Contact:
    agency: str
    key: str
    name: str
    email: str | None
    team: str | None


def _ids(name: str) -> Any:
    return bindparam(name, expanding=True)


def _active(start: Any, end: Any) -> Any:
    on: Any = bindparam("on")
    return and_(or_(start.is_(None), start <= on), or_(end.is_(None), end >= on))


# linkage_record's key is "agency|table|id" (the primary key): looked up by key, not by
# (agency_id, source_id), which has no index.
_PERSON_BY_KEYS = select(linkage_record.c.person_id).where(
    linkage_record.c.record_key.in_(_ids("keys"))
)
_PERSON_TABLES = (
    select(linkage_record.c.source_table).where(linkage_record.c.agency_id == bindparam("a"))
).distinct()
_RECORDS = select(
    linkage_record.c.agency_id, linkage_record.c.source_table, linkage_record.c.source_id
).where(linkage_record.c.person_id == bindparam("person"))
_BIRTHS = (
    select(person_record.c.date_of_birth)
    .join(linkage_record, LINKED_PERSON_RECORD)
    .where(linkage_record.c.person_id == bindparam("person"))
)
_SOCIAL_CARE_OPEN = select(event.c.event_type).where(
    event.c.agency_id == "social_care",
    event.c.person_source_id.in_(_ids("ids")),
    event.c.event_type.in_(_ids("types")),
    event.c.occurred_on <= bindparam("on"),
    or_(event.c.ended_on.is_(None), event.c.ended_on >= bindparam("on")),
)
_LEADS = (
    select(
        practitioner.c.practitioner_key,
        practitioner.c.name,
        practitioner.c.email,
        practitioner.c.team,
    )
    .join(
        practitioner,
        and_(
            practitioner.c.agency_id == involvement.c.agency_id,
            practitioner.c.practitioner_key == involvement.c.practitioner_key,
        ),
    )
    .where(
        involvement.c.agency_id == bindparam("agency"),
        involvement.c.person_source_id.in_(_ids("ids")),
        involvement.c.is_lead.is_(True),
        _active(involvement.c.start_date, involvement.c.end_date),
    )
    .order_by(involvement.c.start_date.desc(), involvement.c.id.desc())
)
_mine = linkage_household_member
_other = linkage_household_member.alias("other")
_HOUSEHOLD = (
    select(_other.c.person_id)
    .join(_mine, _mine.c.household_id == _other.c.household_id)
    .where(
        _mine.c.person_id == bindparam("person"),
        _other.c.person_id != bindparam("person"),
        _active(_mine.c.from_date, _mine.c.to_date),
        _active(_other.c.from_date, _other.c.to_date),
    )
)
_MISSING = select(event.c.occurred_on).where(
    or_(
        and_(
            event.c.agency_id == "police",
            event.c.person_source_id.in_(_ids("police")),
            event.c.event_type == "MISSING_PERSON",
            event.c.role == "MISSING_PERSON",
        ),
        and_(
            event.c.agency_id == "social_care",
            event.c.person_source_id.in_(_ids("social")),
            event.c.event_type == "MISSING_EPISODE",
        ),
    ),
    event.c.occurred_on >= bindparam("since"),
    event.c.occurred_on <= bindparam("until"),
)
_EARLIER = select(event.c.event_type).where(
    event.c.agency_id == bindparam("agency"),
    event.c.person_source_id == bindparam("person"),
    event.c.occurred_on <= bindparam("on"),
    event.c.id != bindparam("event_id"),
)
_NAME = select(person_record.c.forenames, person_record.c.surname).where(
    person_record.c.agency_id == bindparam("a"),
    person_record.c.source_table == bindparam("t"),
    person_record.c.source_id == bindparam("s"),
)
_SEALED = select(person_record.c.attributes).where(
    person_record.c.agency_id == bindparam("a"),
    person_record.c.source_table == bindparam("t"),
    person_record.c.source_id == bindparam("s"),
)
_PHONE = select(practitioner.c.phone).where(
    practitioner.c.agency_id == bindparam("agency"),
    practitioner.c.practitioner_key == bindparam("key"),
)
# The roles of everyone in a police incident: found by its day (indexed) and the
# involvement's key, which starts with the incident id.
_INCIDENT_ROLES = select(event.c.person_source_id, event.c.role).where(
    event.c.occurred_on == bindparam("on"),
    event.c.agency_id == "police",
    event.c.source_table == "involvements",
    event.c.source_id.like(bindparam("prefix"), escape="\\"),
)
_person_tables: dict[str, tuple[str, ...]] = {}  # agency -> its person tables (by format)


def person_tables(connection: Connection, agency: str) -> tuple[str, ...]:
    """The tables of an agency's person records (one per feed format)."""
    if agency not in _person_tables:
        _person_tables[agency] = _read_tables(connection, agency)
    return _person_tables[agency]


def _read_tables(connection: Connection, agency: str) -> tuple[str, ...]:
    return tuple(sorted(connection.execute(_PERSON_TABLES, {"a": agency}).scalars()))


def person_of(connection: Connection, agency: str, person_source_id: str) -> str | None:
    """The linked person of an agency's person record (None: not linked yet)."""

    def lookup(tables: tuple[str, ...]) -> str | None:
        keys = [f"{agency}|{t}|{person_source_id}" for t in tables]
        return connection.execute(_PERSON_BY_KEYS, {"keys": keys}).scalars().first()

    def find() -> str | None:
        known = person_tables(connection, agency)
        found = lookup(known)
        if found is None:  # not linked, or a person table this process has not seen
            tables = _remembered(("tables", agency), lambda: _read_tables(connection, agency))
            if tables != known:
                _person_tables[agency] = tables
                found = lookup(tables)
        return found

    return _remembered(("person", agency, person_source_id), find)


def records_of(connection: Connection, person_id: str) -> list[Record]:
    def read() -> list[Record]:
        return [(a, t, s) for a, t, s in connection.execute(_RECORDS, {"person": person_id})]

    return _remembered(("records", person_id), read)


def _of(records: Iterable[Record], agency: str) -> list[str]:
    return [s for a, _, s in records if a == agency]


def born_of(connection: Connection, person_id: str) -> date | None:
    """The date of birth most of the person's records agree on."""

    def read() -> date | None:
        rows = connection.execute(_BIRTHS, {"person": person_id}).scalars()
        births = Counter(b for b in rows if b is not None)
        return births.most_common(1)[0][0] if births else None

    return _remembered(("born", person_id), read)


def age_on(born: date | None, on: date) -> int | None:
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def is_child(born: date | None, on: date) -> bool:
    age = age_on(born, on)
    return age is not None and 0 <= age < 18


def active_social_care(
    connection: Connection, records: list[Record], event_types: Iterable[str], on: date
) -> list[str]:
    """The social care episodes (CP_PLAN, LOOKED_AFTER...) of the person open on ``on``."""
    ids = _of(records, "social_care")
    if not ids:
        return []
    types = sorted(event_types)

    def read() -> list[str]:
        rows = connection.execute(_SOCIAL_CARE_OPEN, {"ids": ids, "types": types, "on": on})
        return sorted(set(rows.scalars()))

    return _remembered(("social_care", tuple(ids), tuple(types), on), read)


def lead_practitioners(
    connection: Connection, records: list[Record], agency: str, on: date
) -> list[Contact]:
    """The person's lead practitioners in ``agency`` on ``on`` (allocated social worker,
    school DSL, GP practice, key worker), most recently started first."""
    ids = _of(records, agency)
    if not ids:
        return []

    def read() -> list[Contact]:
        seen: dict[str, Contact] = {}
        rows = connection.execute(_LEADS, {"agency": agency, "ids": ids, "on": on})
        for key, name, email, team in rows:
            seen.setdefault(key, Contact(agency, key, name, email, team))
        return list(seen.values())

    return _remembered(("leads", agency, tuple(ids), on), read)


def household_members(connection: Connection, person_id: str, on: date) -> list[str]:
    """Everyone who shares a household with the person on ``on`` (not the person)."""

    def read() -> list[str]:
        rows = connection.execute(_HOUSEHOLD, {"person": person_id, "on": on})
        return sorted(set(rows.scalars()))

    return _remembered(("household", person_id, on), read)


def missing_days(connection: Connection, records: list[Record], since: date, until: date) -> set:
    """The days in [since, until] on which the child was reported missing by police or
    social care (several reports of one day are one episode)."""
    police, social = _of(records, "police"), _of(records, "social_care")
    if not police and not social:
        return set()
    rows = connection.execute(
        _MISSING, {"police": police, "social": social, "since": since, "until": until}
    )
    return set(rows.scalars())


def earlier_event_types(
    connection: Connection, agency: str, person_source_id: str, before_event_id: int, on: date
) -> set[str]:
    """Event types recorded for this record on or before ``on``, other than the event."""
    rows = connection.execute(
        _EARLIER,
        {"agency": agency, "person": person_source_id, "on": on, "event_id": before_event_id},
    )
    return set(rows.scalars())


def seals_of(connection: Connection, records: list[Record]) -> frozenset[SealedKind]:
    """The seals on the person's records: one seal on any of them seals the person (as the
    gate's ``subject`` has it)."""
    found: set[SealedKind] = set()
    for a, t, s in records:
        found |= _remembered(("sealed", a, t, s), partial(_seals, connection, a, t, s))
    return frozenset(found)


def own_record(
    connection: Connection, records: list[Record], agency: str, *, opened: bool = False
) -> dict[str, Any]:
    """How the recipient's own agency knows the child (its own data). A sealed child's record
    is shown only where the gate's decision opened the seal (``opened``); otherwise only the
    "restricted record" marker, as minimisation shows it."""
    if not opened and seals_of(connection, records):
        return {"restricted": RESTRICTED}
    for a, t, s in records:
        if a != agency:
            continue
        name = _remembered(("name", a, t, s), partial(_name, connection, a, t, s))
        if name is not None:
            return {"reference": s, "name": name}
    return {}


def school_calendar(connection: Connection) -> SchoolCalendar:
    """The term dates the education feed gave, as a calendar (read once per pass)."""
    return _remembered(("school_calendar",), lambda: load_calendar(connection))


def name_in(connection: Connection, records: list[Record], agencies: Iterable[str]) -> str | None:
    """The person's name as the first of ``agencies`` (in order) that holds it records it."""
    for agency in agencies:
        found = own_record(connection, records, agency).get("name")
        if found:
            return str(found)
    return None


def practitioner_phone(connection: Connection, agency: str, key: str) -> str | None:
    """A practitioner's work phone (a school DSL's, from schools.csv)."""
    return _remembered(
        ("phone", agency, key),
        lambda: connection.execute(_PHONE, {"agency": agency, "key": key}).scalar(),
    )


def incident_roles(connection: Connection, incident_id: str, on: date) -> dict[str, set[str]]:
    """Police person id -> their roles in the incident (on its day)."""

    def read() -> dict[str, set[str]]:
        prefix = incident_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        roles: dict[str, set[str]] = {}
        rows = connection.execute(_INCIDENT_ROLES, {"on": on, "prefix": f"{prefix}|%"})
        for person, role in rows:
            roles.setdefault(person, set()).add(role or "")
        return roles

    return _remembered(("incident", incident_id, on), read)


def _name(connection: Connection, agency: str, table: str, source_id: str) -> str | None:
    row = connection.execute(_NAME, {"a": agency, "t": table, "s": source_id}).first()
    return None if row is None else name_of(row.forenames, row.surname)


def _seals(connection: Connection, agency: str, table: str, source_id: str) -> frozenset:
    attributes = connection.execute(_SEALED, {"a": agency, "t": table, "s": source_id}).scalar()
    return sealed_kinds(attributes or {})


def name_of(forenames: str | None, surname: str | None) -> str:
    return " ".join(x for x in (forenames, surname) if x)


def window(on: date, days: int) -> date:
    return on - timedelta(days=days - 1)
