"""The exchange between two partnerships' stores, end to end in one process (the loopback
test runs the same over HTTP between two servers): discovery on encodings only, signed
summaries under the agreement, the MASH told, transfer-in cases opened, both sides audited
and both children's transparency reports showing it; and what is refused."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from joinedup.errors import BadInput, NotFound
from joinedup.exchange.partners import UnknownPartner
from joinedup.exchange.summary import SummaryRejected
from joinedup.exchange.terms import NotAgreed
from joinedup.governance.transparency import build_report
from joinedup.services import exchange, exchange_transfer
from joinedup.store.alert_tables import alert
from joinedup.store.exchange_tables import exchange_match, exchange_summary, transfer_in_case

from .conftest import Pair, open_and_deposit

NOW = datetime.now(UTC)


def run(pair: Pair) -> dict[str, Any]:
    """Otherbury (B) finds Exampleshire's (A) children it holds and receives their summaries."""
    session, ours = open_and_deposit(pair, NOW)
    with pair.sides["exampleshire"].active():
        blob = exchange.export_encodings(pair.a, "otherbury", session, NOW)
    with pair.sides["otherbury"].active():
        found = exchange.discover_from(pair.b, "exampleshire", blob, ours, NOW)
    with pair.sides["exampleshire"].active():
        signed = exchange.answer_requests(pair.a, "otherbury", session, found["requests"], NOW)
    with pair.sides["otherbury"].active():
        got = exchange.receive_summaries(pair.b, "exampleshire", signed, NOW)
    return {"blob": blob, "found": found, "signed": signed, "got": got, "session": session,
            "ours": ours}  # fmt: skip


def test_movers_are_found_and_their_summaries_reach_the_mash(pair: Pair) -> None:
    run(pair)
    movers = set(pair.movers.values())
    with pair.b.connect() as b:
        matched = set(b.execute(select(exchange_match.c.person_id)).scalars())
        summaries = b.execute(select(exchange_summary)).all()
        cases = b.execute(select(transfer_in_case)).all()
        alerts = b.execute(select(alert.c.rule_id, alert.c.child_person_id,
                                  alert.c.recipient_kind)).all()  # fmt: skip
    assert matched == movers
    assert {s.person_id for s in summaries} == movers
    planned = {pair.movers[p] for p in pair.on_plan}
    assert {c.person_id for c in cases} == planned
    today = NOW.astimezone(exchange_transfer.UK).date()
    for case in cases:
        assert case.status == "OPEN"
        assert case.conference_due_on == exchange_transfer.add_working_days(today, 15)
        assert case.kind in ("CHILD_PROTECTION_PLAN", "LOOKED_AFTER")
    by_child = {(r.rule_id, r.child_person_id) for r in alerts if r.recipient_kind == "MASH"}
    assert {("TRANSFER_IN", p) for p in planned} <= by_child
    assert {("EXCHANGE_SUMMARY", p) for p in movers - planned} <= by_child
    # The summary of a child on a plan says so, with its lead practitioners' contacts.
    planned_summary = next(s for s in summaries if s.person_id in planned)
    sections = planned_summary.summary["sections"]
    assert any(e["current"] for e in sections["cp_plans"] + sections["looked_after"])
    assert set(sections) <= {"cp_plans", "looked_after", "cin_episodes",
                             "lead_practitioners", "recent_concerns"}  # fmt: skip


def test_nothing_about_a_child_only_one_side_holds_crosses(pair: Pair) -> None:
    result = run(pair)
    # Before a match, only encodings leave Exampleshire: no name, no date of birth, no id.
    blob = result["blob"].decode()
    with pair.a.connect() as a:
        names = a.execute(text("select surname, date_of_birth from person_record "
                               "where surname is not null limit 200")).all()  # fmt: skip
        ids = a.execute(text("select id from person limit 200")).scalars().all()
    assert not any(f'"{s}"' in blob for s, _ in names)
    assert not any(str(d) in blob for _, d in names if d)
    assert not any(i in blob for i in ids)
    # Otherbury keeps summaries, matches and audit subjects for its movers only.
    movers = set(pair.movers.values())
    with pair.b.connect() as b:
        kept = set(b.execute(select(exchange_summary.c.person_id)).scalars())
        subjects = set(b.execute(text(
            "select subject from audit_entry where kind like 'EXCHANGE%' and subject is not null"
        )).scalars())  # fmt: skip
    assert kept == movers and subjects == movers
    # Exampleshire sent summaries about its movers only.
    with pair.a.connect() as a:
        sent = set(
            a.execute(
                text("select subject from audit_entry where kind = 'EXCHANGE_SENT'")
            ).scalars()
        )
    assert sent == set(pair.movers)
    assert len(result["signed"]) == len(pair.movers)


