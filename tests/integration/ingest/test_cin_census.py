"""The DfE CIN census return (``cin-census-xml/1``): the vendored liiatools sample ingests
with full row accounting, and hostile returns are refused with a message naming the element
and line, or quarantined child by child."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from joinedup.errors import DeliveryRejected
from joinedup.ingest import ingest_delivery, xml_rows
from joinedup.ingest.reprocess import reprocess_quarantine
from joinedup.store import tables as t
from tests.support.returns import CIN, child, cin_delivery, message

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "returns" / "cin-2022.xml"


def _events(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(select(t.event).order_by(t.event.c.source_id)).mappings()
        return [dict(r) for r in rows]


def _quarantined(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(select(t.quarantined_row)).mappings()
        return [dict(r) for r in rows]


def test_the_dfe_sample_ingests_with_every_row_accounted_for(
    engine: Engine, tmp_path: Path
) -> None:
    report = ingest_delivery(engine, cin_delivery(tmp_path / "d", SAMPLE.read_bytes()))
    (counts,) = report.files
    assert (counts.path, counts.rows, counts.accepted, counts.quarantined) == (CIN, 1, 1, 0)
    with engine.connect() as connection:
        person = connection.execute(select(t.person_record)).mappings().one()
    assert (person["agency_id"], person["source_table"], person["source_id"]) == (
        "social_care",
        "cin_child",
        "DfEX0000001",
    )
    assert str(person["date_of_birth"]) == "1966-03-24" and person["ethnicity"] == "WBRI"
    kinds = sorted(e["event_type"] for e in _events(engine))
    assert kinds == [
        "ASSESSMENT",
        "ASSESSMENT_FACTORS",
        "CIN_PLAN",
        "CP_PLAN",
        "REFERRAL",
        "S47_ENQUIRY",
    ]
    plan = next(e for e in _events(engine) if e["event_type"] == "CP_PLAN")
    assert plan["codes"] == ["PHY", "PHY"] and str(plan["ended_on"]) == "1971-03-14"
    # delivered again: nothing changes
    again = ingest_delivery(engine, cin_delivery(tmp_path / "d", SAMPLE.read_bytes()))
    assert again.status == "unchanged"


def test_generated_children_become_people_and_events(engine: Engine, tmp_path: Path) -> None:
    xml = message(child("C1", upn="C383200012001"), child("C2"), child("C3"))
    report = ingest_delivery(engine, cin_delivery(tmp_path / "d", xml))
    assert (report.total("rows"), report.total("accepted")) == (3, 3)
    events = _events(engine)
    assert len(events) == 9  # a referral, an assessment and its factors each
    with engine.connect() as connection:
        people = {r["source_id"]: r for r in connection.execute(select(t.person_record)).mappings()}
    assert people["C1"]["upn"] == "C383200012001" and people["C2"]["upn"] is None
    assert people["C2"]["sex"] == "F" and people["C2"]["attributes"]["upn_unknown"] == "UN1"
    assert {e["source_id"] for e in events if e["person_source_id"] == "C1"} == {
        "C1:REFERRAL:2026-02-01",
        "C1:ASSESSMENT:2026-02-03",
        "C1:ASSESSMENT_FACTORS:2026-02-03",
    }


def _rejected(folder: Path, engine: Engine) -> str:
    with pytest.raises(DeliveryRejected) as caught:
        ingest_delivery(engine, folder)
    text = str(caught.value)
    assert "\n" not in text and "Traceback" not in text
    with engine.connect() as connection:
        assert connection.execute(select(t.source_record)).first() is None
    return text


def test_malformed_xml_is_refused_naming_the_element_and_line(
    engine: Engine, tmp_path: Path
) -> None:
    broken = message(child("C1")).replace("</ChildIdentifiers>", "</ChildIdentifier>")
    # its rows cannot even be counted: the delivery is refused at the manifest check
    text = _rejected(cin_delivery(tmp_path / "d", broken), engine)
    assert re.search(r"cin_census\.xml: is not well-formed XML: line \d+: .*ChildIdentifier", text)


def test_a_wrong_namespace_is_refused(engine: Engine, tmp_path: Path) -> None:
    xml = message(child("C1"), root='<Message xmlns="urn:example:not-the-dfe">')
    text = _rejected(cin_delivery(tmp_path / "d", xml), engine)
    # One line naming the namespace, the element and its line (tests/integration/ingest/
    # test_xml_namespaces.py holds every XML return to it).
    assert "<Message> in namespace 'urn:example:not-the-dfe' at line 2" in text
    assert "expected <Message> with no namespace" in text


def test_a_doctype_and_entities_are_refused(engine: Engine, tmp_path: Path) -> None:
    xml = message(child("C1")).replace(
        "<Message>",
        '<!DOCTYPE Message [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>\n<Message>',
    )
    text = _rejected(cin_delivery(tmp_path / "d", xml), engine)
    assert "DOCTYPE" in text


def test_schema_violations_and_bad_dates_quarantine_that_child_only(
    engine: Engine, tmp_path: Path
) -> None:
    bad_date = child("C2", referral="2026-02-30")
    bad_code = child("C3").replace(
        "<ReferralSource>1A</ReferralSource>", "<ReferralSource>ZZ</ReferralSource>"
    )
    missing = child("C4").replace("<GenderCurrent>2</GenderCurrent>", "")
    future = child("C5", referral="2027-01-01")  # valid to the schema; after the extract
    report = ingest_delivery(
        engine,
        cin_delivery(tmp_path / "d", message(child("C1"), bad_date, bad_code, missing, future)),
    )
    assert (report.total("rows"), report.total("accepted"), report.total("quarantined")) == (
        5,
        1,
        4,
    )
    found = {r["row_number"]: r for r in _quarantined(engine)}
    assert set(found) == {2, 3, 4, 5}
    assert found[2]["reason_codes"] == ["SCHEMA_INVALID"]
    assert re.search(
        r"line \d+: Element 'CINreferralDate': '2026-02-30' is not a valid", found[2]["message"]
    )
    assert "Element 'ReferralSource'" in found[3]["message"]
    assert "GenderCurrent" in found[4]["message"]
    assert found[5]["reason_codes"] == ["FUTURE_DATE"]
    assert "<LAchildID>C2</LAchildID>" in found[2]["raw"]


def test_a_duplicate_child_is_quarantined(engine: Engine, tmp_path: Path) -> None:
    report = ingest_delivery(
        engine, cin_delivery(tmp_path / "d", message(child("C1"), child("C2"), child("C1")))
    )
    assert (report.total("rows"), report.total("accepted"), report.total("quarantined")) == (
        3,
        2,
        1,
    )
    (row,) = _quarantined(engine)
    assert row["row_number"] == 3 and row["reason_codes"] == ["DUPLICATE_KEY"]


def test_a_file_too_large_is_refused(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = cin_delivery(tmp_path / "d", message(child("C1"), child("C2")))
    monkeypatch.setattr(xml_rows, "MAX_XML_BYTES", 1000)  # the real limit is 512 MB
    text = _rejected(folder, engine)
    assert re.search(r"cin_census\.xml: is [\d,]+ bytes; an XML return may be at most 1,000", text)


def test_reprocessing_a_census_keeps_schema_refusals_and_rereads_children(
    engine: Engine, tmp_path: Path
) -> None:
    bad_code = child("C2").replace(
        "<ReferralSource>1A</ReferralSource>", "<ReferralSource>ZZ</ReferralSource>"
    )
    future = child("C3", referral="2027-01-01")
    ingest_delivery(engine, cin_delivery(tmp_path / "d", message(child("C1"), bad_code, future)))
    report = reprocess_quarantine(engine, "social_care")
    outcomes = {r["row_number"]: (r["outcome"], r["reason_codes"]) for r in report.results}
    assert outcomes == {
        2: ("not_reprocessable", ["SCHEMA_INVALID"]),
        3: ("still_open", ["FUTURE_DATE"]),  # re-read from the kept child, still after the extract
    }
