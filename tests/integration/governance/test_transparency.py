"""The transparency report says who looked at or shared what, when, why and under which law,
in plain words; DPA 2018 Sch 3 exempt entries are withheld and each withholding is audited."""

# ruff: noqa: F811  (pytest fixtures imported from audit_fixtures are test arguments)

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from joinedup.errors import BadInput
from joinedup.governance.audit import append, verify_log
from joinedup.governance.audit.heads import trusted_keys
from joinedup.governance.audit.query import search
from joinedup.governance.transparency import build_report, mark_exempt
from tests.integration.governance.audit_fixtures import (  # noqa: F401  (fixtures)
    audit_key_dir,
    engine,
    migrated_store,
)


def at(day: int) -> datetime:
    return datetime(2026, 5, day, 9, 30, tzinfo=UTC)


def record(engine: Engine, kind: str, day: int, subject: str = "P-1", **values: Any) -> int:
    details = values.pop("details")
    with engine.begin() as connection:
        return append(
            connection,
            kind=kind,
            actor=values.pop("actor", "sam"),
            subject=subject,
            details=details,
            recorded_at=at(day),
            **values,
        ).seq


def access(engine: Engine, day: int, fields: list[str], **values: Any) -> int:
    details = {
        "agency": values.pop("agency", "social_care"),
        "allowed": fields,
        "denied": values.pop("denied", []),
        "agreements": values.pop("agreements", []),
    }
    details.update(values.pop("extra", {}))
    return record(
        engine,
        "ACCESS",
        day,
        actor_role=values.pop("role", "SOCIAL_WORKER"),
        purpose=values.pop("purpose", "EARLY_HELP"),
        details=details,
        **values,
    )


def share(engine: Engine, day: int, **extra: Any) -> int:
    details = {
        "from_agency": "police",
        "to_agency": "social_care",
        "fields": ["police.incidents"],
        "lawful_basis": "legal_obligation",
    } | extra
    return record(
        engine,
        "SHARE",
        day,
        actor="pc",
        actor_role="POLICE_SAFEGUARDING_OFFICER",
        purpose="MASH_TRIAGE",
        details=details,
    )


def report(engine: Engine, person: str = "P-1", requester: str = "self"):  # type: ignore[no-untyped-def]
    with engine.begin() as connection:
        return build_report(
            connection,
            person,
            requester=requester,
            actor="dpo",
            now=datetime(2026, 11, 21, tzinfo=UTC),
        )


def test_an_access_reads_as_who_what_when_why_and_law(engine: Engine) -> None:
    access(engine, 3, ["education.attendance"])
    text = report(engine).lines()[0]
    assert text.startswith("On 3 May 2026, a social worker from children's social care")
    assert (
        "looked at information about you. From your school or the council's education "
        "team: your school attendance." in text
    )
    assert "They did it to work out what extra help you or your family might need." in text
    assert "The law that allowed it: a data sharing agreement between the services" in text


def test_a_share_names_both_services_the_purpose_and_the_lawful_basis(engine: Engine) -> None:
    share(engine, 4)
    text = report(engine).lines()[0]
    assert (
        "On 4 May 2026, the police shared information about you with children's social "
        "care at the council. They shared incidents the police wrote down." in text
    )
    assert "to decide quickly whether you needed help to be safe" in text
    assert "the law says they must share it (UK GDPR Article 6(1)(c))" in text


def test_the_law_comes_from_the_agreement_flow_the_access_relied_on(engine: Engine) -> None:
    from joinedup.governance.agreement_store import save
    from joinedup.governance.agreements import shipped_agreements

    agreement = next(a for a in shipped_agreements() if a.id == "EXM-EH-003")
    with engine.begin() as connection:
        save(connection, agreement, source="examples", loaded_by="dpo")
    access(engine, 5, ["education.attendance"], agreements=[agreement.key])
    text = report(engine).lines()[0]
    assert "public services may use information when they need it" in text
    assert "the Children Act 2004, section 10 (services working together for children)" in text
    assert "Education Act 2002, section 175" in text


def test_refused_requests_are_counted_and_other_people_are_not_included(
    engine: Engine,
) -> None:
    access(engine, 3, [], denied=["health.encounters"])
    access(engine, 4, ["education.attendance"], subject="P-2")
    built = report(engine)
    assert built.disclosures == []
    assert built.lines() == [
        "Someone asked to see information about you once and was not allowed to."
    ]


def test_the_wording_is_plain(engine: Engine) -> None:
    access(
        engine, 3, ["education.attendance", "health.encounters"], purpose="CHILD_PROTECTION_ENQUIRY"
    )
    share(engine, 4)
    record(
        engine,
        "BREAK_GLASS",
        5,
        actor="doc",
        actor_role="HEALTH_SAFEGUARDING_LEAD",
        purpose="CHILD_PROTECTION_ENQUIRY",
        details={"agency": "health"},
    )
    text = report(engine).to_markdown()
    assert not re.search(r"\b[A-Z]{2,}_[A-Z_]+\b|\b[a-z]+_[a-z_]+\b|[a-z]\.[a-z]", text), text
    who_what_why = [
        s
        for line in report(engine).lines()
        for s in line.split(" The law that allowed it:")[0].split(". ")
    ]
    assert max(len(s.split()) for s in who_what_why) <= 25


