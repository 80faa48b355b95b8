"""The multi-agency chronology of a child: every event the reader may see across agencies and
every concern or engagement practitioners recorded in joinedup, in one table, filtered by
agency, kind and period; and its export to CSV and PDF, audited as a share.

In: a ``Reader`` and a person id (and ``Filters``). Out: a ``Chronology`` (the page, the API,
the CSV and the PDF all show this one answer; ``chronology_export`` writes the files). It is
built from the single view (``casework.single_view``: one gate decision, audited,
minimised), so the chronology never shows more than the single view would: a field the
decision denies is absent here too.
An entry's *kind* is the catalogue field it is shown under (``health.encounters``), or
``recorded.concern`` / ``recorded.engagement`` for what a practitioner recorded here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import Field
from sqlalchemy import Engine

from joinedup.domain.dates import DateNotUnderstood, parse_date
from joinedup.errors import BadInput
from joinedup.governance import uses
from joinedup.governance.catalogue import CATALOGUE
from joinedup.governance.reader import Reader
from joinedup.governance.wording import agency_title, role_title
from joinedup.services.answers import Answer
from joinedup.services.casework import single_view
from joinedup.services.casework_view import SingleView, Withheld

RECORDED_KINDS = {
    "recorded.concern": "Concern recorded in joinedup",
    "recorded.engagement": "Engagement recorded in joinedup",
}


class PeriodProblem(BadInput):
    """A date of the period that is not a real date, or an end before the start: says which
    (``field``: ``from`` or ``to``), so the page can put the message beside it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def parse_day(text: str | None, field: str) -> date | None:
    """A day typed as a practitioner would (``6/12/2026``, ``6 December 2026``), or None."""
    value = " ".join((text or "").split())
    if not value:
        return None
    try:
        return parse_date(value)  # the same reading of British dates as search's
    except DateNotUnderstood:
        which = "start" if field == "from" else "end"
        raise PeriodProblem(
            field, f"The {which} date must be a real date, like 27/3/2025 or 27 March 2025"
        ) from None


@dataclass(frozen=True, slots=True)
class Filters:
    """What to show: agencies and kinds (none: all), a period, the order."""

    agencies: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    newest_first: bool = False

    @classmethod
    def parse(
        cls,
        *,
        agencies: list[str] | tuple[str, ...] = (),
        kinds: list[str] | tuple[str, ...] = (),
        since: str | date | None = None,
        until: str | date | None = None,
        order: str = "oldest",
    ) -> Filters:
        """From the query (the page's British dates or the API's ISO dates)."""
        start = since if isinstance(since, date) else parse_day(since, "from")
        end = until if isinstance(until, date) else parse_day(until, "to")
        if start and end and end < start:
            raise PeriodProblem("to", "The end date must be the same as or after the start date")
        return cls(
            tuple(sorted({a for a in agencies if a})),
            tuple(sorted({k for k in kinds if k})),
            start,
            end,
            order == "newest",
        )

    def keeps(self, entry: ChronologyEntry) -> bool:
        ended = entry.ended_on or entry.on
        return (
            (not self.agencies or entry.agency in self.agencies)
            and (not self.kinds or entry.kind in self.kinds)
            and (self.since is None or ended >= self.since.isoformat())
            and (self.until is None or entry.on <= self.until.isoformat())
        )

    def applied(self) -> AppliedFilters:
        return AppliedFilters(
            agencies=list(self.agencies),
            kinds=list(self.kinds),
            since=self.since.isoformat() if self.since else None,
            until=self.until.isoformat() if self.until else None,
            order="newest" if self.newest_first else "oldest",
        )


class ChronologyEntry(Answer):
    """One line of the chronology: an agency's event, or what a practitioner recorded."""

    ref: str = Field(description="event-ID (an agency's event) or concern-ID (recorded here)")
    on: str
    ended_on: str | None
    agency: str
    agency_name: str
    kind: str = Field(description="the catalogue field, or recorded.concern / .engagement")
    kind_title: str
    summary: str = Field(description="what happened, in words")
    detail: str | None = Field(description="a police incident's summary or the recorded words")
    source: str = Field(description="whose record it is, and for a recorded note, who wrote it")
    recorded_by: str | None


