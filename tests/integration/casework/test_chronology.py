"""The multi-agency chronology (issue 19, finding 4): one table of the events the reader may
see and the concerns practitioners recorded, filtered by agency, kind and period; minimised
exactly as the single view, in the page's answer, the CSV and the PDF; each export in the
audit log as a share. And what a practitioner records stays on the child's timeline, shown
to their own agency and to those it was sent to, not to anyone who may open the record."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, text

from joinedup.errors import Forbidden
from joinedup.governance.audit.query import search as audit_search
from joinedup.governance.data_map import event_field
from joinedup.governance.reader import Reader
from joinedup.governance.transparency import describe
from joinedup.services.casework import single_view
from joinedup.services.casework_actions import break_glass, record_concern
from joinedup.services.casework_words import event_label
from joinedup.services.chronology import Filters, PeriodProblem, chronology, parse_day
from joinedup.services.chronology_export import export_chronology
from tests.integration.casework.conftest import lead_involvement
from tests.integration.casework.test_single_view import social_worker, stranger


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def _denied_labels(engine: Engine, person_id: str, shown: set[str]) -> set[str]:
    """The words of the person's stored events under fields the reader is denied, less any
    that an allowed event says too (the oracle: read from the store, not the service)."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "select e.agency_id, e.source_table, e.event_type, e.codes, e.detail from event e"
                " join linkage_record lr on lr.agency_id = e.agency_id"
                " and lr.source_id = e.person_source_id where lr.person_id = :p"
            ),
            {"p": person_id},
        ).all()
    denied, allowed = set(), set()
    for agency, table, event_type, codes, detail in rows:
        codes = json.loads(codes) if isinstance(codes, str) else list(codes or [])
        detail = json.loads(detail) if isinstance(detail, str) else dict(detail or {})
        field = event_field(agency, table, event_type, codes)
        label = event_label(agency, event_type, codes, detail)
        (allowed if field in shown else denied).add(label)
    return denied - allowed


def test_dates_are_read_as_a_practitioner_types_them() -> None:
    assert parse_day("6/12/2026", "from") == date(2026, 12, 6)
    assert parse_day(" 6 December 2026 ", "from") == date(2026, 12, 6)
    assert parse_day("2026-12-06", "to") == date(2026, 12, 6)
    assert parse_day("", "to") is None
    with pytest.raises(PeriodProblem) as refused:
        parse_day("31/02/2015", "from")
    assert refused.value.field == "from" and "real date" in str(refused.value)
    with pytest.raises(PeriodProblem) as backwards:
        Filters.parse(since="1/6/2026", until="1/1/2026")
    assert backwards.value.field == "to"