def test_both_childrens_transparency_reports_show_the_exchange(pair: Pair) -> None:
    run(pair)
    a_child, b_child = next(iter(pair.movers.items()))
    with pair.a.begin() as a:
        sent = build_report(a, a_child, requester="self").to_markdown()
    with pair.b.begin() as b:
        received = build_report(b, b_child, requester="self").to_markdown()
    assert "sent the safeguarding team in Otherbury information about you" in sent
    assert "by children's social care in Exampleshire" in received


def test_a_tampered_summary_or_an_unknown_key_is_refused(pair: Pair) -> None:
    result = run(pair)
    signed = json.loads(json.dumps(result["signed"][0]))
    signed["summary"]["sections"]["recent_concerns"] = []
    signed["summary"]["made_at"] = (NOW + timedelta(seconds=1)).isoformat()
    with pair.sides["otherbury"].active(), pytest.raises(SummaryRejected, match="does not check"):
        exchange.receive_summaries(pair.b, "exampleshire", [signed], NOW)
    stranger = dict(result["signed"][0], key_id="0" * 64)
    with pair.sides["otherbury"].active(), pytest.raises(SummaryRejected, match="not trusted"):
        exchange.receive_summaries(pair.b, "exampleshire", [stranger], NOW)
    with pair.sides["otherbury"].active(), pytest.raises(BadInput, match=r"summaries\[0\]"):
        exchange.receive_summaries(pair.b, "exampleshire", [{"summary": "x"}], NOW)


def test_an_unknown_partner_gets_nothing(pair: Pair) -> None:
    with pair.sides["exampleshire"].active(), pytest.raises(UnknownPartner):
        exchange.export_encodings(pair.a, "eastmarch", "a session", NOW)
    assert UnknownPartner.http_status == 403


def test_a_request_for_a_ref_not_matched_is_refused_and_audited(pair: Pair) -> None:
    result = run(pair)
    session, first = result["session"], result["found"]["requests"][0]
    unknown = {"ref": "ab" * 16}
    with pair.a.connect() as a:  # a child of the export that the deposit did not match
        unpaired = a.execute(text("select ref from exchange_export_ref "
                                  "where paired_with is null limit 1")).scalar_one()  # fmt: skip
    with pair.sides["exampleshire"].active():
        for request in (unknown, {"ref": unpaired}):
            with pytest.raises(NotFound, match=r"requests\[1\]"):
                exchange.answer_requests(pair.a, "otherbury", session, [first, request], NOW)
        with pytest.raises(BadInput, match=r"requests\[0\]"):
            exchange.answer_requests(pair.a, "otherbury", session, [{"ref": 3}], NOW)
        assert len(exchange.answer_requests(pair.a, "otherbury", session, [first], NOW)) == 1
    with pair.a.connect() as a:
        refused = a.execute(text(
            "select details from audit_entry where kind = 'EXCHANGE_REQUEST_REFUSED'"
        )).scalars().all()  # fmt: skip
    assert len(refused) == 2


def test_a_malformed_encodings_file_is_refused_with_one_line(pair: Pair) -> None:
    _, ours = open_and_deposit(pair, NOW)
    with pair.sides["otherbury"].active():
        for blob in (b"not json", b'{"format": "other"}', json.dumps({
            "format": "joinedup-child-encodings", "version": 1,
            "encodings": [{"ref": "x", "clk": base64.b64encode(b"12").decode(), "blocks": []}],
        }).encode()):  # fmt: skip
            with pytest.raises(BadInput, match="child encodings"):
                exchange.discover_from(pair.b, "exampleshire", blob, ours, NOW)


