"""Who the linked people are, as the risk capability reads them: profiles (date of birth, sex,
ethnicity, school) and the team of each child's allocated social worker; and the readers that
take DATE and JSON columns from the driver without SQLAlchemy's per-row parsing.

Store-aware (takes a SQLAlchemy ``Connection``), no web framework.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, String, and_, select, type_coerce

from joinedup.store.linkage_tables import LINKED_PERSON_RECORD, linkage_record
from joinedup.store.tables import involvement, person_record, practitioner

_DOB_PRIORITY = ("health", "education", "social_care", "police")
CHUNK = 500  # person ids per IN (...) query


@dataclass(slots=True)
class Profile:
    """What the triage list shows and filters on, and the fairness audit groups by."""

    person_id: str
    dob: date | None = None
    sex: str = "U"
    ethnicity: str | None = None
    postcode: str | None = None
    school_urn: str | None = None
    sen: bool = False
    fsm: bool = False
    disability: bool = False
    team: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "date_of_birth": self.dob.isoformat() if self.dob else None,
            "sex": self.sex,
            "ethnicity": self.ethnicity,
            "postcode": self.postcode,
            "school_urn": self.school_urn,
            "sen": self.sen,
            "fsm": self.fsm,
            "disability": self.disability,
            "team": self.team,
        }


def raw_value(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A DATE or JSON column as the driver returns it, without SQLAlchemy's per-row parsing
    (a regular expression per date and ``json.loads`` per document on SQLite were most of the
    time spent reading a partnership): ``as_day`` and ``as_json`` parse what is used."""
    return type_coerce(column, String)


def as_day(value: Any) -> date | None:
    """A date from the driver: ``date`` (PostgreSQL) or ISO text (SQLite)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def as_json(value: Any, default: Any) -> Any:
    """A JSON document from the driver: parsed already (PostgreSQL) or text (SQLite)."""
    if value is None:
        return default
    return json.loads(value) if isinstance(value, str | bytes) else value


def chunks(ids: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _most_common(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else Counter(values).most_common(1)[0][0]


def _pick(values: dict[str, list[Any]]) -> Any:
    for agency in _DOB_PRIORITY:
        if values.get(agency):
            return _most_common(values[agency])
    rest = [v for vs in values.values() for v in vs]
    return _most_common(rest) if rest else None


def _add(fields: dict[str, dict[str, list[Any]]], name: str, agency: str, value: Any) -> None:
    by_agency = fields.get(name)
    if by_agency is None:
        fields[name] = {agency: [value]}
    elif agency in by_agency:
        by_agency[agency].append(value)
    else:
        by_agency[agency] = [value]


def load_profiles(
    connection: Connection, person_ids: list[str] | None = None
) -> dict[str, Profile]:
    """Profiles of linked people (all, or ``person_ids``): the most trusted agency's date of
    birth, sex and postcode; ethnicity, school and SEN from education or social care."""
    query = select(
        linkage_record.c.person_id,
        person_record.c.agency_id,
        raw_value(person_record.c.date_of_birth),
        person_record.c.sex,
        person_record.c.ethnicity,
        person_record.c.postcode,
        raw_value(person_record.c.attributes),
    ).join(person_record, LINKED_PERSON_RECORD)
    batches = (
        [query] if person_ids is None else
        [query.where(linkage_record.c.person_id.in_(c)) for c in chunks(person_ids)]
    )  # fmt: skip
    fields: dict[str, dict[str, dict[str, list[Any]]]] = {}
    extra: dict[str, Profile] = {}
    for batch in batches:
        for pid, agency, dob, sex, ethnicity, postcode, attributes in connection.execute(batch):
            profile = extra.get(pid)
            if profile is None:
                profile = extra[pid] = Profile(pid)
                fields[pid] = {}
            f = fields[pid]
            if dob is not None:
                _add(f, "dob", agency, as_day(dob))
            if sex in ("M", "F"):
                _add(f, "sex", agency, sex)
            if postcode:
                _add(f, "postcode", agency, postcode)
            if ethnicity:
                _add(f, "ethnicity", agency, ethnicity)
            if agency == "education":  # the only attributes read (parsed for these rows only)
                attributes = as_json(attributes, {})
                profile.school_urn = attributes.get("urn") or profile.school_urn
                profile.sen = profile.sen or attributes.get("sen_provision") in ("E", "K")
                profile.fsm = profile.fsm or bool(attributes.get("fsm_eligible"))
    for pid, profile in extra.items():
        f = fields[pid]
        profile.dob = _pick(f.get("dob", {}))
        profile.sex = _pick(f.get("sex", {})) or "U"
        profile.postcode = _pick(f.get("postcode", {}))
        profile.ethnicity = _pick(f.get("ethnicity", {}))
    return extra


def load_teams(connection: Connection, person_ids: list[str] | None = None) -> dict[str, str]:
    """The team of each child's open allocated social worker (the lead practitioner)."""
    open_work = (
        select(
            involvement.c.person_source_id, practitioner.c.team, raw_value(involvement.c.start_date)
        )
        .join(
            practitioner,
            and_(
                practitioner.c.agency_id == involvement.c.agency_id,
                practitioner.c.practitioner_key == involvement.c.practitioner_key,
            ),
        )
        .where(involvement.c.agency_id == "social_care", involvement.c.end_date.is_(None))
    )
    person_of = select(linkage_record.c.source_id, linkage_record.c.person_id).where(
        linkage_record.c.agency_id == "social_care"
    )
    if person_ids is None:
        # why: two reads joined here; one join scanned linkage_record once per open
        # involvement on SQLite (no index on its source id), 12 s for 20,000 children
        people = {source: pid for source, pid in connection.execute(person_of)}
        rows: Iterable[tuple[Any, ...]] = (
            (people[source], team, start)
            for source, team, start in connection.execute(open_work)
            if source in people
        )
    else:
        query = open_work.with_only_columns(
            linkage_record.c.person_id, practitioner.c.team, raw_value(involvement.c.start_date)
        ).join(
            linkage_record,
            and_(
                linkage_record.c.agency_id == involvement.c.agency_id,
                linkage_record.c.source_id == involvement.c.person_source_id,
            ),
        )
        rows = (
            row
            for c in chunks(person_ids)
            for row in connection.execute(query.where(linkage_record.c.person_id.in_(c)))
        )
    teams: dict[str, tuple[date, str]] = {}
    for pid, team, raw_start in rows:
        start = as_day(raw_start) or date.min
        if team and (pid not in teams or start >= teams[pid][0]):
            teams[pid] = (start, team)
    return {pid: team for pid, (_, team) in teams.items()}