def test_the_filters_keep_what_they_say(store: Engine) -> None:
    person, key, team = lead_involvement(store, "social_care", with_agency_events="health")
    reader = social_worker(key, team)
    everything = chronology(store, reader, person)
    assert everything.allowed and everything.total == len(everything.entries) >= 2
    assert [e.on for e in everything.entries] == sorted(e.on for e in everything.entries)
    assert {o.value for o in everything.agencies} >= {"social_care", "health"}
    health = chronology(store, reader, person, Filters.parse(agencies=["health"]))
    assert health.entries and {e.agency for e in health.entries} == {"health"}
    assert health.total == everything.total
    kind = everything.entries[0].kind
    of_kind = chronology(store, reader, person, Filters.parse(kinds=[kind]))
    assert of_kind.entries and {e.kind for e in of_kind.entries} == {kind}
    middle = everything.entries[len(everything.entries) // 2].on
    since = chronology(store, reader, person, Filters.parse(since=middle, order="newest"))
    assert since.entries and all((e.ended_on or e.on) >= middle for e in since.entries)
    assert [e.on for e in since.entries] == sorted((e.on for e in since.entries), reverse=True)
    until = chronology(store, reader, person, Filters.parse(until=middle))
    assert until.entries and all(e.on <= middle for e in until.entries)


def test_a_denied_field_is_in_neither_the_page_nor_the_csv_nor_the_pdf(store: Engine) -> None:
    person, key, team = lead_involvement(store, "social_care", with_agency_events="police")
    reader = social_worker(key, team)
    shown = set(single_view(store, reader, person).access.fields_shown)
    denied = _denied_labels(store, person, shown)
    assert denied, "the oracle needs an event of a field this reader may not see"
    answer = chronology(store, reader, person)
    assert all(e.kind in shown or e.kind.startswith("recorded.") for e in answer.entries)
    page = {e.summary for e in answer.entries}
    assert not page & denied
    rows = _csv_rows(export_chronology(store, reader, person, file_format="csv").content)
    assert len(rows) == len(answer.entries)
    assert not {r["What happened"] for r in rows} & denied
    pdf = _pdf_text(export_chronology(store, reader, person, file_format="pdf").content)
    assert answer.entries[0].summary.split(":")[0] in pdf  # the PDF does hold the table
    assert not [label for label in denied if label in pdf]
    # Asking for a withheld agency by name gives nothing of it either.
    withheld = {w.agency for w in answer.withheld}
    for agency in withheld - {e.agency for e in answer.entries}:
        asked = chronology(store, reader, person, Filters.parse(agencies=[agency]))
        assert asked.entries == []


def test_an_export_is_a_share_in_the_audit_log(store: Engine) -> None:
    person, key, team = lead_involvement(store, "social_care", with_agency_events="health")
    reader = social_worker(key, team)
    filters = Filters.parse(agencies=["health"])
    export = export_chronology(store, reader, person, filters, file_format="pdf")
    assert export.content.startswith(b"%PDF") and export.filename.endswith(".pdf")
    with store.connect() as connection:
        shares = audit_search(connection, kind="SHARE", subject=person)
    share = next(s for s in shares if s.seq == export.audit_seq)
    assert share.actor == reader.user_id and share.actor_role == "SOCIAL_WORKER"
    assert share.purpose == "LEAD_PRACTITIONER_CASEWORK"
    assert share.details["format"] == "pdf" and share.details["to_agency"] == "social_care"
    assert share.details["fields"] and all(f.startswith("health.") for f in share.details["fields"])
    assert share.details["filters"]["agencies"] == ["health"]
    assert share.details["entries"] >= 1
    # The child's transparency report says it in words.
    sentence = describe(share, None) or ""
    assert "services that work together" in sentence and "partnership" not in sentence


def test_a_reader_shown_nothing_exports_nothing(store: Engine) -> None:
    person, _key, _team = lead_involvement(store, "social_care")
    answer = chronology(store, stranger(), person)
    assert not answer.allowed and answer.entries == [] and answer.total == 0
    with pytest.raises(Forbidden):
        export_chronology(store, stranger(), person)


def test_a_recorded_concern_stays_on_the_timeline_for_those_it_was_shared_with(
    store: Engine,
) -> None:
    person, key, team = lead_involvement(store, "social_care", with_agency_events="education")
    recorder = social_worker(key, team)
    words = "Child arrived at the contact centre hungry and in the same clothes as last week."
    recorded = record_concern(store, recorder, person, words)
    # The recorder, on the single view's answer and in the chronology, with who wrote it.
    view = single_view(store, recorder, person)
    note = next(n for n in view.recorded if n.id == recorded["concern_id"])
    assert note.text == words and note.recorded_by == recorder.user_id
    entry = next(
        e for e in chronology(store, recorder, person).entries
        if e.ref == f"concern-{recorded['concern_id']}"
    )  # fmt: skip
    assert entry.summary == words and entry.kind == "recorded.concern"
    assert recorder.user_id in entry.source and "Social worker" in entry.source
    # A police officer who breaks the glass sees the record, but not a concern social care
    # shared with the child's lead practitioners only.
    officer = Reader.build(
        user_id="officer-chronology",
        role="POLICE_SAFEGUARDING_OFFICER",
        agency="police",
        purpose="CHILD_PROTECTION_ENQUIRY",
    )
    break_glass(store, officer, person, "Child reported missing overnight, found at an address")
    seen = single_view(store, officer, person)
    assert seen.access.allowed
    assert all(n.id != recorded["concern_id"] for n in seen.recorded)
    assert words not in {e.summary for e in chronology(store, officer, person).entries}
    # A reader shown nothing sees no recorded notes either.
    assert single_view(store, stranger(), person).recorded == []
