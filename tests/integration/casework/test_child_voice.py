"""The child's voice (issue 21): a practitioner who works with the child records their wishes
and feelings; the single view shows them first to those who may see the recording agency's
record; the audit log and the child's transparency report say they were recorded, never what
was said."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from joinedup.errors import BadInput, Forbidden
from joinedup.governance.audit.query import search as audit_search
from joinedup.governance.reader import Reader
from joinedup.governance.transparency import build_report
from joinedup.services.casework import single_view
from joinedup.services.child_voice import record_voice
from tests.integration.casework.conftest import lead_involvement
from tests.support.casework import add_contact

WORDS = "I want to stay with my nan at weekends and I feel scared when dad shouts."


def _social_worker(key: str, team: str | None) -> Reader:
    return Reader.build(
        user_id=f"sw-{key}",
        role="SOCIAL_WORKER",
        agency="social_care",
        purpose="LEAD_PRACTITIONER_CASEWORK",
        practitioner_key=key,
        team=team,
    )


def test_the_childs_voice_is_recorded_audited_and_shown_first(store: Engine) -> None:
    person, key, team = lead_involvement(store, "social_care")
    reader = _social_worker(key, team)
    said = date.today() - timedelta(days=2)
    recorded = record_voice(store, reader, person, WORDS, spoken_on=said.isoformat())
    record_voice(store, reader, person, "Today I said school is going better now.")
    view = single_view(store, reader, person).as_dict()
    assert [v["words"] for v in view["voice"]][:2] == [
        "Today I said school is going better now.",
        WORDS,
    ], "newest first"
    assert view["voice"][1]["spoken_on"] == said.isoformat()
    assert view["options"]["can_record_voice"]
    with store.connect() as connection:
        entries = audit_search(connection, kind="CHILD_VOICE_RECORDED", subject=person)
    assert recorded["audit_seq"] in [e.seq for e in entries]
    entry = next(e for e in entries if e.seq == recorded["audit_seq"])
    assert entry.actor == reader.user_id and entry.purpose == "LEAD_PRACTITIONER_CASEWORK"
    assert entry.details["spoken_on"] == said.isoformat()
    assert "dad shouts" not in str(entry.details), "the audit log says that, never what"
    with store.begin() as connection:
        report = build_report(connection, person, now=datetime.now(UTC))
    voiced = [d for d in report.disclosures if d.kind == "CHILD_VOICE_RECORDED"]
    assert len(voiced) >= 2
    assert "wrote down what you told them" in voiced[0].sentence
    assert "Children Act 1989" in voiced[0].law
    assert "dad shouts" not in report.to_markdown()


def test_the_mash_sees_it_where_social_care_is_shared(store: Engine) -> None:
    person, key, team = lead_involvement(store, "social_care")
    record_voice(store, _social_worker(key, team), person, WORDS)
    mash = Reader.build(
        user_id="mash-voice", role="MASH_PRACTITIONER", agency="health",
        purpose="MASH_TRIAGE", practitioner_key="mash@health.example",
    )  # fmt: skip
    assert single_view(store, mash, person).as_dict()["voice"] == [], "not on the MASH list"
    from sqlalchemy import text

    with store.connect() as connection:
        source = connection.execute(
            text("select source_id from linkage_record where person_id = :p"
                 " and agency_id = 'social_care'"), {"p": person}
        ).scalar_one()  # fmt: skip
    add_contact(store, source)
    view = single_view(store, mash, person).as_dict()
    assert "social_care.identity" in view["access"]["fields_shown"]
    assert WORDS in [v["words"] for v in view["voice"]]


def test_bad_words_or_days_and_strangers_are_refused(store: Engine) -> None:
    person, key, team = lead_involvement(store, "social_care")
    reader = _social_worker(key, team)
    with pytest.raises(BadInput) as short:
        record_voice(store, reader, person, "ok")
    assert short.value.field == "words"
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    for day in ("30/11/2026", tomorrow):
        with pytest.raises(BadInput) as bad_day:
            record_voice(store, reader, person, WORDS, spoken_on=day)
        assert bad_day.value.field == "spoken_on"
    stranger = Reader.build(
        user_id="sw-voice-stranger", role="SOCIAL_WORKER", agency="social_care",
        purpose="LEAD_PRACTITIONER_CASEWORK", practitioner_key="nobody@sc.example",
    )  # fmt: skip
    with pytest.raises(Forbidden):
        record_voice(store, stranger, person, WORDS)