class Option(Answer):
    """A value a filter can take (only those of entries the reader may see)."""

    value: str
    title: str
    count: int


class AppliedFilters(Answer):
    agencies: list[str]
    kinds: list[str]
    since: str | None
    until: str | None
    order: str = Field(description="oldest (first) or newest (first)")


class Chronology(Answer):
    person_id: str
    name: str | None = Field(description="the child's name, when the reader may see it")
    date_of_birth: str | None
    as_of: str
    purpose: str
    purpose_title: str
    allowed: bool
    filters: AppliedFilters
    total: int = Field(description="entries the reader may see, before the filters")
    entries: list[ChronologyEntry]
    agencies: list[Option]
    kinds: list[Option]
    withheld: list[Withheld]


def _kind_title(field: str) -> str:
    item = CATALOGUE.get(field)
    return item.label[:1].upper() + item.label[1:] if item else RECORDED_KINDS.get(field, field)


def entries_of(view: SingleView) -> list[ChronologyEntry]:
    """Every entry of the single view's answer (its events and what was recorded here),
    oldest first: what the reader was already shown, in the chronology's words."""
    out = []
    for e in view.timeline:
        what = e.label + (f" ({e.role.replace('_', ' ').lower()})" if e.role else "")
        out.append(
            ChronologyEntry(
                ref=f"event-{e.id}", on=e.on, ended_on=e.ended_on, agency=e.agency,
                agency_name=e.agency_name, kind=e.field, kind_title=_kind_title(e.field),
                summary=what, detail=e.summary, source=f"{e.agency_name} records",
                recorded_by=None,
            )
        )  # fmt: skip
    for note in view.recorded:
        kind = f"recorded.{note.kind.lower()}"
        who = f"{note.recorded_by} ({role_title(note.recorded_by_role)}, {note.agency_name})"
        out.append(
            ChronologyEntry(
                ref=f"concern-{note.id}", on=note.on, ended_on=None, agency=note.agency,
                agency_name=note.agency_name, kind=kind, kind_title=_kind_title(kind),
                summary=note.text, detail=None, source=f"Recorded in joinedup by {who}",
                recorded_by=note.recorded_by,
            )
        )  # fmt: skip
    return sorted(out, key=lambda x: (x.on, x.ref))


def _options(entries: list[ChronologyEntry], key: str, title: Any) -> list[Option]:
    counts: dict[str, int] = {}
    for entry in entries:
        counts[getattr(entry, key)] = counts.get(getattr(entry, key), 0) + 1
    return [Option(value=v, title=title(v), count=n) for v, n in sorted(counts.items())]


def chronology(
    engine: Engine,
    reader: Reader,
    person_id: str,
    filters: Filters | None = None,
    *,
    now: datetime | None = None,
) -> Chronology:
    """The child's chronology as far as ``reader`` may see for their declared purpose."""
    uses.CHRONOLOGY.check(reader)
    filters = filters or Filters()
    view = single_view(engine, reader, person_id, now=now)
    everything = entries_of(view)
    kept = [e for e in everything if filters.keeps(e)]
    if filters.newest_first:
        kept.reverse()
    headline = view.identities[0] if view.identities else None
    name = " ".join(x for x in (headline.forenames, headline.surname) if x) if headline else ""
    return Chronology(
        person_id=person_id,
        name=name or None,
        date_of_birth=headline.date_of_birth if headline else None,
        as_of=view.as_of,
        purpose=view.purpose,
        purpose_title=view.purpose_title,
        allowed=view.access.allowed,
        filters=filters.applied(),
        total=len(everything),
        entries=kept,
        agencies=_options(everything, "agency", agency_title),
        kinds=_options(everything, "kind", _kind_title),
        withheld=view.withheld,
    )
