"""Cut a partnership's deliveries into the history before a date and slices after it.

Each agency delivery (``feeds/README.md``) is read once. A row with a date of its own (an
incident, an encounter, an SSD episode's start, an exclusion, an event, a pupil's entry, an
involvement's start) belongs to the slice of that date; rows without one are history. Every
slice is a valid delivery on its own: it carries the rows its rows reference (the person of
an event, the incident of an involvement, the assessment of its factors, the school of a
pupil), re-sent unchanged, which ingest recognises as unchanged. A row whose date is unknown
or unreadable is history. End dates travel with their row (ingest checks only start dates
against the extraction), so an episode is delivered once, when it starts.

Hand-written: this is the feed contract's own structure (which column dates a row, which
references it needs), which no library knows.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from joinedup.ingest.feed_writer import Delivery

Getter = Callable[[Any], str | None]
TERM_ENDS = {"AUT": "12-19", "SPR": "03-28", "SUM": "07-18"}  # a term's figures at its end


def _col(name: str) -> Callable[[dict[str, str]], str | None]:
    return lambda row: row.get(name) or None


def _day(value: str | None) -> str | None:
    return value[:10] if value and len(value) >= 10 else None


def _term_end(row: dict[str, str]) -> str | None:
    year, _, term = (row.get("term") or "").partition("-")
    return f"{year}-{TERM_ENDS[term]}" if year.isdigit() and term in TERM_ENDS else None


def _patient(resource: dict[str, Any]) -> str | None:
    reference = (resource.get("subject") or {}).get("reference") or ""
    return reference.split("/", 1)[1] if "/" in reference else None


def _days(start: str, end: str) -> list[str]:
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    return [date.fromordinal(d).isoformat() for d in range(first.toordinal(), last.toordinal())]


@dataclass(frozen=True)
class FileRule:
    """How one file of a delivery is sliced."""

    name: str
    key: Getter | None = None  # the row's own key (what others reference)
    dated: Getter | None = None  # the row's own date (YYYY-MM-DD...)
    follows: tuple[str, Getter] | None = None  # delivered with the row of that file it names
    needs: tuple[tuple[str, Getter], ...] = ()  # rows of other files it references
    always: bool = False  # small reference tables: in every delivery


SSD_EPISODES = {
    "ssd_contacts": ("cont_person_id", "cont_contact_date"),
    "ssd_early_help_episodes": ("earl_person_id", "earl_episode_start_date"),
    "ssd_cin_episodes": ("cine_person_id", "cine_referral_date"),
    "ssd_cin_assessments": ("cina_person_id", "cina_assessment_start_date"),
    "ssd_s47_enquiry": ("s47e_person_id", "s47e_s47_start_date"),
    "ssd_cp_plans": ("cppl_person_id", "cppl_cp_plan_start_date"),
    "ssd_cla_episodes": ("clae_person_id", "clae_cla_episode_start_date"),
    "ssd_missing": ("miss_person_id", "miss_missing_episode_start_date"),
    "ssd_nrm_referrals": ("nrm_person_id", "nrm_referral_date"),
}


# An agency's duty lines and its practitioners' contact details go in every slice.
LINES = FileRule("service_contacts.csv", always=True)


def _ssd_rules() -> list[FileRule]:
    person = "ssd_person.csv"
    rules = [
        LINES,
        FileRule(person, key=_col("pers_person_id")),
        FileRule("ssd_professionals.csv", always=True),
        FileRule("ssd_linked_identifiers.csv", follows=(person, _col("link_person_id"))),
        FileRule("ssd_family.csv", follows=(person, _col("fami_person_id"))),
        FileRule(
            "ssd_address.csv",
            dated=_col("addr_address_start_date"),
            needs=((person, _col("addr_person_id")),),
        ),
        FileRule(
            "ssd_involvements.csv",
            dated=_col("invo_involvement_start_date"),
            needs=((person, _col("invo_person_id")),),
        ),
        FileRule(
            "ssd_assessment_factors.csv",
            follows=("ssd_cin_assessments.csv", _col("cinf_assessment_id")),
        ),
        # On the mother's NHS number (no SSD person to follow): by its own start date.
        FileRule("pre_birth_plans.csv", dated=_col("pbpl_plan_start_date")),
    ]
    for table, (person_column, start) in SSD_EPISODES.items():
        key = _col("cina_assessment_id") if table == "ssd_cin_assessments" else None
        rules.append(
            FileRule(
                f"{table}.csv", key=key, dated=_col(start), needs=((person, _col(person_column)),)
            )
        )
    return rules


RULES: dict[str, list[FileRule]] = {
    "ssd-csv/1": _ssd_rules(),
    "fhir-r4-bulk/1": [
        FileRule("Organization.ndjson", always=True),
        FileRule("Patient.ndjson", key=lambda r: r.get("id")),
        FileRule(
            "Encounter.ndjson",
            dated=lambda r: (r.get("period") or {}).get("start"),
            needs=(("Patient.ndjson", _patient),),
        ),
        FileRule(
            "Condition.ndjson",
            dated=lambda r: r.get("onsetDateTime"),
            needs=(("Patient.ndjson", _patient),),
        ),
    ],
    "pole-csv/1": [
        LINES,
        FileRule("officers.csv", always=True),
        FileRule("persons.csv", key=_col("person_id")),
        FileRule("incidents.csv", key=_col("incident_id"), dated=_col("occurred_at")),
        FileRule(
            "involvements.csv",
            follows=("incidents.csv", _col("incident_id")),
            needs=(("persons.csv", _col("person_id")),),
        ),
    ],
    "school-census-csv/1": [
        LINES,
        FileRule("schools.csv", always=True),
        FileRule("term_dates.csv", always=True),
        FileRule("pupils.csv", key=_col("upn"), dated=_col("entry_date")),
        FileRule("attendance.csv", dated=_term_end, needs=(("pupils.csv", _col("upn")),)),
        FileRule("exclusions.csv", dated=_col("start_date"), needs=(("pupils.csv", _col("upn")),)),
    ],
    "agency-events-csv/1": [
        LINES,
        FileRule("persons.csv", key=_col("person_id")),
        FileRule(
            "events.csv", dated=_col("occurred_at"), needs=(("persons.csv", _col("person_id")),)
        ),
    ],
}


@dataclass
class SourceFile:
    rule: FileRule
    header: list[str] | None  # CSV header; None for ndjson
    rows: list[Any] = field(default_factory=list)  # CSV value lists, or ndjson lines
    days: list[str | None] = field(default_factory=list)
    keys: dict[str, list[int]] = field(default_factory=dict)
    own_keys: list[str | None] = field(default_factory=list)
    by_day: dict[str, list[int]] = field(default_factory=dict)
    followers: dict[str, list[int]] = field(default_factory=dict)
    needs: list[list[tuple[str, str]]] = field(default_factory=list)


class AgencyFeed:
    """One agency's delivery, in memory, indexed for slicing."""

    def __init__(self, folder: Path) -> None:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        self.agency: str = manifest["agency"]
        self.format: str = manifest["format"]
        self.partnership: str = manifest.get("partnership", "")
        present = {f["path"] for f in manifest["files"]}
        self.files: dict[str, SourceFile] = {}
        for rule in RULES[self.format]:
            if rule.name in present:
                self.files[rule.name] = self._read(folder / rule.name, rule)

    def _read(self, path: Path, rule: FileRule) -> SourceFile:
        ndjson = path.suffix == ".ndjson"
        with path.open(encoding="utf-8", newline="") as handle:
            reader: Iterable[Any]
            if ndjson:
                source = SourceFile(rule, None)
                reader = (json.loads(line) for line in handle if line.strip())
            else:
                rows = csv.reader(handle)
                source = SourceFile(rule, next(rows, []))
                reader = (dict(zip(source.header or [], r, strict=False)) for r in rows)
            for index, record in enumerate(reader):
                source.rows.append(
                    json.dumps(record)
                    if ndjson
                    else [record.get(h, "") for h in source.header or []]
                )
                day = _day(rule.dated(record)) if rule.dated else None
                source.days.append(day)
                if day is not None:
                    source.by_day.setdefault(day, []).append(index)
                key = rule.key(record) if rule.key else None
                source.own_keys.append(key)
                if key:
                    source.keys.setdefault(key, []).append(index)
                if rule.follows and (named := rule.follows[1](record)):
                    source.followers.setdefault(named, []).append(index)
                source.needs.append([(other, v) for other, get in rule.needs if (v := get(record))])
        return source

    def select(self, initial: bool, start: str, end: str) -> dict[str, set[int]]:
        """Row indices per file: history (dated before ``start``, or undated) when
        ``initial``, else rows dated in [start, end); plus what they reference."""
        chosen: dict[str, set[int]] = {name: set() for name in self.files}
        work: list[tuple[str, int]] = []
        for name, source in self.files.items():
            rule = source.rule
            if rule.always:
                chosen[name] = set(range(len(source.rows)))
                continue
            if rule.follows:
                continue
            if initial:
                work += [(name, i) for i, day in enumerate(source.days) if not day or day < start]
            else:
                for day in _days(start, end):
                    work += [(name, i) for i in source.by_day.get(day, ())]
        while work:
            name, index = work.pop()
            if index in chosen[name]:
                continue
            chosen[name].add(index)
            source = self.files[name]
            for other, value in source.needs[index]:
                if other in self.files:
                    work += [(other, i) for i in self.files[other].keys.get(value, ())]
            key = source.own_keys[index]
            if key is None:
                continue
            for follower in self.files.values():
                if follower.rule.follows and follower.rule.follows[0] == name:
                    work += [(follower.rule.name, i) for i in follower.followers.get(key, ())]
        return chosen

    def write(self, root: Path, chosen: dict[str, set[int]], extracted_at: str) -> Path | None:
        """A delivery folder of the chosen rows (None when no dated row was chosen)."""
        if not any(chosen[n] for n, s in self.files.items() if not s.rule.always):
            return None
        delivery = Delivery(root, self.agency, self.format, self.partnership, extracted_at)
        for name, source in self.files.items():
            indices = sorted(chosen[name])
            if source.header is None:
                stream = delivery.ndjson(name)
                for i in indices:
                    stream.row(json.loads(source.rows[i]))
            else:
                table = delivery.table(name, source.header)
                for i in indices:
                    table.row(source.rows[i])
        delivery.close()
        return delivery.dir

    def last_day(self) -> date | None:
        days = [d for s in self.files.values() for d in s.days if d]
        return date.fromisoformat(max(days)) if days else None