def test_serious_harm_entries_are_withheld_from_everyone_and_recorded(engine: Engine) -> None:
    harmful = share(engine, 4, serious_harm=True)
    access(engine, 5, ["education.attendance"])
    for requester in ("self", "parent"):
        built = report(engine, requester=requester)
        assert [d.seq for d in built.disclosures] == [harmful + 1]
        assert [(w.seq, w.exemption) for w in built.withheld] == [(harmful, "serious_harm")]
        assert "incidents" not in built.to_markdown()
        assert "Part 3" not in built.to_markdown()  # nothing about the withholding shows
    with engine.connect() as connection:
        withheld = search(connection, kind="SAR_WITHHELD", subject="P-1")
        reports = search(connection, kind="SUBJECT_ACCESS", subject="P-1")
        assert verify_log(connection, trusted_keys(engine.url)).ok
    assert [e.details["withheld_seq"] for e in withheld] == [harmful, harmful]
    assert {e.details["requester"] for e in withheld} == {"self", "parent"}
    assert "serious harm" in withheld[0].details["law"]
    assert reports[0].details["withheld"] == [harmful] and reports[0].actor == "dpo"


def test_child_abuse_data_is_withheld_from_a_parent_but_not_the_child(engine: Engine) -> None:
    enquiry = access(engine, 3, ["health.encounters"], purpose="CHILD_PROTECTION_ENQUIRY")
    plans = access(engine, 4, ["social_care.cp_plans"], agency="education", role="SCHOOL_DSL")
    glass = record(
        engine,
        "BREAK_GLASS",
        5,
        actor="doc",
        actor_role="HEALTH_SAFEGUARDING_LEAD",
        purpose="MASH_TRIAGE",
        details={"agency": "health"},
    )
    record(
        engine,
        "BREAK_GLASS_REVIEW",
        6,
        actor="po",
        actor_role="PRIVACY_OFFICER",
        purpose="AUDIT",
        details={"accessed_by": "doc", "outcome": "APPROPRIATE"},
    )
    ordinary = access(engine, 7, ["education.attendance"])
    child = report(engine)
    assert [d.seq for d in child.disclosures] == [enquiry, plans, glass, ordinary]
    assert "opened your record in an emergency" in child.lines()[2]
    assert "found it was the right thing to do" in child.lines()[2]
    parent = report(engine, requester="parent")
    assert [d.seq for d in parent.disclosures] == [ordinary]
    assert {w.seq for w in parent.withheld} == {enquiry, plans, glass}
    assert all("Part 5 para 21" in w.law for w in parent.withheld)
    assert parent.to_markdown().startswith("# What happened to your child's information")
    assert "your child's school attendance" in parent.lines()[0]
    with engine.connect() as connection:
        audited = search(connection, kind="SAR_WITHHELD")
    assert sorted(e.details["withheld_seq"] for e in audited) == sorted([enquiry, plans, glass])


def test_a_dpo_can_mark_an_entry_exempt_after_the_fact(engine: Engine) -> None:
    seq = access(engine, 3, ["education.attendance"])
    assert [d.seq for d in report(engine).disclosures] == [seq]
    with engine.begin() as connection:
        mark_exempt(connection, seq, "serious_harm", "dpo", "a risk to the mother")
    assert report(engine).disclosures == []
    with engine.begin() as connection, pytest.raises(BadInput):
        mark_exempt(connection, seq, "embarrassing", "dpo")


def test_html_is_escaped_and_lists_the_entries(engine: Engine) -> None:
    access(engine, 3, ["education.attendance"], role="<script>")
    page = report(engine).to_html()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert page.count("<li>") == 1 and "<ul>" in page and "3 May 2026" in page


def test_nothing_to_report_says_so_and_a_bad_requester_is_refused(engine: Engine) -> None:
    assert "Nobody has looked at or shared information about you" in report(engine).to_markdown()
    with pytest.raises(BadInput):
        report(engine, requester="neighbour")


def test_the_cli_prints_the_report_and_gives_the_dpo_the_withholdings(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from joinedup.cli import app
    from joinedup.services.accounts import add_user

    share(engine, 4, serious_harm=True)
    access(engine, 5, ["education.attendance"])
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    add_user(engine, username="dpo", role="PRIVACY_OFFICER", agency="social_care",
             display_name="Data protection officer", password=None)  # fmt: skip
    add_user(engine, username="sw", role="SOCIAL_WORKER", agency="social_care",
             display_name="A social worker", password=None)  # fmt: skip
    runner = CliRunner()
    assert runner.invoke(app, ["transparency", "P-1", "--as", "sw"]).exit_code == 5
    printed = runner.invoke(app, ["transparency", "P-1", "--as", "dpo"])
    assert printed.exit_code == 0 and "On 5 May 2026" in printed.output
    assert "On 4 May 2026" not in printed.output
    as_json = runner.invoke(
        app, ["transparency", "P-1", "--as", "dpo", "--requester", "parent", "--json"]
    )
    assert as_json.exit_code == 0
    assert [w["exemption"] for w in json.loads(as_json.output)["withheld"]] == ["serious_harm"]
    page = runner.invoke(app, ["transparency", "P-1", "--as", "dpo", "--format", "html"])
    assert page.exit_code == 0 and page.output.startswith("<!doctype html>")
    marked = runner.invoke(
        app, ["transparency-exempt", "1", "--exemption", "serious_harm", "--as", "dpo"]
    )
    assert marked.exit_code == 0
    assert "On 5 May 2026" not in runner.invoke(app, ["transparency", "P-1", "--as", "dpo"]).output