def test_what_the_agreement_does_not_allow_is_not_sent(pair: Pair) -> None:
    from joinedup.exchange.terms import Terms

    terms = Terms("EXM-OTB-MOVE-001 v1", "exampleshire-to-otherbury", frozenset({"cp_plans"}),
                  12, "public_task", ())  # fmt: skip
    assert terms.sections == ("cp_plans",)
    with pytest.raises(NotAgreed, match="does not let pass: recent_concerns"):
        terms.check({"cp_plans": [], "recent_concerns": []}, NOW.date())
    old = (NOW - timedelta(days=800)).date().isoformat()
    with pytest.raises(NotAgreed, match="last 12 months"):
        terms.check({"cp_plans": [{"started_on": old, "ended_on": old}]}, NOW.date())
    # Without the agreement between the two, nothing is exported at all.
    with pair.a.begin() as a:
        a.execute(text("update agreement_version set superseded_at = :now "
                       "where agreement_id = 'EXM-OTB-MOVE-001'"), {"now": NOW})  # fmt: skip
    with pair.sides["exampleshire"].active(), pytest.raises(NotAgreed):
        exchange.export_encodings(pair.a, "otherbury", "a session", NOW)


def test_a_second_run_tells_the_mash_nothing_new(pair: Pair) -> None:
    run(pair)
    again = run(pair)
    assert [r["new"] for r in again["got"]["received"]] == [False] * len(pair.movers)
    with pair.b.connect() as b:
        cases = b.execute(select(transfer_in_case)).all()
        alerts = b.execute(select(alert.c.id)).all()
        summaries = b.execute(select(exchange_summary)).all()
    assert len(cases) == len(pair.on_plan)
    assert len(summaries) == len(pair.movers)
    assert len(alerts) == len(pair.movers)


def test_a_transfer_in_case_is_tracked_to_completion_and_alerts_when_overdue(pair: Pair) -> None:
    from joinedup.errors import Conflict

    run(pair)
    cases = exchange_transfer.cases(pair.b, NOW)
    first, second = cases[0], cases[1]
    due = datetime.fromisoformat(first["conference_due_on"]).replace(tzinfo=UTC)
    with pytest.raises(Conflict):
        exchange_transfer.move(pair.b, first["case_id"], "CONFERENCE_HELD", "mash", NOW,
                               conference_on=NOW.date())  # fmt: skip
    with pytest.raises(BadInput, match="conference's date"):
        exchange_transfer.move(pair.b, first["case_id"], "CONFERENCE_BOOKED", "mash", NOW)
    exchange_transfer.move(pair.b, first["case_id"], "CONFERENCE_BOOKED", "mash", NOW,
                           conference_on=due.date())  # fmt: skip
    held = exchange_transfer.move(pair.b, first["case_id"], "CONFERENCE_HELD", "mash", NOW,
                                  conference_on=due.date())  # fmt: skip
    assert held["status"] == "CONFERENCE_HELD" and not held["overdue"]
    closed = exchange_transfer.move(pair.b, first["case_id"], "CLOSED", "mash", NOW,
                                    outcome="Plan continued under Otherbury")  # fmt: skip
    assert closed["status"] == "CLOSED"
    # The other case passes its 15 working days without a conference: the MASH hears once.
    late = due + timedelta(days=3)
    assert exchange_transfer.check_overdue(pair.b, late) == [second["case_id"]]
    assert exchange_transfer.check_overdue(pair.b, late) == []
    with pair.b.connect() as b:
        rules = b.execute(select(alert.c.rule_id).where(alert.c.rule_id == "TRANSFER_IN_OVERDUE"))
        assert len(rules.all()) == 1
    assert exchange_transfer.cases(pair.b, late)[0]["overdue"]


def test_fifteen_working_days_skip_weekends_and_bank_holidays() -> None:
    from datetime import date

    # Monday 15 December 2025: Christmas Day, Boxing Day and New Year's Day fall within.
    assert exchange_transfer.add_working_days(date(2025, 12, 15), 15) == date(2026, 1, 8)
    assert exchange_transfer.add_working_days(date(2026, 3, 2), 15) == date(2026, 3, 23)


def test_the_receiver_refuses_a_signed_summary_that_shares_more_than_agreed(pair: Pair) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from joinedup.exchange.summary import sign

    result = run(pair)
    document = dict(result["signed"][0]["summary"])
    document.pop("format")
    document["sections"] = {**document["sections"], "family": [{"name": "an adult"}]}
    raw = base64.b64decode(pair.sides["exampleshire"].key)
    signed = sign(document, Ed25519PrivateKey.from_private_bytes(raw)).to_dict()
    with pair.sides["otherbury"].active(), pytest.raises(NotAgreed, match="family"):
        exchange.receive_summaries(pair.b, "exampleshire", [signed], NOW)
    with pair.b.connect() as b:
        kept = b.execute(select(exchange_summary.c.summary)).scalars().all()
    assert not any("family" in s["sections"] for s in kept)
